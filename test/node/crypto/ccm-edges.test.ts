/**
 * AES-CCM edges that the RFC 3610 vectors do not reach, checked against OpenSSL (node:crypto): empty
 * additional data (Adata flag 0, RFC 3610 §2.2), the switch from the 2-octet to the 6-octet length
 * encoding of the additional data at 2^16 - 2^8, messages around the block size, every even tag length,
 * and the L-octet length limit of a 13-byte nonce. Found by mutation testing (npm run mutate, set crypto).
 */
import { createCipheriv } from 'node:crypto';
import { assert } from '../../harness/assert';
import { ccmOpen, ccmSeal, CryptoError } from '../../../modules/crypto/index';
import { nobleCrypto } from '../../../modules/crypto/noble';

const KEY = Buffer.from('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf', 'hex');
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

function openssl(nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, tag: number): Uint8Array {
  const c = createCipheriv('aes-128-ccm', KEY, nonce, { authTagLength: tag });
  if (aad.length) c.setAAD(aad, { plaintextLength: pt.length });
  else c.setAAD(Buffer.alloc(0), { plaintextLength: pt.length });
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return new Uint8Array(Buffer.concat([ct, c.getAuthTag()]));
}

describe('AES-CCM edges against OpenSSL', () => {
  const aes = nobleCrypto.aes(new Uint8Array(KEY));
  it('empty additional data, messages of 0..33 bytes, tags 4..16, nonces 7..13', () => {
    let n = 0;
    for (let len = 0; len <= 33; len++) {
      for (const tag of [4, 6, 8, 10, 12, 14, 16]) {
        const nonce = bytes(7 + (len % 7), len);
        const pt = bytes(len, tag);
        for (const aad of [new Uint8Array(0), bytes(1 + (len % 20), 3)]) {
          const want = openssl(nonce, aad, pt, tag);
          assert.deepEqual(ccmSeal(aes, nonce, aad, pt, tag), want, `len ${len} tag ${tag} aad ${aad.length}`);
          assert.deepEqual(ccmOpen(aes, nonce, aad, want, tag), pt);
          n++;
        }
      }
    }
    assert.equal(n, 34 * 7 * 2);
  });
  it('additional data of 2^16 - 2^8 - 1 and 2^16 - 2^8 bytes (2- and 6-octet length encodings)', () => {
    for (const alen of [0xfeff, 0xff00, 0xff01]) {
      const nonce = bytes(12, alen & 0xff);
      const aad = bytes(alen, 5);
      const pt = bytes(20, 9);
      assert.deepEqual(ccmSeal(aes, nonce, aad, pt, 8), openssl(nonce, aad, pt, 8), `aad ${alen}`);
    }
  });
  it('a 13-byte nonce (L = 2) protects 65535 bytes and refuses 65536', () => {
    const nonce = bytes(13, 1);
    const pt = bytes(65535, 2);
    assert.deepEqual(ccmSeal(aes, nonce, new Uint8Array(0), pt, 16), openssl(nonce, new Uint8Array(0), pt, 16));
    assert.throws(() => ccmSeal(aes, nonce, new Uint8Array(0), bytes(65536, 2), 16), (e: unknown) => e instanceof CryptoError && e.code === 'bad-input-length');
  });
});
