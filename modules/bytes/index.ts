/**
 * Byte helpers shared by every protocol module. Host-neutral: no Buffer, no TextEncoder.
 */

/** Thrown by the bytes helpers themselves (bad hex, out-of-range integers). */
export class BytesError extends Error {
  override name = 'BytesError';
  constructor(message: string) {
    super(message);
  }
}

const HEX = '0123456789abcdef';

export function toHex(data: Uint8Array): string {
  let s = '';
  for (let i = 0; i < data.length; i++) s += HEX[data[i] >> 4] + HEX[data[i] & 15];
  return s;
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses hex; white space is ignored so that vectors can be pasted as printed in specs. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0) throw new BytesError('hex string has an odd number of digits');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(clean.charCodeAt(2 * i));
    const lo = hexNibble(clean.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new BytesError(`invalid hex digit near position ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Compares in time that depends only on the lengths, never on where the first difference is.
 * Use it for MACs, tags, cookies and anything else an attacker may probe byte by byte.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Overwrites secrets in place. Accepts several arrays and ignores undefined so callers can wipe in finally blocks. */
export function wipe(...arrays: (Uint8Array | undefined | null)[]): void {
  // An empty array holds no secret, and may be a preloaded constant (read-only on a Moddable device, where even a
  // zero-length fill throws): leave it alone.
  for (const a of arrays) if (a && a.length > 0) a.fill(0);
}

export function xorInto(target: Uint8Array, src: Uint8Array, targetOffset = 0): void {
  for (let i = 0; i < src.length; i++) target[targetOffset + i] ^= src[i];
}

/**
 * UTF-8 encoding as WHATWG TextEncoder does it: a lone surrogate (not valid Unicode) becomes U+FFFD,
 * so the output is always valid UTF-8 that {@link utf8Decode} accepts.
 */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Strict UTF-8 decoding: overlong forms, surrogates and truncated sequences are errors, not U+FFFD. */
export function utf8Decode(data: Uint8Array): string {
  let s = '';
  let i = 0;
  while (i < data.length) {
    const b = data[i];
    let cp: number;
    let need: number;
    let min: number;
    if (b < 0x80) {
      s += String.fromCharCode(b);
      i++;
      continue;
    } else if ((b & 0xe0) === 0xc0) {
      cp = b & 0x1f; need = 1; min = 0x80;
    } else if ((b & 0xf0) === 0xe0) {
      cp = b & 0x0f; need = 2; min = 0x800;
    } else if ((b & 0xf8) === 0xf0) {
      cp = b & 0x07; need = 3; min = 0x10000;
    } else throw new BytesError(`invalid UTF-8 lead byte at offset ${i}`);
    if (i + need >= data.length) throw new BytesError('truncated UTF-8 sequence');
    for (let k = 1; k <= need; k++) {
      const c = data[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) throw new BytesError(`invalid UTF-8 continuation at offset ${i + k}`);
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new BytesError(`invalid UTF-8 code point at offset ${i}`);
    s += String.fromCodePoint(cp);
    i += need + 1;
  }
  return s;
}

export type ErrorFactory = (message: string) => Error;

/**
 * Bounds-checked reader over untrusted bytes. Every read past the end throws the caller's own
 * typed error, so a parser built on it can only fail in the way its module documents.
 */
export class ByteReader {
  offset = 0;
  constructor(
    readonly data: Uint8Array,
    private readonly makeError: ErrorFactory = (m) => new BytesError(m),
  ) {}

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(n: number, what: string): void {
    // Integer check too: NaN or a fraction would slip past the comparison and derail the offset.
    if (!Number.isInteger(n) || n < 0 || this.offset + n > this.data.length) {
      throw this.makeError(`truncated: ${what} needs ${n} byte(s) at offset ${this.offset}, ${this.remaining} left`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.data[this.offset++];
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const d = this.data, o = this.offset;
    this.offset += 2;
    return (d[o] << 8) | d[o + 1];
  }
  u24(what = 'u24'): number {
    this.need(3, what);
    const d = this.data, o = this.offset;
    this.offset += 3;
    return (d[o] << 16) | (d[o + 1] << 8) | d[o + 2];
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const d = this.data, o = this.offset;
    this.offset += 4;
    return ((d[o] << 24) >>> 0) + ((d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]);
  }
  u48(what = 'u48'): number {
    const hi = this.u16(what);
    return hi * 0x100000000 + this.u32(what);
  }
  /** A view into the underlying data (no copy). */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  /** Opaque vector with a 1, 2 or 3 byte length prefix, as TLS writes them. */
  vector(lengthBytes: 1 | 2 | 3, what = 'vector', max = Infinity): Uint8Array {
    const n = lengthBytes === 1 ? this.u8(what) : lengthBytes === 2 ? this.u16(what) : this.u24(what);
    if (n > max) throw this.makeError(`${what} length ${n} exceeds the limit of ${max}`);
    return this.bytes(n, what);
  }
  rest(): Uint8Array {
    return this.bytes(this.remaining, 'rest');
  }
  expectEnd(what = 'message'): void {
    if (this.remaining !== 0) throw this.makeError(`${this.remaining} unexpected trailing byte(s) after ${what}`);
  }
}

/** Growable writer; reuse one per connection to avoid allocations on hot paths. */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;
  constructor(initial = 256) {
    if (!Number.isInteger(initial) || initial < 0) throw new BytesError(`bad initial ByteWriter size ${initial}`);
    this.buf = new Uint8Array(initial);
  }
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    if (!Number.isInteger(n) || n < 0) throw new BytesError(`cannot reserve ${n} bytes`);
    let size = Math.max(16, this.buf.length * 2);
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf.fill(0);
    this.buf = next;
  }
  reset(): this {
    this.length = 0;
    return this;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u24(v: number): this {
    this.ensure(3);
    this.buf[this.length++] = (v >>> 16) & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf[this.length++] = (v >>> 24) & 0xff;
    this.buf[this.length++] = (v >>> 16) & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u48(v: number): this {
    this.u16(Math.floor(v / 0x100000000));
    return this.u32(v % 0x100000000);
  }
  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
    return this;
  }
  vector(lengthBytes: 1 | 2 | 3, data: Uint8Array): this {
    const max = lengthBytes === 1 ? 0xff : lengthBytes === 2 ? 0xffff : 0xffffff;
    if (data.length > max) throw new BytesError(`vector of ${data.length} bytes does not fit a ${lengthBytes}-byte length`);
    if (lengthBytes === 1) this.u8(data.length);
    else if (lengthBytes === 2) this.u16(data.length);
    else this.u24(data.length);
    return this.bytes(data);
  }
  /** Reserves space for a length field to be filled by {@link patchU16}/{@link patchU24} later. */
  skip(n: number): number {
    this.ensure(n);
    const at = this.length;
    this.length += n;
    return at;
  }
  private checkPatch(at: number, n: number): void {
    if (!Number.isInteger(at) || at < 0 || at + n > this.length) throw new BytesError(`patch of ${n} byte(s) at ${at} is outside the ${this.length} written`);
  }
  patchU8(at: number, v: number): void {
    this.checkPatch(at, 1);
    this.buf[at] = v & 0xff;
  }
  patchU16(at: number, v: number): void {
    this.checkPatch(at, 2);
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }
  patchU24(at: number, v: number): void {
    this.checkPatch(at, 3);
    this.buf[at] = (v >>> 16) & 0xff;
    this.buf[at + 1] = (v >>> 8) & 0xff;
    this.buf[at + 2] = v & 0xff;
  }
  /** A copy of what was written. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
  /** A view (valid until the next write or reset). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
  /** Zeroes the backing buffer; call when it held secrets. */
  wipe(): void {
    this.buf.fill(0);
    this.length = 0;
  }
}

export function readU16(d: Uint8Array, o: number): number {
  return (d[o] << 8) | d[o + 1];
}
export function writeU16(d: Uint8Array, o: number, v: number): void {
  d[o] = (v >>> 8) & 0xff;
  d[o + 1] = v & 0xff;
}
export function readU32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) >>> 0) + ((d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]);
}
export function writeU32(d: Uint8Array, o: number, v: number): void {
  d[o] = (v >>> 24) & 0xff;
  d[o + 1] = (v >>> 16) & 0xff;
  d[o + 2] = (v >>> 8) & 0xff;
  d[o + 3] = v & 0xff;
}
