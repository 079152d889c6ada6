/**
 * The SMS binding as a DatagramChannel (LwM2M 1.1 Transport §7: CoAP over SMS, one CoAP message per
 * SMS or per concatenated SMS), to one peer number, over any SMS bearer (a modem's AT+CMGS / +CMT, or
 * the virtual SMSC in tests). Two framings:
 * - 'secured': ETSI TS 102 225 command packets terminated on the device (SMS security mode 2 without a
 *   smartcard): class 1, TP-PID 7D, the policy's keys, TAR and counters (SecureSmsLink);
 * - 'plain': 8-bit class 1 SMS, concatenated when needed (SMS security mode 3 NoSec, and the carrier
 *   of DTLS records for mode 1).
 * Both drop, silently and counted, every SMS not from the peer number or not framed as expected.
 */
import type { Host } from '../host';
import type { DatagramChannel } from '../transport/types';
import { concat } from '../bytes/index';
import { formatAddress, parseNumber, type SmsAddress } from './address';
import { Reassembler, splitForConcatenation, type ReassemblyOptions } from './concat';
import { SmsFormatError } from './errors';
import { SecureSmsLink } from './link';
import { DCS_8BIT_CLASS1, type SmsSecurityPolicy } from './policy';
import { splitSmsc } from './tpdu';
import { decodeDeliver } from './tpdu-deliver';
import { encodeSubmit } from './tpdu-submit';
import { findConcat } from './udh';

/** What the channel needs from whatever carries SMS (modules/modem's ModemSms satisfies it). */
export interface SmsPduBearer {
  sendTpdu(tpdu: Uint8Array): Promise<number>;
  /** Received PDUs, each SMSC address + SMS-DELIVER TPDU (TS 27.005 §3.1). */
  onPdu(handler: (pdu: Uint8Array) => void): () => void;
}

export type SmsFraming = { kind: 'secured'; policy: SmsSecurityPolicy } | { kind: 'plain' };

export interface SmsChannelOptions {
  bearer: SmsPduBearer;
  host: Pick<Host, 'now' | 'randomBytes' | 'log'>;
  /** The peer's number: Security Object 0/x/9 on a device; the device's MSISDN on a server. */
  peerNumber: string;
  framing: SmsFraming;
  /** Largest datagram accepted by send. Default 1024 (8 concatenated SMS at most). */
  maxDatagramSize?: number;
  reassembly?: ReassemblyOptions;
}

/** TP-PID 00 (plain short message) for the unsecured framing. */
const PID_PLAIN = 0x00;

export class SmsDatagramChannel implements DatagramChannel {
  readonly maxDatagramSize: number;
  onReceive: ((data: Uint8Array) => void) | null = null;
  onClose: ((reason: Error | null) => void) | null = null;
  /** Plain framing drops (the secured framing counts in its policy's `drops`). */
  readonly drops = { originator: 0, malformed: 0, 'not-8bit': 0, reassembly: 0 };
  /** SMS sent and received, and their user-data octets (for the bench). */
  readonly traffic = { smsOut: 0, octetsOut: 0, smsIn: 0, sendFailures: 0 };
  private readonly link: SecureSmsLink | null;
  private readonly reassembler: Reassembler | null;
  private readonly peer: SmsAddress;
  private readonly unsubscribe: () => void;
  private queue: Promise<void> = Promise.resolve();
  private reference: number;
  private mr = 0;
  private closed = false;

  constructor(private readonly o: SmsChannelOptions) {
    this.maxDatagramSize = o.maxDatagramSize ?? 1024;
    this.peer = parseNumber(o.peerNumber);
    this.reference = o.host.randomBytes(1)[0];
    if (o.framing.kind === 'secured') {
      this.link = new SecureSmsLink({ policy: o.framing.policy, host: o.host, serverNumber: o.peerNumber, reassembly: o.reassembly });
      this.reassembler = null;
    } else {
      this.link = null;
      this.reassembler = new Reassembler(() => o.host.now(), o.reassembly);
    }
    this.unsubscribe = o.bearer.onPdu((pdu) => this.receive(pdu));
  }

  send(data: Uint8Array): void {
    if (this.closed) return;
    if (data.length > this.maxDatagramSize) throw new SmsFormatError(`datagram of ${data.length} octets exceeds the SMS channel's ${this.maxDatagramSize}`);
    const tpdus = this.link ? this.link.send(data) : this.plainSubmits(data);
    this.transmit(tpdus);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    if (this.o.framing.kind === 'secured') this.o.framing.policy.dispose();
    this.onClose?.(null);
  }

  private transmit(tpdus: Uint8Array[]): void {
    for (const t of tpdus) {
      this.traffic.smsOut++;
      this.traffic.octetsOut += t.length;
      // One AT+CMGS at a time, in order: the parts of a concatenated message must not interleave.
      this.queue = this.queue
        .then(() => this.o.bearer.sendTpdu(t))
        .then(
          () => {},
          (e) => {
            this.traffic.sendFailures++;
            this.o.host.log('warn', 'sms: sending failed', { error: e instanceof Error ? e.message : String(e) });
          },
        );
    }
  }

  private receive(pdu: Uint8Array): void {
    if (this.closed) return;
    this.traffic.smsIn++;
    if (this.link) {
      const r = this.link.receive(pdu, true);
      if (r.kind !== 'device') return; // dropped (counted in the policy), pending, or for the UICC
      if (r.porTpdus) this.transmit(r.porTpdus);
      this.onReceive?.(r.data);
      return;
    }
    let body: Uint8Array | null;
    try {
      const d = decodeDeliver(splitSmsc(pdu).tpdu);
      if (d.originator.ton === 5 || formatAddress(d.originator) !== formatAddress(this.peer)) {
        this.drops.originator++;
        return;
      }
      if (d.coding.alphabet !== '8bit') {
        this.drops['not-8bit']++;
        return;
      }
      const c = d.userData.udh ? findConcat(d.userData.udh) : null;
      if (!c) body = d.userData.payload;
      else {
        const r = this.reassembler!.add(formatAddress(d.originator), c, d.userData.udh!, d.userData.payload);
        if (r.kind === 'pending') return;
        if (r.kind === 'dropped') {
          this.drops.reassembly++;
          return;
        }
        body = r.body;
      }
    } catch (e) {
      if (!(e instanceof SmsFormatError)) throw e;
      this.drops.malformed++;
      return;
    }
    this.onReceive?.(body);
  }

  private plainSubmits(data: Uint8Array): Uint8Array[] {
    this.reference = (this.reference + 1) & 0xff;
    return splitForConcatenation(data, { reference: this.reference }).map((p) => {
      this.mr = (this.mr + 1) & 0xff;
      return encodeSubmit({ messageReference: this.mr, destination: this.peer, pid: PID_PLAIN, dcs: DCS_8BIT_CLASS1, elements: p.elements.length ? p.elements : null, payload: p.payload });
    });
  }
}

/** SMS-DELIVER TPDU -> the PDU form a modem reports (empty SMSC address in front). */
export function withEmptySmsc(tpdu: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(0), tpdu);
}
