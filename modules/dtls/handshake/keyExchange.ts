/**
 * ServerKeyExchange and ClientKeyExchange for PSK (RFC 4279 §2: psk_identity_hint<0..2^16-1> /
 * psk_identity<0..2^16-1>) and ECDHE_PSK (RFC 5489 §2: the hint followed by ServerECDHParams
 * {curve_type=named_curve(3), namedcurve(2), point<1..2^8-1>}; the client adds its point<1..2^8-1>).
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { AlertDescription, AlertLevel } from '../constants';
import { DtlsAlert, decodeError } from '../errors';
import { SECP256R1 } from '../extensions/supportedGroups';

/** RFC 4279 §5.3: identities and hints up to 128 bytes must be supported; we refuse more than this. */
export const MAX_PSK_IDENTITY = 256;

export interface ServerKeyExchange {
  hint: Uint8Array;
  /** ECDHE_PSK only: the server's uncompressed P-256 point. */
  publicKey?: Uint8Array;
}

export function marshalServerKeyExchange(m: ServerKeyExchange): Uint8Array {
  const w = new ByteWriter(8 + m.hint.length).vector(2, m.hint);
  if (m.publicKey) w.u8(3).u16(SECP256R1).vector(1, m.publicKey);
  return w.toBytes();
}

export function unmarshalServerKeyExchange(body: Uint8Array, ecdhe: boolean): ServerKeyExchange {
  const r = new ByteReader(body, decodeError);
  const hint = r.vector(2, 'psk_identity_hint', MAX_PSK_IDENTITY);
  let publicKey: Uint8Array | undefined;
  if (ecdhe) {
    if (r.u8('curve_type') !== 3) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'ECDHE params must use a named curve');
    if (r.u16('namedcurve') !== SECP256R1) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'server chose a curve other than secp256r1');
    publicKey = r.vector(1, 'ECPoint');
    if (publicKey.length !== 65 || publicKey[0] !== 4) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'server ECDH point must be 65-byte uncompressed');
  }
  r.expectEnd('ServerKeyExchange');
  return { hint, publicKey };
}

export interface ClientKeyExchange {
  identity: Uint8Array;
  publicKey?: Uint8Array;
}

export function marshalClientKeyExchange(m: ClientKeyExchange): Uint8Array {
  const w = new ByteWriter(4 + m.identity.length + 66).vector(2, m.identity);
  if (m.publicKey) w.vector(1, m.publicKey);
  return w.toBytes();
}

export function unmarshalClientKeyExchange(body: Uint8Array, ecdhe: boolean): ClientKeyExchange {
  const r = new ByteReader(body, decodeError);
  const identity = r.vector(2, 'psk_identity', MAX_PSK_IDENTITY);
  let publicKey: Uint8Array | undefined;
  if (ecdhe) {
    publicKey = r.vector(1, 'ECPoint');
    if (publicKey.length !== 65 || publicKey[0] !== 4) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'client ECDH point must be 65-byte uncompressed');
  }
  r.expectEnd('ClientKeyExchange');
  return { identity, publicKey };
}
