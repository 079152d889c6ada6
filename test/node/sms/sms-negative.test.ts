/**
 * Secured SMS terminated on the device: everything not protected exactly as configured is dropped with
 * no SMS sent back and the device's counter unmoved. The device is the full stack (client, SMS channel,
 * modules/modem over the simulated modem); the attacker injects SMS-DELIVERs into the virtual SMSC.
 * Every case is paired with a correctly protected twin that IS answered, so a drop means the check worked.
 */
import { randomBytes } from 'node:crypto';
import { assert } from '../../harness/assert';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { encodeMessage } from '../../../modules/coap/message';
import { Option } from '../../../modules/coap/options';
import { utf8Encode } from '../../../modules/bytes/index';
import { parseNumber } from '../../../modules/sms/address';
import { encodeCommandPacket, type SmsKeys } from '../../../modules/sms/secured-packet';
import { encodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { SERVER_NUMBER, injectSms, keyParameters, sleep, smsDevice, smsWorld, type SmsDevice, type SmsWorld } from './support';

for (const alg of ['aes', '3des'] as const) {
  describe(`secured SMS (${alg}) negative cases: dropped, nothing sent back, counter unchanged`, function () {
    this.timeout(120_000);
    const ep = `neg-${alg}`;
    const msisdn = alg === 'aes' ? '+15550201' : '+15550202';
    const kic = alg === 'aes' ? 0x02 : 0x09;
    const keyLen = alg === 'aes' ? 16 : 24;
    let world: SmsWorld;
    let dev: SmsDevice;
    let keys: SmsKeys;
    let counter = 1000n;
    let mid = 0x4000;
    let injected = 0;

    before(async () => {
      world = await smsWorld();
      const secret = new Uint8Array(randomBytes(2 * keyLen));
      keys = { kic: secret.slice(0, keyLen), kid: secret.slice(keyLen) };
      world.gateway.addDevice({ msisdn, mode: 'secured', keyParameters: keyParameters(alg), secretKeys: secret.slice() });
      dev = await smsDevice(world, { ep, msisdn, accounts: [{ uri: `sms://${SERVER_NUMBER}`, shortServerId: 1, lifetime: 600, binding: 'S', securityMode: 3, sms: { mode: 2, keyParameters: keyParameters(alg), secretKeys: secret.slice(), number: SERVER_NUMBER } }] });
      await dev.client.start();
      await world.server.waitForRegistration(ep, 20_000);
    });
    after(async () => {
      await dev?.close();
      await world?.close();
    });

    const coapGet = () =>
      encodeMessage({ type: 0, code: 0x01, messageId: mid++, token: Uint8Array.of(0xaa, mid & 0xff), options: ['3303', '0', '5700'].map((s) => ({ number: Option.UriPath, value: utf8Encode(s) })), payload: new Uint8Array(0) }).slice();

    function craft(o: { counter?: bigint; spi?: number; kic?: number; kid?: number; tar?: Uint8Array; keys?: SmsKeys; from?: string; pid?: number; dcs?: number } = {}): Uint8Array {
      const ud = encodeCommandPacket({ spi: o.spi ?? 0x1600, kic: o.kic ?? kic, kid: o.kid ?? kic, tar: o.tar ?? Uint8Array.of(0xbf, 0xff, 0x01), counter: o.counter ?? ++counter }, coapGet(), o.keys ?? keys, nobleCrypto);
      return encodeDeliver({ originator: parseNumber(o.from ?? SERVER_NUMBER), pid: o.pid ?? 0x7d, dcs: o.dcs ?? 0xf5, timestamp: { year: 26, month: 11, day: 30, hour: 1, minute: 0, second: 0, tzQuarterHours: 0 }, elements: [{ iei: 0x70, data: new Uint8Array(0) }], payload: ud.subarray(3) });
    }
    const sentByDevice = () => world.smsc.log.filter((m) => m.from === msisdn).length;
    const mark = () => dev.counters.highWater('sms.0/rx');
    const served = () => dev.events.filter((e) => e.type === 'request').length;
    async function inject(tpdus: Uint8Array[]): Promise<void> {
      injected += tpdus.length;
      await injectSms(world, dev, msisdn, tpdus, 60);
    }
    async function expectDropped(what: string, tpdus: Uint8Array[]): Promise<void> {
      const s = sentByDevice();
      const m = mark();
      const r = served();
      await inject(tpdus);
      assert.equal(sentByDevice(), s, `${what}: the device sent an SMS back`);
      assert.equal(mark(), m, `${what}: the counter moved`);
      assert.equal(served(), r, `${what}: the request was served`);
    }
    async function expectServed(what: string, tpdu: Uint8Array): Promise<void> {
      const s = sentByDevice();
      const r = served();
      await inject([tpdu]);
      assert.equal(served(), r + 1, `${what}: not served`);
      assert.ok(sentByDevice() > s, `${what}: no response SMS`);
    }

    it('a correctly protected request from 0/x/9 is served and moves the counter (the baseline)', async () => {
      const before = mark() ?? 0n;
      await expectServed('baseline', craft());
      assert.equal(mark(), counter);
      assert.ok(counter > before);
    });

    it('every flipped bit of the user data (UDL, UDH, secured packet) is dropped; the original is then served', async () => {
      const good = craft();
      const udlAt = 1 + 2 + Math.ceil(good[1] / 2) + 2 + 7;
      const flipped: Uint8Array[] = [];
      for (let i = udlAt; i < good.length; i++) {
        for (let b = 0; b < 8; b++) {
          const t = good.slice();
          t[i] ^= 1 << b;
          flipped.push(t);
        }
      }
      await expectDropped(`${flipped.length} bit flips`, flipped);
      assert.ok(flipped.length >= 8 * 40, `${flipped.length} variants`);
      await expectServed('the unflipped original', good);
    });

    it('a replayed SMS is dropped', async () => {
      const good = craft();
      await expectServed('first delivery', good);
      await expectDropped('replay', [good]);
    });

    it('a counter not higher than the last accepted one is dropped', async () => {
      await expectDropped('equal counter', [craft({ counter })]);
      await expectDropped('lower counter', [craft({ counter: counter - 5n })]);
      await expectServed('higher counter', craft());
    });

    it('wrong TAR, KIc, KID, SPI, keys, TP-PID, class: dropped', async () => {
      const other: SmsKeys = { kic: new Uint8Array(randomBytes(keyLen)), kid: new Uint8Array(randomBytes(keyLen)) };
      const otherAlg = alg === 'aes' ? 0x09 : 0x02;
      const otherKeys: SmsKeys = { kic: new Uint8Array(randomBytes(alg === 'aes' ? 24 : 16)), kid: new Uint8Array(randomBytes(alg === 'aes' ? 24 : 16)) };
      await expectDropped('TAR BF FF 02', [craft({ tar: Uint8Array.of(0xbf, 0xff, 0x02) })]);
      await expectDropped('other KIc', [craft({ kic: otherAlg, kid: kic, keys: { kic: otherKeys.kic, kid: keys.kid } })]);
      await expectDropped('other KID', [craft({ kid: otherAlg, keys: { kic: keys.kic, kid: otherKeys.kid } })]);
      await expectDropped('SPI without ciphering', [craft({ spi: 0x1200 })]);
      await expectDropped('SPI counter "no check"', [craft({ spi: 0x0e00 })]);
      await expectDropped('SPI asking for a PoR', [craft({ spi: 0x1621 })]);
      await expectDropped('wrong keys', [craft({ keys: other })]);
      await expectDropped('wrong KID key only', [craft({ keys: { kic: keys.kic, kid: other.kid } })]);
      await expectDropped('TP-PID 00', [craft({ pid: 0x00 })]);
      await expectDropped('class 2 (USIM data download)', [craft({ dcs: 0xf6 })]);
      await expectServed('the right parameters', craft());
    });

    it('a correctly protected SMS from a number other than 0/x/9 is dropped', async () => {
      await expectDropped('other number', [craft({ from: '+15550666' })]);
      await expectDropped('same digits, national', [craft({ from: SERVER_NUMBER.slice(1) })]);
      await expectServed('from 0/x/9', craft());
      assert.ok(injected > 100);
      assert.equal(dev.sim.stats.missedAcks, 0);
    });
  });
}

describe('plain SMS framing (NoSec, and the carrier of DTLS over SMS): only 0/x/9 is heard', function () {
  this.timeout(60_000);
  const ep = 'neg-plain';
  const msisdn = '+15550203';
  let world: SmsWorld;
  let dev: SmsDevice;
  let mid = 0x5000;
  before(async () => {
    world = await smsWorld();
    world.gateway.addDevice({ msisdn, mode: 'nosec' });
    dev = await smsDevice(world, { ep, msisdn, accounts: [{ uri: `sms://${SERVER_NUMBER}`, shortServerId: 1, lifetime: 600, binding: 'S', securityMode: 3, sms: { mode: 3, number: SERVER_NUMBER } }] });
    await dev.client.start();
    await world.server.waitForRegistration(ep, 20_000);
  });
  after(async () => {
    await dev?.close();
    await world?.close();
  });
  const get = (from: string) =>
    encodeDeliver({
      originator: parseNumber(from), pid: 0, dcs: 0xf5, timestamp: { year: 26, month: 11, day: 30, hour: 1, minute: 0, second: 0, tzQuarterHours: 0 },
      payload: encodeMessage({ type: 0, code: 0x01, messageId: mid++, token: Uint8Array.of(1, mid & 0xff), options: ['3', '0', '0'].map((s) => ({ number: Option.UriPath, value: utf8Encode(s) })), payload: new Uint8Array(0) }).slice(),
    });
  it('a request from another number is dropped silently; the same from 0/x/9 is served', async () => {
    const served = () => dev.events.filter((e) => e.type === 'request').length;
    const sent = () => world.smsc.log.filter((m) => m.from === msisdn).length;
    const s0 = sent();
    const r0 = served();
    world.smsc.inject(msisdn, get('+15550666'), 'attacker');
    await sleep(300);
    assert.equal(served(), r0);
    assert.equal(sent(), s0);
    world.smsc.inject(msisdn, get(SERVER_NUMBER), 'attacker');
    await sleep(300);
    assert.equal(served(), r0 + 1);
    assert.ok(sent() > s0);
  });
});
