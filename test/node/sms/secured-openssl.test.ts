// Secured packets built independently from the TS 102 225 / TS 31.115 layout with OpenSSL (node:crypto)
// primitives, compared byte for byte with ours, and fed to our decoder.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { assert } from '../../harness/assert';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { decodeCommandPacket, decodeResponsePacket, encodeCommandPacket, encodeResponsePacket } from '../../../modules/sms/secured-packet';

const u8 = (b: Buffer | Uint8Array) => new Uint8Array(b);

function ecb(alg: string, key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv(alg, key, null).setAutoPadding(false);
  return u8(Buffer.concat([c.update(block), c.final()]));
}

function cbc(alg: string, key: Uint8Array, data: Uint8Array, decrypt = false): Uint8Array {
  const iv = Buffer.alloc(alg.startsWith('aes') ? 16 : 8);
  const c = (decrypt ? createDecipheriv : createCipheriv)(alg, key, iv).setAutoPadding(false);
  return u8(Buffer.concat([c.update(data), c.final()]));
}

// RFC 4493 CMAC written out here on OpenSSL's AES-ECB (node has no CMAC API)
function opensslCmac(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const alg = `aes-${key.length * 8}-ecb`;
  const dbl = (b: Uint8Array) => {
    const o = new Uint8Array(16);
    for (let i = 0; i < 16; i++) o[i] = ((b[i] << 1) | (i < 15 ? b[i + 1] >> 7 : 0)) & 0xff;
    if (b[0] & 0x80) o[15] ^= 0x87;
    return o;
  };
  const l = ecb(alg, key, new Uint8Array(16));
  const k1 = dbl(l), k2 = dbl(k1);
  const n = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const last = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const j = (n - 1) * 16 + i;
    last[i] = complete ? msg[j] ^ k1[i] : (j < msg.length ? msg[j] : j === msg.length ? 0x80 : 0) ^ k2[i];
  }
  let x: Uint8Array = new Uint8Array(16);
  for (let b = 0; b < n; b++) {
    const blk = b === n - 1 ? last : msg.subarray(b * 16, b * 16 + 16);
    x = ecb(alg, key, x.map((v, i) => v ^ blk[i]));
  }
  return x;
}

// 3DES CBC-MAC: zero-pad, CBC with IV 0, last block
function opensslTdesMac(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.max(8, Math.ceil(msg.length / 8) * 8));
  padded.set(msg);
  const c = cbc('des-ede3-cbc', key, padded);
  return c.subarray(c.length - 8);
}

const cat = (...p: Uint8Array[]) => u8(Buffer.concat(p));
const be = (v: bigint, n: number) => u8(Buffer.from(v.toString(16).padStart(2 * n, '0'), 'hex'));

/** TS 102 225 §5.1 command packet with CC and ciphering, laid out from the spec, not from our code. */
function referenceCommand(aes: boolean, spi: number, kic: number, kid: number, tar: Uint8Array, counter: bigint, data: Uint8Array, kicKey: Uint8Array, kidKey: Uint8Array) {
  const ciphered = ((spi >> 8) & 4) !== 0;
  const cc = ((spi >> 8) & 3) === 2;
  const bs = aes ? 16 : 8;
  const rc = ((spi >> 8) & 3) === 1;
  const ccLen = cc ? 8 : rc ? 4 : 0;
  const pad = ciphered ? (bs - ((6 + ccLen + data.length) % bs)) % bs : 0;
  const chl = 13 + ccLen;
  const cpl = 1 + chl + data.length + pad;
  const head = cat(be(BigInt(cpl), 2), Uint8Array.of(chl, spi >> 8, spi & 0xff, kic, kid), tar);
  const cntr = cat(be(counter, 5), Uint8Array.of(pad));
  const body = cat(data, new Uint8Array(pad));
  const mac = cc
    ? (aes ? opensslCmac(kidKey, cat(head, cntr, body)).subarray(0, 8) : opensslTdesMac(kidKey, cat(head, cntr, body)))
    : rc ? be(BigInt(zlibCrc32(cat(head, cntr, body))), 4) : new Uint8Array(0);
  let secured: Uint8Array = cat(cntr, mac, body);
  if (ciphered) secured = cbc(aes ? `aes-${kicKey.length * 8}-cbc` : 'des-ede3-cbc', kicKey, secured);
  return cat(Uint8Array.of(0x02, 0x70, 0x00), head, secured);
}

