/**
 * TS 23.040 §9.2.3.16 TP-User-Data-Length and §9.2.3.24 TP-User-Data, shared by SUBMIT, DELIVER and
 * STATUS-REPORT. UDL counts septets for the GSM 7-bit alphabet and octets otherwise (§9.2.3.16).
 */
import type { ByteReader } from '../bytes/index';
import type { DataCoding } from './dcs';
import { SmsFormatError } from './errors';
import { septetsToText, unpackSeptets } from './gsm7';
import { decodeUdh, encodeUdh, type InformationElement, type UserDataHeader } from './udh';

/** Octets of user data one SMS can carry (§9.2.3.24). */
export const MAX_UD_OCTETS = 140;
export const MAX_UD_SEPTETS = 160;

export interface UserData {
  /** The TP-UDL value as sent. */
  udl: number;
  /** TP-UD octets exactly as received (header included): what a secured packet decoder needs. */
  raw: Uint8Array;
  udh: UserDataHeader | null;
  /** 8-bit/UCS2: the octets after the UDH; GSM 7-bit: the unpacked septets after the UDH and its fill bits. */
  payload: Uint8Array;
  /** Text, for GSM 7-bit user data. */
  text?: string;
}

function septetMode(dcs: DataCoding): boolean {
  return dcs.alphabet === 'gsm7' && !dcs.compressed;
}

export function decodeUserData(r: ByteReader, dcs: DataCoding, udhi: boolean): UserData {
  const udl = r.u8('TP-UDL');
  if (septetMode(dcs)) {
    if (udl > MAX_UD_SEPTETS) throw new SmsFormatError(`TP-UDL ${udl} septets exceeds ${MAX_UD_SEPTETS}`);
    const octets = r.bytes(Math.ceil((udl * 7) / 8), 'TP-UD');
    let udh: UserDataHeader | null = null;
    let headerSeptets = 0;
    let fill = 0;
    if (udhi) {
      const h = decodeUdh(octets);
      udh = h.udh;
      headerSeptets = Math.ceil((h.length * 8) / 7);
      fill = headerSeptets * 7 - h.length * 8;
      if (headerSeptets > udl) throw new SmsFormatError('UDH longer than the user data');
      const septets = unpackSeptets(octets.subarray(h.length), udl - headerSeptets, fill);
      return { udl, raw: octets.slice(), udh, payload: septets, text: septetsToText(septets) };
    }
    const septets = unpackSeptets(octets, udl);
    return { udl, raw: octets.slice(), udh, payload: septets, text: septetsToText(septets) };
  }
  if (udl > MAX_UD_OCTETS) throw new SmsFormatError(`TP-UDL ${udl} octets exceeds ${MAX_UD_OCTETS}`);
  const ud = r.bytes(udl, 'TP-UD');
  if (!udhi) return { udl, raw: ud.slice(), udh: null, payload: ud.slice() };
  const h = decodeUdh(ud);
  return { udl, raw: ud.slice(), udh: h.udh, payload: ud.slice(h.length) };
}

/** 8-bit user data with an optional header: returns UDL followed by UD. */
export function encodeUserData8(elements: InformationElement[] | null, payload: Uint8Array): Uint8Array {
  const header = elements ? encodeUdh(elements) : new Uint8Array(0);
  const n = header.length + payload.length;
  if (n > MAX_UD_OCTETS) throw new SmsFormatError(`user data of ${n} octets exceeds ${MAX_UD_OCTETS}`);
  const out = new Uint8Array(1 + n);
  out[0] = n;
  out.set(header, 1);
  out.set(payload, 1 + header.length);
  return out;
}
