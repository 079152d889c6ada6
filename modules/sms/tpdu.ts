/**
 * Entry point for PDUs as TS 27.005 §3.1 shows them (+CMT, +CMGR, +CDS): an optional SMSC address
 * (TS 24.011 RP-address) followed by the TPDU, dispatched on TP-MTI (TS 23.040 §9.2.3.1), whose
 * meaning depends on the direction.
 */
import { ByteReader } from '../bytes/index';
import { decodeSmscAddress, type SmsAddress } from './address';
import { SmsFormatError } from './errors';
import { decodeStatusReport, type SmsStatusReport } from './status-report';
import { decodeDeliver, type SmsDeliver } from './tpdu-deliver';
import { decodeSubmit, type SmsSubmit } from './tpdu-submit';

export type Tpdu = SmsDeliver | SmsSubmit | SmsStatusReport;

/** Splits `<SMSC address><TPDU>`; the TPDU is a view into `pdu`. */
export function splitSmsc(pdu: Uint8Array): { smsc: SmsAddress | null; tpdu: Uint8Array } {
  const r = new ByteReader(pdu, (m) => new SmsFormatError(`SMSC address: ${m}`));
  const smsc = decodeSmscAddress(r);
  return { smsc, tpdu: r.rest() };
}

/**
 * `mt` (received: SC -> MS): MTI 0 DELIVER, 2 STATUS-REPORT. `mo` (stored outgoing): MTI 1 SUBMIT.
 * Other combinations (reports, commands) are refused: nothing in the client consumes them.
 */
export function decodeTpdu(tpdu: Uint8Array, direction: 'mt' | 'mo' = 'mt'): Tpdu {
  if (tpdu.length === 0) throw new SmsFormatError('empty TPDU');
  const mti = tpdu[0] & 3;
  if (direction === 'mt' && mti === 0) return decodeDeliver(tpdu);
  if (direction === 'mt' && mti === 2) return decodeStatusReport(tpdu);
  if (direction === 'mo' && mti === 1) return decodeSubmit(tpdu);
  throw new SmsFormatError(`TP-MTI ${mti} is not handled for ${direction === 'mt' ? 'received' : 'sent'} messages`);
}

/** A PDU with its SMSC prefix, as +CMT / +CMGR print it. */
export function decodePdu(pdu: Uint8Array, direction: 'mt' | 'mo' = 'mt'): { smsc: SmsAddress | null; tpdu: Uint8Array; message: Tpdu } {
  const { smsc, tpdu } = splitSmsc(pdu);
  return { smsc, tpdu, message: decodeTpdu(tpdu, direction) };
}
