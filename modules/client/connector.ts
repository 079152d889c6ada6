/**
 * Opens the datagram channel to a server account: plain UDP for coap:// (NoSec), DTLS 1.2 over UDP for
 * coaps:// with the account's PSK (Security Mode 0), raw public keys (Mode 1, RFC 7250) or X.509 (Mode 2), the
 * last two on TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (RFC 7925 §4.3, §4.4). Secrets (0/x/5) are read from the
 * Security Object only for the handshake and wiped as soon as the DTLS layer has its own copy.
 */
import { wipe } from '../bytes/index';
import { DtlsClient } from '../dtls/client';
import { CipherSuiteId } from '../dtls/constants';
import { type EcdsaCredentials, pinnedRawPublicKey } from '../dtls/credentials';
import { privateKeyFromResource, publicKeyFromResource } from '../x509/keys';
import { verifyChain } from '../x509/verify';
import { X509Error } from '../x509/errors';
import type { DtlsClientOptions } from '../dtls/client';
import type { CoapConfig } from '../coap/endpoint';
import { exportSession, importSession, wipeSession, type DtlsSession } from '../dtls/session';
import { sleepInto, takeSleepState, wipeSleepState, type SleepStore } from '../dtls/sleep';
import type { KeyStore } from '../store/key-store';
import type { Host } from '../host';
import type { DataModel } from '../lwm2m/data-model';
import { udpChannel, type DatagramChannel } from '../transport/types';
import { SecurityMode, type ServerAccount } from './accounts';
import { ClientError } from './errors';
import { parseServerUri } from './uri';

export interface OpenedChannel {
  channel: DatagramChannel;
  /**
   * 'nosec' (coap:// or SMS mode 3), 'dtls-psk' (over UDP or SMS), 'dtls-rpk', 'dtls-x509', 'sms-secured'
   * (TS 102 225 packets terminated on the device) or 'sms-uicc' (TS 102 225 packets terminated on the
   * smartcard, SMS mode 2 with a UICC: modules/uicc CardSmsConnector).
   */
  security: 'nosec' | 'dtls-psk' | 'dtls-rpk' | 'dtls-x509' | 'sms-secured' | 'sms-uicc';
  /** Called after each successful Register or Update: keys tied to the registration may live `lifetimeS` more seconds. */
  registered?(lifetimeS: number): void;
  /** CoAP transmission parameters this channel needs (e.g. SMS latency), over the client's own. */
  coap?: Partial<CoapConfig>;
  /** DTLS session for resumption, when the channel is DTLS. */
  session?: () => DtlsSession | null;
  resumed?: boolean;
  /** The negotiated DTLS cipher suite (IANA number). */
  cipherSuite?: number;
  /** True when the channel is a connection woken from deep sleep (no handshake at all). */
  woken?: boolean;
}

/** How the client reaches a server. Hosts with a modem or SMS provide their own. */
export interface Connector {
  open(account: ServerAccount, dm: DataModel): Promise<OpenedChannel>;
  /** For an account bound to UDP and SMS (U+S): the SMS channel on which the server can reach the device, or null. */
  openSms?(account: ServerAccount, dm: DataModel): Promise<OpenedChannel> | null;
  /**
   * Seals an opened channel for deep sleep without close_notify (modules/dtls/sleep.ts), so that the next `open`
   * for the account wakes it with no handshake. False when it cannot (not DTLS, not established, no store).
   */
  sleep?(opened: OpenedChannel, account: ServerAccount): boolean;
}

