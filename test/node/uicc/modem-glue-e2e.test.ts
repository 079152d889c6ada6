/**
 * The smartcard as a user runs it: behind a cellular modem. The device's only door to the card is the
 * modem's AT+CSIM (modules/modem Modem.csim → modules/uicc csimTransport), and the modem simulator
 * (tools/modem-sim) answers AT+CSIM from the SimUicc in its slot. Its SMS go through the modem too:
 * class 2 / TP-PID 7F messages arrive stored (+CMTI, AT+CMGR) and are handed to the card by
 * CardSmsConnector; the card's SEND SHORT MESSAGE leaves with AT+CMGS through the virtual SMSC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { fromHex, utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { NodeHost } from '../../../hosts/node/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { ContentFormat, type ResourceContent } from '../../../modules/lwm2m/types';
import { KeyStore } from '../../../modules/store/key-store';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig, KeyStoreObjectStore } from '../../../modules/client/factory';
import { ClientError } from '../../../modules/client/errors';
import { Modem } from '../../../modules/modem/modem';
import { bootstrapFromSmartcard, openBoundSession, provisionSmartcardBinding } from '../../../modules/uicc/bootstrap';
import { csimTransport } from '../../../modules/uicc/csim-transport';
import { SmartcardBootstrapError } from '../../../modules/uicc/errors';
import { CardSmsConnector } from '../../../modules/uicc/sms-connector';
import { encodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { parseNumber } from '../../../modules/sms/address';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { SimModem, VirtualSmsc } from '../../../tools/modem-sim/index';
import { SmsServerGateway } from '../../../tools/uicc-sim/sms-gateway';
import { TemperatureObject } from '../../unit/lwm2m/fixtures';
import { bootstrapFile, DEVICE_ENC, DEVICE_MAC, ICCID, makeCard, PSK } from '../../unit/uicc/fixtures';

const DEVICE_NO = '+447700900456';
const SERVER_NO = '+447700900123';
const RES7 = fromHex('1212' + '1600' + 'bfff01'); // KIc KID SPI1 SPI2 TAR: AES, CC + ciphering + counter higher, no PoR
const RES8 = fromHex('000102030405060708090a0b0c0d0e0f' + '101112131415161718191a1b1c1d1e1f');

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function device(dataDir: string, binding: string, extra?: TemperatureObject) {
  const host = new NodeHost({ dataDir, logLevel: 'error' });
  const keys = KeyStore.open(host, 'keys');
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
  dm.register(new DeviceObject({ manufacturer: 'uicc', model: 'node+modem', serial: 'M1', firmwareVersion: '1', binding }));
  if (extra) dm.register(extra);
  dm.restore();
  // the production line seals the card binding: the ICCID and the device's SCP03 key set
  provisionSmartcardBinding(keys, { iccid: ICCID, kvn: 0x30, enc: fromHex(DEVICE_ENC), mac: fromHex(DEVICE_MAC) });
  return { host, keys, dm };
}

const csimCount = (sim: SimModem) => sim.commands.filter((c) => c.toUpperCase().startsWith('AT+CSIM=')).length;

describe('Bootstrap from Smartcard through the modem (AT+CSIM on the modem simulator)', function () {
  this.timeout(60_000);
  const EP = 'card-dev';
  let lwm2m: Lwm2mTestServer;
  let smsc: VirtualSmsc;
  const dirs: string[] = [];
  const cleanup: (() => Promise<void> | void)[] = [];

  async function withModem(card: { process(a: Uint8Array): Uint8Array }) {
    const dir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-uicc-modem-'));
    dirs.push(dir);
    const d = device(dir, 'U');
    const sim = new SimModem({ number: DEVICE_NO, smsc, uicc: card });
    const modem = new Modem(d.host, sim.stream(), { at: { defaultTimeoutMs: 5000 } });
    await modem.init();
    cleanup.push(() => {
      modem.close();
      smsc.detach(DEVICE_NO);
      d.keys.close();
      d.host.dispose();
    });
    return { ...d, sim, modem, transport: csimTransport(modem) };
  }

  before(async () => {
    lwm2m = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: EP, key: fromHex(PSK) }] });
    smsc = new VirtualSmsc({ latencyMs: 2 });
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    await lwm2m?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('no factory configuration: reads the card over SCP03 through AT+CSIM, then registers', async () => {
    const card = makeCard({ bootstrap: bootstrapFile(`coaps://127.0.0.1:${lwm2m.port}`, EP) });
    const d = await withModem(card);
    assert.deepEqual(d.dm.security.instanceIds(), [], 'no factory configuration');
    const r = await bootstrapFromSmartcard({ transport: d.transport, keys: d.keys, dataModel: d.dm, host: d.host, crypto: d.host.crypto });
    assert.deepEqual(r.objects, [0, 1]);
    // every APDU went over the serial line as AT+CSIM, including the SCP03 handshake
    assert.ok(csimCount(d.sim) >= 8, `AT+CSIM commands: ${csimCount(d.sim)}`);
    assert.ok(d.sim.commands.some((c) => /^AT\+CSIM=\d+,"..50/i.test(c)), 'INITIALIZE UPDATE went through the modem');
    assert.ok(card.log.length > 0);
    const client = new Lwm2mClient({ host: d.host, endpointName: EP, dataModel: d.dm });
    cleanup.unshift(() => client.stop({ deregister: false }).catch(() => {}));
    await client.start();
    const reg = await lwm2m.waitForRegistration(EP, 15_000);
    assert.equal(reg.lifetime, 300);
    assert.equal((await lwm2m.read(EP, '/3/0/0')).code, 0x45);
    await client.stop({ deregister: true });
  });

  it('swapped card in the modem: refused (wrong-card), nothing applied, nothing persisted, nothing on the wire', async () => {
    const before = lwm2m.registrations().length;
    const d = await withModem(makeCard({ bootstrap: bootstrapFile(`coaps://127.0.0.1:${lwm2m.port}`, EP) }));
    // someone swaps the card in the modem's slot for another one with a valid bootstrap file of its own
    d.sim.plug(makeCard({ iccid: '8944500000000000001', bootstrap: bootstrapFile(`coaps://127.0.0.1:${lwm2m.port}`, EP) }));
    const e = (await assert.rejects(bootstrapFromSmartcard({ transport: d.transport, keys: d.keys, dataModel: d.dm, host: d.host, crypto: d.host.crypto }), SmartcardBootstrapError)) as SmartcardBootstrapError;
    assert.equal(e.code, 'wrong-card');
    assert.ok(csimCount(d.sim) >= 1, 'the ICCID was read through AT+CSIM');
    assert.deepEqual(d.dm.security.instanceIds(), []);
    assert.deepEqual(d.dm.servers.instanceIds(), []);
    const again = new DataModel({ store: new KeyStoreObjectStore(d.keys) });
    again.restore();
    assert.deepEqual(again.security.instanceIds(), []);
    assert.equal(lwm2m.registrations().length, before);
  });

  it('a modem answering a malformed +CSIM line: a typed SmartcardBootstrapError, nothing applied', async () => {
    const d = await withModem({ process: () => Uint8Array.of(0x90) }); // one byte: no SW1 SW2 pair
    const e = (await assert.rejects(bootstrapFromSmartcard({ transport: d.transport, keys: d.keys, dataModel: d.dm, host: d.host, crypto: d.host.crypto }), SmartcardBootstrapError)) as SmartcardBootstrapError;
    assert.equal(e.code, 'card');
    assert.deepEqual(d.dm.security.instanceIds(), []);
  });
});

describe('SMS security terminated on the card, through the modem simulator and the virtual SMSC', function () {
  this.timeout(90_000);
  const EP = 'sms-card-modem';
  let server: Lwm2mTestServer;
  let gateway: SmsServerGateway;
  let smsc: VirtualSmsc;
  let sim: SimModem;
  let modem: Modem;
  let client: Lwm2mClient;
  let connector: CardSmsConnector;
  let card: ReturnType<typeof makeCard>;
  let d: ReturnType<typeof device>;
  let dir: string;
  const events: ClientEvent[] = [];
  const temp = new TemperatureObject();
  const fromDevice = () => smsc.log.filter((r) => r.from === DEVICE_NO).length;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-smscard-modem-'));
    temp.store(0, new Map<number, ResourceContent>([[5700, 21], [5701, 'Cel']]));
    d = device(dir, 'S', temp);
    server = await Lwm2mTestServer.start({ port: 0 });
    smsc = new VirtualSmsc({ latencyMs: 2 });
    card = makeCard({ sms: { keyParameters: RES7, secretKeys: RES8, serverNumber: SERVER_NO, host: d.host } });
    sim = new SimModem({ number: DEVICE_NO, smsc, uicc: card });
    // the server side: the SMSC carries the device's SMS to the gateway, the gateway's SMS-DELIVERs to the modem
    gateway = await SmsServerGateway.start({
      serverPort: server.port, keyParameters: RES7, secretKeys: RES8, deviceNumber: DEVICE_NO, serverNumber: SERVER_NO, crypto: d.host.crypto,
      toDevice: (tpdu) => smsc.inject(DEVICE_NO, tpdu, SERVER_NO),
    });
    smsc.attach(SERVER_NO, gateway);
    modem = new Modem(d.host, sim.stream(), { at: { defaultTimeoutMs: 5000 } });
    await modem.init();
    const transport = csimTransport(modem);
    connector = new CardSmsConnector({ bearer: modem.sms, transport, host: d.host, secure: () => openBoundSession({ transport, keys: d.keys, host: d.host, crypto: d.host.crypto }) });
    await connector.start();
    // SMS Security Mode 2 with no keys on the device: they live on the card
    applyFactoryConfig(d.dm, { accounts: [{ uri: `sms://${SERVER_NO}`, shortServerId: 7, lifetime: 300, binding: 'S', securityMode: 3, sms: { mode: 2, number: SERVER_NO } }] });
    client = new Lwm2mClient({ host: d.host, endpointName: EP, dataModel: d.dm, connector, smsNumber: DEVICE_NO, onEvent: (e) => events.push(e) });
  });

  after(async () => {
    await client?.stop({ deregister: false }).catch(() => {});
    connector?.dispose();
    modem?.close();
    gateway?.close();
    await server?.stop();
    d?.keys.close();
    d?.host.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers: the card protects every uplink, which leaves by AT+CMGS', async () => {
    await client.start();
    const reg = await server.waitForRegistration(EP, 30_000);
    assert.equal(reg.binding, 'S');
    const connected = events.find((e) => e.type === 'connected');
    assert.equal(connected && connected.type === 'connected' ? connected.security : undefined, 'sms-uicc');
    assert.ok(sim.commands.some((c) => c.startsWith('AT+CMGS=')), 'sent with AT+CMGS');
    const ups = smsc.log.filter((r) => r.from === DEVICE_NO);
    assert.ok(ups.length >= 1);
    for (const u of ups) assert.ok(!String.fromCharCode(...u.tpdu).includes('rd?'), 'no plaintext CoAP on the air');
    // the server's answer (class 2 / 7F) was stored by the modem and read back: +CMTI then AT+CMGR
    assert.ok(sim.commands.some((c) => c.startsWith('AT+CMGR=')), 'class 2 read from storage');
    assert.ok(card.log.some((l) => /envelope|C2/i.test(l)) || csimCount(sim) > 0);
    assert.deepEqual(card.refused, []);
  });

  it('Read /3303/0/5700 over the card-terminated SMS binding through the modem', async () => {
    const before = csimCount(sim);
    const r = await server.read(EP, '/3303/0/5700', ContentFormat.Text);
    assert.equal(r.code, 0x45);
    assert.equal(utf8Decode(r.payload), '21');
    assert.ok(csimCount(sim) > before, 'the request and the answer went through the card by AT+CSIM');
  });

  it('a Write in 2 concatenated class 2 SMS: each stored by the modem, read (AT+CMGR) and handed to the card in its own ENVELOPE', async () => {
    const value = Array.from({ length: 170 }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join('');
    const reads = sim.commands.filter((c) => c.startsWith('AT+CMGR=')).length;
    const held = card.segmentsHeld;
    const r = await server.write(EP, '/3303/0/5750', utf8Encode(value), ContentFormat.Text);
    assert.equal(r.code, 0x44);
    assert.equal(temp.read(0)?.get(5750), value);
    const segs = gateway.lastMessage.length >= 2 ? gateway.lastMessage.length : 0;
    assert.ok(card.segmentsHeld > held, 'the card held a segment until the last one came');
    assert.ok(sim.commands.filter((c) => c.startsWith('AT+CMGR=')).length - reads >= 2, `each segment read from modem storage (${segs})`);
    assert.deepEqual(card.refused, []);
  });

  it('a tampered class 2 SMS is dropped by the card: nothing reaches the client, nothing is sent back', async () => {
    const good = gateway.sealForDevice(fromHex('40010001')); // a CoAP CON GET, sealed for the card
    const bad = good.slice();
    bad[bad.length - 5] ^= 0x01;
    const out = fromDevice();
    const cmgs = sim.commands.filter((c) => c.startsWith('AT+CMGS=')).length;
    const cmgr = sim.commands.filter((c) => c.startsWith('AT+CMGR=')).length;
    const refused = card.refused.length;
    smsc.inject(DEVICE_NO, bad, SERVER_NO);
    await until(() => card.refused.length > refused, 10_000, 'the card to refuse it');
    assert.equal(card.refused[refused], 'integrity');
    assert.ok(sim.commands.filter((c) => c.startsWith('AT+CMGR=')).length > cmgr, 'it came through the modem storage');
    await sleep(500);
    assert.equal(fromDevice(), out, 'no SMS sent back');
    assert.equal(sim.commands.filter((c) => c.startsWith('AT+CMGS=')).length, cmgs, 'no AT+CMGS');
  });

  it('a class 2 / 7F SMS from another number never reaches the card', async () => {
    const sealed = gateway.sealForDevice(fromHex('40010002'));
    // the same secured packet, re-sent by someone else: TP-OA rewritten
    const forged = encodeDeliverFrom(sealed, '+447700900999');
    const envelopes = csimCount(sim);
    const drops = connector.drops.originator;
    const refused = card.refused.length;
    smsc.inject(DEVICE_NO, forged, '+447700900999');
    await until(() => connector.drops.originator > drops, 10_000, 'the connector to drop it');
    await sleep(300);
    assert.equal(csimCount(sim), envelopes, 'no APDU sent to the card');
    assert.equal(card.refused.length, refused);
  });

  it('an SMS that is not class 2 / TP-PID 7F is not given to the card', async () => {
    // a plain 8-bit class 1 message from the server's own number (TP-PID 00): not USIM data download
    const plain = encodeDeliver({ originator: parseNumber(SERVER_NO), pid: 0, dcs: 0xf5, timestamp: { year: 26, month: 1, day: 1, hour: 0, minute: 0, second: 0, tzQuarterHours: 0 }, payload: fromHex('40010003') });
    const apdus = csimCount(sim);
    const drops = connector.drops.notForCard;
    smsc.inject(DEVICE_NO, plain, SERVER_NO);
    await until(() => connector.drops.notForCard > drops, 10_000, 'the connector to leave it');
    await sleep(300);
    assert.equal(csimCount(sim), apdus, 'no APDU sent to the card');
  });

  it('an account in another SMS Security Mode is refused by the smartcard connector', async () => {
    const account = { uri: `sms://${SERVER_NO}`, securityIid: 0, smsSecurityMode: 3, smsNumber: SERVER_NO } as unknown as Parameters<CardSmsConnector['open']>[0];
    const e = (await assert.rejects(connector.open(account, d.dm), ClientError)) as ClientError;
    assert.equal(e.code, 'unsupported-security');
  });
});

/** Rebuilds an SMS-DELIVER with another originator (first octet, OA, then PID onwards unchanged). */
function encodeDeliverFrom(tpdu: Uint8Array, from: string): Uint8Array {
  const oaLen = 2 + Math.ceil(tpdu[1] / 2);
  const head = encodeDeliver({ originator: parseNumber(from), pid: 0, dcs: 0x04, timestamp: { year: 26, month: 1, day: 1, hour: 0, minute: 0, second: 0, tzQuarterHours: 0 }, payload: new Uint8Array(0) });
  const newOaLen = 2 + Math.ceil(head[1] / 2);
  const out = new Uint8Array(1 + newOaLen + tpdu.length - 1 - oaLen);
  out[0] = tpdu[0];
  out.set(head.subarray(1, 1 + newOaLen), 1);
  out.set(tpdu.subarray(1 + oaLen), 1 + newOaLen);
  return out;
}
