/**
 * The SMS binding (LwM2M 1.1 Transport §7, Core §7.2 SMS security) as a Connector, and a connector that
 * picks UDP or SMS from the account's binding.
 *
 * SMS Security Mode (Security Object 0/x/6):
 * - 2 "Secure Packet Structure", terminated on the device (no smartcard): ETSI TS 102 225 / TS 31.115
 *   command packets, class 1, TP-PID 7D; KIc/KID/SPI/TAR from 0/x/7, keys from 0/x/8 (KIc key || KID key),
 *   counters in the CounterStore; only AES-CBC + AES-CMAC or 3-key 3DES, SPI1 0x16 (CC, ciphering,
 *   counter higher). Everything else is refused when the account is opened.
 * - 1 DTLS over SMS: DTLS 1.2 PSK records carried as 8-bit class 1 SMS (concatenated when needed), with
 *   RFC 7925 §11 timers stretched for SMS latency. The LwM2M spec names no resource for this PSK's identity;
 *   this client uses **0/x/3 (Public Key or Identity)** as the identity and **0/x/8 (SMS Binding Secret
 *   Key(s))** as the PSK, so a U+S account can carry a different key for each transport.
 * - 3 NoSec: 8-bit SMS without protection, logged as loudly as NoSec over UDP.
 * Only SMS from the number in 0/x/9 are read; everything else is dropped silently (no reply).
 *
 * Key lifetime (session keys live no longer than the registration): every SMS channel is opened for one
 * registration and closed with it (de-register, failed update, re-register, stop); closing wipes the
 * policy's key copies and, for DTLS over SMS, the session keys. An SMS channel also closes itself when the
 * registration's lifetime (1/x/1) has passed since the last successful Register/Update (plus 2 s of grace),
 * so keys made for a registration that lapsed cannot outlive it. DTLS sessions over SMS are never resumed.
 */
import { wipe } from '../bytes/index';
import { DtlsClient } from '../dtls/client';
import type { DtlsClientOptions } from '../dtls/client';
import type { Host, TimerHandle } from '../host';
import type { DataModel } from '../lwm2m/data-model';
import { SmsDatagramChannel, type SmsPduBearer } from '../sms/channel';
import { SmsSecurityPolicy, type CounterSource } from '../sms/policy';
import type { ServerAccount } from './accounts';
import type { Connector, OpenedChannel } from './connector';
import { ClientError } from './errors';
import { parseServerUri } from './uri';

export const SmsSecurityMode = { DTLS: 1, SecurePacket: 2, NoSec: 3 } as const;
Object.freeze(SmsSecurityMode);

/** CoAP over SMS: RFC 7252 §4.8 parameters stretched for minutes of SMS latency (Transport §7). */
export const SMS_COAP = Object.freeze({ ackTimeoutMs: 30_000, maxRetransmit: 2, maxLatencyMs: 300_000, responseTimeoutMs: 300_000 });
/** RFC 7925 §11: DTLS timers for a high-latency link (first retransmission after 30 s, cap 5 min). */
export const SMS_DTLS_RETRANSMIT = Object.freeze({ initialMs: 30_000, maxMs: 300_000, maxRetransmissions: 4 });

export interface SmsConnectorOptions {
  bearer: SmsPduBearer;
  /** Durable counters (the store's CounterStore). */
  counters: CounterSource;
  dtls?: Omit<DtlsClientOptions, 'psk' | 'identity' | 'session'>;
  maxDatagramSize?: number;
}

/** True when the account is reached by SMS for its registration (binding S without U, or an sms:// URI). */
export function usesSmsForRegistration(a: ServerAccount): boolean {
  if (a.uri.startsWith('sms:')) return true;
  return a.binding.includes('S') && !a.binding.includes('U');
}

export class SmsConnector implements Connector {
  constructor(
    private readonly host: Host,
    private readonly o: SmsConnectorOptions,
  ) {}

  async open(account: ServerAccount, dm: DataModel): Promise<OpenedChannel> {
    const number = account.smsNumber || (account.uri.startsWith('sms:') ? parseServerUri(account.uri).host : '');
    if (!number) throw new ClientError('bad-config', `${account.uri}: no LwM2M Server SMS Number (0/${account.securityIid}/9)`);
    const mode = account.smsSecurityMode;
    const opened = await this.openMode(account, dm, number, mode);
    return this.bounded({ ...opened, coap: SMS_COAP }, account.lifetimeS);
  }

