/**
 * client_certificate_type and server_certificate_type (RFC 7250 §3): in a ClientHello a list
 * certificate_types<1..2^8-1> in preference order; in a ServerHello the one type chosen.
 */
import { ByteReader } from '../../bytes/index';
import { decodeError } from '../errors';

export function marshalCertificateTypes(types: number[], fromServer: boolean): Uint8Array {
  return fromServer ? Uint8Array.of(types[0]) : Uint8Array.of(types.length, ...types);
}

export function unmarshalCertificateTypes(data: Uint8Array, fromServer: boolean): number[] {
  if (fromServer) {
    if (data.length !== 1) throw decodeError('a ServerHello certificate type is one byte');
    return [data[0]];
  }
  const r = new ByteReader(data, decodeError);
  const list = r.vector(1, 'certificate_types');
  r.expectEnd('certificate_types');
  if (list.length < 1) throw decodeError('empty certificate_types');
  return Array.from(list);
}
