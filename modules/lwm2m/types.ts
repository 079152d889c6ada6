/**
 * Core vocabulary of the data model: resource types, values, paths, CoAP response codes and
 * content-format numbers. Kept free of any CoAP implementation on purpose (modules/coap is a
 * separate layer; the interfaces issue maps these numbers onto its messages).
 */
import { Lwm2mFormatError } from './errors';

export type ResourceType = 'string' | 'integer' | 'unsigned' | 'float' | 'boolean' | 'opaque' | 'time' | 'objlnk' | 'corelnk' | 'none';

export interface Objlnk {
  objectId: number;
  instanceId: number;
}

export type Value = string | number | boolean | Uint8Array | Objlnk;

/** A multiple-instance resource maps resource-instance ids to values. */
export type ResourceContent = Value | Map<number, Value>;
export type InstanceContent = Map<number, ResourceContent>;

/** [objectId, instanceId?, resourceId?, resourceInstanceId?]; [] is the root "/". */
export type Path = number[];

/** One value at a full resource (length 3) or resource-instance (length 4) path. */
export interface Entry {
  path: Path;
  type: ResourceType;
  value: Value;
}

/** Answers "what type has this resource, and is it multiple?" for decoders; undefined = no such resource. */
export type TypeResolver = (oid: number, rid: number) => { type: ResourceType; multiple: boolean } | undefined;

/** CoAP response codes as class << 5 | detail (0x45 = 2.05). */
export const Code = {
  Created: 0x41,
  Deleted: 0x42,
  Changed: 0x44,
  Content: 0x45,
  BadRequest: 0x80,
  Unauthorized: 0x81,
  NotFound: 0x84,
  MethodNotAllowed: 0x85,
  NotAcceptable: 0x86,
  RequestEntityTooLarge: 0x8d,
  UnsupportedContentFormat: 0x8f,
  InternalServerError: 0xa0,
} as const;
Object.freeze(Code);

export const ContentFormat = {
  Text: 0,
  LinkFormat: 40,
  Opaque: 42,
  SenmlJson: 110,
  SenmlCbor: 112,
  Tlv: 11542,
  Lwm2mCbor: 11544,
} as const;
Object.freeze(ContentFormat);

export function isObjlnk(v: Value): v is Objlnk {
  return typeof v === 'object' && !(v instanceof Uint8Array);
}

/** "/3/0/1" -> [3, 0, 1]. Ids are 0..65535; 65535 is reserved (MAX_ID) except for ACL targets. */
export function parsePath(s: string): Path {
  if (s === '/' || s === '') return [];
  if (s.charCodeAt(0) !== 47) throw new Lwm2mFormatError('bad-path', 'path must start with "/"');
  const parts = s.slice(1).split('/');
  if (parts[parts.length - 1] === '') parts.pop();
  if (parts.length > 4) throw new Lwm2mFormatError('bad-path', 'path has more than 4 segments');
  const out: Path = [];
  for (const p of parts) {
    if (!/^[0-9]{1,5}$/.test(p)) throw new Lwm2mFormatError('bad-path', `path segment "${p.slice(0, 8)}" is not an id`);
    const n = Number(p);
    if (n > 65535) throw new Lwm2mFormatError('bad-path', 'path id above 65535');
    out.push(n);
  }
  return out;
}

export function formatPath(p: Path): string {
  return p.length === 0 ? '/' : '/' + p.join('/');
}

/** true when `inner` equals or lies below `outer`. */
export function pathStartsWith(inner: Path, outer: Path): boolean {
  if (inner.length < outer.length) return false;
  for (let i = 0; i < outer.length; i++) if (inner[i] !== outer[i]) return false;
  return true;
}

/** Checks (and normalises) a JS value against a resource type; returns an error text or null. */
export function checkValueType(type: ResourceType, v: Value): string | null {
  switch (type) {
    case 'string':
    case 'corelnk':
      return typeof v === 'string' ? null : 'expected a string';
    case 'integer':
    case 'time':
      return typeof v === 'number' && Number.isSafeInteger(v) ? null : 'expected an integer';
    case 'unsigned':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? null : 'expected an unsigned integer';
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) ? null : 'expected a finite number';
    case 'boolean':
      return typeof v === 'boolean' ? null : 'expected a boolean';
    case 'opaque':
      return v instanceof Uint8Array ? null : 'expected opaque bytes';
    case 'objlnk':
      return typeof v === 'object' && !(v instanceof Uint8Array) && isId(v.objectId) && isId(v.instanceId) ? null : 'expected an object link';
    case 'none':
      return 'resource has no value';
  }
}

function isId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}
