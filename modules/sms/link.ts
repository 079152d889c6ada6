/**
 * The secured SMS path end to end, without a modem: an outbound payload becomes SMS-SUBMIT TPDUs
 * (secured, concatenated when needed); an inbound PDU goes through routing, reassembly and the policy.
 * The SMS datagram channel of the next issue wraps this around the modem's AT+CMGS / +CMT.
 */
import type { Host } from '../host';
import { formatAddress, parseNumber, type SmsAddress } from './address';
import { SmsFormatError } from './errors';
import { DCS_8BIT_CLASS1, PID_ME_DATA_DOWNLOAD, routeDeliver, type DropReason, type SmsSecurityPolicy } from './policy';
import { Reassembler, splitForConcatenation, type ReassemblyOptions } from './concat';
import type { SecuredHeader } from './secured-packet';
import { splitSmsc } from './tpdu';
import { decodeDeliver, type SmsDeliver } from './tpdu-deliver';
import { encodeSubmit } from './tpdu-submit';
import { encodeUdh, findConcat, hasPacketIdentifier, IEI } from './udh';
import { concat } from '../bytes/index';

export type LinkReceiveResult =
  | { kind: 'device'; data: Uint8Array; header: SecuredHeader; porTpdus: Uint8Array[] | null }
  | { kind: 'uicc'; tpdu: Uint8Array; deliver: SmsDeliver }
  | { kind: 'pending' }
  | { kind: 'dropped'; reason: DropReason };

export interface SecureSmsLinkOptions {
  policy: SmsSecurityPolicy;
  host: Pick<Host, 'now' | 'randomBytes'>;
  /** The server's number (Security Object resource 9): destination of outbound messages. */
  serverNumber: string;
  reassembly?: ReassemblyOptions;
  /** TP-PID and TP-DCS of outbound messages (default: the device-terminated settings 7D / F5). */
  pid?: number;
  dcs?: number;
}

export class SecureSmsLink {
  private readonly reassembler: Reassembler;
  private readonly destination: SmsAddress;
  private reference: number;
  private messageReference = 0;

  constructor(private readonly o: SecureSmsLinkOptions) {
    this.reassembler = new Reassembler(() => o.host.now(), o.reassembly);
    this.destination = parseNumber(o.serverNumber);
    // a random start keeps references from colliding with those sent before a reboot
    this.reference = o.host.randomBytes(1)[0];
  }

  get reassemblyDrops(): Reassembler['drops'] {
    return this.reassembler.drops;
  }

  /** Seals `payload` and returns the SMS-SUBMIT TPDUs to send, in order (no SMSC prefix). */
  send(payload: Uint8Array): Uint8Array[] {
    const ud = this.o.policy.seal(payload);
    return this.submits(ud, IEI.commandPacket);
  }

  /**
   * Handles a received PDU. `smscPrefix`: true for +CMT / +CMGR PDUs, which start with the SMSC
   * address. Nothing here ever produces an error reply; drops are counted in the policy.
   */
  receive(pdu: Uint8Array, smscPrefix = true): LinkReceiveResult {
    const policy = this.o.policy;
    let tpdu: Uint8Array;
    let d: SmsDeliver;
    try {
      tpdu = smscPrefix ? splitSmsc(pdu).tpdu : pdu;
      d = decodeDeliver(tpdu);
    } catch (e) {
      if (e instanceof SmsFormatError) return this.drop('malformed');
      throw e;
    }
    const route = routeDeliver(d);
    if (route === 'uicc') return { kind: 'uicc', tpdu: tpdu.slice(), deliver: d };
    if (route !== 'device') return this.drop('not-secured-sms');
    if (!policy.acceptsOriginator(d.originator)) return this.drop('originator');
    const udh = d.userData.udh;
    if (!udh) return this.drop('malformed');
    let userData: Uint8Array;
    try {
      const c = findConcat(udh);
      if (!c) {
        userData = d.userData.raw;
      } else {
        const r = this.reassembler.add(formatAddress(d.originator), c, udh, d.userData.payload);
        if (r.kind === 'pending') return r;
        if (r.kind === 'dropped') return this.drop('reassembly');
        // TS 31.115: IE 70 travels in segment 1 only; rebuild the single-message form for the decoder
        if (!hasPacketIdentifier(r.firstUdh, IEI.commandPacket)) return this.drop('malformed');
        userData = concat(encodeUdh([{ iei: IEI.commandPacket, data: new Uint8Array(0) }]), r.body);
      }
    } catch (e) {
      if (e instanceof SmsFormatError) return this.drop('malformed');
      throw e;
    }
    const opened = policy.open(userData, d.originator);
    if (!opened.ok) return { kind: 'dropped', reason: opened.reason };
    const por = policy.proofOfReceipt(opened.header);
    return { kind: 'device', data: opened.data, header: opened.header, porTpdus: por ? this.submits(por, IEI.responsePacket) : null };
  }

  /** Drops partial messages whose time is up; call now and then (receive does it too). */
  expire(): number {
    return this.reassembler.expire();
  }

  private drop(reason: DropReason): LinkReceiveResult {
    this.o.policy.count(reason);
    return { kind: 'dropped', reason };
  }

  private submits(userData: Uint8Array, packetIei: number): Uint8Array[] {
    // userData starts with the 3-octet header 02 <iei> 00; concatenation carries the IE in segment 1
    const body = userData.subarray(3);
    this.reference = (this.reference + 1) & 0xff;
    const plan = splitForConcatenation(body, { reference: this.reference, firstElements: [{ iei: packetIei, data: new Uint8Array(0) }] });
    return plan.map((p) => {
      this.messageReference = (this.messageReference + 1) & 0xff;
      return encodeSubmit({
        messageReference: this.messageReference,
        destination: this.destination,
        pid: this.o.pid ?? PID_ME_DATA_DOWNLOAD,
        dcs: this.o.dcs ?? DCS_8BIT_CLASS1,
        elements: p.elements,
        payload: p.payload,
      });
    });
  }
}
