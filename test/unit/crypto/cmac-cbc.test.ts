/**
 * AES-CMAC (RFC 4493 section 4, NIST SP 800-38B appendix D), CBC (NIST SP 800-38A F.2) and
 * CBC-MAC, pinned by the published examples. Runs in Node and in XS.
 */
import { assert } from '../../harness/assert';
import { fromHex } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { aesCmac, cmacWith, cbcEncrypt, cbcDecrypt, cbcMac, CryptoError } from '../../../modules/crypto/index';

const codeOf = (code: string) => (e: unknown) => e instanceof CryptoError && e.code === code;

// The SP 800-38A / RFC 4493 example message, 64 bytes.
const M64 = '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710';
const msg = (n: number) => fromHex(M64).subarray(0, n);

describe('AES-CMAC (RFC 4493, SP 800-38B)', () => {
  const key128 = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
  const rfc4493: [number, string][] = [
    [0, 'bb1d6929e95937287fa37d129b756746'],
    [16, '070a16b46b4d4144f79bdd9dd04a287c'],
    [40, 'dfa66747de9ae63030ca32611497c827'],
    [64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ];
  rfc4493.forEach(([len, mac], i) => {
    it(`RFC 4493 example ${i + 1} (${len} bytes)`, () => assert.hex(aesCmac(crypto, key128, msg(len)), mac));
  });

  // SP 800-38B D.3 (AES-256): exercises the 32-byte key path.
  const key256 = fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
  const sp80038bAes256: [number, string][] = [
    [0, '028962f61b7bf89efc6b551f4667d983'],
    [16, '28a7023f452e8f82bd4bf28d8c37c35c'],
    [40, 'aaf3d8f1de5640c232f5b169b9c911e6'],
    [64, 'e1992190549f6ed5696a2c056c315410'],
  ];
  for (const [len, mac] of sp80038bAes256) {
    it(`SP 800-38B AES-256 example, ${len} bytes`, () => assert.hex(aesCmac(crypto, key256, msg(len)), mac));
  }

  // SP 800-38B D.4 examples 13-16 (three-key TDEA, as corrected by the errata): the 64-bit block path of cmacWith (Rb = 0x1b).
  const tdesKey = fromHex('8aa83bf8cbda1062 0bc1bf19fbb6cd58 bc313d4a371ca8b5');
  const sp80038bTdes: [number, string][] = [
    [0, 'b7a688e122ffaf95'],
    [8, '8e8f293136283797'],
    [20, '743ddbe0ce2dc2ed'],
    [32, '33e6b1092400eae5'],
  ];
  for (const [len, mac] of sp80038bTdes) {
    it(`SP 800-38B three-key TDEA example, ${len} bytes`, () => {
      const t = crypto.tdes(tdesKey);
      assert.hex(cmacWith(t, msg(len)), mac);
      t.dispose();
    });
  }

  it('refuses AES key lengths other than 16, 24, 32 with bad-key-length', () => {
    for (const n of [0, 8, 15, 17, 23, 31, 33, 64]) {
      assert.throws(() => aesCmac(crypto, new Uint8Array(n), msg(16)), codeOf('bad-key-length'), `${n}-byte key`);
    }
  });
});

describe('CBC (SP 800-38A F.2) and CBC-MAC', () => {
  const iv = fromHex('000102030405060708090a0b0c0d0e0f');
  const cases: [string, string, string][] = [
    ['CBC-AES128 (F.2.1/F.2.2)', '2b7e151628aed2a6abf7158809cf4f3c', '7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7'],
    ['CBC-AES192 (F.2.3/F.2.4)', '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b', '4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a 571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd'],
    ['CBC-AES256 (F.2.5/F.2.6)', '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4', 'f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b'],
  ];
  for (const [name, key, ct] of cases) {
    it(`${name} encrypt and decrypt`, () => {
      const aes = crypto.aes(fromHex(key));
      assert.hex(cbcEncrypt(aes, iv, msg(64)), ct);
      assert.hex(cbcDecrypt(aes, iv, fromHex(ct)), M64);
      aes.dispose();
    });
  }

  it('NIST CAVP TCBCMMT3 and TCFB64MMT3 (three-key TDES) cases', () => {
    // TCBCMMT3: a two-block case, encrypt and decrypt.
    const t1 = crypto.tdes(fromHex('6d0d67da68ab166d 1f43c7204c4c2aa4 c81a528515f1dff2'));
    assert.hex(cbcEncrypt(t1, fromHex('68e63a07b22e33eb'), fromHex('4346c4e81380626fa0b2776d30a4fc05')), '5274be183f5dfb6b018f22b322f0392d');
    assert.hex(cbcDecrypt(t1, fromHex('68e63a07b22e33eb'), fromHex('5274be183f5dfb6b018f22b322f0392d')), '4346c4e81380626fa0b2776d30a4fc05');
    // TCFB64MMT3 count 0, one block: CFB64 ciphertext = P xor E(K, IV), so E(K, IV) = P xor C.
    const t2 = crypto.tdes(fromHex('e0d525e9eca226d5 584a702fdcd3df23 8058ad4c1570348f'));
    const keystream = new Uint8Array(8);
    t2.encryptBlock(fromHex('8bf6febfde90bd17'), keystream);
    const p = fromHex('2685a38657e8dbfe');
    for (let i = 0; i < 8; i++) keystream[i] ^= p[i];
    assert.hex(keystream, 'e9fbc028105354ed');
  });

  it('CBC-MAC equals the last CBC block over zero-padded data (SP 800-38A F.2.1 blocks)', () => {
    // With a zero IV the first CBC-AES128 block is E(K, P1 xor 0); take F.2.1 with its IV folded into P1.
    const aes = crypto.aes(fromHex('2b7e151628aed2a6abf7158809cf4f3c'));
    const p = msg(64).slice();
    for (let i = 0; i < 16; i++) p[i] ^= iv[i];
    assert.hex(cbcMac(aes, p), '3ff1caa1681fac09120eca307586e1a7');
    // Zero padding: a short last block is padded with zeros, so these two inputs give the same MAC.
    const short = p.subarray(0, 60);
    const padded = new Uint8Array(64);
    padded.set(short);
    assert.deepEqual(cbcMac(aes, short), cbcMac(aes, padded));
  });

  it('refuses a non-block-multiple input and a wrong IV length', () => {
    const aes = crypto.aes(new Uint8Array(16));
    const tdes = crypto.tdes(fromHex('0123456789abcdef23456789abcdef01456789abcdef0123'));
    for (const n of [1, 15, 17, 33]) {
      assert.throws(() => cbcEncrypt(aes, new Uint8Array(16), new Uint8Array(n)), codeOf('bad-input-length'), `aes ${n}`);
      assert.throws(() => cbcDecrypt(aes, new Uint8Array(16), new Uint8Array(n)), codeOf('bad-input-length'), `aes dec ${n}`);
    }
    for (const n of [1, 7, 9, 12]) {
      assert.throws(() => cbcEncrypt(tdes, new Uint8Array(8), new Uint8Array(n)), codeOf('bad-input-length'), `tdes ${n}`);
    }
    assert.throws(() => cbcEncrypt(aes, new Uint8Array(8), new Uint8Array(16)), codeOf('bad-nonce-length'));
    assert.throws(() => cbcEncrypt(tdes, new Uint8Array(16), new Uint8Array(8)), codeOf('bad-nonce-length'));
    assert.throws(() => cbcDecrypt(aes, new Uint8Array(0), new Uint8Array(16)), codeOf('bad-nonce-length'));
    assert.equal(cbcEncrypt(aes, new Uint8Array(16), new Uint8Array(0)).length, 0);
  });

  it('a disposed AES cipher refuses to run (bad-argument) instead of using its zeroed schedule', () => {
    const aes = crypto.aes(fromHex('2b7e151628aed2a6abf7158809cf4f3c'));
    const out = new Uint8Array(16);
    aes.encryptBlock(msg(16), out);
    assert.hex(out, '3ad77bb40d7a3660a89ecaf32466ef97'); // SP 800-38A F.1.1, block 1
    aes.dispose();
    assert.throws(() => aes.encryptBlock(msg(16), out), codeOf('bad-argument'));
    assert.throws(() => aes.decryptBlock(out, out), codeOf('bad-argument'));
  });

  it('refuses AES keys of the wrong length with bad-key-length', () => {
    for (const n of [0, 1, 15, 17, 20, 31, 33]) assert.throws(() => crypto.aes(new Uint8Array(n)), codeOf('bad-key-length'), `${n}`);
  });
});
