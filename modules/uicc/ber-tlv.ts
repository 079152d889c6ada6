/**
 * BER-TLV as smart cards use it (ISO/IEC 7816-4 §5.2, ISO/IEC 8825-1 §8.1.2-8.1.3, ETSI TS 101 220 §7.1):
 * tags of 1-3 bytes, definite lengths of 1-4 bytes. Bounded: total size, depth and element count are
 * capped, indefinite lengths are refused, and every failure is a BerTlvError.
 */
import { BerTlvError } from './errors';

export interface Tlv {
  /** The tag bytes as a number (e.g. 0x5F20, 0xBF3E, 0xD0). */
  tag: number;
  /** Constructed (b6 of the first tag byte). */
  constructed: boolean;
  value: Uint8Array;
  /** Children, parsed when constructed and `parseChildren` allowed it. */
  children?: Tlv[];
}

export interface BerTlvLimits {
  maxDepth?: number;
  maxElements?: number;
  maxLength?: number;
}

const DEFAULTS = Object.freeze({ maxDepth: 8, maxElements: 512, maxLength: 65535 });

interface Counter {
  n: number;
}

function readTag(d: Uint8Array, o: number): [number, number, boolean] {
  if (o >= d.length) throw new BerTlvError('truncated tag');
  const first = d[o];
  if (first === 0x00 || first === 0xff) throw new BerTlvError(`invalid tag byte ${first.toString(16)} at ${o}`);
  const constructed = (first & 0x20) !== 0;
  let tag = first;
  let i = o + 1;
  if ((first & 0x1f) === 0x1f) {
    for (let k = 0; ; k++) {
      if (k >= 2) throw new BerTlvError('tags longer than 3 bytes are not supported');
      if (i >= d.length) throw new BerTlvError('truncated multi-byte tag');
      const b = d[i++];
      tag = tag * 256 + b;
      if ((b & 0x80) === 0) break;
    }
  }
  return [tag, i, constructed];
}

function readLength(d: Uint8Array, o: number, max: number): [number, number] {
  if (o >= d.length) throw new BerTlvError('truncated length');
  const first = d[o];
  if (first < 0x80) return [first, o + 1];
  if (first === 0x80) throw new BerTlvError('indefinite length is not allowed');
  const n = first & 0x7f;
  if (n > 3) throw new BerTlvError(`length of ${n} bytes is not supported`);
  if (o + 1 + n > d.length) throw new BerTlvError('truncated length');
  let len = 0;
  for (let k = 0; k < n; k++) len = len * 256 + d[o + 1 + k];
  if (len > max) throw new BerTlvError(`length ${len} exceeds the limit of ${max}`);
  return [len, o + 1 + n];
}

function parseLevel(d: Uint8Array, depth: number, lim: Required<BerTlvLimits>, count: Counter, recurse: boolean): Tlv[] {
  if (depth > lim.maxDepth) throw new BerTlvError(`nesting deeper than ${lim.maxDepth}`);
  const out: Tlv[] = [];
  let o = 0;
  while (o < d.length) {
    // ISO/IEC 7816-4 §5.2: 00 and FF between objects are padding
    if (d[o] === 0x00 || d[o] === 0xff) {
      o++;
      continue;
    }
    if (++count.n > lim.maxElements) throw new BerTlvError(`more than ${lim.maxElements} elements`);
    const [tag, afterTag, constructed] = readTag(d, o);
    const [len, afterLen] = readLength(d, afterTag, lim.maxLength);
    if (afterLen + len > d.length) throw new BerTlvError(`value of tag ${tag.toString(16)} runs past the end`);
    const value = d.subarray(afterLen, afterLen + len);
    const t: Tlv = { tag, constructed, value };
    if (constructed && recurse) t.children = parseLevel(value, depth + 1, lim, count, true);
    out.push(t);
    o = afterLen + len;
  }
  return out;
}

/** Parses a sequence of BER-TLV objects; constructed ones are parsed recursively. Values are views into `data`. */
export function parseBerTlv(data: Uint8Array, limits: BerTlvLimits = {}): Tlv[] {
  if (!(data instanceof Uint8Array)) throw new BerTlvError('BER-TLV input must be bytes');
  const lim = { ...DEFAULTS, ...limits };
  if (data.length > lim.maxLength + 8) throw new BerTlvError(`input of ${data.length} bytes exceeds the limit`);
  return parseLevel(data, 0, lim, { n: 0 }, true);
}

/** Parses exactly one top-level object (padding after it is allowed). */
export function parseOne(data: Uint8Array, limits: BerTlvLimits = {}): Tlv {
  const all = parseBerTlv(data, limits);
  if (all.length !== 1) throw new BerTlvError(`expected one BER-TLV object, found ${all.length}`);
  return all[0];
}

export function findTag(list: Tlv[] | undefined, tag: number): Tlv | undefined {
  if (!list) return undefined;
  for (const t of list) if (t.tag === tag) return t;
  return undefined;
}

function tagBytes(tag: number): number[] {
  if (!Number.isInteger(tag) || tag <= 0 || tag > 0xffffff) throw new BerTlvError(`bad tag ${tag}`);
  if (tag <= 0xff) return [tag];
  if (tag <= 0xffff) return [tag >> 8, tag & 0xff];
  return [tag >> 16, (tag >> 8) & 0xff, tag & 0xff];
}

export function encodeLength(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffff) throw new BerTlvError(`bad length ${n}`);
  if (n < 0x80) return [n];
  if (n <= 0xff) return [0x81, n];
  if (n <= 0xffff) return [0x82, n >> 8, n & 0xff];
  return [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
}

/** Encodes one object. */
export function tlv(tag: number, ...values: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const v of values) len += v.length;
  const t = tagBytes(tag);
  const l = encodeLength(len);
  const out = new Uint8Array(t.length + l.length + len);
  out.set(t, 0);
  out.set(l, t.length);
  let o = t.length + l.length;
  for (const v of values) {
    out.set(v, o);
    o += v.length;
  }
  return out;
}
