/**
 * ISO/IEC 7816-4 §5.1 command-response pairs, short length fields only (what AT+CSIM and every UICC
 * speak): case 1 `CLA INS P1 P2`, case 2 `... Le`, case 3 `... Lc data`, case 4 `... Lc data Le`.
 * Le = 256 is written as 00.
 */
import { ApduError } from './errors';

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  /** Expected response length 1..256; undefined for none (cases 1 and 3). */
  le?: number;
}

export interface ResponseApdu {
  data: Uint8Array;
  sw: number;
}

/** The largest short response: 256 data bytes and SW1 SW2. */
export const MAX_RESPONSE = 258;

function byte(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new ApduError(`${what} must be a byte, got ${v}`);
  return v;
}

export function encodeCommand(c: CommandApdu): Uint8Array {
  const data = c.data ?? new Uint8Array(0);
  if (data.length > 255) throw new ApduError(`short APDU data is at most 255 bytes, got ${data.length}`);
  if (c.le !== undefined && (!Number.isInteger(c.le) || c.le < 1 || c.le > 256)) throw new ApduError(`Le must be 1..256, got ${c.le}`);
  const out = new Uint8Array(4 + (data.length ? 1 + data.length : 0) + (c.le !== undefined ? 1 : 0));
  out[0] = byte(c.cla, 'CLA');
  out[1] = byte(c.ins, 'INS');
  out[2] = byte(c.p1, 'P1');
  out[3] = byte(c.p2, 'P2');
  let o = 4;
  if (data.length) {
    out[o++] = data.length;
    out.set(data, o);
    o += data.length;
  }
  if (c.le !== undefined) out[o] = c.le & 0xff;
  return out;
}

/** Decodes a short command APDU (the card side, and tests). */
export function decodeCommand(b: Uint8Array): CommandApdu {
  if (b.length < 4) throw new ApduError(`command APDU needs at least 4 bytes, got ${b.length}`);
  const c: CommandApdu = { cla: b[0], ins: b[1], p1: b[2], p2: b[3] };
  if (b.length === 4) return c;
  if (b.length === 5) {
    c.le = b[4] === 0 ? 256 : b[4];
    return c;
  }
  const lc = b[4];
  if (lc === 0) throw new ApduError('extended length APDUs are not supported');
  if (b.length === 5 + lc) {
    c.data = b.slice(5, 5 + lc);
    return c;
  }
  if (b.length === 6 + lc) {
    c.data = b.slice(5, 5 + lc);
    c.le = b[5 + lc] === 0 ? 256 : b[5 + lc];
    return c;
  }
  throw new ApduError(`command APDU length ${b.length} does not match Lc ${lc}`);
}

export function decodeResponse(b: Uint8Array): ResponseApdu {
  if (!(b instanceof Uint8Array) || b.length < 2) throw new ApduError(`response APDU needs SW1 SW2, got ${b?.length} byte(s)`);
  if (b.length > MAX_RESPONSE) throw new ApduError(`response APDU of ${b.length} bytes exceeds ${MAX_RESPONSE}`);
  return { data: b.slice(0, b.length - 2), sw: (b[b.length - 2] << 8) | b[b.length - 1] };
}

export function encodeResponse(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}

/** Status words (ISO/IEC 7816-4 §5.6, ETSI TS 102 221 §10.2). */
export const SW = Object.freeze({
  OK: 0x9000,
  /** 61xx: xx more bytes available with GET RESPONSE. */
  BYTES_AVAILABLE: 0x61,
  /** 6Cxx: wrong Le, re-issue the command with Le = xx. */
  WRONG_LE: 0x6c,
  /** 91xx: normal ending, a proactive command of xx bytes is pending (TS 102 221 §10.2.1.1). */
  PROACTIVE: 0x91,
  /** 9Fxx: (GSM / TS 51.011 style) xx response bytes available with GET RESPONSE. */
  SIM_BYTES_AVAILABLE: 0x9f,
  /** 92xx / 63Cx and friends are warnings; everything in 64xx-6Fxx is an error. */
  SECURITY_NOT_SATISFIED: 0x6982,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  WRONG_P1P2: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PRECISE_DIAGNOSIS: 0x6f00,
  WRONG_LENGTH: 0x6700,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  WRONG_DATA: 0x6a80,
  /** TS 102 221 §10.2.1.5: 6F00 is also what a card says on a technical problem. */
  BUSY: 0x9300,
});

/** True for 9000 and 91xx (normal ending, possibly with a pending proactive command). */
export function isSuccess(sw: number): boolean {
  return sw === SW.OK || sw >> 8 === SW.PROACTIVE;
}

export function swHex(sw: number): string {
  return sw.toString(16).padStart(4, '0').toUpperCase();
}

/**
 * ISO/IEC 7816-4 §5.4.1 CLA for a logical channel: channels 0-3 in b2b1 of the first interindustry
 * range (0x00), 4-19 in b4-b1 of the further range (0x40, b7 set) per §5.4.1 table 3. `base` keeps its
 * proprietary bit (0x80, GlobalPlatform commands) and secure messaging bit (0x04, SCP03 C-MAC).
 */
export function claForChannel(base: number, channel: number): number {
  if (!Number.isInteger(channel) || channel < 0 || channel > 19) throw new ApduError(`logical channel must be 0..19, got ${channel}`);
  const proprietary = base & 0x80;
  const sm = base & 0x0c ? 0x04 : 0;
  if (channel <= 3) return proprietary | sm | channel;
  // further interindustry: b7 = 1, b6 = secure messaging, b4-b1 = channel - 4
  return proprietary | 0x40 | (sm ? 0x20 : 0) | (channel - 4);
}
