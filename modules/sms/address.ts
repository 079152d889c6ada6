/**
 * TS 23.040 §9.1.2.5 addresses (TP-OA, TP-DA, TP-RA) and the TS 24.011 §8.2.5.2 RP address that
 * AT+CMGR / +CMT PDUs put in front of the TPDU (TS 27.005 §3.1 <pdu>).
 */
import type { ByteReader } from '../bytes/index';
import { SmsFormatError } from './errors';
import { packSeptets, septetsToText, textToSeptets, unpackSeptets } from './gsm7';

/** Type of number, bits 7..5 of the type-of-address octet. */
export const TON = { unknown: 0, international: 1, national: 2, network: 3, subscriber: 4, alphanumeric: 5, abbreviated: 6 } as const;
Object.freeze(TON);

export interface SmsAddress {
  /** Type of number (TON above). */
  ton: number;
  /** Numbering plan identification (1 = ISDN/E.164). */
  npi: number;
  /** Digits (0-9 * # a b c) for numeric addresses, text for alphanumeric ones; no '+'. */
  value: string;
}

// TP addresses are 2..12 octets (§9.1.2.5): at most 20 digits, or 10 octets of packed text.
const MAX_TP_SEMI_OCTETS = 20;
// The RP-address of an SMSC is at most 11 octets (TS 24.011 §8.2.5.2): 1 type + 10 BCD octets.
const MAX_SMSC_OCTETS = 11;

const DIGITS = '0123456789*#abc';

function decodeBcd(bytes: Uint8Array, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) {
    const b = bytes[i >> 1];
    const nib = i & 1 ? b >> 4 : b & 15;
    if (nib === 15) {
      // F is only a filler for an odd digit count, in the last semi-octet
      if (i === digits - 1 && (digits & 1) === 1) break;
      throw new SmsFormatError('address has an F filler inside its digits');
    }
    s += DIGITS[nib];
  }
  return s;
}

function encodeBcd(digits: string): Uint8Array {
  const out = new Uint8Array((digits.length + 1) >> 1).fill(0xff);
  for (let i = 0; i < digits.length; i++) {
    const v = DIGITS.indexOf(digits[i].toLowerCase());
    if (v < 0) throw new SmsFormatError(`'${digits[i]}' is not an address digit`);
    const o = i >> 1;
    out[o] = i & 1 ? (out[o] & 0x0f) | (v << 4) : (out[o] & 0xf0) | v;
  }
  return out;
}

/** Parses '+447700900123' (international), '07700900123' (unknown TON) or digits with an explicit TON. */
export function parseNumber(number: string, ton?: number): SmsAddress {
  const intl = number.startsWith('+');
  const value = intl ? number.slice(1) : number;
  if (value.length === 0) throw new SmsFormatError('empty address');
  return { ton: ton ?? (intl ? TON.international : TON.unknown), npi: 1, value };
}

function toa(a: SmsAddress): number {
  return 0x80 | ((a.ton & 7) << 4) | (a.npi & 15);
}

/** Encodes a TP address: digit count (semi-octets), type of address, swapped BCD (or packed text). */
export function encodeAddress(a: SmsAddress): Uint8Array {
  if (a.ton === TON.alphanumeric) {
    const septets = textToSeptets(a.value);
    const packed = packSeptets(septets);
    const semi = Math.ceil((septets.length * 7) / 4);
    if (semi > MAX_TP_SEMI_OCTETS) throw new SmsFormatError('alphanumeric address longer than 11 characters');
    const out = new Uint8Array(2 + packed.length);
    out[0] = semi;
    out[1] = toa(a);
    out.set(packed, 2);
    return out;
  }
  if (a.value.length > MAX_TP_SEMI_OCTETS) throw new SmsFormatError(`address has ${a.value.length} digits, at most ${MAX_TP_SEMI_OCTETS} allowed`);
  const bcd = encodeBcd(a.value);
  const out = new Uint8Array(2 + bcd.length);
  out[0] = a.value.length;
  out[1] = toa(a);
  out.set(bcd, 2);
  return out;
}

export function decodeAddress(r: ByteReader): SmsAddress {
  const semi = r.u8('address length');
  if (semi > MAX_TP_SEMI_OCTETS) throw new SmsFormatError(`address length ${semi} exceeds ${MAX_TP_SEMI_OCTETS} semi-octets`);
  const type = r.u8('type of address');
  if ((type & 0x80) === 0) throw new SmsFormatError('type-of-address bit 8 must be 1');
  const ton = (type >> 4) & 7;
  const npi = type & 15;
  const body = r.bytes((semi + 1) >> 1, 'address digits');
  if (ton === TON.alphanumeric) {
    const count = Math.floor((semi * 4) / 7);
    return { ton, npi, value: septetsToText(unpackSeptets(body, count)) };
  }
  return { ton, npi, value: decodeBcd(body, semi) };
}

/** The RP (SMSC) address as TS 27.005 PDUs carry it: length in octets (type included); 0 = none. */
export function decodeSmscAddress(r: ByteReader): SmsAddress | null {
  const len = r.u8('SMSC length');
  if (len === 0) return null;
  if (len > MAX_SMSC_OCTETS) throw new SmsFormatError(`SMSC address length ${len} exceeds ${MAX_SMSC_OCTETS} octets`);
  const type = r.u8('SMSC type of address');
  if ((type & 0x80) === 0) throw new SmsFormatError('SMSC type-of-address bit 8 must be 1');
  const body = r.bytes(len - 1, 'SMSC digits');
  let digits = body.length * 2;
  if (digits > 0 && body[body.length - 1] >> 4 === 15) digits--;
  return { ton: (type >> 4) & 7, npi: type & 15, value: decodeBcd(body, digits) };
}

export function encodeSmscAddress(a: SmsAddress | null): Uint8Array {
  if (!a) return Uint8Array.of(0);
  if (a.ton === TON.alphanumeric) throw new SmsFormatError('an SMSC address cannot be alphanumeric');
  const bcd = encodeBcd(a.value);
  if (bcd.length + 1 > MAX_SMSC_OCTETS) throw new SmsFormatError('SMSC address too long');
  const out = new Uint8Array(2 + bcd.length);
  out[0] = bcd.length + 1;
  out[1] = toa(a);
  out.set(bcd, 2);
  return out;
}

/** '+digits' for international numbers, the bare value otherwise. */
export function formatAddress(a: SmsAddress): string {
  return a.ton === TON.international ? `+${a.value}` : a.value;
}
