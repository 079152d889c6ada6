/**
 * Randomised cross-checks against OpenSSL (through node:crypto and the openssl CLI): thousands of
 * cases each, lengths sweeping 0..300 bytes. OpenSSL is the oracle; node:crypto randomness is fine
 * here because this file only runs in Node.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { assert } from '../../harness/assert';
import { toHex } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { aesCmac, cbcDecrypt, cbcEncrypt, cbcMac, ccmOpen, ccmSeal, cmacWith, CryptoError, hkdf, tls12Prf } from '../../../modules/crypto/index';

const CASES = 2000;
const rnd = (n: number) => new Uint8Array(randomBytes(n));
const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const aesName = (keyLen: number, mode: string) => `aes-${keyLen * 8}-${mode}`;
const KEY_LENGTHS = [16, 24, 32];

/** CBC without padding through OpenSSL. */
function opensslCbc(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const c = (decrypt ? createDecipheriv : createCipheriv)(cipher, key, iv).setAutoPadding(false);
  return u8(Buffer.concat([c.update(data), c.final()]));
}

/** AES-ECB single-block encryption through OpenSSL: the block function of the CMAC reference below. */
function ecbBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv(aesName(key.length, 'ecb'), key, null).setAutoPadding(false);
  return u8(Buffer.concat([c.update(block), c.final()]));
}

/**
 * Reference AES-CMAC written from RFC 4493 section 2.3/2.4 with BigInt arithmetic, independent of
 * modules/crypto/cmac.ts: subkeys by 128-bit shifts, then CBC over the padded message.
 */
function referenceCmac(key: Uint8Array, m: Uint8Array): Uint8Array {
  const MASK = (1n << 128n) - 1n;
  const big = (b: Uint8Array) => BigInt('0x' + (toHex(b) || '0'));
  const bytes = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(32, '0'), 'hex'));
  const dbl = (x: bigint) => ((x << 1n) & MASK) ^ (x >> 127n ? 0x87n : 0n);
  const L = big(ecbBlock(key, new Uint8Array(16)));
  const K1 = dbl(L), K2 = dbl(K1);
  const n = Math.max(1, Math.ceil(m.length / 16));
  const complete = m.length > 0 && m.length % 16 === 0;
  let last: bigint;
  if (complete) last = big(m.subarray(16 * (n - 1))) ^ K1;
  else {
    const padded = new Uint8Array(16);
    padded.set(m.subarray(16 * (n - 1)));
    padded[m.length - 16 * (n - 1)] = 0x80;
    last = big(padded) ^ K2;
  }
  let x = 0n;
  for (let i = 0; i < n - 1; i++) x = big(ecbBlock(key, bytes(x ^ big(m.subarray(16 * i, 16 * i + 16)))));
  return ecbBlock(key, bytes(x ^ last));
}

/** CMAC from the openssl command line (OpenSSL 3 `openssl mac`). */
function opensslCliCmac(cipher: string, key: Uint8Array, m: Uint8Array): string {
  const r = spawnSync('openssl', ['mac', '-cipher', cipher, '-macopt', `hexkey:${toHex(key)}`, 'CMAC'], { input: m });
  if (r.status !== 0) throw new Error(`openssl mac failed: ${r.stderr}`);
  return r.stdout.toString().trim().toLowerCase();
}

/** P_SHA256 written from RFC 5246 section 5 on node:crypto HMAC. */
function referencePrf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const ls = Buffer.concat([Buffer.from(label, 'utf8'), seed]);
  const out: Buffer[] = [];
  let a: Buffer = ls;
  let have = 0;
  while (have < length) {
    a = createHmac('sha256', secret).update(a).digest();
    const block = createHmac('sha256', secret).update(Buffer.concat([a, ls])).digest();
    out.push(block);
    have += block.length;
  }
  return u8(Buffer.concat(out).subarray(0, length));
}

