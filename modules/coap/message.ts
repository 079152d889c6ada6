/**
 * RFC 7252 §3 message format: the 4-byte header, the token, the options with delta/length nibbles
 * and their 1- and 2-byte extensions (§3.1), and the 0xFF payload marker.
 *
 *   0                   1                   2                   3
 *  |Ver| T |  TKL  |      Code     |          Message ID           |
 *  |   Token (if any, TKL bytes) ...
 *  |   Options (if any) ...
 *  |1 1 1 1 1 1 1 1|    Payload (if any) ...
 *
 * The encoding is canonical (an extended delta or length is only used when the nibble cannot hold
 * it, and 14 starts where 13 ends), so decode then encode gives back the same bytes; the fuzz suite
 * relies on that.
 */
import { ByteWriter } from '../bytes/index';
import { CoapFormatError } from './errors';
import type { MessageType } from './codes';
import type { CoapOption } from './options';

export interface CoapMessage {
  type: MessageType;
  /** class << 5 | detail. */
  code: number;
  messageId: number;
  token: Uint8Array;
  /** In ascending option-number order on the wire; `encode` sorts stably, so repeated options keep their order. */
  options: CoapOption[];
  payload: Uint8Array;
}

export const COAP_VERSION = 1;
export const MAX_TOKEN_LENGTH = 8;
/** Largest option number (16 bits, §3.1); a longer delta chain is a format error. */
export const MAX_OPTION_NUMBER = 0xffff;

const EMPTY_BYTES = new Uint8Array(0);

function fail(code: CoapFormatError['code'], msg: string, header: CoapFormatError['header'] = null): never {
  throw new CoapFormatError(code, msg, header);
}

/**
 * Parses one datagram. Every failure is a CoapFormatError; when the header was readable the error
 * carries it (type, code, message ID) so a CON can be answered with RST (§4.2) and anything else dropped.
 * The returned token, option values and payload are views into `data` (no copies).
 */
export function decodeMessage(data: Uint8Array): CoapMessage {
  if (data.length < 4) fail('truncated', `message of ${data.length} byte(s) is shorter than the 4-byte header`);
  const b0 = data[0];
  const version = b0 >> 6;
  if (version !== COAP_VERSION) fail('version', `unknown CoAP version ${version}`);
  const type = ((b0 >> 4) & 3) as MessageType;
  const tkl = b0 & 15;
  const code = data[1];
  const messageId = (data[2] << 8) | data[3];
  const header = { type, code, messageId };
  // §3: lengths 9-15 are reserved and MUST be processed as a message format error.
  if (tkl > MAX_TOKEN_LENGTH) fail('token-length', `reserved token length ${tkl}`, header);
  const cls = code >> 5;
  // §12.1: classes 1, 6 and 7 are reserved.
  if (cls === 1 || cls === 6 || cls === 7) fail('code-class', `reserved code class ${cls}`, header);
  if (code === 0) {
    // §4.1: an Empty message has no token, options or payload.
    if (data.length !== 4 || tkl !== 0) fail('empty-not-empty', 'Empty message (code 0.00) with token, options or payload', header);
    return { type, code, messageId, token: EMPTY_BYTES, options: [], payload: EMPTY_BYTES };
  }
  if (data.length < 4 + tkl) fail('truncated', `token of ${tkl} byte(s) runs past the end`, header);
  const token = data.subarray(4, 4 + tkl);
  const options: CoapOption[] = [];
  let p = 4 + tkl;
  let number = 0;
  // Each iteration consumes at least one byte, so the loop ends within data.length steps.
  while (p < data.length) {
    const first = data[p++];
    if (first === 0xff) {
      // §3: a marker followed by a zero-length payload MUST be processed as a format error.
      if (p === data.length) fail('payload-marker', 'payload marker with no payload', header);
      return { type, code, messageId, token, options, payload: data.subarray(p) };
    }
    let delta = first >> 4;
    let length = first & 15;
    if (delta === 15) fail('option-delta', 'reserved option delta 15 without a payload marker', header);
    if (length === 15) fail('option-length', 'reserved option length 15', header);
    if (delta === 13) {
      if (p >= data.length) fail('truncated', 'extended option delta runs past the end', header);
      delta = data[p++] + 13;
    } else if (delta === 14) {
      if (p + 2 > data.length) fail('truncated', 'extended option delta runs past the end', header);
      delta = ((data[p] << 8) | data[p + 1]) + 269;
      p += 2;
    }
    if (length === 13) {
      if (p >= data.length) fail('truncated', 'extended option length runs past the end', header);
      length = data[p++] + 13;
    } else if (length === 14) {
      if (p + 2 > data.length) fail('truncated', 'extended option length runs past the end', header);
      length = ((data[p] << 8) | data[p + 1]) + 269;
      p += 2;
    }
    number += delta;
    if (number > MAX_OPTION_NUMBER) fail('option-number', `option number ${number} exceeds 65535`, header);
    if (p + length > data.length) fail('truncated', `option ${number} value of ${length} byte(s) runs past the end`, header);
    options.push({ number, value: data.subarray(p, p + length) });
    p += length;
  }
  return { type, code, messageId, token, options, payload: EMPTY_BYTES };
}

