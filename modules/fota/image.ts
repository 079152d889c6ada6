/**
 * The signed image format. An image is a 160-byte header followed by the payload:
 *
 *   offset size
 *   0      4   magic "XSFW"
 *   4      1   format version (1)
 *   5      1   header length (160)
 *   6      2   flags (0; reserved)
 *   8      4   image version, u32 big-endian: the anti-rollback counter (higher is newer)
 *   12     4   payload size, u32 big-endian
 *   16     32  SHA-256 of the payload (FIPS 180-4)
 *   48     24  package name, UTF-8, NUL padded (Object 5 resource 6, PkgName)
 *   72     24  package version, UTF-8, NUL padded (Object 5 resource 7, PkgVersion)
 *   96     64  ECDSA P-256 signature r || s (FIPS 186-4, SEC 1 §4.1) over SHA-256(bytes 0..95)
 *
 * The signature covers the payload through its hash, so checking an image is: parse the header,
 * hash the payload as read back from flash, compare with the header's hash, verify the signature
 * with the public key provisioned on the device. Any byte changed anywhere fails one of those.
 */
import { equalBytes, utf8Decode, utf8Encode } from '../bytes/index';
import type { CryptoProvider } from '../crypto/provider';
import { FotaError } from './errors';

export const IMAGE_MAGIC = Object.freeze([0x58, 0x53, 0x46, 0x57]); // "XSFW"
export const IMAGE_FORMAT = 1;
export const SIGNED_LENGTH = 96;
export const HEADER_LENGTH = 160;
const NAME_AT = 48;
const VERSION_STRING_AT = 72;
const TEXT_LENGTH = 24;

export interface ImageHeader {
  version: number;
  size: number;
  /** SHA-256 of the payload. */
  hash: Uint8Array;
  name: string;
  versionString: string;
  signature: Uint8Array;
  /** Header bytes 0..95, what the signature covers. */
  signed: Uint8Array;
}

export interface ImageMeta {
  version: number;
  name: string;
  versionString: string;
}

function readU32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) >>> 0) + ((d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]);
}
function writeU32(d: Uint8Array, o: number, v: number): void {
  d[o] = v >>> 24;
  d[o + 1] = (v >>> 16) & 0xff;
  d[o + 2] = (v >>> 8) & 0xff;
  d[o + 3] = v & 0xff;
}

function readText(d: Uint8Array, o: number): string {
  let end = o;
  while (end < o + TEXT_LENGTH && d[end] !== 0) end++;
  for (let i = end; i < o + TEXT_LENGTH; i++) if (d[i] !== 0) throw new FotaError('bad-format', 'text field is not NUL padded');
  try {
    return utf8Decode(d.subarray(o, end));
  } catch {
    throw new FotaError('bad-format', 'text field is not UTF-8');
  }
}

function writeText(d: Uint8Array, o: number, s: string): void {
  const b = utf8Encode(s);
  if (b.length > TEXT_LENGTH || b.includes(0)) throw new FotaError('bad-argument', `package name/version must be 0-${TEXT_LENGTH} bytes of UTF-8 without NUL`);
  d.set(b, o);
}

/**
 * Parses a header from untrusted bytes. `maxSize` caps the payload size it accepts (the slot's
 * capacity minus the header). Throws FotaError 'bad-format' or 'too-large'.
 */
export function parseHeader(h: Uint8Array, maxSize: number): ImageHeader {
  if (h.length < HEADER_LENGTH) throw new FotaError('bad-format', `image shorter than its ${HEADER_LENGTH}-byte header`);
  for (let i = 0; i < 4; i++) if (h[i] !== IMAGE_MAGIC[i]) throw new FotaError('bad-format', 'not an XSFW image (magic)');
  if (h[4] !== IMAGE_FORMAT) throw new FotaError('bad-format', `image format ${h[4]} is not supported (only ${IMAGE_FORMAT})`);
  if (h[5] !== HEADER_LENGTH) throw new FotaError('bad-format', `header length ${h[5]} (expected ${HEADER_LENGTH})`);
  if (h[6] !== 0 || h[7] !== 0) throw new FotaError('bad-format', 'unknown header flags');
  const size = readU32(h, 12);
  if (size > maxSize) throw new FotaError('too-large', `payload of ${size} bytes does not fit the ${maxSize}-byte slot`);
  return {
    version: readU32(h, 8),
    size,
    hash: h.slice(16, 48),
    name: readText(h, NAME_AT),
    versionString: readText(h, VERSION_STRING_AT),
    signature: h.slice(SIGNED_LENGTH, HEADER_LENGTH),
    signed: h.slice(0, SIGNED_LENGTH),
  };
}

/** The unsigned header (bytes 0..95) for a payload whose SHA-256 is `hash`. */
export function unsignedHeader(meta: ImageMeta, size: number, hash: Uint8Array): Uint8Array {
  if (!Number.isInteger(meta.version) || meta.version < 0 || meta.version > 0xffffffff) throw new FotaError('bad-argument', 'image version must be a u32');
  if (hash.length !== 32) throw new FotaError('bad-argument', 'hash must be 32 bytes');
  const h = new Uint8Array(SIGNED_LENGTH);
  h.set(IMAGE_MAGIC, 0);
  h[4] = IMAGE_FORMAT;
  h[5] = HEADER_LENGTH;
  writeU32(h, 8, meta.version);
  writeU32(h, 12, size);
  h.set(hash, 16);
  writeText(h, NAME_AT, meta.name);
  writeText(h, VERSION_STRING_AT, meta.versionString);
  return h;
}

/**
 * Builds a signed image with the CryptoProvider (for tests and on-device tooling; tools/fw-sign.ts
 * signs with OpenSSL instead). `random` is fresh entropy for the ECDSA nonce.
 */
export function signImage(crypto: CryptoProvider, privateKey: Uint8Array, payload: Uint8Array, meta: ImageMeta, random: Uint8Array): Uint8Array {
  const signed = unsignedHeader(meta, payload.length, crypto.sha256(payload));
  const sig = crypto.p256.sign(privateKey, crypto.sha256(signed), random);
  const out = new Uint8Array(HEADER_LENGTH + payload.length);
  out.set(signed, 0);
  out.set(sig, SIGNED_LENGTH);
  out.set(payload, HEADER_LENGTH);
  return out;
}

/** Checks the header's signature under `publicKey` (65-byte uncompressed P-256 point). */
export function verifyHeaderSignature(crypto: CryptoProvider, header: ImageHeader, publicKey: Uint8Array): boolean {
  try {
    return crypto.p256.verify(publicKey, crypto.sha256(header.signed), header.signature);
  } catch {
    return false;
  }
}

/** Compares a computed payload hash with the header's (not secret: a plain compare is fine). */
export function hashMatches(header: ImageHeader, computed: Uint8Array): boolean {
  return equalBytes(header.hash, computed);
}
