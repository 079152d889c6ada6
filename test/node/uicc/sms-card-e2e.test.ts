/**
 * SMS security terminated on the (simulated) UICC, end to end: the client's CoAP goes through the card
 * (UPDATE RECORD → SEND SHORT MESSAGE) as TS 102 225 secured class 2 SMS, the server side opens them
 * with its copy of the keys and talks plain CoAP to the local LwM2M Server on loopback; the server's
 * messages come back as class 2 / TP-PID 7F SMS-DELIVERs that the device hands to the card in an
 * ENVELOPE (SMS-PP download) and reads back in plaintext after the card's REFRESH. Register, Read and
 * Observe run over it; a tampered or replayed SMS is dropped by the card with nothing sent back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { fromHex, utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { decodeDeliver, encodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { concatElement, findConcat, IEI } from '../../../modules/sms/udh';
import { NodeHost } from '../../../hosts/node/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { Lwm2mClient } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import { UiccSmsTerminal } from '../../../modules/uicc/sms-card';
import { CardSmsChannel } from '../../../modules/uicc/sms-channel';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { SmsServerGateway } from '../../../tools/uicc-sim/sms-gateway';
import { TemperatureObject } from '../../unit/lwm2m/fixtures';
import type { ResourceContent } from '../../../modules/lwm2m/types';
import { DEVICE_ENC, DEVICE_MAC, ICCID, makeCard } from '../../unit/uicc/fixtures';
import { KeyStore } from '../../../modules/store/key-store';
import { openBoundSession, provisionSmartcardBinding } from '../../../modules/uicc/bootstrap';

const EP = 'sms-card-dev';
const RES7 = fromHex('1212' + '1600' + 'bfff01'); // KIc KID SPI1 SPI2 TAR (AES, CC + ciphering + counter higher, no PoR)
const RES8 = fromHex('000102030405060708090a0b0c0d0e0f' + '101112131415161718191a1b1c1d1e1f');
const SERVER_NO = '+447700900123';
const DEVICE_NO = '+447700900456';

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SMS security terminated on the UICC, end to end (simulated card, local LwM2M Server)', function () {
  this.timeout(60_000);
  let server: Lwm2mTestServer;
  let gateway: SmsServerGateway;
  let client: Lwm2mClient;
  let host: NodeHost;
  let dir: string;
  let channel: CardSmsChannel;
  let card: ReturnType<typeof makeCard>;
  const smsOut: Uint8Array[] = [];
  const temp = new TemperatureObject();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-smscard-'));
    host = new NodeHost({ dataDir: dir, logLevel: 'error' });
    server = await Lwm2mTestServer.start({ port: 0 });
    card = makeCard({ sms: { keyParameters: RES7, secretKeys: RES8, serverNumber: SERVER_NO, host } });
    gateway = await SmsServerGateway.start({
      serverPort: server.port, keyParameters: RES7, secretKeys: RES8, deviceNumber: DEVICE_NO, serverNumber: SERVER_NO, crypto: host.crypto,
      toDevice: (tpdu) => void channel.deliver(tpdu),
    });
    // the modem: every SEND SHORT MESSAGE the card issues goes out as AT+CMGS to the network
    // the device's card binding (ICCID + SCP03 key set) sealed in its KeyStore: the exchange files are
    // read and written only inside an SCP03 session with the card it was provisioned with
    const keys = KeyStore.open(host, 'keys');
    provisionSmartcardBinding(keys, { iccid: ICCID, kvn: 0x30, enc: fromHex(DEVICE_ENC), mac: fromHex(DEVICE_MAC) });
    const secure = () => openBoundSession({ transport: card, keys, host, crypto: host.crypto });
    const terminal = new UiccSmsTerminal({ transport: card, secure, sendSms: async (tpdu) => { smsOut.push(tpdu); gateway.fromDevice(tpdu); return true; } });
    await terminal.start();
    channel = new CardSmsChannel(terminal);
    const dm = new DataModel({ host });
    dm.register(new DeviceObject({ manufacturer: 'uicc', model: 'sms', serial: 'S2', firmwareVersion: '1', binding: 'S' }));
    temp.store(0, new Map<number, ResourceContent>([[5700, 21], [5701, 'Cel']]));
    dm.register(temp);
    applyFactoryConfig(dm, { accounts: [{ uri: `coap://127.0.0.1:${server.port}`, shortServerId: 7, lifetime: 300, binding: 'S' }] });
    client = new Lwm2mClient({ host, endpointName: EP, dataModel: dm, connector: { open: async () => ({ channel, security: 'nosec' }) } });
  });

  after(async () => {
    if (process.env.DBG16) console.log(card.log.join(' '), card.refused, gateway.refused, gateway.toServer);
    await client?.stop({ deregister: false }).catch(() => {});
    gateway?.close();
    await server?.stop();
    host?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers through the card: every uplink is a secured SMS the card produced', async () => {
    await client.start();
    const reg = await server.waitForRegistration(EP, 20_000);
    assert.equal(reg.binding, 'S');
    assert.ok(smsOut.length >= 1);
    // what left the device is a TS 102 225 command packet (UDH IE 70), not CoAP in clear
    for (const t of smsOut) assert.ok(!String.fromCharCode(...t).includes('rd?'), 'no plaintext CoAP on the air');
    assert.ok(gateway.toServer >= 1);
    assert.ok(card.refused.length === 0, card.refused.join());
  });

  it('Read over the card-terminated SMS binding', async () => {
    const r = await server.read(EP, '/3303/0/5700', ContentFormat.Text);
    assert.equal(r.code, 0x45);
    assert.equal(utf8Decode(r.payload), '21');
  });

  it('Observe: notifications come through the card', async () => {
    const seen: string[] = [];
    const obs = await server.observe(EP, '/3303/0/5700', (n: { payload: Uint8Array }) => seen.push(utf8Decode(n.payload)), ContentFormat.Text);
    assert.equal(obs.code, 0x45);
    temp.setValue(0, 5700, 25);
    client.changed('/3303/0/5700');
    await until(() => seen.includes('25'), 15_000, 'notification 25');
  });

  it('a tampered class 2 SMS is dropped by the card: nothing reaches the client, nothing is sent back', async () => {
    await channel.idle();
    const good = gateway.sealForDevice(fromHex('40010001')); // a CoAP CON GET with MID 1, sealed
    const bad = good.slice();
    bad[bad.length - 5] ^= 0x01;
    const out = smsOut.length;
    const refused = card.refused.length;
    assert.equal(await channel.deliver(bad), false);
    await channel.idle();
    assert.equal(smsOut.length, out, 'no SMS sent back');
    assert.equal(card.refused[refused], 'integrity');
  });

  it('a forged plaintext injected on the card interface is refused (R-MAC), nothing reaches the client', async () => {
    await channel.idle();
    const good = gateway.sealForDevice(fromHex('40010002'));
    // a man in the middle on the UICC lines rewrites the secured READ RECORD answer
    const orig = card.transmit.bind(card);
    let hits = 0;
    card.transmit = async (apdu) => {
      const r = await orig(apdu);
      if (apdu[1] === 0xc0 && (apdu[0] & 3) !== 0 && r.length > 40) {
        hits++;
        r[r.length - 3] ^= 0x01; // last R-MAC byte: the record itself still deciphers
      }
      return r;
    };
    let received = 0;
    const prev = channel.onReceive;
    channel.onReceive = () => received++;
    try {
      assert.equal(await channel.deliver(good), false);
    } finally {
      card.transmit = orig;
      channel.onReceive = prev;
    }
    assert.ok(hits >= 1, 'the secured record went through the tap');
    assert.equal(received, 0);
    assert.equal(card.terminalResults[card.terminalResults.length - 1], 0x20, 'TERMINAL RESPONSE: terminal unable');
  });

  it('a replayed class 2 SMS is dropped by the card: nothing sent back', async () => {
    await channel.idle();
    const last = gateway.delivered[gateway.delivered.length - 1];
    assert.ok(last, 'the server sent something earlier');
    const out = smsOut.length;
    const refused = card.refused.length;
    assert.equal(await channel.deliver(last), false);
    await channel.idle();
    assert.equal(smsOut.length, out, 'no SMS sent back');
    assert.equal(card.refused[refused], 'replay');
  });

  // TS 31.111 §7.1.1: each short message of a concatenated secured packet reaches the card in its own
  // ENVELOPE (SMS-PP download); the card puts the packet together (TS 23.040 §9.2.3.24.1, TS 31.115).
  let bigWrite: Uint8Array[] = [];
  const isSegment = (t: Uint8Array) => {
    const udh = decodeDeliver(t).userData.udh;
    return !!udh && !!findConcat(udh);
  };
  const envelopes = () => card.log.filter((l) => l.endsWith(':c2')).length;

  it('a Write too long for one SMS: 2 concatenated class 2 SMS, one ENVELOPE each, put together and deciphered on the card', async () => {
    await channel.idle();
    const value = Array.from({ length: 170 }, (_, i) => String.fromCharCode(0x41 + (i % 26))).join('');
    const sent = gateway.delivered.length;
    const env = envelopes();
    const held = card.segmentsHeld;
    const r = await server.write(EP, '/3303/0/5750', utf8Encode(value), ContentFormat.Text);
    assert.equal(r.code, 0x44);
    assert.equal(temp.read(0)?.get(5750), value);
    bigWrite = gateway.delivered.slice(sent).filter(isSegment);
    assert.ok(bigWrite.length >= 2 && bigWrite.length <= 3, `segments: ${bigWrite.length}`);
    host.log('info', `concatenated write: ${bigWrite.length} SMS`);
    assert.ok(card.segmentsHeld - held >= bigWrite.length - 1, 'the card held the first segment(s) until the last');
    assert.ok(envelopes() - env >= bigWrite.length, 'one ENVELOPE per short message');
    assert.ok(card.refused.length === 0 || !card.refused.some((x) => x.startsWith('reassembly')), card.refused.join());
  });

  it('a replayed concatenated message is put together again and dropped by the card (replay): nothing sent back', async () => {
    await channel.idle();
    assert.ok(bigWrite.length >= 2);
    const out = smsOut.length;
    const refused = card.refused.length;
    let received = 0;
    const prev = channel.onReceive;
    channel.onReceive = () => received++;
    try {
      for (const t of bigWrite) assert.equal(await channel.deliver(t.slice()), false);
    } finally {
      channel.onReceive = prev;
    }
    await channel.idle();
    assert.equal(received, 0);
    assert.equal(smsOut.length, out, 'no SMS sent back');
    assert.deepEqual(card.refused.slice(refused), ['replay']);
  });

  it('a tampered last segment: the reassembled packet fails its CC on the card (integrity), nothing reaches the client', async () => {
    await channel.idle();
    const segs = gateway.sealForDeviceSegments(new Uint8Array(200).fill(0x5a));
    assert.ok(segs.length >= 2);
    const last = segs[segs.length - 1];
    last[last.length - 3] ^= 0x01;
    const refused = card.refused.length;
    let received = 0;
    const prev = channel.onReceive;
    channel.onReceive = () => received++;
    try {
      for (const t of segs) assert.equal(await channel.deliver(t), false);
    } finally {
      channel.onReceive = prev;
    }
    assert.equal(received, 0);
    assert.deepEqual(card.refused.slice(refused), ['integrity']);
  });

  it('reassembly on the card is bounded: lone first segments are held at most 2 at a time, the oldest evicted', async () => {
    await channel.idle();
    const evicted = card.reassembler.drops.evicted;
    const refused = card.refused.length;
    for (let i = 0; i < 4; i++) {
      const first = gateway.sealForDeviceSegments(new Uint8Array(200).fill(i))[0];
      assert.equal(await channel.deliver(first), false);
      assert.ok(card.reassembler.pending <= 2, `pending ${card.reassembler.pending}`);
    }
    assert.ok(card.reassembler.drops.evicted - evicted >= 2);
    assert.equal(card.refused.length, refused, 'a held segment is not a refusal');
    const tooMany = gateway.sealForDeviceSegments(new Uint8Array(200).fill(9))[0];
    // a segment announcing more parts than the applet allows is refused before anything is stored
    const d = decodeDeliver(tooMany);
    const udh = d.userData.udh!;
    const c = findConcat(udh)!;
    const forged = encodeDeliver({
      originator: d.originator, pid: d.pid, dcs: d.dcs, timestamp: d.timestamp,
      elements: [concatElement({ reference: c.reference, wide: false, total: 9, sequence: 1 }), { iei: IEI.commandPacket, data: new Uint8Array(0) }],
      payload: d.userData.payload,
    });
    assert.equal(await channel.deliver(forged), false);
    assert.equal(card.refused[card.refused.length - 1], 'reassembly-too-many-segments');
    // a packet whose plaintext would not fit EF(LwM2M-MT) is refused whole, never handed over cut short
    const big = gateway.sealForDeviceSegments(new Uint8Array(230).fill(0x33));
    for (const t of big) assert.equal(await channel.deliver(t), false);
    assert.equal(card.refused[card.refused.length - 1], 'too-large');
  });
});
