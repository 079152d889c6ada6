/**
 * The server's side of the SMS binding with smartcard-terminated security, for tests (Node only): it
 * stands between the simulated SMS network and a plain-CoAP LwM2M server on loopback. SMS-SUBMITs from
 * the device (produced by its card) are reassembled and opened with the server's copy of the keys
 * (modules/sms SmsSecurityPolicy), then sent to the server over UDP; the server's datagrams are sealed
 * into class 2 / TP-PID 7F SMS-DELIVERs for the device's card.
 */
import { createSocket, type Socket } from 'node:dgram';
import { concat } from '../../modules/bytes/index';
import type { CryptoProvider } from '../../modules/crypto/provider';
import { formatAddress, parseNumber } from '../../modules/sms/address';
import type { UserData } from '../../modules/sms/user-data';
import { Reassembler, splitForConcatenation } from '../../modules/sms/concat';
import { DCS_8BIT_CLASS2, PID_USIM_DATA_DOWNLOAD, SmsSecurityPolicy } from '../../modules/sms/policy';
import { decodeSubmit } from '../../modules/sms/tpdu-submit';
import { decodeDeliver, encodeDeliver } from '../../modules/sms/tpdu-deliver';
import { encodeUdh, findConcat, IEI } from '../../modules/sms/udh';
import { CardCounters } from './index';

export interface GatewayOptions {
  serverPort: number;
  keyParameters: Uint8Array;
  secretKeys: Uint8Array;
  /** The device's MSISDN (originator of its SMS), and the server's (originator of ours). */
  deviceNumber: string;
  serverNumber: string;
  crypto: CryptoProvider;
  /** The network delivers an SMS-DELIVER to the device's modem. */
  toDevice(tpdu: Uint8Array): void;
}

export class SmsServerGateway {
  readonly policy: SmsSecurityPolicy;
  private readonly reassembler = new Reassembler(() => Date.now());
  /** Every SMS-DELIVER sent to the device (tests replay and tamper with them). */
  readonly delivered: Uint8Array[] = [];
  /** Plain datagrams forwarded to the server, and SMS from the device that failed the checks. */
  toServer = 0;
  refused = 0;
  /** The SMS-DELIVERs of the last server datagram (one, or the segments of a concatenated message). */
  lastMessage: Uint8Array[] = [];
  private reference = 0;
  private constructor(private readonly o: GatewayOptions, private readonly socket: Socket) {
    this.policy = new SmsSecurityPolicy({ keyParameters: o.keyParameters, secretKeys: o.secretKeys, serverNumber: o.deviceNumber, counters: new CardCounters(), crypto: o.crypto, counterName: 'server' });
    socket.on('message', (m) => this.fromServer(new Uint8Array(m)));
  }

  static async start(o: GatewayOptions): Promise<SmsServerGateway> {
    const s = createSocket('udp4');
    await new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()));
    return new SmsServerGateway(o, s);
  }

  /** An SMS-SUBMIT TPDU the device's modem sent. */
  fromDevice(tpdu: Uint8Array): void {
    this.fromUserData(decodeSubmit(tpdu).userData);
  }

  /**
   * As a terminal of tools/modem-sim's VirtualSmsc (attach it at the server's number): the device's
   * SMS-SUBMIT arrives as the SMS-DELIVER the SC made of it. Only the device's number is read.
   */
  deliver(tpdu: Uint8Array): void {
    const d = decodeDeliver(tpdu);
    if (formatAddress(d.originator) !== formatAddress(parseNumber(this.o.deviceNumber))) {
      this.refused++;
      return;
    }
    this.fromUserData(d.userData);
  }

  private fromUserData(ud: UserData): void {
    const s = { userData: ud };
    const udh = s.userData.udh;
    if (!udh) {
      this.refused++;
      return;
    }
    let userData: Uint8Array;
    const c = findConcat(udh);
    if (!c) userData = s.userData.raw;
    else {
      const r = this.reassembler.add(this.o.deviceNumber, c, udh, s.userData.payload);
      if (r.kind !== 'complete') return;
      userData = concat(encodeUdh([{ iei: IEI.commandPacket, data: new Uint8Array(0) }]), r.body);
    }
    const opened = this.policy.open(userData, parseNumber(this.o.deviceNumber));
    if (!opened.ok) {
      this.refused++;
      return;
    }
    this.toServer++;
    this.socket.send(opened.data, this.o.serverPort, '127.0.0.1');
  }

  /** Seals a server datagram into one class 2 SMS-DELIVER for the card (it must fit one SMS). */
  sealForDevice(payload: Uint8Array): Uint8Array {
    const all = this.sealForDeviceSegments(payload);
    if (all.length !== 1) throw new Error(`payload needs ${all.length} SMS`);
    return all[0];
  }

  /**
   * Seals a server datagram into class 2 / TP-PID 7F SMS-DELIVERs: one, or a concatenated series
   * (TS 23.040 §9.2.3.24.1, 8-bit reference) with the command packet identifier IE 70 in the first
   * segment only (TS 31.115). Each goes to the device separately; the card reassembles them.
   */
  sealForDeviceSegments(payload: Uint8Array): Uint8Array[] {
    const ud = this.policy.seal(payload);
    this.reference = (this.reference + 1) & 0xff;
    const plan = splitForConcatenation(ud.subarray(3), { reference: this.reference, firstElements: [{ iei: IEI.commandPacket, data: new Uint8Array(0) }] });
    return plan.map((p) => encodeDeliver({
      originator: parseNumber(this.o.serverNumber),
      pid: PID_USIM_DATA_DOWNLOAD,
      dcs: DCS_8BIT_CLASS2,
      timestamp: { year: 26, month: 11, day: 30, hour: 1, minute: 0, second: 0, tzQuarterHours: 0 },
      elements: p.elements,
      payload: p.payload,
    }));
  }

  private fromServer(payload: Uint8Array): void {
    const all = this.sealForDeviceSegments(payload);
    this.lastMessage = all;
    for (const tpdu of all) {
      this.delivered.push(tpdu);
      this.o.toDevice(tpdu);
    }
  }

  close(): void {
    this.socket.close();
    this.policy.dispose();
  }
}
