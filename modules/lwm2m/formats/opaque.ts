/** Opaque, content format 42 (LwM2M 1.1 7.4.2): the raw bytes of one Opaque resource. */
import { Lwm2mFormatError } from '../errors';
import type { ResourceType, Value } from '../types';

export function encodeOpaque(type: ResourceType, v: Value): Uint8Array {
  if (type !== 'opaque' || !(v instanceof Uint8Array)) throw new Lwm2mFormatError('unsupported', 'opaque format is only for Opaque resources');
  return v;
}

export function decodeOpaque(type: ResourceType, data: Uint8Array, maxBytes: number): Value {
  if (type !== 'opaque') throw new Lwm2mFormatError('unsupported', 'opaque format is only for Opaque resources');
  if (data.length > maxBytes) throw new Lwm2mFormatError('too-large', 'opaque payload too large');
  return data.slice();
}