export interface UdpDtlsConnectorOptions {
  /** DTLS settings beyond the PSK (timers, MFL, suites). */
  dtls?: Omit<DtlsClientOptions, 'psk' | 'identity' | 'session'>;
  /** Called with a session to resume for an account (e.g. from the KeyStore), and told of new ones. */
  sessions?: { load(account: ServerAccount): DtlsSession | null; save(account: ServerAccount, s: DtlsSession): void; forget?(account: ServerAccount): void };
  /** Host names the host cannot resolve itself (Moddable UDP takes IP addresses only). */
  resolve?: (host: string) => string;
  /** Local address the UDP sockets bind to (e.g. one interface, or '::' for IPv6); default: the host's choice. */
  localAddress?: string;
  /**
   * Local UDP port the sockets bind to; default an ephemeral one. A fixed port lets a server without Connection ID
   * (RFC 9146) recognise a connection woken from sleep by its address, where no NAT changes the mapping.
   */
  localPort?: number;
  /** Certificate mode: the host's trust store (DER certificates), needed by Certificate Usage 0 and 1. */
  trustAnchors?: Uint8Array[];
  /**
   * Certificate mode: wall-clock ms since 1970, or undefined when the host has no clock. Without one, certificate
   * validity periods are not checked (the other checks are); with Usage 3 (the default) they never are (RFC 7671 §5.1).
   */
  wallClock?: () => number | undefined;
  /**
   * Connections that survive deep sleep (modules/dtls/sleep.ts): before the host sleeps, `sleepConnection` seals
   * the connection here; the next `open` for the account wakes it with no handshake. If the server has forgotten
   * it, the caller's request times out and the next `open` falls back to resumption, then to a full handshake.
   */
  sleep?: SleepStore;
}

/** KeyStore name of an account's sleeping connection. */
export function sleepName(account: ServerAccount): string {
  return `dtls.sleep.${account.securityIid}.${account.ssid ?? 'bs'}`;
}

/** Seals an opened DTLS channel for deep sleep (no close_notify). False when it cannot sleep. */
export function sleepConnection(opened: OpenedChannel, account: ServerAccount, store: SleepStore): boolean {
  if (!(opened.channel instanceof DtlsClient)) return false;
  return sleepInto(opened.channel, store, sleepName(account));
}

/**
 * The ECDHE_ECDSA credentials of a Security Object instance. Mode 1 (RPK): 0/x/3 our public key and 0/x/4 the
 * server's (SubjectPublicKeyInfo DER, 04‖X‖Y or X‖Y), 0/x/5 our private key (PKCS#8, SEC1 or the 32-byte scalar).
 * Mode 2 (Certificate): 0/x/3 our certificate (DER), 0/x/4 the server certificate or its CA as 0/x/15 says,
 * 0/x/5 our private key. Throws ClientError('bad-config') naming the resource that is unusable.
 */
export function ecdsaCredentials(account: ServerAccount, dm: DataModel, host: string, opts: UdpDtlsConnectorOptions, crypto: Host['crypto']): EcdsaCredentials {
  const where = (rid: number) => `0/${account.securityIid}/${rid}`;
  const secret = dm.secret(account.securityIid, 5);
  if (!secret || secret.length === 0) throw new ClientError('bad-config', `${account.uri}: no private key (${where(5)})`);
  let privateKey: Uint8Array;
  try {
    privateKey = privateKeyFromResource(secret);
  } catch (e) {
    throw new ClientError('bad-config', `${account.uri}: ${where(5)} is not a P-256 private key (${e instanceof X509Error ? e.message : 'unreadable'})`);
  } finally {
    wipe(secret);
  }
  const fail = (rid: number, e: unknown): never => {
    wipe(privateKey);
    throw new ClientError('bad-config', `${account.uri}: ${where(rid)}: ${e instanceof X509Error ? e.message : String(e)}`);
  };
  if (account.securityMode === SecurityMode.RPK) {
    let serverKey: Uint8Array;
    let ownKey: Uint8Array | undefined;
    try {
      serverKey = publicKeyFromResource(account.serverPublicKey, 'server public key');
    } catch (e) {
      return fail(4, e);
    }
    if (account.identity.length) {
      try {
        ownKey = publicKeyFromResource(account.identity, 'client public key');
      } catch (e) {
        return fail(3, e);
      }
    }
    return { type: 'rpk', privateKey, publicKey: ownKey, verifyPeer: pinnedRawPublicKey(serverKey) };
  }
  if (account.identity.length === 0) return fail(3, 'no client certificate');
  if (account.serverPublicKey.length === 0) return fail(4, 'no server or CA certificate');
  const usageValue = dm.security.read(account.securityIid)?.get(15);
  const usage = typeof usageValue === 'number' ? usageValue : 3;
  const pinned = account.serverPublicKey.slice();
  return {
    type: 'x509',
    privateKey,
    chain: [account.identity.slice()],
    verifyPeer: (_type, certs) => verifyChain(certs, { crypto, usage, pinned, trustAnchors: opts.trustAnchors, host, now: opts.wallClock }).publicKey,
  };
}

