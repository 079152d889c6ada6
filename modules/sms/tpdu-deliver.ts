/** TS 23.040 §9.2.2.1 SMS-DELIVER (SC -> MS). */
import { ByteReader, concat } from '../bytes/index';
import { decodeAddress, encodeAddress, type SmsAddress } from './address';
import { decodeDcs, type DataCoding } from './dcs';
import { SmsFormatError } from './errors';
import { decodeTimestamp, encodeTimestamp, type SmsTimestamp } from './scts';
import type { InformationElement } from './udh';
import { decodeUserData, encodeUserData8, type UserData } from './user-data';

export interface SmsDeliver {
  type: 'deliver';
  /** TP-MMS inverted for readability: true when the SC says more messages are waiting (TP-MMS = 0). */
  moreMessagesWaiting: boolean;
  loopPrevention: boolean;
  statusReportIndication: boolean;
  replyPath: boolean;
  originator: SmsAddress;
  pid: number;
  dcs: number;
  coding: DataCoding;
  timestamp: SmsTimestamp;
  userData: UserData;
}

const err = (m: string) => new SmsFormatError(`SMS-DELIVER: ${m}`);

/** Decodes a TPDU (no SMSC prefix). Trailing octets after the user data are an error. */
export function decodeDeliver(tpdu: Uint8Array): SmsDeliver {
  const r = new ByteReader(tpdu, err);
  const first = r.u8('first octet');
  if ((first & 3) !== 0) throw err(`TP-MTI ${first & 3} is not SMS-DELIVER`);
  const originator = decodeAddress(r);
  const pid = r.u8('TP-PID');
  const dcs = r.u8('TP-DCS');
  const coding = decodeDcs(dcs);
  const timestamp = decodeTimestamp(r);
  const userData = decodeUserData(r, coding, (first & 0x40) !== 0);
  r.expectEnd('SMS-DELIVER');
  return {
    type: 'deliver',
    moreMessagesWaiting: (first & 0x04) === 0,
    loopPrevention: (first & 0x08) !== 0,
    statusReportIndication: (first & 0x20) !== 0,
    replyPath: (first & 0x80) !== 0,
    originator, pid, dcs, coding, timestamp, userData,
  };
}

export interface DeliverOptions {
  originator: SmsAddress;
  pid: number;
  /** An 8-bit data coding (this encoder writes octet user data only). */
  dcs: number;
  timestamp: SmsTimestamp;
  elements?: InformationElement[] | null;
  payload: Uint8Array;
  moreMessagesWaiting?: boolean;
}

/** Encodes an 8-bit SMS-DELIVER; the device never sends one, tests and the server simulator do. */
export function encodeDeliver(o: DeliverOptions): Uint8Array {
  const coding = decodeDcs(o.dcs);
  if (coding.alphabet === 'gsm7' && !coding.compressed) throw err('encoder writes 8-bit or UCS2 user data only');
  const udhi = !!o.elements && o.elements.length > 0;
  const first = (udhi ? 0x40 : 0) | (o.moreMessagesWaiting ? 0 : 0x04);
  return concat(
    Uint8Array.of(first),
    encodeAddress(o.originator),
    Uint8Array.of(o.pid & 0xff, o.dcs & 0xff),
    encodeTimestamp(o.timestamp),
    encodeUserData8(udhi ? o.elements! : null, o.payload),
  );
}
