/**
 * Signed handshake parts for ECDHE_ECDSA (RFC 8422 §5.4, §5.8 with RFC 5246 §4.7 digitally-signed in TLS 1.2):
 * ServerKeyExchange = ServerECDHParams {curve_type named_curve(3), namedcurve(2), point<1..2^8-1>} followed by
 * SignatureAndHashAlgorithm(2) and signature<0..2^16-1> (a DER ECDSA-Sig-Value) over
 * SHA-256(client_random ‖ server_random ‖ ServerECDHParams); CertificateVerify = SignatureAndHashAlgorithm and
 * the signature over SHA-256(handshake messages so far); ClientKeyExchange = ClientECDiffieHellmanPublic point<1..2^8-1>.
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { ecdsaSigFromDer, ecdsaSigToDer } from '../../x509/keys';
import { AlertDescription, AlertLevel, ECDSA_SHA256 } from '../constants';
import { DtlsAlert, decodeError } from '../errors';
import { SECP256R1 } from '../extensions/supportedGroups';

/** Largest DER ECDSA P-256 signature: 2 + 2 * (2 + 33). */
const MAX_SIG = 72;

export interface EcdheEcdsaServerKeyExchange {
  /** The 69 signed bytes of ServerECDHParams. */
  params: Uint8Array;
  publicKey: Uint8Array;
  /** r‖s. */
  signature: Uint8Array;
}

export function marshalEcdhParams(publicKey: Uint8Array): Uint8Array {
  return new ByteWriter(4 + publicKey.length).u8(3).u16(SECP256R1).vector(1, publicKey).toBytes();
}

function signatureTail(r: ByteReader, what: string): Uint8Array {
  const alg = r.u16('SignatureAndHashAlgorithm');
  if (alg !== ECDSA_SHA256) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, `${what} signed with algorithm 0x${alg.toString(16)}, not ecdsa_secp256r1_sha256`);
  const der = r.vector(2, 'signature', MAX_SIG);
  r.expectEnd(what);
  try {
    return ecdsaSigFromDer(der);
  } catch {
    throw decodeError(`${what}: malformed ECDSA signature`);
  }
}

function writeSignature(w: ByteWriter, rs: Uint8Array): void {
  w.u16(ECDSA_SHA256).vector(2, ecdsaSigToDer(rs));
}

export function marshalEcdheEcdsaServerKeyExchange(params: Uint8Array, signature: Uint8Array): Uint8Array {
  const w = new ByteWriter(params.length + 4 + MAX_SIG).bytes(params);
  writeSignature(w, signature);
  return w.toBytes();
}

export function unmarshalEcdheEcdsaServerKeyExchange(body: Uint8Array): EcdheEcdsaServerKeyExchange {
  const r = new ByteReader(body, decodeError);
  if (r.u8('curve_type') !== 3) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'ECDHE params must use a named curve');
  if (r.u16('namedcurve') !== SECP256R1) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'server chose a curve other than secp256r1');
  const publicKey = r.vector(1, 'ECPoint');
  if (publicKey.length !== 65 || publicKey[0] !== 4) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'server ECDH point must be 65-byte uncompressed');
  const params = body.subarray(0, r.offset);
  return { params, publicKey, signature: signatureTail(r, 'ServerKeyExchange') };
}

export function marshalCertificateVerify(signature: Uint8Array): Uint8Array {
  const w = new ByteWriter(4 + MAX_SIG);
  writeSignature(w, signature);
  return w.toBytes();
}

export function unmarshalCertificateVerify(body: Uint8Array): Uint8Array {
  return signatureTail(new ByteReader(body, decodeError), 'CertificateVerify');
}

export function marshalEcdhClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return new ByteWriter(1 + publicKey.length).vector(1, publicKey).toBytes();
}

export function unmarshalEcdhClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body, decodeError);
  const p = r.vector(1, 'ECPoint');
  r.expectEnd('ClientKeyExchange');
  if (p.length !== 65 || p[0] !== 4) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'client ECDH point must be 65-byte uncompressed');
  return p;
}