/**
 * DTLS sessions kept sealed in the KeyStore (RFC 7925 §10: keep session state as long as possible, protected
 * as well as the PSK), so a device that sleeps or reboots resumes with an abbreviated handshake. The
 * record is named after the server URI and identity; a resumption the server refuses falls back to a
 * full handshake by itself.
 */
export function keyStoreSessions(keys: KeyStore): NonNullable<UdpDtlsConnectorOptions['sessions']> {
  const name = (a: ServerAccount) => `dtls.${a.securityIid}.${a.ssid ?? 'bs'}`;
  return {
    load(account) {
      const blob = keys.get(name(account));
      if (!blob) return null;
      try {
        return importSession(blob);
      } catch {
        keys.delete(name(account));
        return null;
      } finally {
        wipe(blob);
      }
    },
    save(account, session) {
      const blob = exportSession(session);
      try {
        keys.put(name(account), blob);
      } finally {
        wipe(blob);
        wipeSession(session);
      }
    },
    forget(account) {
      keys.delete(name(account));
    },
  };
}

export class UdpDtlsConnector implements Connector {
  constructor(
    private readonly host: Host,
    private readonly opts: UdpDtlsConnectorOptions = {},
  ) {}

  private socket() {
    const port = this.opts.localPort ?? 0;
    return this.host.udp!(this.opts.localAddress === undefined ? { port } : { port, address: this.opts.localAddress });
  }

  sleep(opened: OpenedChannel, account: ServerAccount): boolean {
    return this.opts.sleep ? sleepConnection(opened, account, this.opts.sleep) : false;
  }

  async open(account: ServerAccount, dm: DataModel): Promise<OpenedChannel> {
    const uri = parseServerUri(account.uri);
    if (uri.scheme === 'sms') throw new ClientError('unsupported-security', `${account.uri}: the SMS binding needs a modem connector`);
    if (!this.host.udp) throw new ClientError('bad-config', 'this host has no UDP sockets');
    const address = uri.host === 'localhost' ? '127.0.0.1' : this.opts.resolve ? this.opts.resolve(uri.host) : uri.host;
    if (uri.scheme === 'coap') {
      if (account.securityMode !== SecurityMode.NoSec) throw new ClientError('unsupported-security', `${account.uri}: coap:// needs Security Mode 3 (NoSec), the account has ${account.securityMode}`);
      this.host.log('warn', 'lwm2m: NoSec — this server is reached WITHOUT DTLS; only acceptable where the link itself is secured', { uri: account.uri });
      return { channel: udpChannel(this.socket(), address, uri.port), security: 'nosec' };
    }
    if (account.securityMode === SecurityMode.RPK || account.securityMode === SecurityMode.Certificate) return this.openEcdsa(account, dm, uri.host, address, uri.port);
    if (account.securityMode !== SecurityMode.PSK) {
      throw new ClientError('unsupported-security', `${account.uri}: Security Mode ${account.securityMode} (${['PSK', 'RPK', 'Certificate', 'NoSec', 'EST'][account.securityMode] ?? '?'}) is not supported over DTLS; use PSK (0), RPK (1) or Certificate (2)`);
    }
    const psk = dm.secret(account.securityIid, 5);
    if (!psk || psk.length === 0) throw new ClientError('bad-config', `${account.uri}: no Secret Key (0/${account.securityIid}/5) for PSK mode`);
    if (account.identity.length === 0) throw new ClientError('bad-config', `${account.uri}: no PSK identity (0/${account.securityIid}/3)`);
    const woken = this.wake(account, address, uri.port);
    if (woken) return woken;
    const lower = udpChannel(this.socket(), address, uri.port);
    const session = this.opts.sessions?.load(account) ?? undefined;
    // 0/x/16 picks the suites, e.g. TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 for a low-entropy bootstrap secret.
    const supported = account.cipherSuites.filter((id) => id === CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8 || id === CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256);
    if (account.cipherSuites.length > 0 && supported.length === 0) {
      wipe(psk);
      lower.close();
      throw new ClientError('unsupported-security', `${account.uri}: none of the configured DTLS cipher suites (0/${account.securityIid}/16) is supported; PSK mode offers 0xC0A8 and 0xC037`);
    }
    let client: DtlsClient;
    try {
      client = new DtlsClient(this.host, lower, { ...this.opts.dtls, ...(supported.length ? { cipherSuites: supported } : {}), psk, identity: account.identity, session: session ?? undefined });
    } finally {
      wipe(psk);
    }
    return this.handshake(client, lower, account, session, 'dtls-psk');
  }

