/** TS 23.040 §9.2.2.3 SMS-STATUS-REPORT (SC -> MS): decode only. */
import { ByteReader } from '../bytes/index';
import { decodeAddress, type SmsAddress } from './address';
import { decodeDcs } from './dcs';
import { SmsFormatError } from './errors';
import { decodeTimestamp, type SmsTimestamp } from './scts';
import { decodeUserData, type UserData } from './user-data';

export interface SmsStatusReport {
  type: 'status-report';
  moreMessagesWaiting: boolean;
  /** TP-SRQ: true if this reports on an SMS-COMMAND, false for an SMS-SUBMIT. */
  commandQualifier: boolean;
  messageReference: number;
  recipient: SmsAddress;
  timestamp: SmsTimestamp;
  dischargeTime: SmsTimestamp;
  /** §9.2.3.15 TP-Status: 0x00-0x1F delivered, 0x20-0x3F still trying, 0x40-0x7F failed. */
  status: number;
  pid?: number;
  dcs?: number;
  userData?: UserData;
}

const err = (m: string) => new SmsFormatError(`SMS-STATUS-REPORT: ${m}`);
// §9.2.3.27: extension octets follow while bit 8 is set; a real SC sends one. Bound the walk anyway.
const MAX_PI_OCTETS = 4;

export function decodeStatusReport(tpdu: Uint8Array): SmsStatusReport {
  const r = new ByteReader(tpdu, err);
  const first = r.u8('first octet');
  if ((first & 3) !== 2) throw err(`TP-MTI ${first & 3} is not SMS-STATUS-REPORT`);
  const out: SmsStatusReport = {
    type: 'status-report',
    moreMessagesWaiting: (first & 0x04) === 0,
    commandQualifier: (first & 0x20) !== 0,
    messageReference: r.u8('TP-MR'),
    recipient: decodeAddress(r),
    timestamp: decodeTimestamp(r),
    dischargeTime: decodeTimestamp(r),
    status: r.u8('TP-ST'),
  };
  // TP-PI and what it announces are optional (§9.2.2.3: present if any of its fields are)
  if (r.remaining === 0) return out;
  const pi = r.u8('TP-PI');
  let ext = pi;
  for (let n = 1; ext & 0x80; n++) {
    if (n >= MAX_PI_OCTETS) throw err('too many TP-PI extension octets');
    ext = r.u8('TP-PI extension');
  }
  if (pi & 1) out.pid = r.u8('TP-PID');
  if (pi & 2) out.dcs = r.u8('TP-DCS');
  if (pi & 4) out.userData = decodeUserData(r, decodeDcs(out.dcs ?? 0), (first & 0x40) !== 0);
  r.expectEnd('SMS-STATUS-REPORT');
  return out;
}
