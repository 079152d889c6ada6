/**
 * TS 23.040 §9.2.3.24 User Data Header and the information elements the secured SMS path needs:
 * 00 concatenation (8-bit reference), 08 concatenation (16-bit reference), and the TS 31.115 §4.2
 * 70 command packet / 71 response packet identifiers. Other elements are kept as opaque bytes.
 */
import { ByteReader } from '../bytes/index';
import { SmsFormatError } from './errors';

export const IEI = { concat8: 0x00, concat16: 0x08, commandPacket: 0x70, responsePacket: 0x71 } as const;
Object.freeze(IEI);

export interface InformationElement {
  iei: number;
  data: Uint8Array;
}

export interface ConcatInfo {
  reference: number;
  /** true for IE 08 (16-bit reference). */
  wide: boolean;
  total: number;
  sequence: number;
}

export interface UserDataHeader {
  elements: InformationElement[];
}

/** Parses the UDH at the start of `ud` (UDHL included). Returns it and the header's total length (1 + UDHL). */
export function decodeUdh(ud: Uint8Array): { udh: UserDataHeader; length: number } {
  const r = new ByteReader(ud, (m) => new SmsFormatError(`UDH: ${m}`));
  const udhl = r.u8('UDHL');
  const body = new ByteReader(r.bytes(udhl, 'UDH'), (m) => new SmsFormatError(`UDH: ${m}`));
  const elements: InformationElement[] = [];
  // each element consumes at least 2 octets, so this ends within udhl/2 rounds
  while (body.remaining > 0) {
    const iei = body.u8('IEI');
    const data = body.bytes(body.u8('IEDL'), `IE ${iei}`);
    elements.push({ iei, data });
  }
  return { udh: { elements }, length: 1 + udhl };
}

export function encodeUdh(elements: InformationElement[]): Uint8Array {
  let n = 0;
  for (const e of elements) {
    if (e.data.length > 255) throw new SmsFormatError('IE longer than 255 octets');
    n += 2 + e.data.length;
  }
  if (n > 255) throw new SmsFormatError('UDH longer than 255 octets');
  const out = new Uint8Array(1 + n);
  out[0] = n;
  let o = 1;
  for (const e of elements) {
    out[o++] = e.iei;
    out[o++] = e.data.length;
    out.set(e.data, o);
    o += e.data.length;
  }
  return out;
}

export function concatElement(c: ConcatInfo): InformationElement {
  if (c.total < 1 || c.total > 255 || c.sequence < 1 || c.sequence > c.total) throw new SmsFormatError('concatenation sequence out of range');
  return c.wide
    ? { iei: IEI.concat16, data: Uint8Array.of((c.reference >> 8) & 0xff, c.reference & 0xff, c.total, c.sequence) }
    : { iei: IEI.concat8, data: Uint8Array.of(c.reference & 0xff, c.total, c.sequence) };
}

/**
 * The concatenation element, if any. Per §9.2.3.24.1 an element with a zero total, a zero sequence
 * or a sequence above the total is ignored; a malformed length is a format error. If several appear,
 * the last one wins (§9.2.3.24: a repeated element takes the last occurrence).
 */
export function findConcat(udh: UserDataHeader): ConcatInfo | null {
  let found: ConcatInfo | null = null;
  for (const e of udh.elements) {
    if (e.iei !== IEI.concat8 && e.iei !== IEI.concat16) continue;
    const wide = e.iei === IEI.concat16;
    if (e.data.length !== (wide ? 4 : 3)) throw new SmsFormatError(`concatenation IE ${e.iei} has length ${e.data.length}`);
    const d = e.data;
    const c = wide
      ? { reference: (d[0] << 8) | d[1], wide, total: d[2], sequence: d[3] }
      : { reference: d[0], wide, total: d[1], sequence: d[2] };
    found = c.total === 0 || c.sequence === 0 || c.sequence > c.total ? null : c;
  }
  return found;
}

/** True when the header carries an empty IE `iei` (0x70 command packet / 0x71 response packet). */
export function hasPacketIdentifier(udh: UserDataHeader, iei: number): boolean {
  for (const e of udh.elements) {
    if (e.iei !== iei) continue;
    if (e.data.length !== 0) throw new SmsFormatError(`packet identifier IE ${iei} must be empty`);
    return true;
  }
  return false;
}
