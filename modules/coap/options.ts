/**
 * The option registry (RFC 7252 §5.10 and §12.2, RFC 7641 Observe, RFC 7959 Block1/Block2/Size2,
 * RFC 8613 OSCORE, RFC 9175 Echo/Request-Tag) and the option value formats of §3.2.
 *
 * Critical/unsafe/no-cache-key are properties of the number itself (§5.4.6): bit 0 is critical,
 * bit 1 unsafe, bits 2-4 all ones means NoCacheKey. Only the length limits and repeatability need the table.
 */
import { utf8Decode, utf8Encode } from '../bytes/index';

export const Option = {
  IfMatch: 1,
  UriHost: 3,
  ETag: 4,
  IfNoneMatch: 5,
  Observe: 6,
  UriPort: 7,
  LocationPath: 8,
  OSCORE: 9,
  UriPath: 11,
  ContentFormat: 12,
  MaxAge: 14,
  UriQuery: 15,
  Accept: 17,
  LocationQuery: 20,
  Block2: 23,
  Block1: 27,
  Size2: 28,
  ProxyUri: 35,
  ProxyScheme: 39,
  Size1: 60,
  Echo: 252,
  NoResponse: 258,
  RequestTag: 292,
} as const;
Object.freeze(Option);

export type OptionFormat = 'empty' | 'opaque' | 'uint' | 'string';

export interface OptionDef {
  readonly name: string;
  readonly format: OptionFormat;
  readonly repeatable: boolean;
  readonly minLength: number;
  readonly maxLength: number;
}

function def(name: string, format: OptionFormat, repeatable: boolean, minLength: number, maxLength: number): OptionDef {
  return { name, format, repeatable, minLength, maxLength };
}

const REGISTRY = new Map<number, OptionDef>([
  [Option.IfMatch, def('If-Match', 'opaque', true, 0, 8)],
  [Option.UriHost, def('Uri-Host', 'string', false, 1, 255)],
  [Option.ETag, def('ETag', 'opaque', true, 1, 8)],
  [Option.IfNoneMatch, def('If-None-Match', 'empty', false, 0, 0)],
  [Option.Observe, def('Observe', 'uint', false, 0, 3)],
  [Option.UriPort, def('Uri-Port', 'uint', false, 0, 2)],
  [Option.LocationPath, def('Location-Path', 'string', true, 0, 255)],
  [Option.OSCORE, def('OSCORE', 'opaque', false, 0, 255)],
  [Option.UriPath, def('Uri-Path', 'string', true, 0, 255)],
  [Option.ContentFormat, def('Content-Format', 'uint', false, 0, 2)],
  [Option.MaxAge, def('Max-Age', 'uint', false, 0, 4)],
  [Option.UriQuery, def('Uri-Query', 'string', true, 0, 255)],
  [Option.Accept, def('Accept', 'uint', false, 0, 2)],
  [Option.LocationQuery, def('Location-Query', 'string', true, 0, 255)],
  [Option.Block2, def('Block2', 'uint', false, 0, 3)],
  [Option.Block1, def('Block1', 'uint', false, 0, 3)],
  [Option.Size2, def('Size2', 'uint', false, 0, 4)],
  [Option.ProxyUri, def('Proxy-Uri', 'string', false, 1, 1034)],
  [Option.ProxyScheme, def('Proxy-Scheme', 'string', false, 1, 255)],
  [Option.Size1, def('Size1', 'uint', false, 0, 4)],
  [Option.Echo, def('Echo', 'opaque', false, 1, 40)],
  [Option.NoResponse, def('No-Response', 'uint', false, 0, 1)],
  [Option.RequestTag, def('Request-Tag', 'opaque', true, 0, 8)],
]);

