/**
 * CBC over any BlockCipher (AES for TS 102 225 and DTLS CBC suites, 3DES for TS 102 225).
 * No padding here: each protocol pads in its own way (TLS padding, TS 102 225 zero padding).
 */
import { CryptoError } from './errors';
import type { BlockCipher } from './provider';

function checkBlocks(cipher: BlockCipher, iv: Uint8Array, data: Uint8Array): void {
  const bs = cipher.blockSize;
  if (iv.length !== bs) throw new CryptoError('bad-nonce-length', `CBC IV must be ${bs} bytes, got ${iv.length}`);
  if (data.length % bs !== 0) throw new CryptoError('bad-input-length', `CBC input must be a multiple of ${bs} bytes, got ${data.length}`);
}

export function cbcEncrypt(cipher: BlockCipher, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkBlocks(cipher, iv, plaintext);
  const bs = cipher.blockSize;
  const out = new Uint8Array(plaintext.length);
  const chain = iv.slice();
  for (let o = 0; o < plaintext.length; o += bs) {
    for (let i = 0; i < bs; i++) chain[i] ^= plaintext[o + i];
    cipher.encryptBlock(chain, chain);
    out.set(chain, o);
  }
  return out;
}

export function cbcDecrypt(cipher: BlockCipher, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  checkBlocks(cipher, iv, ciphertext);
  const bs = cipher.blockSize;
  const out = new Uint8Array(ciphertext.length);
  let prev = iv;
  for (let o = 0; o < ciphertext.length; o += bs) {
    cipher.decryptBlock(ciphertext, out, o, o);
    for (let i = 0; i < bs; i++) out[o + i] ^= prev[i];
    prev = ciphertext.subarray(o, o + bs);
  }
  return out;
}

/**
 * CBC-MAC with a zero IV over data zero-padded to the block size (the TS 102 225 cryptographic
 * checksum for DES-family keys): the last cipher block.
 */
export function cbcMac(cipher: BlockCipher, data: Uint8Array): Uint8Array {
  const bs = cipher.blockSize;
  const chain = new Uint8Array(bs);
  const blocks = Math.max(1, Math.ceil(data.length / bs));
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < bs; i++) {
      const j = b * bs + i;
      if (j < data.length) chain[i] ^= data[j];
    }
    cipher.encryptBlock(chain, chain);
  }
  return chain;
}
