// The SMS binding on the wire: how many SMS and how many TP-UD octets each LwM2M exchange costs in each SMS
// security mode, counted at the virtual SMSC (device with modules/modem over the simulated modem, local server).
// Register includes DTLS's handshake in the DTLS row (also shown alone).
import { ContentFormat } from '../modules/lwm2m/types';
import { credentials, sleep, smsDevice, smsWorld, SERVER_NUMBER, type Mode } from '../test/node/sms/support';
import { table } from './harness';

const rows: Record<string, string | number>[] = [];
for (const mode of ['aes', '3des', 'dtls', 'nosec'] as Mode[]) {
  const ep = `bench-${mode}`;
  const msisdn = `+1555090${['aes', '3des', 'dtls', 'nosec'].indexOf(mode)}`;
  const world = await smsWorld();
  const c = credentials(mode, msisdn, ep);
  world.gateway.addDevice(c.server);
  const dev = await smsDevice(world, { ep, msisdn, accounts: [{ uri: `sms://${SERVER_NUMBER}`, shortServerId: 1, lifetime: 600, binding: 'S', pskIdentity: c.identity, securityMode: 3, sms: c.sms }] });
  const log = world.smsc.log;
  const count = (from: number, to = log.length) => {
    const part = log.slice(from, to);
    const up = part.filter((m) => m.from === msisdn);
    const down = part.filter((m) => m.from === SERVER_NUMBER);
    const octets = (xs: typeof part) => xs.reduce((n, m) => n + m.udOctets, 0);
    return `${part.length} SMS (${up.length}↑ ${octets(up)} B, ${down.length}↓ ${octets(down)} B)`;
  };
  const t0 = log.length;
  const seen = dev.events.length;
  await dev.client.start();
  await world.server.waitForRegistration(ep, 30_000);
  await sleep(100);
  const reg = log.length;
  const hs = mode === 'dtls' && dev.events.slice(seen).some((e) => e.type === 'connected') ? count(t0, handshakeEnd(log, t0)) : '-';
  await world.server.read(ep, '/3/0', ContentFormat.Tlv);
  await sleep(100);
  const read = log.length;
  const notes: string[] = [];
  const obs = await world.server.observe(ep, '/3303/0/5700', (n) => notes.push(String(n.payload.length)), ContentFormat.Text);
  await sleep(100);
  const before = log.length;
  dev.temp.setValue(0, 5700, 21.5);
  dev.client.changed('/3303/0/5700');
  for (let i = 0; i < 100 && notes.length === 0; i++) await sleep(20);
  await sleep(200);
  rows.push({ mode, 'DTLS handshake': hs, Register: count(t0, reg), 'Read /3/0 (TLV)': count(reg, read), 'one notification': count(before) });
  await obs.cancel().catch(() => {});
  await dev.close();
  await world.close();
}
table('SMS per LwM2M exchange (↑ device→server, ↓ server→device; B = TP-UD octets)', rows);

/**
 * Where the full DTLS 1.2 handshake ends in the SMS log: its six flights alternate direction (ClientHello,
 * HelloVerifyRequest, ClientHello with cookie, ServerHello..ServerHelloDone, client CCS+Finished, server
 * CCS+Finished); the seventh change of direction is the Register.
 */
function handshakeEnd(log: { from: string }[], from: number): number {
  let flights = 0;
  let last = '';
  for (let i = from; i < log.length; i++) {
    if (log[i].from !== last) {
      flights++;
      last = log[i].from;
    }
    if (flights === 7) return i;
  }
  return log.length;
}
