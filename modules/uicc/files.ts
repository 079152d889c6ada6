/**
 * File access on a UICC (ETSI TS 102 221 §11.1, ISO/IEC 7816-4 §11.2-§11.3): SELECT by DF name (AID)
 * and by path from the MF, READ BINARY in chunks up to a cap, READ RECORD, and the FCP template
 * (TS 102 221 §11.1.1.3) fields needed to size a read.
 */
import { concat } from '../bytes/index';
import { SW, swHex, type CommandApdu } from './apdu';
import { findTag, parseOne } from './ber-tlv';
import { ApduError, BerTlvError } from './errors';

/** Something that sends a plain command and returns plain data + SW: a CardChannel, or an SCP03 session. */
export interface CommandSender {
  transmit(c: CommandApdu): Promise<{ data: Uint8Array; sw: number }>;
}

export interface FileControl {
  /** File size (tag 80) for transparent EFs. */
  size?: number;
  /** File descriptor byte (tag 82, first byte): 0x01 transparent, 0x02 linear fixed, 0x06 cyclic, 0x38 DF. */
  descriptor?: number;
  recordLength?: number;
  records?: number;
  fileId?: number;
}

/** Parses an FCP template (tag 62). Unknown tags are ignored. */
export function parseFcp(data: Uint8Array): FileControl {
  if (data.length === 0) return {};
  let t;
  try {
    t = parseOne(data, { maxDepth: 3, maxElements: 64, maxLength: 1024 });
  } catch (e) {
    if (e instanceof BerTlvError) throw new ApduError(`FCP does not parse: ${e.message}`);
    throw e;
  }
  if (t.tag !== 0x62) throw new ApduError(`expected an FCP template (62), got ${t.tag.toString(16)}`);
  const fc: FileControl = {};
  const size = findTag(t.children, 0x80);
  if (size && size.value.length >= 1 && size.value.length <= 4) fc.size = size.value.reduce((a, b) => a * 256 + b, 0);
  const fd = findTag(t.children, 0x82);
  if (fd && fd.value.length >= 1) {
    fc.descriptor = fd.value[0];
    if (fd.value.length >= 5) {
      fc.recordLength = (fd.value[2] << 8) | fd.value[3];
      fc.records = fd.value[4];
    }
  }
  const fid = findTag(t.children, 0x83);
  if (fid && fid.value.length === 2) fc.fileId = (fid.value[0] << 8) | fid.value[1];
  return fc;
}

/** Largest file this terminal will read. */
export const MAX_FILE = 8192;
/** READ BINARY chunk: 223 keeps an R-ENC padded block plus R-MAC inside one 256-byte response. */
const CHUNK = 223;

async function ok(s: CommandSender, c: CommandApdu, what: string): Promise<Uint8Array> {
  const r = await s.transmit(c);
  if (r.sw !== SW.OK && r.sw >> 8 !== SW.PROACTIVE) throw new ApduError(`${what}: card answered ${swHex(r.sw)}`, r.sw);
  return r.data;
}

/** SELECT by DF name (P1 04), returning the FCP (P2 04). */
export async function selectAid(s: CommandSender, aid: Uint8Array): Promise<FileControl> {
  if (aid.length < 5 || aid.length > 16) throw new ApduError(`AID must be 5..16 bytes, got ${aid.length}`);
  return parseFcp(await ok(s, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x04, data: aid, le: 256 }, 'SELECT AID'));
}

/** SELECT by path from the MF (P1 08; path without 3F00) or from the current DF (P1 09). */
export async function selectPath(s: CommandSender, path: Uint8Array, fromMf = true): Promise<FileControl> {
  if (path.length < 2 || path.length % 2 !== 0 || path.length > 16) throw new ApduError('path must be 1..8 file identifiers');
  return parseFcp(await ok(s, { cla: 0x00, ins: 0xa4, p1: fromMf ? 0x08 : 0x09, p2: 0x04, data: path, le: 256 }, 'SELECT path'));
}

/** READ BINARY of the current EF: `length` bytes from `offset`, in chunks; stops early at end of file (6B00 / short read). */
export async function readBinary(s: CommandSender, length: number, offset = 0): Promise<Uint8Array> {
  if (!Number.isInteger(length) || length < 0 || length > MAX_FILE) throw new ApduError(`READ BINARY of ${length} bytes exceeds ${MAX_FILE}`);
  if (!Number.isInteger(offset) || offset < 0 || offset + length > 0x7fff) throw new ApduError('READ BINARY offset out of range');
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < length) {
    const n = Math.min(CHUNK, length - got);
    const at = offset + got;
    const data = await ok(s, { cla: 0x00, ins: 0xb0, p1: at >> 8, p2: at & 0xff, le: n }, 'READ BINARY');
    if (data.length === 0 || data.length > n) throw new ApduError(`READ BINARY returned ${data.length} bytes for ${n}`);
    parts.push(data);
    got += data.length;
  }
  return concat(...parts);
}

/** READ RECORD `n` (1-based, absolute mode P2 04) of the current EF. */
export async function readRecord(s: CommandSender, n: number, length?: number): Promise<Uint8Array> {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new ApduError(`record number ${n} out of range`);
  return ok(s, { cla: 0x00, ins: 0xb2, p1: n, p2: 0x04, le: length ?? 256 }, 'READ RECORD');
}

/** UPDATE RECORD `n` (absolute mode) of the current EF. */
export async function updateRecord(s: CommandSender, n: number, data: Uint8Array): Promise<{ data: Uint8Array; sw: number }> {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new ApduError(`record number ${n} out of range`);
  if (data.length < 1 || data.length > 255) throw new ApduError('record must be 1..255 bytes');
  const r = await s.transmit({ cla: 0x00, ins: 0xdc, p1: n, p2: 0x04, data });
  if (r.sw !== SW.OK && r.sw >> 8 !== SW.PROACTIVE) throw new ApduError(`UPDATE RECORD: card answered ${swHex(r.sw)}`, r.sw);
  return r;
}

/**
 * EF ICCID (TS 102 221 §13.2, path 2FE2 under the MF): 10 bytes of swapped BCD. Returned as the digit
 * string, filler F dropped.
 */
export function decodeIccid(b: Uint8Array): string {
  if (b.length !== 10) throw new ApduError(`EF ICCID must be 10 bytes, got ${b.length}`);
  let s = '';
  for (const x of b) {
    for (const d of [x & 15, x >> 4]) {
      if (d === 15) continue;
      if (d > 9) throw new ApduError('EF ICCID holds a non-decimal digit');
      s += String(d);
    }
  }
  return s;
}

export function encodeIccid(digits: string): Uint8Array {
  if (!/^[0-9]{1,20}$/.test(digits)) throw new ApduError('ICCID must be up to 20 digits');
  const out = new Uint8Array(10).fill(0xff);
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    const k = i >> 1;
    out[k] = i & 1 ? (out[k] & 0x0f) | (d << 4) : (out[k] & 0xf0) | d;
  }
  return out;
}

/** Adapts a CardChannel (plain, no secure messaging) to CommandSender. */
export function plainSender(ch: { send(c: CommandApdu): Promise<{ data: Uint8Array; sw: number }> }): CommandSender {
  return { transmit: (c) => ch.send(c) };
}