  /** A sealed sleeping connection for the account, woken on a fresh socket (a new NAT mapping is fine with a CID). */
  private wake(account: ServerAccount, address: string, port: number): OpenedChannel | null {
    if (!this.opts.sleep) return null;
    const w = takeSleepState(this.opts.sleep, sleepName(account));
    if (!w) return null;
    const lower = udpChannel(this.socket(), address, port);
    let client: DtlsClient;
    try {
      client = new DtlsClient(this.host, lower, { ...(this.opts.dtls as DtlsClientOptions), wake: w });
    } catch (e) {
      lower.close();
      this.host.log('warn', 'dtls: sealed sleep state unusable, handshaking instead', { uri: account.uri });
      return null;
    } finally {
      wipeSleepState(w.state);
    }
    const security = account.securityMode === SecurityMode.RPK ? 'dtls-rpk' : account.securityMode === SecurityMode.Certificate ? 'dtls-x509' : 'dtls-psk';
    return { channel: client, security, session: () => client.exportSession(), resumed: true, woken: true, cipherSuite: client.negotiated.cipherSuite ?? undefined };
  }

  /** Security Modes 1 and 2: TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, the only suite RFC 7925 §4.3/§4.4 asks for. */
  private async openEcdsa(account: ServerAccount, dm: DataModel, uriHost: string, address: string, port: number): Promise<OpenedChannel> {
    if (account.cipherSuites.length > 0 && account.cipherSuites.indexOf(CipherSuiteId.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8) < 0) {
      throw new ClientError('unsupported-security', `${account.uri}: Security Mode ${account.securityMode} needs TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (0xC0AE) in 0/${account.securityIid}/16`);
    }
    const woken = this.wake(account, address, port);
    if (woken) return woken;
    const certificate = ecdsaCredentials(account, dm, uriHost.replace(/^\[|\]$/g, ''), this.opts, this.host.crypto);
    const lower = udpChannel(this.socket(), address, port);
    const session = this.opts.sessions?.load(account) ?? undefined;
    let client: DtlsClient;
    try {
      const { psk: _p, identity: _i, ...dtls } = (this.opts.dtls ?? {}) as DtlsClientOptions;
      client = new DtlsClient(this.host, lower, { ...dtls, cipherSuites: [CipherSuiteId.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8], certificate, session });
    } catch (e) {
      lower.close();
      throw e;
    } finally {
      wipe(certificate.privateKey);
    }
    return this.handshake(client, lower, account, session, account.securityMode === SecurityMode.RPK ? 'dtls-rpk' : 'dtls-x509');
  }

  /** Runs the handshake; on success stores the session for resumption, on failure forgets the stale one. */
  private async handshake(client: DtlsClient, lower: DatagramChannel, account: ServerAccount, session: DtlsSession | null | undefined, security: OpenedChannel['security']): Promise<OpenedChannel> {
    try {
      await client.connect();
    } catch (e) {
      lower.close();
      if (session) this.opts.sessions?.forget?.(account);
      throw e;
    } finally {
      if (session) wipeSession(session);
    }
    const exported = client.exportSession();
    if (exported && this.opts.sessions) this.opts.sessions.save(account, exported);
    return { channel: client, security, session: () => client.exportSession(), resumed: client.resumed, cipherSuite: client.negotiated.cipherSuite ?? undefined };
  }
}
