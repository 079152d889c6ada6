/**
 * The small CBOR subset (RFC 8949) SenML CBOR needs: unsigned/negative integers, byte and text
 * strings, arrays, maps, false/true/null, half/single/double floats. Definite lengths only on
 * output; indefinite lengths and tags are refused on input (SenML never needs them).
 */
import { ByteReader, ByteWriter, utf8Decode, utf8Encode } from '../../bytes/index';
import { Lwm2mFormatError, truncatedError } from '../errors';

export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | Map<CborValue, CborValue>;

export interface CborLimits {
  maxDepth: number;
  maxItems: number;
}

function head(w: ByteWriter, major: number, n: number): void {
  const m = major << 5;
  if (n < 24) w.u8(m | n);
  else if (n < 0x100) w.u8(m | 24).u8(n);
  else if (n < 0x10000) w.u8(m | 25).u16(n);
  else if (n <= 0xffffffff) w.u8(m | 26).u32(n);
  else w.u8(m | 27).u32(Math.floor(n / 0x100000000)).u32(n % 0x100000000);
}

export function encodeCbor(v: CborValue, w = new ByteWriter(128)): ByteWriter {
  if (v === null) w.u8(0xf6);
  else if (v === false) w.u8(0xf4);
  else if (v === true) w.u8(0xf5);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) {
      if (v >= 0) head(w, 0, v);
      else head(w, 1, -1 - v);
    } else if (Math.fround(v) === v || !Number.isFinite(v)) {
      // Single precision when it is exact: smaller on the wire, same value.
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, v);
      w.u8(0xfa).bytes(b);
    } else {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v);
      w.u8(0xfb).bytes(b);
    }
  } else if (typeof v === 'string') {
    const b = utf8Encode(v);
    head(w, 3, b.length);
    w.bytes(b);
  } else if (v instanceof Uint8Array) {
    head(w, 2, v.length);
    w.bytes(v);
  } else if (Array.isArray(v)) {
    head(w, 4, v.length);
    for (const x of v) encodeCbor(x, w);
  } else {
    head(w, 5, v.size);
    for (const [k, x] of v) {
      encodeCbor(k, w);
      encodeCbor(x, w);
    }
  }
  return w;
}

function halfToNumber(h: number): number {
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  const s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

export function decodeCbor(data: Uint8Array, limits: CborLimits): CborValue {
  const r = new ByteReader(data, truncatedError);
  let items = 0;
  const item = (depth: number): CborValue => {
    if (depth > limits.maxDepth) throw new Lwm2mFormatError('too-deep', 'CBOR nesting too deep');
    if (++items > limits.maxItems) throw new Lwm2mFormatError('too-large', 'too many CBOR items');
    const ib = r.u8('CBOR head');
    const major = ib >> 5;
    const ai = ib & 31;
    if (major === 7) {
      if (ai === 20) return false;
      if (ai === 21) return true;
      if (ai === 22) return null;
      if (ai === 25) return halfToNumber(r.u16('half float'));
      if (ai === 26) return new DataView(r.bytes(4, 'float').slice().buffer).getFloat32(0);
      if (ai === 27) return new DataView(r.bytes(8, 'double').slice().buffer).getFloat64(0);
      throw new Lwm2mFormatError('unsupported', 'unsupported CBOR simple value');
    }
    let n: number;
    if (ai < 24) n = ai;
    else if (ai === 24) n = r.u8('CBOR argument');
    else if (ai === 25) n = r.u16('CBOR argument');
    else if (ai === 26) n = r.u32('CBOR argument');
    else if (ai === 27) {
      const hi = r.u32('CBOR argument');
      const lo = r.u32('CBOR argument');
      if (hi > 0x1fffff) throw new Lwm2mFormatError('out-of-range', 'CBOR integer beyond 2^53');
      n = hi * 0x100000000 + lo;
    } else throw new Lwm2mFormatError('unsupported', 'indefinite lengths are not accepted');
    switch (major) {
      case 0:
        return n;
      case 1:
        return -1 - n;
      case 2:
        return r.bytes(n, 'CBOR byte string').slice();
      case 3:
        try {
          return utf8Decode(r.bytes(n, 'CBOR text string'));
        } catch (e) {
          if (e instanceof Lwm2mFormatError) throw e;
          throw new Lwm2mFormatError('malformed', 'CBOR text is not valid UTF-8');
        }
      case 4: {
        // Each element takes at least one byte: a count larger than what is left is a lie.
        if (n > r.remaining) throw new Lwm2mFormatError('truncated', 'CBOR array longer than the payload');
        const a: CborValue[] = [];
        for (let i = 0; i < n; i++) a.push(item(depth + 1));
        return a;
      }
      case 5: {
        if (n * 2 > r.remaining) throw new Lwm2mFormatError('truncated', 'CBOR map longer than the payload');
        const m = new Map<CborValue, CborValue>();
        for (let i = 0; i < n; i++) {
          const k = item(depth + 1);
          m.set(k, item(depth + 1));
        }
        return m;
      }
      default:
        throw new Lwm2mFormatError('unsupported', 'CBOR tags are not accepted');
    }
  };
  const v = item(0);
  if (r.remaining) throw new Lwm2mFormatError('malformed', 'trailing bytes after CBOR item');
  return v;
}
