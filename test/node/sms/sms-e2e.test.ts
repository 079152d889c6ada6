/**
 * The SMS binding end to end: a device on the Node host whose only link is a simulated modem (driven
 * through modules/modem's AT engine: AT+CMGS out, +CMT in, AT+CNMA), the virtual SMSC, and the local
 * LwM2M Server reaching it over SMS. Register, Read, Write, Observe and De-register in each SMS security
 * mode: secured packets (AES, 3DES), DTLS over SMS, NoSec; a payload that needs concatenated SMS.
 */
import { assert } from '../../harness/assert';
import { utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { decodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { decodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { findConcat } from '../../../modules/sms/udh';
import { credentials, sleep, smsDevice, smsWorld, type Mode, type SmsDevice, type SmsWorld, SERVER_NUMBER } from './support';

const MODES: Mode[] = ['aes', '3des', 'dtls', 'nosec'];

for (const mode of MODES) {
  describe(`SMS binding end to end, SMS security ${mode}`, function () {
    this.timeout(60_000);
    const ep = `sms-${mode}`;
    const msisdn = `+1555010${MODES.indexOf(mode)}`;
    let world: SmsWorld;
    let dev: SmsDevice;

    before(async () => {
      world = await smsWorld();
      const c = credentials(mode, msisdn, ep);
      world.gateway.addDevice(c.server);
      dev = await smsDevice(world, { ep, msisdn, accounts: [{ uri: `sms://${SERVER_NUMBER}`, shortServerId: 1, lifetime: 600, binding: 'S', pskIdentity: c.identity, securityMode: 3, sms: c.sms }] });
    });
    after(async () => {
      await dev?.close();
      await world?.close();
    });

    it('registers over SMS (b=S, sms= the device MSISDN)', async () => {
      await dev.client.start();
      const reg = await world.server.waitForRegistration(ep, 20_000);
      assert.equal(reg.binding, 'S');
      assert.equal(reg.sms, msisdn);
      assert.equal(reg.peer, `sms:${msisdn}`);
      const conn = dev.events.find((e) => e.type === 'connected');
      assert.equal(conn && conn.type === 'connected' && conn.security, mode === 'dtls' ? 'dtls-psk' : mode === 'nosec' ? 'nosec' : 'sms-secured');
      assert.equal(dev.logs.some((l) => l.level === 'warn' && /NoSec over SMS/.test(l.msg)), mode === 'nosec', 'NoSec over SMS is logged as a warning, and only then');
    });

    it('serves Read /3/0 and Read /3303/0/5700', async () => {
      const r = await world.server.read(ep, '/3/0', ContentFormat.Tlv);
      assert.equal(r.code, 0x45);
      const vals = decodeTlv([3, 0], r.payload, dev.dm.resolve);
      assert.equal(vals.find((v) => v.path[2] === 0)?.value, 'sms-e2e');
      const t = await world.server.read(ep, '/3303/0/5700', ContentFormat.Text);
      assert.equal(utf8Decode(t.payload), '20');
    });

    it('carries a 400-byte value both ways in concatenated SMS (Write, then Read back)', async () => {
      const long = 'Europe/'.padEnd(400, 'x');
      const before = world.smsc.log.length;
      assert.equal((await world.server.write(ep, '/3/0/15', utf8Encode(long), ContentFormat.Text)).code, 0x44);
      const back = await world.server.read(ep, '/3/0/15', ContentFormat.Text);
      assert.equal(utf8Decode(back.payload), long);
      const concatenated = (from: string) =>
        world.smsc.log.slice(before).filter((m) => {
          if (m.from !== from) return false;
          const d = decodeDeliver(m.tpdu);
          return !!(d.userData.udh && findConcat(d.userData.udh));
        }).length;
      assert.ok(concatenated(SERVER_NUMBER) >= 3, `server -> device: ${concatenated(SERVER_NUMBER)} concatenated parts`);
      assert.ok(concatenated(msisdn) >= 3, `device -> server: ${concatenated(msisdn)} concatenated parts`);
    });

    it('serves Write', async () => {
      assert.equal((await world.server.write(ep, '/3/0/14', utf8Encode('+05:30'), ContentFormat.Text)).code, 0x44);
      assert.equal(utf8Decode((await world.server.read(ep, '/3/0/14', ContentFormat.Text)).payload), '+05:30');
    });

    it('notifies an observer over SMS', async () => {
      const seen: string[] = [];
      const obs = await world.server.observe(ep, '/3303/0/5700', (n) => seen.push(utf8Decode(n.payload)), ContentFormat.Text);
      assert.equal(obs.code, 0x45);
      dev.temp.setValue(0, 5700, 31.5);
      dev.client.changed('/3303/0/5700');
      for (let i = 0; i < 100 && !seen.includes('31.5'); i++) await sleep(20);
      assert.ok(seen.includes('31.5'), `notifications: ${seen.join(',')}`);
      await obs.cancel().catch(() => {});
    });

    it('de-registers over SMS', async () => {
      await dev.client.stop();
      await world.server.waitForDeregistration(ep, 20_000);
      assert.equal(dev.sim.stats.missedAcks, 0, 'every +CMT acknowledged in time');
    });
  });
}
