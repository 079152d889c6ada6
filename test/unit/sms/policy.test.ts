import { assert } from '../../harness/assert';
import { fromHex, utf8Encode } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { parseNumber, TON } from '../../../modules/sms/address';
import { SmsConfigError } from '../../../modules/sms/errors';
import { encodeCommandPacket } from '../../../modules/sms/secured-packet';
import { parseKeyParameters, SmsSecurityPolicy } from '../../../modules/sms/policy';
import { MemoryCounters } from './memory-counters';

const KEYS = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const RES7 = fromHex('1212 1621 bfff00');
const SERVER = '+447700900123';
const from = parseNumber(SERVER);

function policy(counters = new MemoryCounters(), res7 = RES7, keys = KEYS) {
  return new SmsSecurityPolicy({ keyParameters: res7, secretKeys: keys, serverNumber: SERVER, counters, crypto });
}

function packet(counter: bigint, over: Partial<{ spi: number; kic: number; kid: number; tar: Uint8Array }> = {}, keys = { kic: KEYS.subarray(0, 16), kid: KEYS.subarray(16) }) {
  return encodeCommandPacket({ spi: 0x1621, kic: 0x12, kid: 0x12, tar: fromHex('bfff00'), counter, ...over }, utf8Encode('hello'), keys, crypto);
}

