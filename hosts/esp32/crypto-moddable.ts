/**
 * A CryptoProvider on the Moddable SDK's native crypt modules (BlockCipher, Digest, hmac, curve, ecdsa):
 * what the ESP32 and the Moddable simulator use, where noble's tables and P-256 do not fit the XS heap.
 *
 * Status: it runs the whole client (bootstrap, DTLS PSK-CCM8 and ECDHE-PSK, registration, observe) in the
 * Moddable simulator against the Node test servers, which use noble, and passes the project's crypto vectors
 * (test/unit/crypto) in the simulator's self-test app (hosts/sim/README.md, with a workaround for
 * the SDK's three-key 3DES decryption order). It is
 * type-checked against @moddable/typings plus hosts/sdk-typings/missing.d.ts. Not run on an ESP32.
 *
 * Known gaps of the native modules that this sketch works around or documents:
 * - `Curve.dh` does not check that the peer point is on the curve (invalid-curve attacks): we check
 *   y^2 = x^3 - 3x + b (mod p) ourselves, and decompress 33-byte points ourselves.
 * - `ECDSA` draws its nonce k from the RNG with a biased shift-down reduction: we compute a hedged
 *   nonce (HMAC over key, digest and fresh entropy, reduced from 48 bytes) and hand it in as `k`.
 * - The native key schedules are freed by the garbage collector; nothing guarantees they are zeroed.
 *   `dispose()` drops our references and wipes our own copies; that is all it can do.
 * - The native TDES decrypt applies K1 first (correct only for two-key 3DES): we key the decrypting cipher
 *   K3 || K2 || K1 (see NativeBlock).
 * - The native AES/TDES are table-based (mbedTLS-style or Moddable's own C), not constant-time.
 */
import { BlockCipher as NativeBlockCipher, Digest } from 'crypt';
import HMAC from 'hmac';
import Curve from 'curve';
import ECDSA from 'ecdsa';
import ECPoint from 'ecp';
import { CryptoError } from '../../modules/crypto/errors';
import type { BlockCipher, CryptoProvider, P256, P256KeyPair } from '../../modules/crypto/provider';

/** A fresh ArrayBuffer holding exactly the bytes of `u` (views may share a larger buffer). */
function toBuffer(u: Uint8Array): ArrayBuffer {
  const b = new Uint8Array(u.length);
  b.set(u);
  return b.buffer;
}

class NativeBlock implements BlockCipher {
  readonly blockSize: number;
  private cipher: NativeBlockCipher | null;
  // 3DES only: a second native cipher, keyed K3 || K2 || K1, used for decryption (see the constructor).
  private decipher: NativeBlockCipher | null;
  // One reused block: the native API works on ArrayBuffers, ours on views with offsets.
  private readonly block: Uint8Array<ArrayBuffer>;

  constructor(kind: 'AES' | 'TDES', key: Uint8Array) {
    const keyCopy = toBuffer(key);
    this.cipher = new NativeBlockCipher(kind, keyCopy);
    this.decipher = null;
    if (kind === 'TDES') {
      // The SDK's TDES decrypt (modules/crypt/digest/modCrypt.c, SDK 8.2.3) runs D(K1), E(K2), D(K3), i.e. the
      // keys in encryption order; SP 800-67 section 3.2 decryption is D(K1)(E(K2)(D(K3)(C))), K3 first. The two
      // agree only when K1 = K3, so three-key vectors (CAVP TECBMMT3, the SP 800-67 example) fail. Keying the
      // decrypting cipher K3 || K2 || K1 makes the native order the standard one.
      const k = new Uint8Array(keyCopy);
      const rev = new Uint8Array(24);
      rev.set(k.subarray(16, 24), 0);
      rev.set(k.subarray(8, 16), 8);
      rev.set(k.subarray(0, 8), 16);
      this.decipher = new NativeBlockCipher(kind, rev.buffer);
      rev.fill(0);
    }
    new Uint8Array(keyCopy).fill(0);
    this.blockSize = kind === 'AES' ? 16 : 8;
    this.block = new Uint8Array(this.blockSize);
  }
  private run(input: Uint8Array, output: Uint8Array, inOff: number, outOff: number, decrypt: boolean): void {
    if (!this.cipher) throw new CryptoError('bad-argument', 'block cipher used after dispose()');
    const b = this.block;
    for (let i = 0; i < b.length; i++) b[i] = input[inOff + i];
    if (decrypt) (this.decipher ?? this.cipher).decrypt(b.buffer, b.buffer);
    else this.cipher.encrypt(b.buffer, b.buffer);
    output.set(b, outOff);
  }
  encryptBlock(input: Uint8Array, output: Uint8Array, inOff = 0, outOff = 0): void {
    this.run(input, output, inOff, outOff, false);
  }
  decryptBlock(input: Uint8Array, output: Uint8Array, inOff = 0, outOff = 0): void {
    this.run(input, output, inOff, outOff, true);
  }
  dispose(): void {
    this.block.fill(0);
    this.cipher = null;
    this.decipher = null;
  }
}

