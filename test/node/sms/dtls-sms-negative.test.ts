/**
 * DTLS over SMS (SMS Security Mode 1, LwM2M 1.1 Transport §7 / Core §7.2; DTLS 1.2, RFC 6347) negative
 * cases, end to end: the local LwM2M Server's real DTLS records, carried by the SMS gateway through the
 * virtual SMSC to a device whose only link is the simulated modem driven by modules/modem. The test holds
 * back the server's SMS to the device, injects altered copies, then the unaltered original: the altered
 * ones must be dropped (no request served, no SMS sent back, the DTLS session kept), the original served.
 * RFC 6347 §4.1.2.7: a record that fails authentication is silently discarded; §4.1.2.6: replay window.
 * Security Object 0/x/9 (LwM2M Server SMS Number): SMS from any other originator are not read.
 */
import { assert } from '../../harness/assert';
import { utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { parseNumber, type SmsAddress } from '../../../modules/sms/address';
import { decodeDeliver, encodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { IEI, findConcat, type InformationElement } from '../../../modules/sms/udh';
import { credentials, injectSms, sleep, smsDevice, smsWorld, SERVER_NUMBER, type SmsDevice, type SmsWorld } from './support';

describe('DTLS over SMS negative cases: altered SMS dropped, the session kept, the unaltered twin served', function () {
  this.timeout(180_000);
  const ep = 'neg-dtls';
  const msisdn = '+15550204';
  let world: SmsWorld;
  let dev: SmsDevice;

  before(async () => {
    world = await smsWorld();
    const c = credentials('dtls', msisdn, ep);
    world.gateway.addDevice(c.server);
    dev = await smsDevice(world, { ep, msisdn, accounts: [{ uri: `sms://${SERVER_NUMBER}`, shortServerId: 1, lifetime: 600, binding: 'S', pskIdentity: c.identity, securityMode: 3, sms: c.sms }] });
    await dev.client.start();
    await world.server.waitForRegistration(ep, 20_000);
    const conn = dev.events.find((e) => e.type === 'connected');
    assert.equal(conn && conn.type === 'connected' && conn.security, 'dtls-psk');
  });
  after(async () => {
    if (world) world.smsc.tamper = null;
    await dev?.close();
    await world?.close();
  });

  const sentByDevice = () => world.smsc.log.filter((m) => m.from === msisdn).length;
  const served = () => dev.events.filter((e) => e.type === 'request').length;
  const connections = () => dev.events.filter((e) => e.type === 'connected').length;
  const errorLogs = () => dev.logs.filter((l) => l.level === 'error').length;

  /**
   * Starts a server request and holds back every SMS the server sends to the device until `parts` are
   * captured (the DTLS record(s) of that request); later server SMS (CoAP retransmissions) stay held back
   * until `release()`. Returns the captured SMS-DELIVERs and the request's outcome.
   */
  async function hold<T>(parts: number | 'concatenated', request: () => Promise<T>): Promise<{ tpdus: Uint8Array[]; result: Promise<T>; release(): void }> {
    const tpdus: Uint8Array[] = [];
    let want = parts === 'concatenated' ? 1 : parts;
    world.smsc.tamper = (tpdu, from, to) => {
      if (from !== SERVER_NUMBER || to !== msisdn) return tpdu;
      if (tpdus.length < want) {
        tpdus.push(tpdu.slice());
        const udh = decodeDeliver(tpdu).userData.udh;
        const c = udh ? findConcat(udh) : null;
        if (parts === 'concatenated' && tpdus.length === 1) want = c ? c.total : 1;
      }
      return null;
    };
    const result = request();
    result.catch(() => {});
    for (let i = 0; i < 500 && tpdus.length < want; i++) await sleep(5);
    assert.equal(tpdus.length, want, 'the server SMS were captured');
    return { tpdus, result, release: () => void (world.smsc.tamper = null) };
  }

  const inject = (tpdus: Uint8Array[]) => injectSms(world, dev, msisdn, tpdus, 80);

  async function expectDropped(what: string, tpdus: Uint8Array[]): Promise<void> {
    const s = sentByDevice();
    const r = served();
    const c = connections();
    const e = errorLogs();
    const thrown = dev.modem.sms.stats.malformed;
    await inject(tpdus);
    assert.equal(served(), r, `${what}: a request was served`);
    assert.equal(sentByDevice(), s, `${what}: the device sent an SMS back`);
    assert.equal(connections(), c, `${what}: the DTLS session was re-established`);
    assert.equal(errorLogs(), e, `${what}: the device logged an error`);
    // The SMS channel catches its own typed errors (SmsFormatError) only; anything else thrown while reading
    // an SMS reaches modules/modem, which counts it here.
    assert.equal(dev.modem.sms.stats.malformed, thrown, `${what}: an untyped error escaped the SMS channel`);
    assert.ok(!dev.events.some((x) => x.type === 'registration-failed' || x.type === 'stopped'), `${what}: the registration was lost`);
  }

  async function expectServed(what: string, tpdus: Uint8Array[]): Promise<void> {
    const s = sentByDevice();
    const r = served();
    await inject(tpdus);
    for (let i = 0; i < 200 && served() === r; i++) await sleep(5);
    assert.equal(served(), r + 1, `${what}: not served`);
    for (let i = 0; i < 200 && sentByDevice() === s; i++) await sleep(5);
    assert.ok(sentByDevice() > s, `${what}: no response SMS`);
  }

  /** The same SMS-DELIVER with another originator, payload or UDH elements. */
  function rebuild(tpdu: Uint8Array, o: { originator?: SmsAddress; payload?: Uint8Array; elements?: InformationElement[] | null }): Uint8Array {
    const d = decodeDeliver(tpdu);
    return encodeDeliver({ originator: o.originator ?? d.originator, pid: d.pid, dcs: d.dcs, timestamp: d.timestamp, elements: o.elements !== undefined ? o.elements : (d.userData.udh?.elements ?? null), payload: o.payload ?? d.userData.payload });
  }
  const payloadOf = (tpdu: Uint8Array) => decodeDeliver(tpdu).userData.payload;
  const readTemp = () => world.server.read(ep, '/3303/0/5700', ContentFormat.Text);

  async function expectReadWorks(): Promise<void> {
    const r = await readTemp();
    assert.equal(r.code, 0x45);
    assert.equal(utf8Decode(r.payload), '20');
  }

  it('the held-back, unaltered DTLS record is served (the baseline)', async () => {
    const h = await hold(1, readTemp);
    const rec = payloadOf(h.tpdus[0]);
    assert.equal(rec[0], 23, 'an application_data record');
    assert.equal((rec[3] << 8) | rec[4], 1, 'epoch 1');
    assert.equal(13 + ((rec[11] << 8) | rec[12]), rec.length, 'one record filling the SMS');
    assert.equal(decodeDeliver(h.tpdus[0]).userData.udh, null, 'a single SMS');
    await expectServed('baseline', h.tpdus);
    h.release();
    const r = await h.result;
    assert.equal(r.code, 0x45);
  });

  // Found by these tests: the record layer accepted version FE FF (DTLS 1.0) on protected records, and the AEAD
  // additional data carries the negotiated FE FD (RFC 5246 §6.2.3.3 / RFC 6347 §4.1.2.1), so a record whose
  // version octet was flipped FD -> FF authenticated and was acted on. Protected records must now be DTLS 1.2.
  it('a protected record whose version field was changed to DTLS 1.0 is dropped', async () => {
    const h = await hold(1, readTemp);
    const rec = payloadOf(h.tpdus[0]).slice();
    assert.equal(rec[2], 0xfd);
    rec[2] = 0xff;
    await expectDropped('version FE FF', [rebuild(h.tpdus[0], { payload: rec })]);
    await expectServed('version FE FD', h.tpdus);
    h.release();
    assert.equal((await h.result).code, 0x45);
  });

  it('every flipped bit of the user data (UDL and the DTLS record) is dropped; the original is then served; the session survives', async () => {
    const h = await hold(1, readTemp);
    const good = h.tpdus[0];
    const udlAt = 1 + 2 + Math.ceil(good[1] / 2) + 2 + 7;
    const flipped: Uint8Array[] = [];
    for (let i = udlAt; i < good.length; i++) {
      for (let b = 0; b < 8; b++) {
        const t = good.slice();
        t[i] ^= 1 << b;
        flipped.push(t);
      }
    }
    assert.ok(flipped.length >= 8 * (1 + 13 + 8 + 8), `${flipped.length} variants`);
    await expectDropped(`${flipped.length} bit flips`, flipped);
    await expectServed('the unflipped original', [good]);
    h.release();
    assert.equal((await h.result).code, 0x45);
    await expectReadWorks();
  });

  it('a replayed SMS carrying an already accepted record is dropped (replay window); the session survives', async () => {
    const h = await hold(1, readTemp);
    await expectServed('first delivery', h.tpdus);
    h.release();
    assert.equal((await h.result).code, 0x45);
    await expectDropped('replay', h.tpdus);
    await expectDropped('replay, twice more', [h.tpdus[0], h.tpdus[0]]);
    await expectReadWorks();
  });

  it('the same SMS from an originator other than 0/x/9 is dropped; from 0/x/9 it is served', async () => {
    const h = await hold(1, readTemp);
    const good = h.tpdus[0];
    const intl = parseNumber(SERVER_NUMBER);
    assert.equal(intl.ton, 1);
    await expectDropped('another number', [rebuild(good, { originator: parseNumber('+15550666') })]);
    await expectDropped('same digits, national TON', [rebuild(good, { originator: parseNumber(SERVER_NUMBER.slice(1)) })]);
    await expectDropped('same digits, alphanumeric', [rebuild(good, { originator: { ton: 5, npi: 0, value: SERVER_NUMBER.slice(1) } })]);
    // An alphanumeric originator (TS 23.040 §9.1.2.5, TON 101) is free text a sender chooses: even the text "+15550009".
    await expectDropped('alphanumeric "+15550009"', [rebuild(good, { originator: { ton: 5, npi: 0, value: SERVER_NUMBER } })]);
    await expectDropped('one digit more', [rebuild(good, { originator: parseNumber(SERVER_NUMBER + '1') })]);
    await expectServed('from 0/x/9 (rebuilt the same way)', [rebuild(good, { originator: intl })]);
    h.release();
    assert.equal((await h.result).code, 0x45);
  });

  it('a DTLS record whose length field exceeds the SMS payload (or falls short of it) is dropped; the original is served', async () => {
    const h = await hold(1, readTemp);
    const good = h.tpdus[0];
    const rec = payloadOf(good);
    const len = (rec[11] << 8) | rec[12];
    const withLength = (n: number) => {
      const r = rec.slice();
      r[11] = n >> 8;
      r[12] = n & 0xff;
      return rebuild(good, { payload: r });
    };
    const variants = [len + 1, len + 2, len + 100, 140, 16384 + 2048, 16384 + 2048 + 1, 0xffff, len - 1, len - 8, 0].map(withLength);
    await expectDropped('length field altered', variants);
    await expectDropped('header only', [rebuild(good, { payload: rec.slice(0, 13) })]);
    await expectServed('the original length', [withLength(len)]);
    h.release();
    assert.equal((await h.result).code, 0x45);
  });

  it('a truncated SMS, and concatenated SMS with parts missing, repeated, altered or mis-numbered, are dropped; the intact message is served', async () => {
    // A single SMS cut short.
    const h = await hold(1, readTemp);
    const rec = payloadOf(h.tpdus[0]);
    await expectDropped('truncated record', [1, 5, 13, 14, rec.length - 9, rec.length - 1].map((n) => rebuild(h.tpdus[0], { payload: rec.slice(0, n) })));
    await expectServed('the whole record', h.tpdus);
    h.release();
    assert.equal((await h.result).code, 0x45);

    // A Write whose DTLS record spans several concatenated SMS.
    const value = 'Europe/'.padEnd(400, 'y');
    const w = await hold('concatenated', () => world.server.write(ep, '/3/0/15', utf8Encode(value), ContentFormat.Text));
    const parts = w.tpdus.map((t) => decodeDeliver(t));
    const infos = parts.map((p) => (p.userData.udh ? findConcat(p.userData.udh) : null));
    assert.ok(infos.every((c) => c !== null), 'every part carries a concatenation IE');
    const total = infos[0]!.total;
    assert.ok(total >= 3 && total <= 4, `${total} parts`);
    const ref = infos[0]!.reference;
    const whole = w.tpdus.slice(0, total);
    assert.deepEqual(infos.slice(0, total).map((c) => c!.sequence), Array.from({ length: total }, (_, i) => i + 1));
    const concatIe = (c: { reference: number; total: number; sequence: number }): InformationElement => ({ iei: IEI.concat8, data: Uint8Array.of(c.reference & 0xff, c.total, c.sequence) });
    const part = (i: number, o: { reference?: number; total?: number; sequence?: number; payload?: Uint8Array; wide?: boolean } = {}) => {
      const c = { reference: o.reference ?? ref, total: o.total ?? total, sequence: o.sequence ?? i + 1 };
      const ie = o.wide ? { iei: IEI.concat16, data: Uint8Array.of(0, c.reference & 0xff, c.total, c.sequence) } : concatIe(c);
      return rebuild(whole[i], { elements: [ie], payload: o.payload });
    };
    const other = (n: number) => (ref + n) & 0xff;
    const last = total - 1;
    const lastPayload = parts[last].userData.payload;

    await expectDropped('all parts but the last', whole.slice(0, last).map((_, i) => part(i, { reference: other(1) })));
    await expectDropped('the parts announcing one more part', whole.map((_, i) => part(i, { reference: other(2), total: total + 1 })));
    await expectDropped('the parts announcing one part fewer', whole.slice(0, last).map((_, i) => part(i, { reference: other(3), total: total - 1 })));
    await expectDropped('the last part cut short', [...whole.slice(0, last).map((_, i) => part(i, { reference: other(4) })), part(last, { reference: other(4), payload: lastPayload.slice(0, lastPayload.length - 1) })]);
    await expectDropped('parts of two references', whole.map((_, i) => part(i, { reference: i % 2 ? other(7) : other(8) })));
    await expectDropped('sequence 0 and above the total', [part(0, { reference: other(9), sequence: 0 }), part(1, { reference: other(9), sequence: total + 1 })]);
    await expectDropped('sequence 0 in place of part 1', [part(0, { reference: other(13), sequence: 0 }), ...whole.slice(1).map((_, i) => part(i + 1, { reference: other(13) }))]);
    await expectDropped('sequence above the total in place of the last part', [...whole.slice(0, last).map((_, i) => part(i, { reference: other(14) })), part(last, { reference: other(14), sequence: total + 1 })]);
    await expectDropped('part 1 announcing one more part, the rest as sent', [part(0, { reference: other(15), total: total + 1 }), ...whole.slice(1).map((_, i) => part(i + 1, { reference: other(15) }))]);
    await expectDropped('a 255-part announcement', whole.map((_, i) => part(i, { reference: other(10), total: 255 })));
    await expectDropped('the parts in 8- and 16-bit reference IEs mixed', whole.map((_, i) => part(i, { reference: other(11), wide: i === last })));
    await expectDropped('the parts swapped', whole.map((_, i) => part(i, { reference: other(12), sequence: i === 0 ? 2 : i === 1 ? 1 : i + 1 })));

    await expectServed('the intact message (re-framed the same way), parts out of order', [part(1), part(0), ...whole.slice(2).map((_, i) => part(i + 2))]);
    w.release();
    assert.equal((await w.result).code, 0x44);
    assert.equal(utf8Decode((await world.server.read(ep, '/3/0/15', ContentFormat.Text)).payload), value);
    assert.equal(dev.sim.stats.missedAcks, 0, 'every +CMT acknowledged in time');
  });

  it('a repeated part (identical, or with other content) is not taken: the message is served once, from the first copies', async () => {
    const value = 'Asia/'.padEnd(400, 'z');
    const w = await hold('concatenated', () => world.server.write(ep, '/3/0/15', utf8Encode(value), ContentFormat.Text));
    const [p1, p2, ...rest] = w.tpdus;
    assert.ok(rest.length >= 1);
    const other = rebuild(p2, { payload: decodeDeliver(p1).userData.payload });
    // part 1 twice, part 2 then a conflicting part 2 (first copy kept), the rest: one message, served once.
    await expectServed('first copies win', [p1, p1, p2, other, ...rest]);
    w.release();
    assert.equal((await w.result).code, 0x44);
    assert.equal(utf8Decode((await world.server.read(ep, '/3/0/15', ContentFormat.Text)).payload), value);
    // The whole message again: reassembled, then refused by the DTLS replay window.
    await expectDropped('the whole message replayed', w.tpdus);
    await expectReadWorks();
  });
});