describe('cross-checks against OpenSSL (node:crypto)', function () {
  this.timeout(120000);

  it(`AES-128/192/256-CBC encrypt and decrypt, ${CASES} cases, 0..300 bytes`, () => {
    for (let i = 0; i < CASES; i++) {
      const key = rnd(KEY_LENGTHS[i % 3]);
      const iv = rnd(16);
      const data = rnd((i % 301) & ~15);
      const aes = crypto.aes(key);
      const expected = opensslCbc(aesName(key.length, 'cbc'), key, iv, data, false);
      assert.deepEqual(cbcEncrypt(aes, iv, data), expected, `encrypt case ${i}`);
      assert.deepEqual(cbcDecrypt(aes, iv, expected), data, `decrypt case ${i}`);
      // Decrypting arbitrary (non-ciphertext) input must match too.
      assert.deepEqual(cbcDecrypt(aes, iv, data), opensslCbc(aesName(key.length, 'cbc'), key, iv, data, true), `decrypt random ${i}`);
      aes.dispose();
    }
  });

  it(`3DES-CBC (des-ede3-cbc) encrypt and decrypt, ${CASES} cases, 0..300 bytes`, () => {
    for (let i = 0; i < CASES; i++) {
      const key = rnd(24);
      const iv = rnd(8);
      const data = rnd((i % 301) & ~7);
      const t = crypto.tdes(key);
      const expected = opensslCbc('des-ede3-cbc', key, iv, data, false);
      assert.deepEqual(cbcEncrypt(t, iv, data), expected, `encrypt case ${i}`);
      assert.deepEqual(cbcDecrypt(t, iv, expected), data, `decrypt case ${i}`);
      t.dispose();
    }
  });

  it(`3DES CBC-MAC (zero IV, zero padding) = last block of des-ede3-cbc, ${CASES} cases, 0..300 bytes`, () => {
    for (let i = 0; i < CASES; i++) {
      const key = rnd(24);
      const data = rnd(i % 301);
      const padded = new Uint8Array(Math.max(8, Math.ceil(data.length / 8) * 8));
      padded.set(data);
      const ct = opensslCbc('des-ede3-cbc', key, new Uint8Array(8), padded, false);
      const t = crypto.tdes(key);
      assert.deepEqual(cbcMac(t, data), ct.subarray(ct.length - 8), `case ${i} (${data.length} bytes)`);
      t.dispose();
    }
  });

  it(`AES-CCM with 8- and 16-byte tags and 7..13-byte nonces, ${CASES} cases, 0..300 bytes`, () => {
    for (let i = 0; i < CASES; i++) {
      const key = rnd(KEY_LENGTHS[i % 3]);
      const nonceLength = 7 + (i % 7);
      const tagLength = i % 5 === 4 ? 4 + 2 * randomInt(7) : i % 2 ? 16 : 8;
      const nonce = rnd(nonceLength);
      const aad = rnd(i % 4 === 0 ? 0 : randomInt(0, 80));
      const pt = rnd(i % 301);
      const c = createCipheriv(aesName(key.length, 'ccm') as 'aes-128-ccm', key, nonce, { authTagLength: tagLength });
      c.setAAD(aad, { plaintextLength: pt.length });
      const ct = Buffer.concat([c.update(pt), c.final()]);
      const expected = u8(Buffer.concat([ct, c.getAuthTag()]));
      const aes = crypto.aes(key);
      const sealed = ccmSeal(aes, nonce, aad, pt, tagLength);
      assert.deepEqual(sealed, expected, `seal case ${i}: tag ${tagLength}, nonce ${nonceLength}, ${pt.length} bytes`);
      assert.deepEqual(ccmOpen(aes, nonce, aad, sealed, tagLength), pt, `open case ${i}`);
      // OpenSSL opens what we sealed and rejects it once one bit is flipped; so do we.
      const d = createDecipheriv(aesName(key.length, 'ccm') as 'aes-128-ccm', key, nonce, { authTagLength: tagLength });
      d.setAuthTag(sealed.subarray(pt.length));
      d.setAAD(aad, { plaintextLength: pt.length });
      assert.deepEqual(u8(d.update(sealed.subarray(0, pt.length))), pt, `openssl opens case ${i}`);
      const bad = sealed.slice();
      bad[randomInt(bad.length)] ^= 1 << randomInt(8);
      assert.throws(() => ccmOpen(aes, nonce, aad, bad, tagLength), (e) => e instanceof CryptoError && e.code === 'bad-tag', `tampered case ${i}`);
      aes.dispose();
    }
  });

  it(`AES-CMAC against a BigInt RFC 4493 reference on OpenSSL AES-ECB, ${CASES} cases, 0..300 bytes`, () => {
    for (let i = 0; i < CASES; i++) {
      const key = rnd(KEY_LENGTHS[i % 3]);
      const m = rnd(i % 301);
      assert.deepEqual(aesCmac(crypto, key, m), referenceCmac(key, m), `case ${i}: ${key.length}-byte key, ${m.length} bytes`);
    }
  });

  it('the CMAC reference itself reproduces RFC 4493 examples 1-4', () => {
    const key = Uint8Array.from(Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex'));
    const m = Uint8Array.from(Buffer.from('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710', 'hex'));
    assert.hex(referenceCmac(key, m.subarray(0, 0)), 'bb1d6929e95937287fa37d129b756746');
    assert.hex(referenceCmac(key, m.subarray(0, 16)), '070a16b46b4d4144f79bdd9dd04a287c');
    assert.hex(referenceCmac(key, m.subarray(0, 40)), 'dfa66747de9ae63030ca32611497c827');
    assert.hex(referenceCmac(key, m), '51f0bebf7e3b9d92fc49741779363cfe');
  });

  it('AES-CMAC and 3DES-CMAC against `openssl mac` (CLI), 40 cases', () => {
    for (let i = 0; i < 40; i++) {
      const m = rnd(randomInt(0, 301));
      if (i % 2 === 0) {
        const key = rnd(KEY_LENGTHS[(i >> 1) % 3]);
        assert.equal(toHex(aesCmac(crypto, key, m)), opensslCliCmac(aesName(key.length, 'cbc').toUpperCase(), key, m), `aes case ${i}`);
      } else {
        const key = rnd(24);
        const t = crypto.tdes(key);
        assert.equal(toHex(cmacWith(t, m)), opensslCliCmac('DES-EDE3-CBC', key, m), `3des case ${i}`);
      }
    }
  });

  it(`SHA-256 and HMAC-SHA256 against node:crypto, ${CASES} cases, 0..300 bytes, keys 0..150 bytes`, () => {
    for (let i = 0; i < CASES; i++) {
      const data = rnd(i % 301);
      const key = rnd(i % 151);
      assert.deepEqual(crypto.sha256(data), u8(createHash('sha256').update(data).digest()), `sha256 case ${i}`);
      assert.deepEqual(crypto.hmacSha256(key, data), u8(createHmac('sha256', key).update(data).digest()), `hmac case ${i}`);
    }
  });

  it('the TLS 1.2 PRF vector holds with node:crypto HMAC as well', () => {
    const out = referencePrf(Uint8Array.from(Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex')), 'test label',
      Uint8Array.from(Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex')), 100);
    assert.hex(out, 'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66');
  });

  it(`TLS 1.2 PRF against node:crypto HMAC, ${CASES} cases, 0..300 bytes out`, () => {
    for (let i = 0; i < CASES; i++) {
      const secret = rnd(i % 65);
      const seed = rnd(randomInt(0, 80));
      const label = ['master secret', 'key expansion', 'client finished', 'extended master secret', ''][i % 5];
      const n = i % 301;
      assert.deepEqual(tls12Prf(crypto, secret, label, seed, n), referencePrf(secret, label, seed, n), `case ${i}`);
    }
  });

  it(`HKDF-SHA256 against node:crypto hkdfSync, ${CASES} cases, 1..300 bytes out`, () => {
    for (let i = 0; i < CASES; i++) {
      const ikm = rnd(1 + (i % 80));
      const salt = rnd(i % 3 === 0 ? 0 : randomInt(1, 100));
      const info = rnd(randomInt(0, 100));
      const n = 1 + (i % 300);
      assert.deepEqual(hkdf(crypto, ikm, salt, info, n), new Uint8Array(hkdfSync('sha256', ikm, salt, info, n)), `case ${i}`);
    }
  });
});
