/** supported_groups (RFC 8422 §5.1.1) and ec_point_formats (§5.1.2), for the ECDHE_PSK suite: P-256 and uncompressed only. */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { decodeError } from '../errors';

export const SECP256R1 = 23;

export function marshalSupportedGroups(groups: number[]): Uint8Array {
  const w = new ByteWriter(2 + 2 * groups.length).u16(2 * groups.length);
  for (const g of groups) w.u16(g);
  return w.toBytes();
}

export function unmarshalSupportedGroups(data: Uint8Array): number[] {
  const r = new ByteReader(data, decodeError);
  const list = r.vector(2, 'supported_groups');
  r.expectEnd('supported_groups');
  if (list.length % 2 !== 0) throw decodeError('odd supported_groups length');
  const out: number[] = [];
  for (let i = 0; i < list.length; i += 2) out.push((list[i] << 8) | list[i + 1]);
  return out;
}

export function marshalEcPointFormats(): Uint8Array {
  return Uint8Array.of(1, 0);
}

export function unmarshalEcPointFormats(data: Uint8Array): number[] {
  const r = new ByteReader(data, decodeError);
  const list = r.vector(1, 'ec_point_formats');
  r.expectEnd('ec_point_formats');
  return Array.from(list);
}
