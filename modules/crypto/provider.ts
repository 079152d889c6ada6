/**
 * The CryptoProvider: the only primitives the protocol modules use. Kept small on purpose so a
 * native Moddable provider (BlockCipher, Digest, curve, ecdsa) can implement it on a device.
 * Modes (CBC, CCM, CMAC, CBC-MAC), PRF and HKDF are built on top in this folder.
 */

/** A keyed block cipher. `dispose()` wipes the expanded key schedule. */
export interface BlockCipher {
  readonly blockSize: number;
  /** Encrypts one block from `input` (at `inOff`) into `output` (at `outOff`); input and output may alias. */
  encryptBlock(input: Uint8Array, output: Uint8Array, inOff?: number, outOff?: number): void;
  decryptBlock(input: Uint8Array, output: Uint8Array, inOff?: number, outOff?: number): void;
  dispose(): void;
}

export interface P256KeyPair {
  /** 32-byte scalar. A secret: wipe it when done. */
  privateKey: Uint8Array;
  /** 65-byte uncompressed point 04 || X || Y. */
  publicKey: Uint8Array;
}

export interface P256 {
  /** Derives the key pair from 32 (or more) random bytes the caller got from the Host. */
  keyPairFromRandom(random: Uint8Array): P256KeyPair;
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  /** ECDH shared secret: the 32-byte X coordinate. Throws CryptoError for a point not on the curve. */
  ecdh(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
  /** ECDSA over a SHA-256 digest; signature as raw r || s (64 bytes). `random` is fresh entropy from the Host. */
  sign(privateKey: Uint8Array, digest: Uint8Array, random: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
}

export interface CryptoProvider {
  readonly name: string;
  /** AES with a 16, 24 or 32 byte key. */
  aes(key: Uint8Array): BlockCipher;
  /**
   * Triple DES (EDE) with a 24-byte key K1 || K2 || K3. Callers that must refuse 2-key 3DES or
   * single DES check the key parts themselves (see `tdesKeyStrength`).
   */
  tdes(key: Uint8Array): BlockCipher;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  p256: P256;
}
