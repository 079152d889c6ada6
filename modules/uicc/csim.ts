/**
 * 3GPP TS 27.007 §8.17 Generic SIM access, the text of AT+CSIM, as a pure pair any AT engine can use:
 * `AT+CSIM=<length>,"<command>"` and `+CSIM: <length>,"<response>"`, where <length> counts the
 * hexadecimal characters (twice the byte count) and the hex is the whole APDU (response: data + SW).
 */
import { ApduError } from './errors';
import { MAX_RESPONSE } from './apdu';

const HEX = '0123456789ABCDEF';

function hexUpper(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i] >> 4] + HEX[b[i] & 15];
  return s;
}

/** The command line (without the trailing CR) for a command APDU. */
export function encodeCsimCommand(apdu: Uint8Array): string {
  if (!(apdu instanceof Uint8Array) || apdu.length < 4 || apdu.length > 261) throw new ApduError(`AT+CSIM command APDU must be 4..261 bytes, got ${apdu?.length}`);
  return `AT+CSIM=${apdu.length * 2},"${hexUpper(apdu)}"`;
}

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Parses the information response `+CSIM: <length>,"<hex>"` (quotes optional, as some modems omit
 * them) into the response APDU bytes. The length must match the hex; at least SW1 SW2 must be there.
 */
export function parseCsimResponse(line: string): Uint8Array {
  if (typeof line !== 'string' || line.length > 16 + MAX_RESPONSE * 2) throw new ApduError('+CSIM response line missing or too long');
  const m = /^\+CSIM:\s*(\d{1,4})\s*,\s*("?)([0-9A-Fa-f]*)\2\s*$/.exec(line);
  if (!m) throw new ApduError('not a +CSIM: <length>,"<hex>" response');
  const n = Number(m[1]);
  const hex = m[3];
  if (n !== hex.length) throw new ApduError(`+CSIM length ${n} does not match ${hex.length} hex characters`);
  if (hex.length % 2 !== 0 || hex.length < 4) throw new ApduError('+CSIM response must be whole bytes including SW1 SW2');
  if (hex.length > MAX_RESPONSE * 2) throw new ApduError('+CSIM response longer than a short response APDU');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** The card side of the same pair (modem simulators): parses `AT+CSIM=<len>,"<hex>"`. */
export function parseCsimCommand(line: string): Uint8Array {
  const m = /^AT\+CSIM=(\d{1,4}),"([0-9A-Fa-f]*)"$/i.exec(typeof line === 'string' ? line.trim() : '');
  if (!m) throw new ApduError('not an AT+CSIM=<length>,"<hex>" command');
  if (Number(m[1]) !== m[2].length || m[2].length % 2 !== 0 || m[2].length < 8 || m[2].length > 522) throw new ApduError('AT+CSIM length does not match the command');
  const out = new Uint8Array(m[2].length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (nibble(m[2].charCodeAt(2 * i)) << 4) | nibble(m[2].charCodeAt(2 * i + 1));
  return out;
}

/** `+CSIM: <len>,"<hex>"` for a response APDU (modem simulators). */
export function encodeCsimResponse(response: Uint8Array): string {
  return `+CSIM: ${response.length * 2},"${hexUpper(response)}"`;
}
