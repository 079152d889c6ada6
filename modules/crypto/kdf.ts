/** Key derivation on the provider's HMAC-SHA256: the TLS 1.2 PRF (RFC 5246 section 5) and HKDF (RFC 5869). */
import { concat, utf8Encode } from '../bytes/index';
import { CryptoError } from './errors';
import type { CryptoProvider } from './provider';

/** P_SHA256(secret, label || seed) truncated to `length` bytes. */
export function tls12Prf(crypto: CryptoProvider, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new CryptoError('bad-argument', `PRF output length ${length} out of range`);
  const labelSeed = concat(utf8Encode(label), seed);
  const out = new Uint8Array(length);
  let a = labelSeed; // A(0)
  let o = 0;
  while (o < length) {
    a = crypto.hmacSha256(secret, a);
    const block = crypto.hmacSha256(secret, concat(a, labelSeed));
    out.set(block.subarray(0, Math.min(32, length - o)), o);
    o += 32;
    block.fill(0);
  }
  a.fill(0);
  return out;
}

export function hkdfExtract(crypto: CryptoProvider, salt: Uint8Array | undefined, ikm: Uint8Array): Uint8Array {
  return crypto.hmacSha256(salt && salt.length > 0 ? salt : new Uint8Array(32), ikm);
}

export function hkdfExpand(crypto: CryptoProvider, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new CryptoError('bad-argument', `HKDF output length ${length} exceeds 255 * 32`);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, o = 0; o < length; i++, o += 32) {
    const next = crypto.hmacSha256(prk, concat(t, info, Uint8Array.of(i)));
    t.fill(0);
    t = next;
    out.set(t.subarray(0, Math.min(32, length - o)), o);
  }
  t.fill(0);
  return out;
}

export function hkdf(crypto: CryptoProvider, ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  const prk = hkdfExtract(crypto, salt, ikm);
  try {
    return hkdfExpand(crypto, prk, info, length);
  } finally {
    prk.fill(0);
  }
}
