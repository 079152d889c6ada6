/** TS 23.040 §9.2.3.11 TP-Service-Centre-Time-Stamp (and §9.2.3.13 TP-Discharge-Time): 7 swapped-BCD octets. */
import type { ByteReader } from '../bytes/index';
import { SmsFormatError } from './errors';

export interface SmsTimestamp {
  /** Two-digit year as sent (00..99). */
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Offset from GMT in quarters of an hour (-79..79). */
  tzQuarterHours: number;
}

function bcd(b: number, what: string): number {
  const lo = b & 15;
  const hi = b >> 4;
  if (lo > 9 || hi > 9) throw new SmsFormatError(`timestamp ${what} is not BCD`);
  return lo * 10 + hi; // semi-octets are swapped: the low nibble carries the tens
}

export function decodeTimestamp(r: ByteReader): SmsTimestamp {
  const b = r.bytes(7, 'timestamp');
  const tzTens = b[6] & 7;
  const tzUnits = b[6] >> 4;
  if (tzUnits > 9) throw new SmsFormatError('timestamp time zone is not BCD');
  const tz = tzTens * 10 + tzUnits;
  return {
    year: bcd(b[0], 'year'),
    month: bcd(b[1], 'month'),
    day: bcd(b[2], 'day'),
    hour: bcd(b[3], 'hour'),
    minute: bcd(b[4], 'minute'),
    second: bcd(b[5], 'second'),
    // bit 3 of the (unswapped) octet is the sign
    tzQuarterHours: b[6] & 8 ? -tz : tz,
  };
}

function toBcd(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 99) throw new SmsFormatError(`timestamp ${what} ${v} out of range`);
  return ((v % 10) << 4) | Math.floor(v / 10);
}

export function encodeTimestamp(t: SmsTimestamp): Uint8Array {
  const tz = Math.abs(t.tzQuarterHours);
  if (!Number.isInteger(t.tzQuarterHours) || tz > 79) throw new SmsFormatError('time zone out of range');
  return Uint8Array.of(
    toBcd(t.year, 'year'), toBcd(t.month, 'month'), toBcd(t.day, 'day'),
    toBcd(t.hour, 'hour'), toBcd(t.minute, 'minute'), toBcd(t.second, 'second'),
    ((tz % 10) << 4) | Math.floor(tz / 10) | (t.tzQuarterHours < 0 ? 8 : 0),
  );
}
