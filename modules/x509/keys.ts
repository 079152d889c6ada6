/**
 * P-256 key and signature encodings: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7 with RFC 5480 §2), the
 * private key as PKCS#8 (RFC 5208 §5) or SEC1 ECPrivateKey (RFC 5915 §3), and ECDSA-Sig-Value (RFC 5480
 * §2.2 / RFC 8422 §5.4). Only P-256 with uncompressed points: anything else is refused with an X509Error.
 */
import { DerReader, Tag, bitStringBytes, derEncode, oidToString, readOne, unsignedInteger } from './der';
import { X509Error } from './errors';

export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_P256 = '1.2.840.10045.3.1.7';
export const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';

/** DER prefix of a P-256 SubjectPublicKeyInfo up to the point: SEQUENCE, AlgorithmIdentifier, BIT STRING header. */
const SPKI_P256_PREFIX = Object.freeze([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]);

function checkPoint(p: Uint8Array, what: string): Uint8Array {
  if (p.length === 33 && (p[0] === 2 || p[0] === 3)) throw new X509Error('unsupported', `${what}: compressed points are not accepted`);
  if (p.length !== 65 || p[0] !== 4) throw new X509Error('unsupported', `${what}: not an uncompressed P-256 point (${p.length} bytes)`);
  return p;
}

/** The 65-byte point of a P-256 SubjectPublicKeyInfo (the SEQUENCE's contents reader or the whole DER). */
export function parseSpki(spki: Uint8Array | DerReader, what = 'SubjectPublicKeyInfo'): Uint8Array {
  const outer = spki instanceof DerReader ? spki : new DerReader(readOne(spki, Tag.SEQUENCE, what).content, 1);
  const alg = outer.enter(Tag.SEQUENCE, `${what} algorithm`);
  const algOid = oidToString(alg.expect(Tag.OID, `${what} algorithm`).content);
  if (algOid !== OID_EC_PUBLIC_KEY) throw new X509Error('unsupported', `${what}: key algorithm ${algOid} is not id-ecPublicKey`);
  if (alg.peekTag() !== Tag.OID) throw new X509Error('unsupported', `${what}: EC parameters must be a named curve`);
  const curve = oidToString(alg.expect(Tag.OID, `${what} curve`).content);
  if (curve !== OID_P256) throw new X509Error('unsupported', `${what}: curve ${curve} is not P-256`);
  alg.end(`${what} algorithm`);
  const point = bitStringBytes(outer.expect(Tag.BIT_STRING, `${what} key`).content, `${what} key`);
  outer.end(what);
  return checkPoint(point, what).slice();
}

/** The DER SubjectPublicKeyInfo (91 bytes) of a 65-byte P-256 point, as RFC 7250 carries it. */
export function encodeSpki(point: Uint8Array): Uint8Array {
  checkPoint(point, 'public key');
  const out = new Uint8Array(SPKI_P256_PREFIX.length + 65);
  out.set(SPKI_P256_PREFIX);
  out.set(point, SPKI_P256_PREFIX.length);
  return out;
}

/**
 * A P-256 public key as LwM2M servers provision it (0/x/3 or 0/x/4 in RPK mode): SubjectPublicKeyInfo DER,
 * the uncompressed point 04‖X‖Y, or the bare X‖Y (64 bytes). Returns the 65-byte point; refuses anything else.
 */
export function publicKeyFromResource(data: Uint8Array, what = 'public key'): Uint8Array {
  if (data.length === 64) {
    const p = new Uint8Array(65);
    p[0] = 4;
    p.set(data, 1);
    return p;
  }
  if (data.length === 65) return checkPoint(data, what).slice();
  if (data.length > 0 && data[0] === Tag.SEQUENCE) return parseSpki(data, what);
  throw new X509Error('unsupported', `${what}: ${data.length} bytes is neither a SubjectPublicKeyInfo, a 65-byte uncompressed point nor 64-byte X||Y`);
}

function scalar(c: Uint8Array, what: string): Uint8Array {
  // RFC 5915: privateKey is ceiling(log2(n)/8) = 32 bytes; some writers drop leading zeros.
  if (c.length === 0 || c.length > 32) throw new X509Error('unsupported', `${what}: private key of ${c.length} bytes is not a P-256 scalar`);
  const k = new Uint8Array(32);
  k.set(c, 32 - c.length);
  return k;
}

