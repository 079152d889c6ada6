/**
 * Connects the local LwM2M Server (tools/lwm2m-server.ts) or Bootstrap-Server (tools/bootstrap-server.ts) to the virtual SMSC (tools/modem-sim): the
 * server gets an MSISDN, and each device it knows by MSISDN becomes a peer 'sms:<msisdn>' reached over
 * SMS in the same security modes the device uses (modules/client/sms-connector.ts):
 * - 'secured': ETSI TS 102 225 command packets (the same SmsSecurityPolicy, with the server's own counters);
 * - 'dtls': DTLS 1.2 PSK records as 8-bit SMS (a DtlsServer on a UDP-socket facade over the SMS channel);
 * - 'nosec': plain 8-bit SMS.
 * `trigger()` sends a Registration Update Trigger (Execute /1/x/8) by SMS: the classic way to wake a
 * queue-mode device that sleeps. Test tooling, not a product.
 */
import { DtlsServer } from '../modules/testing';
import type { Host } from '../modules/host';
import { SmsDatagramChannel, withEmptySmsc, type SmsPduBearer } from '../modules/sms/channel';
import { SmsSecurityPolicy, type CounterSource } from '../modules/sms/policy';
import type { DatagramChannel, UdpSocket } from '../modules/transport/types';
import { SMS_DTLS_RETRANSMIT } from '../modules/client/sms-connector';
import type { CoapConfig, CoapResponse } from '../modules/coap/index';
import type { VirtualSmsc } from './modem-sim/smsc';
import { createNodeTestHost } from './server-common';

export type SmsDeviceConfig =
  | { msisdn: string; mode: 'secured'; keyParameters: Uint8Array; secretKeys: Uint8Array }
  | { msisdn: string; mode: 'dtls'; identity: string; psk: Uint8Array }
  | { msisdn: string; mode: 'nosec' };

/** The server's outbound/inbound counters (a server keeps them in its database; RAM is enough here). */
export class MemoryCounterSource implements CounterSource {
  readonly values = new Map<string, bigint>();
  next(name: string): bigint {
    const v = (this.values.get(name) ?? 0n) + 1n;
    this.values.set(name, v);
    return v;
  }
  acceptIfHigher(name: string, value: bigint): boolean {
    const cur = this.values.get(name);
    if (cur !== undefined && value <= cur) return false;
    this.values.set(name, value);
    return true;
  }
}

/** SMS in and out of one SMSC terminal number, as an SmsPduBearer. */
export class SmscBearer implements SmsPduBearer {
  private readonly handlers: ((pdu: Uint8Array) => void)[] = [];
  sent = 0;
  constructor(
    private readonly smsc: VirtualSmsc,
    readonly number: string,
  ) {
    smsc.attach(number, { deliver: (tpdu) => this.handlers.slice().forEach((h) => h(withEmptySmsc(tpdu))) });
  }
  async sendTpdu(tpdu: Uint8Array): Promise<number> {
    this.sent++;
    return this.smsc.submit(this.number, tpdu);
  }
  onPdu(handler: (pdu: Uint8Array) => void): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }
  close(): void {
    this.smsc.detach(this.number);
  }
}

/** CoAP over SMS on the server side (same stretch as the device's SMS_COAP, shorter for the local SMSC). */
const SERVER_SMS_COAP = { ackTimeoutMs: 10_000, maxRetransmit: 2 };

/** What the gateway needs from a server: the LwM2M Server and the Bootstrap-Server in tools/ both have it. */
export interface SmsAttachableServer {
  attachPeer(key: string, channel: DatagramChannel, identity?: string, coap?: Partial<CoapConfig>): void;
  requestPeer?(key: string, req: { method: 'POST'; path: string }): Promise<CoapResponse>;
}

export class SmsServerGateway {
  readonly bearer: SmscBearer;
  readonly counters = new MemoryCounterSource();
  readonly host: Host;
  private readonly channels = new Map<string, SmsDatagramChannel>();
  private readonly dtls = new Map<string, DtlsServer>();

  constructor(
    private readonly server: SmsAttachableServer,
    smsc: VirtualSmsc,
    readonly number: string,
    host?: Host,
  ) {
    this.host = host ?? createNodeTestHost();
    this.bearer = new SmscBearer(smsc, number);
  }

  static peerKey(msisdn: string): string {
    return `sms:${msisdn}`;
  }

  /** The SMS channel to a device (for its drop counters and traffic). */
  channel(msisdn: string): SmsDatagramChannel | undefined {
    return this.channels.get(msisdn);
  }

  addDevice(cfg: SmsDeviceConfig): void {
    const key = SmsServerGateway.peerKey(cfg.msisdn);
    if (cfg.mode === 'secured') {
      const policy = new SmsSecurityPolicy({ keyParameters: cfg.keyParameters, secretKeys: cfg.secretKeys, serverNumber: cfg.msisdn, counters: this.counters, crypto: this.host.crypto, counterName: `sms.${cfg.msisdn}` });
      const ch = new SmsDatagramChannel({ bearer: this.bearer, host: this.host, peerNumber: cfg.msisdn, framing: { kind: 'secured', policy } });
      this.channels.set(cfg.msisdn, ch);
      this.server.attachPeer(key, ch, undefined, SERVER_SMS_COAP);
      return;
    }
    const ch = new SmsDatagramChannel({ bearer: this.bearer, host: this.host, peerNumber: cfg.msisdn, framing: { kind: 'plain' } });
    this.channels.set(cfg.msisdn, ch);
    if (cfg.mode === 'nosec') {
      this.server.attachPeer(key, ch, undefined, SERVER_SMS_COAP);
      return;
    }
    // DTLS over SMS: the DtlsServer listens on a one-peer "UDP socket" whose datagrams are SMS.
    const identity = cfg.identity;
    const psk = cfg.psk.slice();
    const dtls = new DtlsServer(this.host, {
      psk: (id) => (String.fromCharCode(...id) === identity ? psk.slice() : null),
      retransmit: SMS_DTLS_RETRANSMIT,
      maxDatagramSize: ch.maxDatagramSize,
      resumption: false,
    });
    dtls.onConnection = (conn) => this.server.attachPeer(key, conn, identity, SERVER_SMS_COAP);
    dtls.listen(smsSocket(ch));
    this.dtls.set(cfg.msisdn, dtls);
  }

  /** Registration Update Trigger by SMS (Execute /1/<serverIid>/8). Resolves with the CoAP response code. */
  async trigger(msisdn: string, serverIid = 0): Promise<number> {
    if (!this.server.requestPeer) throw new Error('this server cannot send requests to a peer by key');
    const r = await this.server.requestPeer(SmsServerGateway.peerKey(msisdn), { method: 'POST', path: `/1/${serverIid}/8` });
    return r.code;
  }

  close(): void {
    for (const c of this.channels.values()) c.close();
    this.bearer.close();
  }
}

/** A UdpSocket facade over one SMS channel: every datagram comes from and goes to the pseudo-address "sms":1. */
function smsSocket(ch: DatagramChannel): UdpSocket {
  const s: UdpSocket = {
    localPort: 0,
    onMessage: null,
    onError: null,
    send: (data) => ch.send(data),
    close: () => ch.close(),
  };
  ch.onReceive = (d) => s.onMessage?.(d, 'sms', 1);
  return s;
}
