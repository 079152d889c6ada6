/**
 * CertificateRequest (RFC 5246 §7.4.4): certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>,
 * certificate_authorities<0..2^16-1> (DistinguishedName<1..2^16-1> each; we send none and ignore what we get).
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { decodeError } from '../errors';

export interface CertificateRequest {
  certificateTypes: number[];
  signatureAlgorithms: number[];
}

export function marshalCertificateRequest(m: CertificateRequest): Uint8Array {
  const w = new ByteWriter(8 + m.certificateTypes.length + 2 * m.signatureAlgorithms.length);
  w.u8(m.certificateTypes.length);
  for (const t of m.certificateTypes) w.u8(t);
  w.u16(2 * m.signatureAlgorithms.length);
  for (const a of m.signatureAlgorithms) w.u16(a);
  w.u16(0);
  return w.toBytes();
}

export function unmarshalCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new ByteReader(body, decodeError);
  const types = r.vector(1, 'certificate_types');
  if (types.length < 1) throw decodeError('empty certificate_types');
  const algs = r.vector(2, 'supported_signature_algorithms');
  if (algs.length < 2 || algs.length % 2) throw decodeError('bad supported_signature_algorithms');
  r.vector(2, 'certificate_authorities');
  r.expectEnd('CertificateRequest');
  const signatureAlgorithms: number[] = [];
  for (let i = 0; i < algs.length; i += 2) signatureAlgorithms.push((algs[i] << 8) | algs[i + 1]);
  return { certificateTypes: Array.from(types), signatureAlgorithms };
}
