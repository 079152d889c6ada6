/**
 * OMA-TLV, content format 11542 (OMA-TS-LightweightM2M-Core 1.1, 7.4.3).
 * Type byte: b7-b6 kind (00 Object Instance, 01 Resource Instance, 10 Multiple Resource, 11 Resource
 * with value), b5 identifier width (0: 8 bits, 1: 16 bits), b4-b3 length width (00: length in b2-b0,
 * 01/10/11: 8/16/24-bit length field).
 */
import { ByteReader, ByteWriter, utf8Decode, utf8Encode } from '../../bytes/index';
import { Lwm2mFormatError, truncatedError } from '../errors';
import type { Entry, Path, ResourceType, TypeResolver, Value } from '../types';
import { isObjlnk } from '../types';

const KIND_INSTANCE = 0;
const KIND_RES_INSTANCE = 1;
const KIND_MULTIPLE = 2;
const KIND_RESOURCE = 3;

/** Caps for untrusted input: no legal LwM2M payload nests deeper than 3 or needs more entries. */
export const TLV_MAX_ENTRIES = 4096;

// ---------- value encoding (shared by TLV and the compact persistence records) ----------

export function encodeTlvValue(type: ResourceType, v: Value): Uint8Array {
  switch (type) {
    case 'string':
    case 'corelnk':
      return utf8Encode(v as string);
    case 'opaque':
      return v as Uint8Array;
    case 'boolean':
      return Uint8Array.of(v ? 1 : 0);
    case 'integer':
    case 'time':
      return encodeSigned(v as number);
    case 'unsigned':
      return encodeUnsigned(v as number);
    case 'float': {
      const n = v as number;
      if (Math.fround(n) === n) {
        const out = new Uint8Array(4);
        new DataView(out.buffer).setFloat32(0, n);
        return out;
      }
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, n);
      return out;
    }
    case 'objlnk': {
      if (!isObjlnk(v)) throw new Lwm2mFormatError('type-mismatch', 'object link expected');
      return Uint8Array.of(v.objectId >> 8, v.objectId & 255, v.instanceId >> 8, v.instanceId & 255);
    }
    case 'none':
      return new Uint8Array(0);
  }
}

function encodeSigned(n: number): Uint8Array {
  if (n >= -128 && n <= 127) return Uint8Array.of(n & 255);
  if (n >= -32768 && n <= 32767) return Uint8Array.of((n >> 8) & 255, n & 255);
  if (n >= -2147483648 && n <= 2147483647) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, n);
    return out;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(n));
  return out;
}

function encodeUnsigned(n: number): Uint8Array {
  if (n <= 0xff) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(n >> 8, n & 255);
  const out = new Uint8Array(n <= 0xffffffff ? 4 : 8);
  const dv = new DataView(out.buffer);
  if (out.length === 4) dv.setUint32(0, n);
  else dv.setBigUint64(0, BigInt(n));
  return out;
}

export function decodeTlvValue(type: ResourceType, b: Uint8Array): Value {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 'string':
    case 'corelnk':
      try {
        return utf8Decode(b);
      } catch {
        throw new Lwm2mFormatError('malformed', 'string is not valid UTF-8');
      }
    case 'opaque':
      return b.slice();
    case 'boolean':
      if (b.length !== 1 || b[0] > 1) throw new Lwm2mFormatError('type-mismatch', 'boolean must be one byte 0 or 1');
      return b[0] === 1;
    case 'integer':
    case 'time': {
      if (b.length === 1) return dv.getInt8(0);
      if (b.length === 2) return dv.getInt16(0);
      if (b.length === 4) return dv.getInt32(0);
      if (b.length === 8) return safe(dv.getBigInt64(0));
      throw new Lwm2mFormatError('type-mismatch', `integer of ${b.length} bytes (1, 2, 4 or 8 allowed)`);
    }
    case 'unsigned': {
      if (b.length === 1) return b[0];
      if (b.length === 2) return dv.getUint16(0);
      if (b.length === 4) return dv.getUint32(0);
      if (b.length === 8) return safe(dv.getBigUint64(0));
      throw new Lwm2mFormatError('type-mismatch', `unsigned integer of ${b.length} bytes (1, 2, 4 or 8 allowed)`);
    }
    case 'float':
      if (b.length === 4) return dv.getFloat32(0);
      if (b.length === 8) return dv.getFloat64(0);
      throw new Lwm2mFormatError('type-mismatch', `float of ${b.length} bytes (4 or 8 allowed)`);
    case 'objlnk':
      if (b.length !== 4) throw new Lwm2mFormatError('type-mismatch', 'object link must be 4 bytes');
      return { objectId: dv.getUint16(0), instanceId: dv.getUint16(2) };
    case 'none':
      throw new Lwm2mFormatError('type-mismatch', 'resource has no value');
  }
}