export function optionDef(number: number): OptionDef | undefined {
  return REGISTRY.get(number);
}
export function optionName(number: number): string {
  return REGISTRY.get(number)?.name ?? `Option-${number}`;
}
/** §5.4.1: odd numbers are critical. */
export function isCritical(number: number): boolean {
  return (number & 1) === 1;
}
/** §5.4.2: bit 1 set means Unsafe to forward. */
export function isUnsafe(number: number): boolean {
  return (number & 2) === 2;
}
/** §5.4.6: NoCacheKey when bits 2-4 (0x1c) are all set. */
export function isNoCacheKey(number: number): boolean {
  return (number & 0x1e) === 0x1c;
}

export interface CoapOption {
  number: number;
  value: Uint8Array;
}

/** §3.2 uint: big-endian in the fewest bytes, zero as the empty string. Up to 2^32-1 (the largest any registered option holds). */
export function encodeUint(v: number): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uint option value out of range: ${v}`);
  if (v === 0) return new Uint8Array(0);
  if (v < 0x100) return Uint8Array.of(v);
  if (v < 0x10000) return Uint8Array.of(v >>> 8, v & 0xff);
  if (v < 0x1000000) return Uint8Array.of(v >>> 16, (v >>> 8) & 0xff, v & 0xff);
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** Leading zero bytes are tolerated on receipt (§3.2 says a sender SHOULD NOT send them, not MUST). Longer than 4 bytes is the caller's problem: callers check the registry length first. */
export function decodeUint(b: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < b.length; i++) v = v * 256 + b[i];
  return v;
}

export function uintOption(number: number, v: number): CoapOption {
  return { number, value: encodeUint(v) };
}
export function stringOption(number: number, s: string): CoapOption {
  return { number, value: utf8Encode(s) };
}

export function getOption(options: readonly CoapOption[], number: number): Uint8Array | undefined {
  for (const o of options) if (o.number === number) return o.value;
  return undefined;
}
export function getOptions(options: readonly CoapOption[], number: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const o of options) if (o.number === number) out.push(o.value);
  return out;
}
export function getUint(options: readonly CoapOption[], number: number): number | undefined {
  const v = getOption(options, number);
  return v === undefined ? undefined : decodeUint(v);
}
/** Strings of a repeatable string option (Uri-Path, Uri-Query, Location-Path); invalid UTF-8 yields null. */
export function getStrings(options: readonly CoapOption[], number: number): string[] | null {
  const out: string[] = [];
  for (const o of options) {
    if (o.number !== number) continue;
    try {
      out.push(utf8Decode(o.value));
    } catch {
      return null;
    }
  }
  return out;
}
export function withoutOption(options: readonly CoapOption[], ...numbers: number[]): CoapOption[] {
  return options.filter((o) => numbers.indexOf(o.number) < 0);
}

/**
 * Finds the first option this endpoint must treat as unrecognized and critical (§5.4.1, §5.4.3):
 * an unknown critical number, a known one with an out-of-range length, or a non-repeatable one
 * repeated. Returns its number, or -1 when the set is acceptable. Elective problems are ignored
 * (the caller simply does not act on those options).
 */
export function firstBadCriticalOption(options: readonly CoapOption[], extraKnown?: (n: number) => boolean): number {
  let prev = -1;
  for (const o of options) {
    const d = REGISTRY.get(o.number);
    const bad = d
      ? o.value.length < d.minLength || o.value.length > d.maxLength || (!d.repeatable && o.number === prev)
      : !(extraKnown && extraKnown(o.number));
    if (bad && isCritical(o.number)) return o.number;
    prev = o.number;
  }
  return -1;
}

/** Splits "/a/b" or ["a","b"] into Uri-Path options; "" and "/" are the root (no Uri-Path). */
export function pathOptions(path: string | readonly string[] | undefined): CoapOption[] {
  if (path === undefined) return [];
  const segs = typeof path === 'string' ? path.split('/').filter((s, i, a) => !(s === '' && (i === 0 || i === a.length - 1))) : path;
  return segs.map((s) => stringOption(Option.UriPath, s));
}