function referenceResponse(aes: boolean, spi: number, tar: Uint8Array, counter: bigint, status: number, data: Uint8Array, kicKey: Uint8Array, kidKey: Uint8Array) {
  const spi2 = spi & 0xff;
  const ciphered = (spi2 & 0x10) !== 0;
  const cc = ((spi2 >> 2) & 3) === 2;
  const bs = aes ? 16 : 8;
  const ccLen = cc ? 8 : 0;
  const pad = ciphered ? (bs - ((7 + ccLen + data.length) % bs)) % bs : 0;
  const rhl = 10 + ccLen;
  const rpl = 1 + rhl + data.length + pad;
  const head = cat(Uint8Array.of(0x02, 0x71, 0x00), be(BigInt(rpl), 2), Uint8Array.of(rhl), tar);
  const cntr = cat(be(counter, 5), Uint8Array.of(pad, status));
  const body = cat(data, new Uint8Array(pad));
  const mac = cc ? (aes ? opensslCmac(kidKey, cat(head, cntr, body)).subarray(0, 8) : opensslTdesMac(kidKey, cat(head, cntr, body))) : new Uint8Array(0);
  let secured: Uint8Array = cat(cntr, mac, body);
  if (ciphered) secured = cbc(aes ? 'aes-128-cbc' : 'des-ede3-cbc', kicKey, secured);
  return cat(head, secured);
}

