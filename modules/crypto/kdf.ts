/** Key derivation on the provider's HMAC-SHA256: the TLS 1.2 PRF (RFC 5246 section 5) and HKDF (RFC 5869). */
import { concat, utf8Encode } from '../bytes/index';
import { CryptoError } from './errors';
import type { CryptoProvider } from './provider';

/**
 * P_SHA256(secret, label || seed) truncated to `length` bytes (RFC 5246 section 5).
 * A(i) and the HMAC inputs depend on the secret, so each is wiped as soon as it is replaced.
 */
export function tls12Prf(crypto: CryptoProvider, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new CryptoError('bad-argument', `PRF output length ${length} out of range`);
  const labelSeed = concat(utf8Encode(label), seed);
  const out = new Uint8Array(length);
  // One reused buffer holds A(i) || label || seed, the input of every output block.
  const input = new Uint8Array(32 + labelSeed.length);
  input.set(labelSeed, 32);
  let a: Uint8Array = labelSeed; // A(0)
  for (let o = 0; o < length; o += 32) {
    const next = crypto.hmacSha256(secret, a);
    if (a !== labelSeed) a.fill(0);
    a = next;
    input.set(a, 0);
    const block = crypto.hmacSha256(secret, input);
    out.set(block.subarray(0, Math.min(32, length - o)), o);
    block.fill(0);
  }
  if (a !== labelSeed) a.fill(0);
  input.fill(0);
  return out;
}

export function hkdfExtract(crypto: CryptoProvider, salt: Uint8Array | undefined, ikm: Uint8Array): Uint8Array {
  return crypto.hmacSha256(salt && salt.length > 0 ? salt : new Uint8Array(32), ikm);
}

export function hkdfExpand(crypto: CryptoProvider, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new CryptoError('bad-argument', `HKDF output length ${length} out of range 0..${255 * 32}`);
  const out = new Uint8Array(length);
  // T(i) = HMAC(PRK, T(i-1) || info || i): one buffer, T(i-1) in front (absent for T(1)).
  const input = new Uint8Array(32 + info.length + 1);
  input.set(info, 32);
  let t: Uint8Array | null = null;
  for (let i = 1, o = 0; o < length; i++, o += 32) {
    input[32 + info.length] = i;
    t?.fill(0);
    t = crypto.hmacSha256(prk, i === 1 ? input.subarray(32) : input);
    input.set(t, 0);
    out.set(t.subarray(0, Math.min(32, length - o)), o);
  }
  t?.fill(0);
  input.fill(0);
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
