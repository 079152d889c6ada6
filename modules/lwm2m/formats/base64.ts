/** Base64 (RFC 4648): standard alphabet for plain text Opaque, URL-safe for SenML "vd" (RFC 8428 4.3). */
import { Lwm2mFormatError } from '../errors';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function base64Encode(data: Uint8Array, urlSafe = false): string {
  const a = urlSafe ? URL : STD;
  let s = '';
  let i = 0;
  for (; i + 2 < data.length; i += 3) {
    const n = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    s += a[n >> 18] + a[(n >> 12) & 63] + a[(n >> 6) & 63] + a[n & 63];
  }
  const rest = data.length - i;
  if (rest === 1) {
    const n = data[i] << 16;
    s += a[n >> 18] + a[(n >> 12) & 63] + (urlSafe ? '' : '==');
  } else if (rest === 2) {
    const n = (data[i] << 16) | (data[i + 1] << 8);
    s += a[n >> 18] + a[(n >> 12) & 63] + a[(n >> 6) & 63] + (urlSafe ? '' : '=');
  }
  return s;
}

function sextet(c: number): number {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (c === 43 || c === 45) return 62; // '+' or '-'
  if (c === 47 || c === 95) return 63; // '/' or '_'
  return -1;
}

/** Accepts both alphabets, with or without padding; anything else is a format error. */
export function base64Decode(s: string): Uint8Array {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (s.length - end > 2 || (end % 4 === 1)) throw new Lwm2mFormatError('malformed', 'invalid base64 length');
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const v = sextet(s.charCodeAt(i));
    if (v < 0) throw new Lwm2mFormatError('malformed', `invalid base64 character at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}
