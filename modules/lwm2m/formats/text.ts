/** Plain text, content format 0 (LwM2M 1.1 7.4.1): one value of a single resource or resource instance. */
import { utf8Decode, utf8Encode } from '../../bytes/index';
import { Lwm2mFormatError } from '../errors';
import type { ResourceType, Value } from '../types';
import { isObjlnk } from '../types';
import { base64Decode, base64Encode } from './base64';

export const TEXT_MAX_BYTES = 16 * 1024;

export function encodeText(type: ResourceType, v: Value): Uint8Array {
  switch (type) {
    case 'boolean':
      return utf8Encode(v ? '1' : '0');
    case 'opaque':
      return utf8Encode(base64Encode(v as Uint8Array));
    case 'objlnk':
      if (!isObjlnk(v)) throw new Lwm2mFormatError('type-mismatch', 'object link expected');
      return utf8Encode(`${v.objectId}:${v.instanceId}`);
    case 'string':
    case 'corelnk':
      return utf8Encode(v as string);
    default:
      return utf8Encode(String(v));
  }
}

export function decodeText(type: ResourceType, data: Uint8Array): Value {
  if (data.length > TEXT_MAX_BYTES) throw new Lwm2mFormatError('too-large', 'plain text payload too large');
  let s: string;
  try {
    s = utf8Decode(data);
  } catch {
    throw new Lwm2mFormatError('malformed', 'plain text is not valid UTF-8');
  }
  switch (type) {
    case 'string':
    case 'corelnk':
      return s;
    case 'opaque':
      return base64Decode(s);
    case 'boolean':
      if (s === '1') return true;
      if (s === '0') return false;
      throw new Lwm2mFormatError('type-mismatch', 'boolean must be "0" or "1"');
    case 'integer':
    case 'time':
    case 'unsigned': {
      if (!/^-?[0-9]{1,16}$/.test(s)) throw new Lwm2mFormatError('type-mismatch', 'not a decimal integer');
      const n = Number(s);
      if (!Number.isSafeInteger(n) || (type === 'unsigned' && n < 0)) throw new Lwm2mFormatError('out-of-range', 'integer out of range');
      return n;
    }
    case 'float': {
      if (!/^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(s) || s.length > 64) throw new Lwm2mFormatError('type-mismatch', 'not a decimal number');
      return Number(s);
    }
    case 'objlnk': {
      const m = /^([0-9]{1,5}):([0-9]{1,5})$/.exec(s);
      if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) throw new Lwm2mFormatError('type-mismatch', 'object link must be "oid:iid"');
      return { objectId: Number(m[1]), instanceId: Number(m[2]) };
    }
    case 'none':
      throw new Lwm2mFormatError('type-mismatch', 'resource has no value');
  }
}