function safe(n: bigint): number {
  // Values beyond 2^53 cannot be represented exactly as a JS number; refuse rather than round.
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new Lwm2mFormatError('out-of-range', 'integer beyond 2^53');
  return Number(n);
}

// ---------- structure ----------

function writeHeader(w: ByteWriter, kind: number, id: number, len: number): void {
  let t = kind << 6;
  if (id > 255) t |= 0x20;
  if (len < 8) t |= len;
  else if (len < 0x100) t |= 0x08;
  else if (len < 0x10000) t |= 0x10;
  else t |= 0x18;
  w.u8(t);
  if (id > 255) w.u16(id);
  else w.u8(id);
  if (len >= 8) {
    if (len < 0x100) w.u8(len);
    else if (len < 0x10000) w.u16(len);
    else w.u24(len);
  }
}

function writeTlv(w: ByteWriter, kind: number, id: number, body: Uint8Array): void {
  writeHeader(w, kind, id, body.length);
  w.bytes(body);
}

/**
 * Encodes entries below `base` ([] root is not allowed, [oid] gives Object Instance TLVs,
 * [oid, iid] gives Resource TLVs, [oid, iid, rid] a single resource or a Multiple Resource).
 * `multiple(oid, rid)` says whether a resource is multiple-instance; entries must be sorted by path.
 */
export function encodeTlv(base: Path, entries: Entry[], multiple: (oid: number, rid: number) => boolean): Uint8Array {
  if (base.length === 0) throw new Lwm2mFormatError('unsupported', 'TLV cannot encode the root path');
  const w = new ByteWriter(64);
  if (base.length === 4) {
    for (const e of entries) writeTlv(w, KIND_RES_INSTANCE, e.path[3], encodeTlvValue(e.type, e.value));
    return finish(w);
  }
  const groups = groupBy(entries, 1);
  for (const [iid, inInstance] of groups) {
    const body = encodeResources(base, inInstance, multiple);
    if (base.length === 1) writeTlv(w, KIND_INSTANCE, iid, body);
    else w.bytes(body);
    body.fill(0);
  }
  return finish(w);
}

/** Scratch buffers are wiped: the same encoder serialises Security instances for storage. */
function finish(w: ByteWriter): Uint8Array {
  const out = w.toBytes();
  w.wipe();
  return out;
}

function encodeResources(base: Path, entries: Entry[], multiple: (oid: number, rid: number) => boolean): Uint8Array {
  const w = new ByteWriter(64);
  for (const [rid, inResource] of groupBy(entries, 2)) {
    const oid = inResource[0].path[0];
    if (multiple(oid, rid)) {
      const inner = new ByteWriter(32);
      for (const e of inResource) writeTlv(inner, KIND_RES_INSTANCE, e.path[3], encodeTlvValue(e.type, e.value));
      writeTlv(w, KIND_MULTIPLE, rid, inner.view());
      inner.wipe();
    } else {
      const e = inResource[0];
      writeTlv(w, KIND_RESOURCE, rid, encodeTlvValue(e.type, e.value));
    }
  }
  void base;
  return finish(w);
}

/** Groups consecutive entries by path[level], keeping order. */
function groupBy(entries: Entry[], level: number): [number, Entry[]][] {
  const out: [number, Entry[]][] = [];
  for (const e of entries) {
    const k = e.path[level];
    const last = out[out.length - 1];
    if (last && last[0] === k) last[1].push(e);
    else out.push([k, [e]]);
  }
  return out;
}

interface RawTlv {
  kind: number;
  id: number;
  value: Uint8Array;
}