function sha256(data: Uint8Array): Uint8Array {
  const d = new Digest('SHA256');
  d.write(toBuffer(data));
  return new Uint8Array(d.close());
}

function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  const keyBuf = toBuffer(key);
  try {
    return new Uint8Array(new HMAC(new Digest('SHA256'), keyBuf).process(toBuffer(data)));
  } finally {
    new Uint8Array(keyBuf).fill(0);
  }
}

// P-256 domain parameters (SEC 2 / FIPS 186-5 D.1.2.3).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function toBig(u: Uint8Array): bigint {
  let x = 0n;
  for (let i = 0; i < u.length; i++) x = (x << 8n) | BigInt(u[i]);
  return x;
}
function toBytes32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}
function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}
function modPow(base: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  base = mod(base, m);
  while (e > 0n) {
    if (e & 1n) r = (r * base) % m;
    base = (base * base) % m;
    e >>= 1n;
  }
  return r;
}
const rhs = (x: bigint) => mod(x * x * x - 3n * x + B, P);

/** Parses and validates an SEC 1 point (65-byte uncompressed or 33-byte compressed) into x, y. */
function parsePoint(pub: Uint8Array): [bigint, bigint] {
  if (pub.length === 65 && pub[0] === 4) {
    const x = toBig(pub.subarray(1, 33)), y = toBig(pub.subarray(33, 65));
    if (x >= P || y >= P || mod(y * y, P) !== rhs(x)) throw new CryptoError('bad-point', 'point is not on P-256');
    return [x, y];
  }
  if (pub.length === 33 && (pub[0] === 2 || pub[0] === 3)) {
    const x = toBig(pub.subarray(1, 33));
    if (x >= P) throw new CryptoError('bad-point', 'point is not on P-256');
    // p = 3 (mod 4): the square root is a power.
    let y = modPow(rhs(x), (P + 1n) / 4n, P);
    if (mod(y * y, P) !== rhs(x)) throw new CryptoError('bad-point', 'point is not on P-256');
    if (Number(y & 1n) !== (pub[0] & 1)) y = P - y;
    return [x, y];
  }
  throw new CryptoError('bad-point', 'P-256 public key must be 65 (04 x y) or 33 (02/03 x) bytes');
}

/** FIPS 186-5 A.2.1 style: 48 bytes reduced into [1, n-1]. */
function scalarFrom48(seed: Uint8Array): bigint {
  return (toBig(seed) % (N - 1n)) + 1n;
}

function checkPrivate(priv: Uint8Array): bigint {
  if (priv.length !== 32) throw new CryptoError('bad-key-length', 'P-256 private key must be 32 bytes');
  const d = toBig(priv);
  if (d === 0n || d >= N) throw new CryptoError('bad-argument', 'P-256 private key is out of range');
  return d;
}

