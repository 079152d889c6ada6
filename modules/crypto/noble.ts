/**
 * Portable CryptoProvider on the audited @noble packages. Runs on Node and XS alike; on a device the
 * elliptic-curve part is too heavy (noble P-256 wants over 1 MB of XS heap), so a native provider
 * replaces it there.
 */
import { unsafe as aesUnsafe } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { p256 as nobleP256 } from '@noble/curves/nist.js';
import { CryptoError } from './errors';
import type { BlockCipher, CryptoProvider, P256 } from './provider';
import { createTdes } from './tdes';

class NobleAes implements BlockCipher {
  readonly blockSize = 16;
  private enc: Uint32Array;
  private dec: Uint32Array | null = null;
  private key: Uint8Array;
  // noble's single-block helpers need a 4-byte-aligned 16-byte block: one reused scratch block.
  private readonly scratch = new Uint8Array(16);

  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || (key.length !== 16 && key.length !== 24 && key.length !== 32)) {
      throw new CryptoError('bad-key-length', `AES key must be 16, 24 or 32 bytes, got ${key?.length}`);
    }
    this.key = key.slice();
    this.enc = aesUnsafe.expandKeyLE(this.key);
  }
  private disposed = false;
  // A disposed cipher has an all-zero schedule: refusing to run beats encrypting under a known key.
  private live(): void {
    if (this.disposed) throw new CryptoError('bad-argument', 'AES cipher used after dispose()');
  }
  encryptBlock(input: Uint8Array, output: Uint8Array, inOff = 0, outOff = 0): void {
    this.live();
    const s = this.scratch;
    for (let i = 0; i < 16; i++) s[i] = input[inOff + i];
    aesUnsafe.encryptBlock(this.enc, s);
    output.set(s, outOff);
  }
  decryptBlock(input: Uint8Array, output: Uint8Array, inOff = 0, outOff = 0): void {
    this.live();
    if (!this.dec) this.dec = aesUnsafe.expandKeyDecLE(this.key);
    const s = this.scratch;
    for (let i = 0; i < 16; i++) s[i] = input[inOff + i];
    aesUnsafe.decryptBlock(this.dec, s);
    output.set(s, outOff);
  }
  dispose(): void {
    this.disposed = true;
    this.enc.fill(0);
    this.dec?.fill(0);
    this.key.fill(0);
    this.scratch.fill(0);
  }
}

function checkLength(what: string, data: Uint8Array, ...lengths: number[]): void {
  if (!(data instanceof Uint8Array) || !lengths.includes(data.length)) {
    throw new CryptoError(what === 'public key' ? 'bad-point' : 'bad-key-length', `${what} must be ${lengths.join(' or ')} bytes`);
  }
}

const SEED_BYTES = 48;

const p256: P256 = {
  keyPairFromRandom(random) {
    if (!(random instanceof Uint8Array) || random.length < 32) throw new CryptoError('bad-argument', 'P-256 key generation needs at least 32 random bytes');
    // FIPS 186-5 A.2.1: reduce a seed 64+ bits longer than n into [1, n-1]; noble takes exactly 48 bytes.
    // Shorter input is zero-extended (bias then about 2^-32, still fine), longer input is truncated.
    const seed = new Uint8Array(SEED_BYTES);
    seed.set(random.subarray(0, SEED_BYTES));
    try {
      const privateKey = nobleP256.utils.randomSecretKey(seed);
      return { privateKey, publicKey: nobleP256.getPublicKey(privateKey, false) };
    } finally {
      seed.fill(0);
    }
  },
  publicKeyOf(privateKey) {
    checkLength('private key', privateKey, 32);
    try {
      return nobleP256.getPublicKey(privateKey, false);
    } catch {
      throw new CryptoError('bad-key-length', 'P-256 private key is out of range');
    }
  },
  ecdh(privateKey, peerPublicKey) {
    checkLength('private key', privateKey, 32);
    checkLength('public key', peerPublicKey, 65, 33);
    if (!nobleP256.utils.isValidSecretKey(privateKey)) throw new CryptoError('bad-argument', 'P-256 private key is out of range');
    let shared: Uint8Array;
    try {
      shared = nobleP256.getSharedSecret(privateKey, peerPublicKey, true);
    } catch {
      throw new CryptoError('bad-point', 'peer public key is not a valid P-256 point');
    }
    const x = shared.slice(1, 33);
    shared.fill(0);
    return x;
  },
  sign(privateKey, digest, random) {
    checkLength('private key', privateKey, 32);
    if (digest.length !== 32) throw new CryptoError('bad-input-length', 'ECDSA P-256 signs a 32-byte SHA-256 digest');
    // Hedged RFC 6979 nonces: deterministic from key and digest, plus the Host's entropy, so a weak
    // random source alone cannot leak the key.
    try {
      return nobleP256.sign(digest, privateKey, { prehash: false, extraEntropy: random.subarray(0, 32), format: 'compact' });
    } catch {
      throw new CryptoError('bad-argument', 'ECDSA signing failed: private key out of range');
    }
  },
  verify(publicKey, digest, signature) {
    if (signature.length !== 64 || digest.length !== 32) return false;
    try {
      return nobleP256.verify(signature, digest, publicKey, { prehash: false, format: 'compact', lowS: false });
    } catch {
      return false;
    }
  },
};

export const nobleCrypto: CryptoProvider = {
  name: 'noble',
  aes: (key) => new NobleAes(key),
  tdes: (key) => createTdes(key),
  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  p256,
};