function readTlvs(data: Uint8Array): RawTlv[] {
  const r = new ByteReader(data, truncatedError);
  const out: RawTlv[] = [];
  while (r.remaining > 0) {
    if (out.length >= TLV_MAX_ENTRIES) throw new Lwm2mFormatError('too-large', `more than ${TLV_MAX_ENTRIES} TLV entries`);
    const t = r.u8('TLV type');
    const id = t & 0x20 ? r.u16('TLV identifier') : r.u8('TLV identifier');
    const lt = (t >> 3) & 3;
    const len = lt === 0 ? t & 7 : lt === 1 ? r.u8('TLV length') : lt === 2 ? r.u16('TLV length') : r.u24('TLV length');
    out.push({ kind: t >> 6, id, value: r.bytes(len, 'TLV value') });
  }
  return out;
}

/**
 * Decodes a TLV payload addressed to `base` (length 1..4). Each TLV kind is accepted only where
 * the spec allows it, so nesting depth is bounded by construction (at most 3 levels).
 */
export function decodeTlv(base: Path, data: Uint8Array, resolve: TypeResolver): Entry[] {
  if (base.length === 0) throw new Lwm2mFormatError('unsupported', 'TLV cannot address the root path');
  const out: Entry[] = [];
  let count = 0;
  const push = (e: Entry): void => {
    if (++count > TLV_MAX_ENTRIES) throw new Lwm2mFormatError('too-large', `more than ${TLV_MAX_ENTRIES} values`);
    out.push(e);
  };
  const oid = base[0];
  const typeOf = (rid: number, wantMultiple: boolean | null) => {
    const t = resolve(oid, rid);
    if (!t) throw new Lwm2mFormatError('unknown-resource', `object ${oid} has no resource ${rid}`);
    if (wantMultiple !== null && t.multiple !== wantMultiple) {
      throw new Lwm2mFormatError('type-mismatch', `resource ${rid} is ${t.multiple ? '' : 'not '}multiple-instance`);
    }
    return t.type;
  };
  const resourceLevel = (iid: number, tlvs: RawTlv[]): void => {
    for (const t of tlvs) {
      if (t.kind === KIND_RESOURCE) {
        push({ path: [oid, iid, t.id], type: typeOf(t.id, false), value: decodeTlvValue(typeOf(t.id, false), t.value) });
      } else if (t.kind === KIND_MULTIPLE) {
        const type = typeOf(t.id, true);
        for (const ri of readTlvs(t.value)) {
          if (ri.kind !== KIND_RES_INSTANCE) throw new Lwm2mFormatError('malformed', 'Multiple Resource may only contain Resource Instances');
          push({ path: [oid, iid, t.id, ri.id], type, value: decodeTlvValue(type, ri.value) });
        }
      } else throw new Lwm2mFormatError('malformed', 'expected Resource TLVs inside an Object Instance');
    }
  };
  const top = readTlvs(data);
  if (base.length === 1) {
    for (const t of top) {
      if (t.kind !== KIND_INSTANCE) throw new Lwm2mFormatError('malformed', 'expected Object Instance TLVs for an object path');
      resourceLevel(t.id, readTlvs(t.value));
    }
  } else if (base.length === 2) {
    // A single Object Instance TLV wrapping the resources is also accepted (Create and Bootstrap-Write send it).
    if (top.length === 1 && top[0].kind === KIND_INSTANCE) {
      if (top[0].id !== base[1]) throw new Lwm2mFormatError('bad-path', 'Object Instance TLV does not match the path');
      resourceLevel(base[1], readTlvs(top[0].value));
    } else resourceLevel(base[1], top);
  } else if (base.length === 3) {
    for (const t of top) if (t.id !== base[2] && t.kind !== KIND_RES_INSTANCE) throw new Lwm2mFormatError('bad-path', 'TLV identifier does not match the path');
    const multiple = top.length > 0 && top[0].kind !== KIND_RESOURCE;
    if (multiple && top.every((t) => t.kind === KIND_RES_INSTANCE)) {
      const type = typeOf(base[2], true);
      for (const ri of top) push({ path: [oid, base[1], base[2], ri.id], type, value: decodeTlvValue(type, ri.value) });
    } else resourceLevel(base[1], top);
  } else {
    const type = typeOf(base[2], true);
    for (const t of top) {
      if (t.kind !== KIND_RES_INSTANCE || t.id !== base[3]) throw new Lwm2mFormatError('bad-path', 'expected the addressed Resource Instance TLV');
      push({ path: base.slice(), type, value: decodeTlvValue(type, t.value) });
    }
  }
  return out;
}
