/**
 * AES-CCM (RFC 3610, NIST SP 800-38C) with 8- or 16-byte tags: the AEAD of TLS_PSK_WITH_AES_128_CCM_8,
 * TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (RFC 6655 / 7251) and the key store's sealing.
 * Nonce length N gives L = 15 - N length octets; DTLS uses N = 12 (L = 3).
 */
import { constantTimeEqual } from '../bytes/index';
import { CryptoError } from './errors';
import type { BlockCipher } from './provider';

function checkParams(aes: BlockCipher, nonce: Uint8Array, tagLength: number, dataLength: number): number {
  if (aes.blockSize !== 16) throw new CryptoError('bad-argument', 'CCM needs a 128-bit block cipher');
  if (nonce.length < 7 || nonce.length > 13) throw new CryptoError('bad-nonce-length', `CCM nonce must be 7..13 bytes, got ${nonce.length}`);
  if (!Number.isInteger(tagLength) || tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) throw new CryptoError('bad-tag-length', `CCM tag must be 4, 6, ..., 16 bytes, got ${tagLength}`);
  const L = 15 - nonce.length;
  if (L < 8 && dataLength >= 2 ** (8 * L)) throw new CryptoError('bad-input-length', `CCM with a ${nonce.length}-byte nonce cannot protect ${dataLength} bytes`);
  return L;
}

function checkAad(aad: Uint8Array): void {
  // RFC 3610 2.2 also has a 10-byte form for 2^32 bytes and more; nothing here comes near that.
  if (aad.length >= 0x100000000) throw new CryptoError('bad-input-length', 'CCM additional data of 2^32 bytes or more is not supported');
}

/** CBC-MAC over B0 | encoded AAD | message, per RFC 3610 section 2.2. */
function computeTag(aes: BlockCipher, nonce: Uint8Array, aad: Uint8Array, msg: Uint8Array, tagLength: number, L: number): Uint8Array {
  const x = new Uint8Array(16);
  x[0] = (aad.length > 0 ? 0x40 : 0) | (((tagLength - 2) / 2) << 3) | (L - 1);
  x.set(nonce, 1);
  let len = msg.length;
  for (let i = 15; i > 15 - L; i--) {
    x[i] = len & 0xff;
    len = Math.floor(len / 256);
  }
  aes.encryptBlock(x, x);
  if (aad.length > 0) {
    // The AAD length prefix shares the first block with the start of the AAD.
    let hdr: number[];
    if (aad.length < 0xff00) hdr = [aad.length >> 8, aad.length & 0xff];
    else hdr = [0xff, 0xfe, (aad.length >>> 24) & 0xff, (aad.length >>> 16) & 0xff, (aad.length >>> 8) & 0xff, aad.length & 0xff];
    let pos = 0;
    for (const h of hdr) x[pos++] ^= h;
    for (let i = 0; i < aad.length; i++) {
      x[pos++] ^= aad[i];
      if (pos === 16) {
        aes.encryptBlock(x, x);
        pos = 0;
      }
    }
    if (pos !== 0) aes.encryptBlock(x, x);
  }
  for (let o = 0; o < msg.length; o += 16) {
    const n = Math.min(16, msg.length - o);
    for (let i = 0; i < n; i++) x[i] ^= msg[o + i];
    aes.encryptBlock(x, x);
  }
  return x;
}

/** CTR keystream from counter block A_i = flags | nonce | i, XORed into `data` from `out`'s offset. */
function ctrXor(aes: BlockCipher, nonce: Uint8Array, L: number, data: Uint8Array, out: Uint8Array): Uint8Array {
  const a = new Uint8Array(16);
  const s = new Uint8Array(16);
  a[0] = L - 1;
  a.set(nonce, 1);
  // S_0 (counter 0) encrypts the tag; the payload starts at counter 1.
  let counter = 1;
  for (let o = 0; o < data.length; o += 16, counter++) {
    let c = counter;
    for (let i = 15; i > 15 - L; i--) {
      a[i] = c & 0xff;
      c = Math.floor(c / 256);
    }
    aes.encryptBlock(a, s);
    const n = Math.min(16, data.length - o);
    for (let i = 0; i < n; i++) out[o + i] = data[o + i] ^ s[i];
  }
  s.fill(0);
  return out;
}

function tagMask(aes: BlockCipher, nonce: Uint8Array, L: number): Uint8Array {
  const a0 = new Uint8Array(16);
  a0[0] = L - 1;
  a0.set(nonce, 1);
  aes.encryptBlock(a0, a0);
  return a0;
}

/** Returns ciphertext || tag. */
export function ccmSeal(aes: BlockCipher, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array {
  const L = checkParams(aes, nonce, tagLength, plaintext.length);
  checkAad(aad);
  const t = computeTag(aes, nonce, aad, plaintext, tagLength, L);
  const out = new Uint8Array(plaintext.length + tagLength);
  ctrXor(aes, nonce, L, plaintext, out);
  const s0 = tagMask(aes, nonce, L);
  for (let i = 0; i < tagLength; i++) out[plaintext.length + i] = t[i] ^ s0[i];
  t.fill(0);
  s0.fill(0);
  return out;
}

/** Verifies and decrypts ciphertext || tag; throws CryptoError('bad-tag') and releases no plaintext on failure. */
export function ccmOpen(aes: BlockCipher, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, tagLength: number): Uint8Array {
  // Parameters first, so a bad tag length is reported as such even on short input.
  checkParams(aes, nonce, tagLength, 0);
  if (sealed.length < tagLength) throw new CryptoError('bad-input-length', `CCM input shorter than its ${tagLength}-byte tag`);
  const n = sealed.length - tagLength;
  const L = checkParams(aes, nonce, tagLength, n);
  checkAad(aad);
  const plaintext = ctrXor(aes, nonce, L, sealed.subarray(0, n), new Uint8Array(n));
  const t = computeTag(aes, nonce, aad, plaintext, tagLength, L);
  const s0 = tagMask(aes, nonce, L);
  for (let i = 0; i < tagLength; i++) t[i] ^= s0[i];
  const ok = constantTimeEqual(t.subarray(0, tagLength), sealed.subarray(n));
  t.fill(0);
  s0.fill(0);
  if (!ok) {
    plaintext.fill(0);
    throw new CryptoError('bad-tag', 'CCM authentication failed');
  }
  return plaintext;
}
