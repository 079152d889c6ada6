/** signature_algorithms (RFC 5246 §7.4.1.4.1): supported_signature_algorithms<2..2^16-2>, pairs of hash(1) signature(1). */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { decodeError } from '../errors';

export function marshalSignatureAlgorithms(list: number[]): Uint8Array {
  const w = new ByteWriter(2 + 2 * list.length).u16(2 * list.length);
  for (const a of list) w.u16(a);
  return w.toBytes();
}

export function unmarshalSignatureAlgorithms(data: Uint8Array): number[] {
  const r = new ByteReader(data, decodeError);
  const list = r.vector(2, 'supported_signature_algorithms');
  r.expectEnd('signature_algorithms');
  if (list.length < 2 || list.length % 2) throw decodeError('bad supported_signature_algorithms length');
  const out: number[] = [];
  for (let i = 0; i < list.length; i += 2) out.push((list[i] << 8) | list[i + 1]);
  return out;
}