describe('secured packets against OpenSSL (node:crypto)', () => {
  it('the CMAC written on OpenSSL AES matches RFC 4493 example 3 (so it can serve as the oracle)', () => {
    const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
    const msg = Buffer.from('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411', 'hex');
    assert.hex(opensslCmac(u8(key), u8(msg)), 'dfa66747de9ae63030ca32611497c827');
  });

  for (const aes of [true, false]) {
    const name = aes ? 'AES-128 CBC + CMAC' : '3-key 3DES CBC + CBC-MAC';
    const kic = aes ? 0x12 : 0x19;
    const kid = aes ? 0x12 : 0x19;
    it(`${name}: command packets for SPI 16xx, data lengths 0..70, equal byte for byte and decode`, () => {
      for (let n = 0; n <= 70; n++) {
        const kicKey = u8(randomBytes(aes ? 16 : 24));
        const kidKey = u8(randomBytes(aes ? 16 : 24));
        const tar = Uint8Array.of(0xbf, 0xff, n);
        const counter = BigInt(n) * 0x10203n + 1n;
        const data = u8(randomBytes(n));
        const spi = 0x1600 | (n % 4 === 0 ? 0x21 : 0x39);
        const expected = referenceCommand(aes, spi, kic, kid, tar, counter, data, kicKey, kidKey);
        const ours = encodeCommandPacket({ spi, kic, kid, tar, counter }, data, { kic: kicKey, kid: kidKey }, crypto);
        assert.deepEqual(ours, expected, `length ${n}`);
        const dec = decodeCommandPacket(expected, { kic: kicKey, kid: kidKey }, crypto);
        assert.deepEqual(dec.data, data);
        assert.equal(dec.header.counter, counter);
        assert.equal(dec.header.spi, spi);
        assert.deepEqual(dec.header.tar, tar);
      }
    });
    it(`${name}: other SPI1 settings (CC only, ciphering only, nothing) match the reference layout`, () => {
      for (const spi1 of [0x12, 0x14, 0x10, 0x02, 0x1a]) {
        const kicKey = u8(randomBytes(aes ? 16 : 24));
        const kidKey = u8(randomBytes(aes ? 16 : 24));
        const data = u8(randomBytes(33));
        const h = { spi: spi1 << 8, kic, kid, tar: Uint8Array.of(0xb2, 2, 3), counter: 99n };
        const expected = referenceCommand(aes, h.spi, kic, kid, h.tar, 99n, data, kicKey, kidKey);
        assert.deepEqual(encodeCommandPacket(h, data, { kic: kicKey, kid: kidKey }, crypto), expected, `SPI1 ${spi1}`);
        assert.deepEqual(decodeCommandPacket(expected, { kic: kicKey, kid: kidKey }, crypto).data, data);
      }
    });
    it(`${name}: RC = CRC-32 (zlib) with and without ciphering (SPI1 01, 05, 15)`, () => {
      for (const spi1 of [0x01, 0x05, 0x15]) {
        const kicKey = u8(randomBytes(aes ? 16 : 24));
        const data = u8(randomBytes(29));
        const h = { spi: (spi1 << 8) | 0x21, kic, kid: 0x15, tar: Uint8Array.of(0xbf, 0xff, 1), counter: 12345n };
        const expected = referenceCommand(aes, h.spi, kic, 0x15, h.tar, h.counter, data, kicKey, new Uint8Array(0));
        assert.deepEqual(encodeCommandPacket(h, data, { kic: kicKey, kid: new Uint8Array(0) }, crypto), expected, `SPI1 ${spi1}`);
        assert.deepEqual(decodeCommandPacket(expected, { kic: kicKey, kid: new Uint8Array(0) }, crypto).data, data);
      }
    });
    it(`${name}: the ciphered part decrypts with OpenSSL to CNTR PCNTR CC data padding`, () => {
      const kicKey = u8(randomBytes(aes ? 16 : 24));
      const kidKey = u8(randomBytes(aes ? 16 : 24));
      const data = u8(Buffer.from('LwM2M register over SMS'));
      const ud = encodeCommandPacket({ spi: 0x1621, kic, kid, tar: Uint8Array.of(0xbf, 0xff, 0), counter: 0x0102030405n }, data, { kic: kicKey, kid: kidKey }, crypto);
      const plain = cbc(aes ? 'aes-128-cbc' : 'des-ede3-cbc', kicKey, ud.subarray(13), true);
      assert.hex(plain.subarray(0, 5), '0102030405');
      const pad = plain[5];
      assert.equal(pad, (aes ? 16 : 8) - ((6 + 8 + data.length) % (aes ? 16 : 8)));
      assert.deepEqual(plain.subarray(14, 14 + data.length), data);
    });
    it(`${name}: response packets (PoR) with CC over 02 71 00, ciphered and not`, () => {
      for (const spi2 of [0x39, 0x29, 0x21, 0x31]) {
        for (const n of [0, 1, 7, 8, 20]) {
          const kicKey = u8(randomBytes(aes ? 16 : 24));
          const kidKey = u8(randomBytes(aes ? 16 : 24));
          const data = u8(randomBytes(n));
          const spi = 0x1600 | spi2;
          const tar = Uint8Array.of(0xbf, 0xff, 0x42);
          const expected = referenceResponse(aes, spi, tar, 77n, n % 3, data, kicKey, kidKey);
          const ours = encodeResponsePacket({ spi, kic, kid, tar, counter: 77n, status: n % 3 }, data, { kic: kicKey, kid: kidKey }, crypto);
          assert.deepEqual(ours, expected, `SPI2 ${spi2} n ${n}`);
          const dec = decodeResponsePacket(expected, spi, kic, kid, { kic: kicKey, kid: kidKey }, crypto);
          assert.equal(dec.status, n % 3);
          assert.equal(dec.counter, 77n);
          assert.deepEqual(dec.data, data);
        }
      }
    });
  }
});