describe('SMS security policy', () => {
  describe('configuration (Security Object resources 7, 8, 9)', () => {
    it('resource 7 must be exactly 7 octets', () => {
      assert.deepEqual(parseKeyParameters(RES7), { kic: 0x12, kid: 0x12, spi: 0x1621, tar: fromHex('bfff00') });
      for (const n of [0, 6, 8]) assert.throws(() => parseKeyParameters(new Uint8Array(n)), /7 octets/);
    });
    it('refuses single DES, 2-key 3DES, mixed families and wrong key lengths', () => {
      assert.throws(() => policy(undefined, fromHex('1111 1621 bfff00')), /single DES or 2-key/);
      assert.throws(() => policy(undefined, fromHex('1515 1621 bfff00')), /single DES or 2-key/);
      assert.throws(() => policy(undefined, fromHex('1219 1621 bfff00')), /same algorithm family/);
      assert.throws(() => policy(undefined, RES7, KEYS.subarray(0, 31)), /32 octets/);
      const k1 = fromHex('0123456789abcdef23456789abcdef01456789abcdef0123');
      const twoKey = fromHex('0123456789abcdef23456789abcdef010123456789abcdef');
      assert.doesNotThrow(() => policy(undefined, fromHex('1919 1621 b20203'), new Uint8Array([...k1, ...k1.slice().reverse()])));
      assert.throws(() => policy(undefined, fromHex('1919 1621 b20203'), new Uint8Array([...twoKey, ...k1])), /2-key 3DES/);
      assert.throws(() => policy(undefined, fromHex('1919 1621 b20203'), new Uint8Array([...k1, ...new Uint8Array(24)])), SmsConfigError);
    });
    it('SPI1 must be 0x16; TAR must be BF FF xx or B2 02 03', () => {
      for (const spi1 of ['06', '0e', '12', '14', '1e', '17', '15', '96']) assert.throws(() => policy(undefined, fromHex(`1212 ${spi1}21 bfff00`)), /SPI1/);
      assert.throws(() => policy(undefined, fromHex('1212 1621 bffe00')), /TAR/);
      assert.throws(() => policy(undefined, fromHex('1212 1621 b20204')), /TAR/);
      assert.doesNotThrow(() => policy(undefined, fromHex('1212 1621 bfffff')));
      assert.doesNotThrow(() => policy(undefined, fromHex('1212 1621 b20203')));
    });
    it('config errors never quote key bytes', () => {
      const e = assert.throws(() => policy(undefined, RES7, KEYS.subarray(0, 20))) as Error;
      assert.ok(!e.message.includes('0001020304'));
    });
  });

  describe('receive rules', () => {
    it('accepts a correctly protected packet once the counter is durable, then drops its replay', () => {
      const counters = new MemoryCounters();
      const p = policy(counters);
      const r = p.open(packet(5n), from);
      assert.ok(r.ok);
      assert.deepEqual(r.data, utf8Encode('hello'));
      assert.deepEqual(counters.log, ['sms/rx=5']);
      assert.deepEqual(p.open(packet(5n), from), { ok: false, reason: 'replay' });
      assert.deepEqual(p.open(packet(4n), from), { ok: false, reason: 'replay' });
      assert.ok(p.open(packet(9n), from).ok, 'a gap is fine in mode 10');
      assert.equal(p.drops.replay, 2);
    });
    it('the counter survives a new policy instance (durable high-water mark)', () => {
      const counters = new MemoryCounters();
      assert.ok(policy(counters).open(packet(7n), from).ok);
      assert.deepEqual(policy(counters).open(packet(7n), from), { ok: false, reason: 'replay' });
    });
    it('a counter store failure drops the packet without releasing data', () => {
      const counters = new MemoryCounters();
      counters.failNext = true;
      const p = policy(counters);
      assert.deepEqual(p.open(packet(1n), from), { ok: false, reason: 'counter-store' });
    });
    it('a forged packet does not move the counter', () => {
      const counters = new MemoryCounters();
      const p = policy(counters);
      const bad = packet(1000n, {}, { kic: KEYS.subarray(16), kid: KEYS.subarray(0, 16) });
      assert.equal(p.open(bad, from).ok, false);
      assert.equal(counters.values.size, 0);
      assert.ok(p.open(packet(1n), from).ok);
    });
    it('wrong originator, TAR, KIc, KID and SPI are dropped and counted, with no response', () => {
      const p = policy();
      assert.deepEqual(p.open(packet(1n), parseNumber('+447700900124')), { ok: false, reason: 'originator' });
      assert.deepEqual(p.open(packet(1n), { ton: TON.national, npi: 1, value: '447700900123' }), { ok: false, reason: 'originator' });
      assert.deepEqual(p.open(packet(1n), { ton: TON.alphanumeric, npi: 0, value: 'Server' }), { ok: false, reason: 'originator' });
      assert.deepEqual(p.open(packet(2n, { tar: fromHex('bfff01') }), from), { ok: false, reason: 'tar' });
      assert.deepEqual(p.open(packet(3n, { kic: 0x22 }), from), { ok: false, reason: 'parameters' });
      assert.deepEqual(p.open(packet(4n, { kid: 0x22 }), from), { ok: false, reason: 'parameters' });
      assert.deepEqual(p.open(packet(5n, { spi: 0x1221 }), from), { ok: false, reason: 'parameters' });
      assert.deepEqual(p.open(packet(6n, { spi: 0x0621 }), from), { ok: false, reason: 'parameters' });
      assert.deepEqual(p.open(packet(7n, { spi: 0x1e21 }), from), { ok: false, reason: 'parameters' });
      assert.equal(p.drops.originator, 3);
      assert.equal(p.drops.parameters, 5);
      assert.ok(p.open(packet(8n), from).ok, 'the next good packet still passes');
    });
    it('every flipped bit of a good packet is dropped and nothing is released', () => {
      const p = policy();
      const good = packet(100n);
      let dropped = 0;
      for (let i = 0; i < good.length * 8; i++) {
        const x = good.slice();
        x[i >> 3] ^= 0x80 >> (i & 7);
        const r = p.open(x, from);
        assert.equal(r.ok, false, `bit ${i}`);
        dropped++;
      }
      let sum = 0;
      for (const k in p.drops) sum += p.drops[k as keyof typeof p.drops];
      assert.equal(sum, dropped);
    });
    it('truncated and oversized packets are dropped', () => {
      const p = policy();
      const good = packet(100n);
      for (let n = 0; n < good.length; n++) assert.equal(p.open(good.subarray(0, n), from).ok, false);
      assert.equal(p.open(new Uint8Array([...good, 0]), from).ok, false);
    });
  });

  describe('send rules', () => {
    it('the outbound counter never repeats and the receiver can open what we seal', () => {
      const tx = new MemoryCounters();
      const p = policy(tx);
      const seen = new Set<bigint>();
      const rx = policy(new MemoryCounters());
      for (let i = 0; i < 5; i++) {
        const ud = p.seal(utf8Encode(`m${i}`));
        const r = rx.open(ud, from);
        assert.ok(r.ok);
        assert.ok(!seen.has(r.header.counter));
        seen.add(r.header.counter);
      }
    });
    it('a PoR is produced only when SPI2 asks for one', () => {
      const p = policy(new MemoryCounters(), fromHex('1212 1639 bfff00'));
      const r = p.open(packet(1n, { spi: 0x1639 }), from);
      assert.ok(r.ok);
      const por = p.proofOfReceipt(r.header);
      assert.ok(por && por[1] === 0x71);
      const q = policy(new MemoryCounters(), fromHex('1212 1600 bfff00'));
      const r2 = q.open(packet(1n, { spi: 0x1600 }), from);
      assert.ok(r2.ok);
      assert.equal(q.proofOfReceipt(r2.header), null);
    });
  });
});
