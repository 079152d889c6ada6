/**
 * Security checks of the SMS policy and secured packets that mutation testing (npm run mutate, set
 * sms-secured) showed no test would miss: each case below fails when its check is weakened.
 * ETSI TS 102 225 §5.1 (SPI, KIc, KID, TAR), TS 23.040 §9.1.2.5 (address types), LwM2M 1.1 Core
 * Appendix E.1 (Security Object resources 7, 8, 9).
 */
import { assert } from '../../harness/assert';
import { fromHex, utf8Encode } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { TON, parseNumber } from '../../../modules/sms/address';
import { SecuredPacketError, SmsConfigError } from '../../../modules/sms/errors';
import { decodeCommandPacket, encodeCommandPacket } from '../../../modules/sms/secured-packet';
import { SmsSecurityPolicy } from '../../../modules/sms/policy';
import { MemoryCounters } from './memory-counters';

const KEYS = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const AES = { kic: KEYS.subarray(0, 16), kid: KEYS.subarray(16) };
const RES7 = fromHex('1212 1621 bfff00');
const policy = (res7 = RES7, serverNumber = '+447700900123', keys = KEYS) => new SmsSecurityPolicy({ keyParameters: res7, secretKeys: keys, serverNumber, counters: new MemoryCounters(), crypto });
const packet = (counter: bigint, over: object = {}) => encodeCommandPacket({ spi: 0x1621, kic: 0x12, kid: 0x12, tar: fromHex('bfff00'), counter, ...over }, utf8Encode('hello'), AES, crypto);
function rejects(fn: () => unknown, what: string): SecuredPacketError {
  return assert.throws(fn, SecuredPacketError, what) as SecuredPacketError;
}

describe('SMS security checks (each one pinned by mutation testing)', () => {
  it('TAR: the first octet counts too (AA FF 00 is not in BF FF 00-BF FF FF)', () => {
    assert.throws(() => policy(fromHex('1212 1621 aaff00')), SmsConfigError);
    assert.throws(() => policy(fromHex('1212 1621 b2ff03')), SmsConfigError);
  });

  it('KIc/KID: a reserved AES mode and a non-DES family with the 3DES mode bits are refused', () => {
    // code = mode << 2 | family: 0x16 = AES family, mode 01 (reserved); 0x18 / 0x1b = family 00 / 11 with mode 10
    for (const code of ['16', '1a', '1e']) assert.throws(() => policy(fromHex(`${code}${code} 1621 bfff00`)), SmsConfigError, `KIc/KID ${code}`);
    // with keys of the 3-key 3DES size, so only the family check can refuse them
    const k3 = fromHex('0123456789abcdef23456789abcdef01456789abcdef0123');
    const keys48 = new Uint8Array([...k3, ...k3.slice().reverse()]);
    assert.doesNotThrow(() => policy(fromHex('1919 1621 bfff00'), '+447700900123', keys48));
    for (const code of ['18', '1b']) assert.throws(() => policy(fromHex(`${code}${code} 1621 bfff00`), '+447700900123', keys48), SmsConfigError, `KIc/KID ${code}`);
    // in a received packet too, before any key is used
    const v = packet(1n);
    v[8] = 0x16; // KIc
    assert.equal(rejects(() => decodeCommandPacket(v, AES, crypto), 'reserved AES mode').reason, 'security-error');
  });

  it('SPI2: a PoR with RC or DS, and the reserved PoR value 11, are refused in the configuration', () => {
    for (const spi2 of ['25', '2d', '23']) assert.throws(() => policy(fromHex(`1212 16${spi2} bfff00`)), SmsConfigError, `SPI2 ${spi2}`);
  });

  it('Server SMS Number: digits only, anchored at both ends', () => {
    for (const n of ['x447700900123', '447700900123x', '+44 7700 900123', '', '+']) assert.throws(() => policy(RES7, n), SmsConfigError, `number "${n}"`);
    assert.doesNotThrow(() => policy(RES7, '447700900123'));
  });

  it('an alphanumeric originator never matches, even when its text equals the configured digits', () => {
    const p = policy(RES7, '447700900123');
    assert.deepEqual(p.open(packet(1n), { ton: TON.alphanumeric, npi: 0, value: '447700900123' }), { ok: false, reason: 'originator' });
    assert.ok(p.open(packet(2n), { ton: TON.national, npi: 1, value: '447700900123' }).ok, 'the same digits as a number pass');
    assert.ok(!p.open(packet(3n), parseNumber('+447700900124')).ok);
  });

  it('a failed checksum is counted as an integrity drop, a broken ciphered part as a ciphering drop', () => {
    const p = policy();
    const from = parseNumber('+447700900123');
    const bad = packet(1n);
    bad[bad.length - 1] ^= 1;
    assert.deepEqual(p.open(bad, from), { ok: false, reason: 'integrity' });
    const short = packet(2n).slice(0, -1);
    short[4] -= 1; // CPL (low octet) follows, so the structure is consistent but the ciphered part is not whole blocks
    assert.deepEqual(p.open(short, from), { ok: false, reason: 'ciphering' });
    assert.equal(p.drops.integrity, 1);
    assert.equal(p.drops.ciphering, 1);
  });

  it('keys: an AES key of the wrong length and a 2-key 3DES key are refused before use', () => {
    const base = { spi: 0x1621, tar: fromHex('bfff00'), counter: 1n };
    const k20 = { kic: new Uint8Array(20).fill(7), kid: AES.kid };
    assert.equal(rejects(() => encodeCommandPacket({ ...base, kic: 0x12, kid: 0x12 }, utf8Encode('x'), k20, crypto), 'AES key 20 octets').reason, 'security-error');
    const k1 = fromHex('0123456789abcdef'), k2 = fromHex('23456789abcdef01'), k3 = fromHex('456789abcdef0123');
    const threeKey = new Uint8Array([...k1, ...k2, ...k3]);
    const twoKey = new Uint8Array([...k1, ...k2, ...k1]);
    const ok = encodeCommandPacket({ ...base, kic: 0x19, kid: 0x19 }, utf8Encode('x'), { kic: threeKey, kid: threeKey.slice().reverse() }, crypto);
    assert.ok(ok.length > 0);
    assert.equal(rejects(() => encodeCommandPacket({ ...base, kic: 0x19, kid: 0x19 }, utf8Encode('x'), { kic: twoKey, kid: threeKey }, crypto), '2-key KIc').reason, 'insufficient-security');
    assert.equal(rejects(() => encodeCommandPacket({ ...base, kic: 0x19, kid: 0x19 }, utf8Encode('x'), { kic: threeKey, kid: new Uint8Array([...threeKey, 1]) }, crypto), '25-octet KID').reason, 'insufficient-security');
  });

  it('encoding: a TAR of other than 3 octets is refused, counter 0 is allowed', () => {
    assert.equal(rejects(() => packet(1n, { tar: fromHex('bfff') }), 'TAR 2 octets').reason, 'tar-unknown');
    assert.ok(packet(0n).length > 0);
  });
});
