/** TS 23.040 §9.2.2.2 SMS-SUBMIT (MS -> SC). */
import { ByteReader, concat } from '../bytes/index';
import { decodeAddress, encodeAddress, type SmsAddress } from './address';
import { decodeDcs, type DataCoding } from './dcs';
import { SmsFormatError } from './errors';
import type { InformationElement } from './udh';
import { decodeUserData, encodeUserData8, type UserData } from './user-data';

/** §9.2.3.12 TP-Validity-Period, by TP-VPF. */
export type ValidityPeriod =
  | { format: 'none' }
  | { format: 'relative'; value: number }
  | { format: 'enhanced'; octets: Uint8Array }
  | { format: 'absolute'; octets: Uint8Array };

export interface SmsSubmit {
  type: 'submit';
  rejectDuplicates: boolean;
  statusReportRequest: boolean;
  replyPath: boolean;
  messageReference: number;
  destination: SmsAddress;
  pid: number;
  dcs: number;
  coding: DataCoding;
  validity: ValidityPeriod;
  userData: UserData;
}

const err = (m: string) => new SmsFormatError(`SMS-SUBMIT: ${m}`);
const VPF = ['none', 'enhanced', 'relative', 'absolute'] as const;
Object.freeze(VPF);

export function decodeSubmit(tpdu: Uint8Array): SmsSubmit {
  const r = new ByteReader(tpdu, err);
  const first = r.u8('first octet');
  if ((first & 3) !== 1) throw err(`TP-MTI ${first & 3} is not SMS-SUBMIT`);
  const messageReference = r.u8('TP-MR');
  const destination = decodeAddress(r);
  const pid = r.u8('TP-PID');
  const dcs = r.u8('TP-DCS');
  const coding = decodeDcs(dcs);
  const vpf = VPF[(first >> 3) & 3];
  let validity: ValidityPeriod;
  if (vpf === 'none') validity = { format: 'none' };
  else if (vpf === 'relative') validity = { format: 'relative', value: r.u8('TP-VP') };
  else validity = { format: vpf, octets: r.bytes(7, 'TP-VP').slice() };
  const userData = decodeUserData(r, coding, (first & 0x40) !== 0);
  r.expectEnd('SMS-SUBMIT');
  return {
    type: 'submit',
    rejectDuplicates: (first & 0x04) !== 0,
    statusReportRequest: (first & 0x20) !== 0,
    replyPath: (first & 0x80) !== 0,
    messageReference, destination, pid, dcs, coding, validity, userData,
  };
}

export interface SubmitOptions {
  /** TP-MR; 0 lets most modems substitute their own. */
  messageReference?: number;
  destination: SmsAddress;
  pid: number;
  /** An 8-bit data coding (this encoder writes octet user data only). */
  dcs: number;
  /** Relative TP-VP octet (§9.2.3.12.1), or none. */
  validityRelative?: number;
  statusReportRequest?: boolean;
  elements?: InformationElement[] | null;
  payload: Uint8Array;
}

export function encodeSubmit(o: SubmitOptions): Uint8Array {
  const coding = decodeDcs(o.dcs);
  if (coding.alphabet === 'gsm7' && !coding.compressed) throw err('encoder writes 8-bit or UCS2 user data only');
  const udhi = !!o.elements && o.elements.length > 0;
  const hasVp = o.validityRelative !== undefined;
  const first = 0x01 | (hasVp ? 0x10 : 0) | (o.statusReportRequest ? 0x20 : 0) | (udhi ? 0x40 : 0);
  return concat(
    Uint8Array.of(first, (o.messageReference ?? 0) & 0xff),
    encodeAddress(o.destination),
    hasVp ? Uint8Array.of(o.pid & 0xff, o.dcs & 0xff, o.validityRelative! & 0xff) : Uint8Array.of(o.pid & 0xff, o.dcs & 0xff),
    encodeUserData8(udhi ? o.elements! : null, o.payload),
  );
}
