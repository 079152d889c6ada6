/**
 * 3GPP TS 27.007 §8.18 Restricted SIM access, the text of AT+CRSM, as pure functions, and the few
 * reads it is simpler for: the modem selects the file itself (by file id, and by path from the MF when
 * <pathid> is given) and runs the transport procedures (61xx / 6Cxx), so one line reads EF ICCID
 * without opening a channel. It cannot carry secure messaging or logical channels: the SCP03 reads and
 * the card-terminated SMS stay on AT+CSIM (csim.ts).
 *
 *   AT+CRSM=<command>[,<fileid>[,<P1>,<P2>,<P3>[,<data>[,<pathid>]]]]
 *   +CRSM: <sw1>,<sw2>[,<response>]
 *
 * <command>: 176 READ BINARY, 178 READ RECORD, 192 GET RESPONSE, 214 UPDATE BINARY, 220 UPDATE RECORD,
 * 242 STATUS (203 RETRIEVE DATA / 219 SET DATA are not used). <fileid> is decimal (12258 = 2FE2).
 * <data> and <response> are hexadecimal strings; <pathid> is the path of DFs from the MF, hex
 * (TS 102 221 "select by path from MF", e.g. "7F50"), without the file id itself.
 */
import { AtError } from '../modem/errors';
import { SW, swHex } from './apdu';
import { ApduError } from './errors';
import { decodeIccid, parseFcp, type FileControl } from './files';

export const CrsmCommand = Object.freeze({
  READ_BINARY: 176,
  READ_RECORD: 178,
  GET_RESPONSE: 192,
  UPDATE_BINARY: 214,
  UPDATE_RECORD: 220,
  STATUS: 242,
});
const COMMANDS: readonly number[] = Object.freeze([176, 178, 192, 214, 220, 242]);

export interface CrsmRequest {
  command: number;
  /** The EF (or DF) file id; absent only for STATUS. */
  fileId?: number;
  p1?: number;
  p2?: number;
  p3?: number;
  /** UPDATE data (at most 255 bytes). */
  data?: Uint8Array;
  /** DF path from the MF, 2-byte file ids (e.g. 7F 50), without 3F00 being required. */
  path?: Uint8Array;
}

export interface CrsmResult {
  sw: number;
  data: Uint8Array;
}

/** Longest +CRSM line we parse: 256 data bytes as hex plus "+CRSM: 255,255," and quotes. */
const MAX_LINE = 16 + 512 + 4;

const HEX = '0123456789ABCDEF';
function hexUpper(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i] >> 4] + HEX[b[i] & 15];
  return s;
}
function unhex(h: string, what: string): Uint8Array {
  if (h.length % 2 !== 0) throw new ApduError(`${what}: odd number of hex characters`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = parseInt(h.substr(2 * i, 2), 16);
    out[i] = v;
  }
  return out;
}
const byte = (v: number | undefined, what: string): number => {
  const n = v ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new ApduError(`AT+CRSM ${what} must be 0..255`);
  return n;
};

/** The command line (without CR) for a restricted access request. */
export function encodeCrsmCommand(r: CrsmRequest): string {
  if (!COMMANDS.includes(r.command)) throw new ApduError(`AT+CRSM command ${r.command} is not supported`);
  if (r.command === CrsmCommand.STATUS && r.fileId === undefined) return `AT+CRSM=${r.command}`;
  if (r.fileId === undefined || !Number.isInteger(r.fileId) || r.fileId < 0 || r.fileId > 0xffff) throw new ApduError('AT+CRSM needs a file id 0..65535');
  let s = `AT+CRSM=${r.command},${r.fileId},${byte(r.p1, 'P1')},${byte(r.p2, 'P2')},${byte(r.p3, 'P3')}`;
  if (r.data && r.data.length > 255) throw new ApduError('AT+CRSM data longer than 255 bytes');
  if (r.path && (r.path.length === 0 || r.path.length % 2 !== 0 || r.path.length > 16)) throw new ApduError('AT+CRSM path must be 1..8 file ids');
  if (r.data || r.path) s += `,${r.data && r.data.length ? `"${hexUpper(r.data)}"` : ''}`;
  if (r.path) s += `,"${hexUpper(r.path)}"`;
  return s;
}