  private async openMode(account: ServerAccount, dm: DataModel, number: string, mode: number | undefined): Promise<OpenedChannel> {
    const host = this.host;
    if (mode === SmsSecurityMode.SecurePacket) {
      const keys = dm.secret(account.securityIid, 8);
      if (!keys) throw new ClientError('bad-config', `${account.uri}: no SMS Binding Secret Key(s) (0/${account.securityIid}/8)`);
      let policy: SmsSecurityPolicy;
      try {
        policy = new SmsSecurityPolicy({ keyParameters: account.smsKeyParameters, secretKeys: keys, serverNumber: number, counters: this.o.counters, crypto: host.crypto, counterName: `sms.${account.securityIid}` });
      } catch (e) {
        throw new ClientError('unsupported-security', `${account.uri}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        wipe(keys);
      }
      return { channel: new SmsDatagramChannel({ bearer: this.o.bearer, host, peerNumber: number, framing: { kind: 'secured', policy }, maxDatagramSize: this.o.maxDatagramSize }), security: 'sms-secured' };
    }
    if (mode === SmsSecurityMode.NoSec) {
      host.log('warn', 'lwm2m: NoSec over SMS — this server is reached by UNPROTECTED SMS; anyone who can send an SMS from a spoofed number can talk to this device', { uri: account.uri, number });
      return { channel: new SmsDatagramChannel({ bearer: this.o.bearer, host, peerNumber: number, framing: { kind: 'plain' }, maxDatagramSize: this.o.maxDatagramSize }), security: 'nosec' };
    }
    if (mode === SmsSecurityMode.DTLS) {
      const psk = dm.secret(account.securityIid, 8);
      if (!psk || psk.length === 0) throw new ClientError('bad-config', `${account.uri}: DTLS over SMS needs its PSK in 0/${account.securityIid}/8`);
      if (account.identity.length === 0) {
        wipe(psk);
        throw new ClientError('bad-config', `${account.uri}: DTLS over SMS needs its PSK identity in 0/${account.securityIid}/3`);
      }
      const lower = new SmsDatagramChannel({ bearer: this.o.bearer, host, peerNumber: number, framing: { kind: 'plain' }, maxDatagramSize: this.o.maxDatagramSize });
      let client: DtlsClient;
      try {
        client = new DtlsClient(host, lower, { retransmit: SMS_DTLS_RETRANSMIT, ...this.o.dtls, psk, identity: account.identity });
      } finally {
        wipe(psk);
      }
      try {
        await client.connect();
      } catch (e) {
        lower.close();
        throw e;
      }
      return { channel: client, security: 'dtls-psk', cipherSuite: client.negotiated.cipherSuite ?? undefined };
    }
    throw new ClientError('unsupported-security', `${account.uri}: SMS Security Mode ${mode ?? '(unset)'} is not supported (1 DTLS, 2 secured packets, 3 NoSec)`);
  }

  /**
   * Closes the channel (wiping its keys) once the registration it serves has run out: `lifetimeS` after it
   * was opened, pushed back by each successful Register/Update (`registered`), plus a short grace.
   */
  private bounded(opened: OpenedChannel, lifetimeS: number): OpenedChannel {
    const host = this.host;
    const channel = opened.channel;
    let timer: TimerHandle | null = null;
    const expire = () => {
      timer = null;
      host.log('info', 'sms: the registration lifetime ran out: channel closed, its keys wiped');
      const onClose = channel.onClose;
      let reported = false;
      channel.onClose = (r) => {
        reported = true;
        onClose?.(r ?? new ClientError('registration-failed', 'SMS session keys expired with the registration lifetime'));
      };
      close();
      if (!reported) onClose?.(new ClientError('registration-failed', 'SMS session keys expired with the registration lifetime'));
    };
    const arm = (s: number) => {
      if (timer) host.clearTimer(timer);
      timer = host.setTimer(Math.max(1, s) * 1000 + LIFETIME_GRACE_MS, expire);
    };
    const close = channel.close.bind(channel);
    channel.close = () => {
      if (timer) host.clearTimer(timer);
      timer = null;
      close();
    };
    arm(lifetimeS);
    return { ...opened, registered: (s) => arm(s) };
  }
}

/** Time allowed past the lifetime for an Update in flight over SMS. */
const LIFETIME_GRACE_MS = 2_000;

/** Opens each account over UDP/DTLS or SMS according to its binding; for U+S it also offers the SMS side. */
export class BindingConnector implements Connector {
  constructor(
    private readonly udp: Connector,
    readonly sms: SmsConnector,
  ) {}

  open(account: ServerAccount, dm: DataModel): Promise<OpenedChannel> {
    return usesSmsForRegistration(account) ? this.sms.open(account, dm) : this.udp.open(account, dm);
  }

  /** The SMS channel of a U+S account (registered over UDP, reachable by SMS: wake-up triggers). */
  openSms(account: ServerAccount, dm: DataModel): Promise<OpenedChannel> | null {
    if (usesSmsForRegistration(account) || !account.binding.includes('S') || account.smsSecurityMode === undefined) return null;
    return this.sms.open(account, dm);
  }

  /** A UDP/DTLS connection sleeps through the UDP connector; SMS channels are never sealed. */
  sleep(opened: OpenedChannel, account: ServerAccount): boolean {
    return !usesSmsForRegistration(account) && !!this.udp.sleep?.(opened, account);
  }
}