function parseEcPrivateKey(r: DerReader, what: string): Uint8Array {
  const v = unsignedInteger(r.expect(Tag.INTEGER, `${what} version`).content, what);
  if (v.length !== 1 || v[0] !== 1) throw new X509Error('unsupported', `${what}: ECPrivateKey version must be 1`);
  const k = scalar(r.expect(Tag.OCTET_STRING, `${what} privateKey`).content, what);
  const params = r.optional(0xa0, `${what} parameters`);
  if (params) {
    const curve = oidToString(readOne(params.content, Tag.OID, `${what} curve`).content);
    if (curve !== OID_P256) {
      k.fill(0);
      throw new X509Error('unsupported', `${what}: curve ${curve} is not P-256`);
    }
  }
  r.optional(0xa1, `${what} publicKey`);
  r.end(what);
  return k;
}

/**
 * A P-256 private key as provisioned in 0/x/5: the raw 32-byte scalar, PKCS#8 PrivateKeyInfo DER or SEC1
 * ECPrivateKey DER. Returns a new 32-byte scalar (the caller wipes it). The input is not wiped here.
 */
export function privateKeyFromResource(data: Uint8Array, what = 'private key'): Uint8Array {
  if (data.length === 32) return data.slice();
  const top = new DerReader(readOne(data, Tag.SEQUENCE, what).content, 1);
  const version = top.expect(Tag.INTEGER, `${what} version`).content;
  if (version.length === 1 && version[0] === 1) {
    // SEC1: start again on the whole sequence.
    return parseEcPrivateKey(new DerReader(readOne(data, Tag.SEQUENCE, what).content, 1), what);
  }
  if (version.length !== 1 || version[0] !== 0) throw new X509Error('unsupported', `${what}: unknown PrivateKeyInfo version`);
  const alg = top.enter(Tag.SEQUENCE, `${what} algorithm`);
  if (oidToString(alg.expect(Tag.OID, what).content) !== OID_EC_PUBLIC_KEY) throw new X509Error('unsupported', `${what}: not an EC key`);
  const curve = oidToString(alg.expect(Tag.OID, `${what} curve`).content);
  if (curve !== OID_P256) throw new X509Error('unsupported', `${what}: curve ${curve} is not P-256`);
  const inner = top.expect(Tag.OCTET_STRING, `${what} privateKey`).content;
  return parseEcPrivateKey(new DerReader(readOne(inner, Tag.SEQUENCE, what).content, 2), what);
}

/** ECDSA-Sig-Value DER -> r‖s (64 bytes). */
export function ecdsaSigFromDer(der: Uint8Array): Uint8Array {
  const r = new DerReader(readOne(der, Tag.SEQUENCE, 'ECDSA signature').content, 1);
  const out = new Uint8Array(64);
  for (let i = 0; i < 2; i++) {
    const n = unsignedInteger(r.expect(Tag.INTEGER, 'ECDSA signature').content, 'ECDSA signature');
    if (n.length > 32) throw new X509Error('decode', 'ECDSA signature component longer than 32 bytes');
    out.set(n, 32 * i + 32 - n.length);
  }
  r.end('ECDSA signature');
  return out;
}

function derInteger(x: Uint8Array): Uint8Array {
  let i = 0;
  while (i < x.length - 1 && x[i] === 0) i++;
  const v = x.subarray(i);
  if (v[0] & 0x80) {
    const p = new Uint8Array(v.length + 1);
    p.set(v, 1);
    return derEncode(Tag.INTEGER, p);
  }
  return derEncode(Tag.INTEGER, v);
}

/** r‖s (64 bytes) -> ECDSA-Sig-Value DER. */
export function ecdsaSigToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64) throw new X509Error('decode', 'ECDSA signature must be 64 bytes r||s');
  const r = derInteger(raw.subarray(0, 32));
  const s = derInteger(raw.subarray(32));
  const both = new Uint8Array(r.length + s.length);
  both.set(r);
  both.set(s, r.length);
  return derEncode(Tag.SEQUENCE, both);
}