/** Parses `+CRSM: <sw1>,<sw2>[,<response>]` (quotes around the hex optional, as modems differ). */
export function parseCrsmResponse(line: string): CrsmResult {
  if (typeof line !== 'string' || line.length > MAX_LINE) throw new ApduError('+CRSM response line missing or too long');
  const m = /^\+CRSM:\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*("?)([0-9A-Fa-f]*)\3)?\s*$/.exec(line);
  if (!m) throw new ApduError('not a +CRSM: <sw1>,<sw2>[,<response>] line');
  const sw1 = Number(m[1]);
  const sw2 = Number(m[2]);
  if (sw1 > 255 || sw2 > 255) throw new ApduError('+CRSM status word out of range');
  const hex = m[4] ?? '';
  if (hex.length > 512) throw new ApduError('+CRSM response longer than 256 bytes');
  return { sw: (sw1 << 8) | sw2, data: unhex(hex, '+CRSM response') };
}

/** The card side (modem simulators): parses an AT+CRSM command line. */
export function parseCrsmCommand(line: string): CrsmRequest {
  const m = /^AT\+CRSM=(\d{1,3})(?:,(\d{1,5})(?:,(\d{1,3}),(\d{1,3}),(\d{1,3})(?:,"?([0-9A-Fa-f]{0,510})"?(?:,"?([0-9A-Fa-f]{0,32})"?)?)?)?)?$/i.exec(
    typeof line === 'string' ? line.trim() : '',
  );
  if (!m) throw new ApduError('not an AT+CRSM=<command>[,<fileid>[,<P1>,<P2>,<P3>[,<data>[,<pathid>]]]] command');
  const command = Number(m[1]);
  if (!COMMANDS.includes(command)) throw new ApduError(`AT+CRSM command ${command} is not supported`);
  const r: CrsmRequest = { command };
  if (m[2] !== undefined) {
    r.fileId = Number(m[2]);
    if (r.fileId > 0xffff) throw new ApduError('AT+CRSM file id out of range');
  } else if (command !== CrsmCommand.STATUS) throw new ApduError('AT+CRSM needs a file id');
  if (m[3] !== undefined) {
    r.p1 = byte(Number(m[3]), 'P1');
    r.p2 = byte(Number(m[4]), 'P2');
    r.p3 = byte(Number(m[5]), 'P3');
  }
  if (m[6]) r.data = unhex(m[6], 'AT+CRSM data');
  if (m[7]) {
    r.path = unhex(m[7], 'AT+CRSM path');
    if (r.path.length % 2 !== 0) throw new ApduError('AT+CRSM path must be whole file ids');
  }
  return r;
}

/** `+CRSM: <sw1>,<sw2>[,"<hex>"]` (modem simulators). */
export function encodeCrsmResponse(sw: number, data: Uint8Array): string {
  return `+CRSM: ${sw >> 8},${sw & 0xff}${data.length ? `,"${hexUpper(data)}"` : ''}`;
}

/** What a modem must offer for restricted access (modules/modem `Modem.crsm`). */
export interface CrsmModem {
  crsm(request: CrsmRequest): Promise<CrsmResult>;
}

async function ok(modem: CrsmModem, r: CrsmRequest, what: string): Promise<Uint8Array> {
  let res: CrsmResult;
  try {
    res = await modem.crsm(r);
  } catch (e) {
    // ERROR, +CME ERROR (no card: 10), timeout, a malformed +CRSM line: this folder's typed error
    if (e instanceof AtError) throw new ApduError(`AT+CRSM failed (${e.code}): ${e.message}`);
    throw e;
  }
  if (res.sw !== SW.OK && res.sw >> 8 !== SW.PROACTIVE) throw new ApduError(`${what}: card answered ${swHex(res.sw)}`, res.sw);
  return res.data;
}

/** EF ICCID (2FE2 under the MF, TS 102 221 §13.2) in one AT+CRSM READ BINARY. */
export async function readIccidCrsm(modem: CrsmModem): Promise<string> {
  return decodeIccid(await ok(modem, { command: CrsmCommand.READ_BINARY, fileId: 0x2fe2, p1: 0, p2: 0, p3: 10 }, 'READ BINARY EF ICCID'));
}

/** GET RESPONSE: the FCP of a file (the modem selected it), parsed with files.ts parseFcp. */
export async function fileControlCrsm(modem: CrsmModem, fileId: number, path?: Uint8Array): Promise<FileControl> {
  return parseFcp(await ok(modem, { command: CrsmCommand.GET_RESPONSE, fileId, p1: 0, p2: 0, p3: 0, path }, 'GET RESPONSE'));
}

/** READ BINARY of at most 255 bytes at `offset` (one AT+CRSM; P1 P2 = offset, P3 = length). */
export async function readBinaryCrsm(modem: CrsmModem, fileId: number, length: number, offset = 0, path?: Uint8Array): Promise<Uint8Array> {
  if (!Number.isInteger(offset) || offset < 0 || offset > 0x7fff) throw new ApduError('READ BINARY offset out of range');
  return ok(modem, { command: CrsmCommand.READ_BINARY, fileId, p1: offset >> 8, p2: offset & 0xff, p3: byte(length, 'length'), path }, 'READ BINARY');
}

/** READ RECORD `n` (absolute mode, P2 = 04) of `length` bytes. */
export async function readRecordCrsm(modem: CrsmModem, fileId: number, n: number, length: number, path?: Uint8Array): Promise<Uint8Array> {
  return ok(modem, { command: CrsmCommand.READ_RECORD, fileId, p1: byte(n, 'record number'), p2: 0x04, p3: byte(length, 'length'), path }, 'READ RECORD');
}

/** STATUS: the FCP of the current DF (TS 102 221 §11.1.2). */
export async function statusCrsm(modem: CrsmModem): Promise<FileControl> {
  return parseFcp(await ok(modem, { command: CrsmCommand.STATUS }, 'STATUS'));
}
