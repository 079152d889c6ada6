/**
 * A DER reader (ITU-T X.690 §8 and §10) for untrusted bytes: one-byte tags only, definite lengths in their
 * minimal form, lengths checked against what is left before anything is sliced (views, no copies), and a
 * cap on how deep a caller may nest. Everything it throws is an X509Error.
 */
import { X509Error } from './errors';

export const enum Tag {
  BOOLEAN = 0x01,
  INTEGER = 0x02,
  BIT_STRING = 0x03,
  OCTET_STRING = 0x04,
  NULL = 0x05,
  OID = 0x06,
  UTF8String = 0x0c,
  PrintableString = 0x13,
  IA5String = 0x16,
  UTCTime = 0x17,
  GeneralizedTime = 0x18,
  SEQUENCE = 0x30,
  SET = 0x31,
}

export interface Element {
  tag: number;
  /** The contents octets (a view). */
  content: Uint8Array;
  /** Tag, length and contents (a view), e.g. what a signature covers. */
  raw: Uint8Array;
}

/** Deepest nesting a certificate needs is about 7; anything past this is refused. */
export const MAX_DEPTH = 16;

const fail = (m: string) => new X509Error('decode', m);

/** Reads consecutive elements from `data` (the contents of a constructed element, or a whole encoding). */
export class DerReader {
  private offset = 0;
  constructor(
    private readonly data: Uint8Array,
    readonly depth = 0,
  ) {
    if (depth > MAX_DEPTH) throw new X509Error('limit', `DER nested deeper than ${MAX_DEPTH}`);
  }

  get done(): boolean {
    return this.offset >= this.data.length;
  }

  peekTag(): number {
    return this.done ? -1 : this.data[this.offset];
  }

  /** The next element, whatever its tag. */
  next(what: string): Element {
    const d = this.data;
    const start = this.offset;
    if (start + 2 > d.length) throw fail(`${what}: truncated element header`);
    const tag = d[start];
    if ((tag & 0x1f) === 0x1f) throw new X509Error('unsupported', `${what}: multi-byte tags are not used by X.509`);
    let o = start + 1;
    let len = d[o++];
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0) throw fail(`${what}: indefinite length is not DER`);
      if (n > 3) throw new X509Error('limit', `${what}: length of ${n} bytes`);
      if (o + n > d.length) throw fail(`${what}: truncated length`);
      if (d[o] === 0) throw fail(`${what}: length not minimal`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + d[o++];
      if (len < 0x80) throw fail(`${what}: length not minimal`);
    }
    if (len > d.length - o) throw fail(`${what}: length ${len} runs past the end (${d.length - o} left)`);
    this.offset = o + len;
    return { tag, content: d.subarray(o, o + len), raw: d.subarray(start, o + len) };
  }

  /** The next element, which must carry `tag`. */
  expect(tag: number, what: string): Element {
    const e = this.next(what);
    if (e.tag !== tag) throw fail(`${what}: expected tag 0x${tag.toString(16)}, got 0x${e.tag.toString(16)}`);
    return e;
  }

  /** The next element if it carries `tag`, else null (nothing consumed). */
  optional(tag: number, what: string): Element | null {
    return this.peekTag() === tag ? this.next(what) : null;
  }

  /** A reader over the contents of the next element, which must be constructed with `tag`. */
  enter(tag: number, what: string): DerReader {
    return new DerReader(this.expect(tag, what).content, this.depth + 1);
  }

  end(what: string): void {
    if (!this.done) throw fail(`${what}: ${this.data.length - this.offset} trailing byte(s)`);
  }
}

/** Reads exactly one element from `data` and refuses trailing bytes. */
export function readOne(data: Uint8Array, tag: number, what: string): Element {
  const r = new DerReader(data);
  const e = r.expect(tag, what);
  r.end(what);
  return e;
}

/** Dotted text of an OBJECT IDENTIFIER's contents (X.690 §8.19), arcs up to 2^53. */
export function oidToString(c: Uint8Array): string {
  if (c.length === 0 || c.length > 64) throw fail('OID of bad length');
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < c.length; i++) {
    if (v === 0 && c[i] === 0x80) throw fail('OID arc not minimal');
    v = v * 128 + (c[i] & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) throw new X509Error('limit', 'OID arc too large');
    if (!(c[i] & 0x80)) {
      arcs.push(v);
      v = 0;
    } else if (i === c.length - 1) throw fail('OID ends inside an arc');
  }
  const first = arcs[0] < 40 ? 0 : arcs[0] < 80 ? 1 : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}

/** The unsigned magnitude of a DER INTEGER (X.690 §8.3), checked minimal, leading zero dropped. */
export function unsignedInteger(c: Uint8Array, what: string): Uint8Array {
  if (c.length === 0) throw fail(`${what}: empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0 && !(c[1] & 0x80)) || (c[0] === 0xff && c[1] & 0x80))) throw fail(`${what}: INTEGER not minimal`);
  if (c[0] & 0x80) throw fail(`${what}: negative INTEGER`);
  return c[0] === 0 && c.length > 1 ? c.subarray(1) : c;
}

/** BIT STRING contents with no unused bits (keys and signatures are whole bytes). */
export function bitStringBytes(c: Uint8Array, what: string): Uint8Array {
  if (c.length < 1) throw fail(`${what}: empty BIT STRING`);
  if (c[0] !== 0) throw new X509Error('unsupported', `${what}: BIT STRING with ${c[0]} unused bits`);
  return c.subarray(1);
}

/** Writes one element: tag, minimal length, contents. */
export function derEncode(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const lenBytes = n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4;
  const out = new Uint8Array(1 + lenBytes + n);
  out[0] = tag;
  if (lenBytes === 1) out[1] = n;
  else {
    out[1] = 0x80 | (lenBytes - 1);
    for (let i = 0; i < lenBytes - 1; i++) out[2 + i] = (n >>> (8 * (lenBytes - 2 - i))) & 0xff;
  }
  out.set(content, 1 + lenBytes);
  return out;
}