function writeNibbleExt(w: ByteWriter, v: number): void {
  if (v >= 269) w.u16(v - 269);
  else if (v >= 13) w.u8(v - 13);
}
function nibble(v: number): number {
  return v >= 269 ? 14 : v >= 13 ? 13 : v;
}

// The default writer is made on first use, not at load: a preloaded module's buffers are read-only.
let shared: ByteWriter | null = null;

/** Serializes a message; throws CoapFormatError('encode') on values the format cannot carry. */
export function encodeMessage(m: CoapMessage, w: ByteWriter = (shared ??= new ByteWriter(256))): Uint8Array {
  if (m.token.length > MAX_TOKEN_LENGTH) fail('encode', `token of ${m.token.length} bytes is longer than 8`);
  if (m.messageId < 0 || m.messageId > 0xffff) fail('encode', `message ID ${m.messageId} out of range`);
  if (m.code < 0 || m.code > 255) fail('encode', `code ${m.code} out of range`);
  w.reset();
  w.u8((COAP_VERSION << 6) | ((m.type & 3) << 4) | m.token.length);
  w.u8(m.code);
  w.u16(m.messageId);
  w.bytes(m.token);
  // Stable sort by number: repeated options (Uri-Path segments) keep the caller's order.
  const opts = m.options.length > 1 ? sortOptions(m.options) : m.options;
  let prev = 0;
  for (const o of opts) {
    if (o.number < 0 || o.number > MAX_OPTION_NUMBER) fail('encode', `option number ${o.number} out of range`);
    const delta = o.number - prev;
    const len = o.value.length;
    if (len > 0xffff + 269) fail('encode', `option ${o.number} value too long`);
    w.u8((nibble(delta) << 4) | nibble(len));
    writeNibbleExt(w, delta);
    writeNibbleExt(w, len);
    w.bytes(o.value);
    prev = o.number;
  }
  if (m.payload.length > 0) {
    w.u8(0xff);
    w.bytes(m.payload);
  }
  return w.toBytes();
}

function sortOptions(options: readonly CoapOption[]): CoapOption[] {
  let sorted = true;
  for (let i = 1; i < options.length; i++) if (options[i].number < options[i - 1].number) sorted = false;
  if (sorted) return options as CoapOption[];
  // Insertion sort is stable and options lists are short.
  const out = options.slice();
  for (let i = 1; i < out.length; i++) {
    const x = out[i];
    let j = i - 1;
    while (j >= 0 && out[j].number > x.number) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = x;
  }
  return out;
}

/** An Empty message (ACK or RST) for a message ID (§4.1). */
export function emptyMessage(type: MessageType, messageId: number): Uint8Array {
  return Uint8Array.of(0x40 | ((type & 3) << 4), 0, messageId >> 8, messageId & 0xff);
}