const curve = new Curve('secp256r1');
// Preloaded into flash on a device: frozen, as the SDK's preload build asks (nothing here writes them).
Object.freeze(curve.G);
Object.freeze(curve.ec);
Object.freeze(curve);

const p256: P256 = {
  keyPairFromRandom(random: Uint8Array): P256KeyPair {
    if (random.length < 32) throw new CryptoError('bad-argument', 'P-256 key generation needs at least 32 random bytes');
    const seed = new Uint8Array(48);
    seed.set(random.subarray(0, 48));
    const privateKey = toBytes32(scalarFrom48(seed));
    seed.fill(0);
    return { privateKey, publicKey: p256.publicKeyOf(privateKey) };
  },
  publicKeyOf(privateKey: Uint8Array): Uint8Array {
    checkPrivate(privateKey);
    const out = curve.dh(toBuffer(privateKey));
    if (!out) throw new CryptoError('bad-argument', 'native P-256 failed');
    return new Uint8Array(out);
  },
  ecdh(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
    checkPrivate(privateKey);
    const [x, y] = parsePoint(peerPublicKey);
    const peer = new Uint8Array(65);
    peer[0] = 4;
    peer.set(toBytes32(x), 1);
    peer.set(toBytes32(y), 33);
    const privBuf = toBuffer(privateKey);
    const shared = curve.dh(privBuf, peer.buffer);
    new Uint8Array(privBuf).fill(0);
    if (!shared) throw new CryptoError('bad-point', 'native P-256 ECDH failed');
    const full = new Uint8Array(shared);
    const z = full.slice(1, 33);
    full.fill(0);
    return z;
  },
  sign(privateKey: Uint8Array, digest: Uint8Array, random: Uint8Array): Uint8Array {
    const d = checkPrivate(privateKey);
    if (digest.length !== 32) throw new CryptoError('bad-input-length', 'ECDSA P-256 signs a 32-byte SHA-256 digest');
    // Hedged nonce: a secret function of the key, the digest and fresh entropy, so neither a
    // repeated digest nor a weak RNG alone repeats k. 48 bytes from two HMAC blocks, then reduced.
    const ent = random.subarray(0, 32);
    const input = new Uint8Array(32 + ent.length + 1); // digest || entropy || block counter
    input.set(digest, 0);
    input.set(ent, 32);
    const seed = new Uint8Array(64);
    input[input.length - 1] = 1;
    seed.set(hmacSha256(privateKey, input), 0);
    input[input.length - 1] = 2;
    seed.set(hmacSha256(privateKey, input), 32);
    const k = scalarFrom48(seed.subarray(0, 48));
    seed.fill(0);
    input.fill(0);
    const signer = new ECDSA(d, { G: curve.G, ec: curve.ec, n: curve.n, orderSize: 32, k });
    return new Uint8Array(signer.sign(toBuffer(digest)));
  },
  verify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== 64 || digest.length !== 32) return false;
    const r = toBig(signature.subarray(0, 32)), s = toBig(signature.subarray(32, 64));
    if (r === 0n || r >= N || s === 0n || s >= N) return false;
    let q: [bigint, bigint];
    try {
      q = parsePoint(publicKey);
    } catch {
      return false;
    }
    const verifier = new ECDSA(new ECPoint(q[0], q[1]), { G: curve.G, ec: curve.ec, n: curve.n, orderSize: 32 });
    return verifier.verify(toBuffer(digest), toBuffer(signature));
  },
};

export const moddableCrypto: CryptoProvider = {
  name: 'moddable',
  aes(key) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new CryptoError('bad-key-length', `AES key must be 16, 24 or 32 bytes, got ${key.length}`);
    return new NativeBlock('AES', key);
  },
  tdes(key) {
    if (key.length !== 24) throw new CryptoError('bad-key-length', `3DES key must be 24 bytes (K1 || K2 || K3), got ${key.length}`);
    return new NativeBlock('TDES', key);
  },
  sha256,
  hmacSha256,
  p256,
};
Object.freeze(p256);
Object.freeze(moddableCrypto);
