/**
 * The LwM2M client: the Bootstrap, Registration, Device Management and Information Reporting
 * interfaces (OMA LwM2M 1.1 Core §6) driven over CoAP, over DTLS or plain UDP, for every server
 * account in the data model. Host-neutral: time, sockets and randomness come from the Host.
 *
 * Life cycle: start() -> (client-initiated bootstrap when there is no usable DM account, after the
 * Client Hold Off Time) -> Register with each DM server -> Updates before the lifetime runs out and
 * when the object set changes -> stop() de-registers. Registration that keeps failing falls back to
 * bootstrap when a Bootstrap-Server account exists.
 */
import { utf8Decode, utf8Encode } from '../bytes/index';
import { Method, codeClass, codeString } from '../coap/codes';
import { CoapEndpoint, type CoapConfig, type IncomingRequest, type ResponseSpec } from '../coap/endpoint';
import { Option, getStrings, getUint } from '../coap/options';
import type { Host, TimerHandle } from '../host';
import type { DataModel } from '../lwm2m/data-model';
import { MAX_PERIOD_S, MIN_LIFETIME_S } from '../lwm2m/objects/server';
import { DeviceObject } from '../lwm2m/objects/device';
import type { ExecuteHandler } from '../lwm2m/model';
import { decodeSenmlCbor, encodeSenmlCbor } from '../lwm2m/formats/senml-cbor';
import { ContentFormat, formatPath, parsePath, type Entry, type Path } from '../lwm2m/types';
import { readAccounts, type ServerAccount } from './accounts';
import { UdpDtlsConnector, type Connector, type OpenedChannel, type UdpDtlsConnectorOptions } from './connector';
import { saveRegistration, takeRegistration, type SavedRegistration } from './sleep';
import { observationsName, saveObservations, takeObservations, type SavedObservations } from './sleep-observations';
import { DEVICE_PROFILE } from '../profile';
import type { SleepStore } from '../dtls/sleep';
import type { CoapResponse } from '../coap/endpoint';
import { ClientError } from './errors';
import { Observer } from './observer';
import { mapRequest } from './requests';
import type { FirmwareUpdate } from '../fota/update';
import type { BlockValue } from '../coap/block';
import { Rights } from '../lwm2m/access';

export type ClientEvent =
  | { type: 'bootstrap-start'; uri: string }
  | { type: 'bootstrap-request-sent'; uri: string }
  | { type: 'bootstrap-op'; op: string; path: string; code: number }
  | { type: 'bootstrap-finished'; accounts: number }
  | { type: 'bootstrap-failed'; reason: string; retryInMs: number }
  | { type: 'bootstrap-account-purged' }
  | { type: 'connected'; ssid: number | undefined; uri: string; security: OpenedChannel['security']; resumed: boolean; cipherSuite?: number; woken?: boolean }
  | { type: 'registered'; ssid: number; uri: string; location: string; lifetime: number }
  | { type: 'registration-failed'; ssid: number; uri: string; reason: string; retryInMs: number; failures: number }
  | { type: 'updated'; ssid: number; withObjects: boolean }
  | { type: 'deregistered'; ssid: number }
  | { type: 'request'; ssid: number; op: string; path: string; code: number }
  | { type: 'observe'; ssid: number; path: string; active: number }
  | { type: 'notify'; ssid: number; path: string }
  | { type: 'sleep-allowed'; untilMs: number }
  /** `sleep()` done: connections sealed without close_notify, registrations kept for the Update after the wake. */
  | { type: 'sleeping'; sealed: number; registrations: number }
  /** The first Update on a woken connection went unanswered: the server forgot it; handshaking again. */
  | { type: 'wake-fallback'; ssid: number; uri: string }
  /** After the woken Update: observations kept across sleep go on (same tokens, larger Observe numbers). */
  | { type: 'observations-resumed'; ssid: number; count: number }
  | { type: 'stopped' }
  | { type: 'device-restart'; reason: 'reboot' | 'factory-reset'; inPlace: boolean };

export interface RetryPolicy {
  /** First retry delay; doubled after each failure up to maxMs. */
  initialMs: number;
  maxMs: number;
  /** Consecutive registration failures before falling back to bootstrap (when a Bootstrap-Server account exists). */
  failuresBeforeBootstrap: number;
}

export interface Lwm2mClientOptions {
  host: Host;
  endpointName: string;
  dataModel: DataModel;
  connector?: Connector;
  /** For the default connector: where DTLS sessions are kept for resumption (e.g. keyStoreSessions(keys)). */
  sessions?: UdpDtlsConnectorOptions['sessions'];
  /** For the default connector: the local address UDP sockets bind to (default: the host's, 0.0.0.0 on Node). */
  localAddress?: string;
  /** For the default connector: a fixed local UDP port (default: ephemeral); see UdpDtlsConnectorOptions.localPort. */
  localPort?: number;
  coap?: Partial<CoapConfig>;
  retry?: Partial<RetryPolicy>;
  /** How long to wait for Bootstrap-Finish after the Bootstrap-Request was accepted. Default 120 s. */
  bootstrapTimeoutMs?: number;
  /** Send the Update this long before the lifetime runs out (default: 10 % of the lifetime, at least 2 s). */
  updateMarginMs?: (lifetimeS: number) => number;
  /** The device's own MSISDN, sent as `sms=` in Register when the account's binding includes S (Core 1.1 §6.2.1). */
  smsNumber?: string;
  /** Queue mode (binding with Q): idle time after the last exchange before sleep is allowed. Default 93 s (CoAP MAX_TRANSMIT_WAIT). */
  queueIdleMs?: number;
  onEvent?: (e: ClientEvent) => void;
  /**
   * The Object 5 engine (modules/fota), when the device updates over the air: a new image is confirmed
   * once it registered, Package writes in Block1 blocks stream to it block by block, and its state
   * changes reach observers of /5/0.
   */
  firmware?: FirmwareUpdate;
  /**
   * Deep sleep (`sleep()`): where sealed DTLS connections (modules/dtls/sleep.ts) and the registrations they
   * carry are kept: the device's KeyStore and CounterStore. The default connector uses it too; a host that builds
   * its own UdpDtlsConnector gives it the same store (`sleep` option).
   */
  sleep?: SleepStore;
  /**
   * After a wake, how long the first Update on a woken connection may go unanswered before the client takes it
   * that the server forgot the connection and opens a new one (resumption, then a full handshake). Default
   * 3 × ACK_TIMEOUT (6 s with the RFC 7252 defaults): the first transmission and one retransmission.
   */
  wakeTimeoutMs?: number;
}

const DEFAULT_RETRY: RetryPolicy = { initialMs: 5_000, maxMs: 300_000, failuresBeforeBootstrap: 3 };
Object.freeze(DEFAULT_RETRY);
/** Reboot / Factory Reset start this long after their 2.04, so the response (and its retransmissions) are served. */
const DEVICE_ACTION_DELAY_MS = 1_000;
const LWM2M_VERSION = '1.1';

/** The connection to one DM server. */
class ServerSession {
  endpoint: CoapEndpoint | null = null;
  opened: OpenedChannel | null = null;
  observer: Observer | null = null;
  location: string[] | null = null;
  updateTimer: TimerHandle | null = null;
  retryTimer: TimerHandle | null = null;
  failures = 0;
  registeredLifetime = 0;
  /** Objects/instances changed since the last Register/Update: the next Update carries the links. */
  objectsChanged = false;
  firstPayloads = new Map<string, Uint8Array>();
  /** U+S: the SMS channel on which this server can reach the device (wake-up triggers). */
  sms: { opened: OpenedChannel; endpoint: CoapEndpoint } | null = null;
  constructor(public account: ServerAccount) {}
  get ssid(): number {
    return this.account.ssid!;
  }
}

export class Lwm2mClient {
  private readonly host: Host;
  private readonly dm: DataModel;
  private readonly connector: Connector;
  private readonly retry: RetryPolicy;
  private readonly sessions = new Map<number, ServerSession>();
  private bootstrapping: Promise<void> | null = null;
  private bootstrapTimer: TimerHandle | null = null;
  private purgeTimer: TimerHandle | null = null;
  private idleTimer: TimerHandle | null = null;
  private stopped = false;
  /** Set by sleep(): start() or wake() brings the client back. */
  private asleep = false;
  private bootstrapFailures = 0;
  private deviceAction: 'reboot' | 'factory-reset' | null = null;

  constructor(private readonly opts: Lwm2mClientOptions) {
    if (!/^[\x21-\x7e]{1,64}$/.test(opts.endpointName) || /[&=?]/.test(opts.endpointName)) {
      throw new ClientError('bad-config', 'endpoint name must be 1-64 printable ASCII characters without &, = or ?');
    }
    this.host = opts.host;
    this.dm = opts.dataModel;
    // With deep sleep, offer a Connection ID (RFC 9146; ours zero-length): a wake usually comes from a new NAT mapping.
    this.connector = opts.connector ?? new UdpDtlsConnector(opts.host, { sessions: opts.sessions, localAddress: opts.localAddress, localPort: opts.localPort, sleep: opts.sleep, wallClock: () => opts.host.wallClock?.(), ...(opts.sleep ? { dtls: { connectionId: new Uint8Array(0) } } : {}) });
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.dm.setHooks({
      onCancelObservations: (ssid) => this.sessions.get(ssid)?.observer?.cancelAll(),
      onDeregister: (ssid) => {
        // Unbootstrapping step 5. The Security instance is removed right after this call: take the session now.
        const s = this.sessions.get(ssid);
        if (s) {
          // The account is going: so is any DTLS session kept for it.
          this.opts.sessions?.forget?.(s.account);
          void this.deregister(s)
            .catch(() => {}) // the server may be unreachable; the account goes regardless
            .finally(() => this.closeSession(s));
        }
      },
    });
    // Registration Update Trigger (1/x/8) and Bootstrap-Request Trigger (1/x/9).
    this.dm.servers.onExecute.set(8, (iid) => {
      const ssid = this.dm.servers.read(iid)?.get(0);
      const s = typeof ssid === 'number' ? this.sessions.get(ssid) : undefined;
      if (s) this.host.setTimer(0, () => void this.update(s.ssid).catch(() => {}));
      return 0x44;
    });
    opts.firmware?.onChanged(() => {
      for (const s of this.sessions.values()) s.observer?.changed([5, 0]);
    });
    this.dm.servers.onExecute.set(9, () => {
      this.host.setTimer(0, () => this.bootstrapInBackground());
      return 0x44;
    });
    // Device Reboot (3/0/4), Factory Reset (3/0/5) and Current Time (3/0/13) from the host, unless the
    // application wired its own.
    const device = this.dm.object(3);
    if (device instanceof DeviceObject) {
      for (const [rid, kind] of [[4, 'reboot'], [5, 'factory-reset']] as const) {
        // Ours (from an earlier client on this data model) are replaced; the application's are kept.
        const existing = device.onExecute.get(rid) as (ExecuteHandler & { lwm2mClient?: true }) | undefined;
        if (existing && !existing.lwm2mClient) continue;
        const handler: ExecuteHandler & { lwm2mClient?: true } = () => this.scheduleDeviceAction(kind);
        handler.lwm2mClient = true;
        device.onExecute.set(rid, handler);
      }
      const host = this.host;
      if (!device.hasClock() && host.wallClock) device.useClock(() => host.wallClock!());
    }
  }

  /** Answers the Execute with 2.04 and acts a moment later (the response must leave first). */
  private scheduleDeviceAction(kind: 'reboot' | 'factory-reset'): number {
    if (kind === 'factory-reset' && !this.dm.hasFactoryConfiguration()) return 0x85; // nothing to return to
    if (this.deviceAction) return 0x44;
    this.deviceAction = kind;
    this.host.setTimer(DEVICE_ACTION_DELAY_MS, () => {
      this.runDeviceAction(kind).catch((e) => this.emit({ type: 'bootstrap-failed', reason: describe(e), retryInMs: 0 }));
    });
    return 0x44;
  }

  /**
   * Reboot: De-register from every server, then restart as the host restarts. Factory Reset: the same, with the
   * configuration (Objects 0/1/2, stored DTLS sessions) returned to the factory one in between, so the device
   * starts over from its factory (bootstrap) accounts.
   */
  private async runDeviceAction(kind: 'reboot' | 'factory-reset'): Promise<void> {
    const accounts = readAccounts(this.dm);
    await this.stop({ deregister: true });
    if (kind === 'factory-reset') {
      for (const a of accounts) this.opts.sessions?.forget?.(a);
      this.dm.factoryReset();
    }
    const inPlace = !this.host.restart;
    this.emit({ type: 'device-restart', reason: kind, inPlace });
    if (!inPlace) {
      this.host.restart!();
      return;
    }
    this.stopped = false;
    this.deviceAction = null;
    this.bootstrapFailures = 0;
    await this.start();
  }

  /** Request bodies may carry a PSK (Bootstrap-Write of 0/x/5): the endpoint zeroes them once handled. */
  private coapConfig(channel?: Partial<CoapConfig>): Partial<CoapConfig> {
    return { ...this.opts.coap, ...channel, wipeRequestPayloads: true };
  }

  private emit(e: ClientEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // An application's event handler must not break the protocol machine.
    }
  }

  /** Registered DM servers: Short Server ID -> registration location ("/rd/xyz"). */
  registrations(): Map<number, string> {
    const out = new Map<number, string>();
    for (const [ssid, s] of this.sessions) if (s.location) out.set(ssid, '/' + s.location.join('/'));
    return out;
  }

  /** Observations per server, for status displays. */
  observations(): { ssid: number; paths: string[] }[] {
    return [...this.sessions.values()].map((s) => ({ ssid: s.ssid, paths: s.observer?.paths() ?? [] }));
  }

  /**
   * Starts the client: registers with every DM account, or bootstraps first when there is none.
   * Resolves once every DM server has been tried once (registered or scheduled for retry).
   */
  async start(): Promise<void> {
    if (this.asleep) {
      this.asleep = false;
      this.stopped = false;
    }
    if (this.stopped) throw new ClientError('stopped', 'the client was stopped');
    const dmAccounts = readAccounts(this.dm).filter((a) => !a.bootstrap);
    if (dmAccounts.length === 0) {
      await this.runBootstrap();
      return;
    }
    await Promise.all(dmAccounts.map((a) => this.registerAccount(a)));
  }

  /** The application says a resource value changed (e.g. a new sensor reading): observers may be notified. */
  changed(path: string | Path): void {
    const p = typeof path === 'string' ? parsePath(path) : path;
    for (const s of this.sessions.values()) s.observer?.changed(p);
  }

  /** Sends a Registration Update to one server (or all), carrying the object links when they changed. */
  async update(ssid?: number): Promise<void> {
    const targets = ssid === undefined ? [...this.sessions.values()] : [this.sessions.get(ssid)].filter((s): s is ServerSession => !!s);
    await Promise.all(targets.map((s) => this.sendUpdate(s)));
  }

  /**
   * Send (Core §6.4.4, LwM2M 1.1): pushes the current values of `paths` to a DM server as one SenML CBOR
   * pack (POST /dp), without the server asking. Only what that server may read is sent; a server whose
   * Mute Send (1/x/23) is true gets nothing. Resolves with the server's response code.
   */
  async send(paths: string[], ssid?: number): Promise<number> {
    const s = ssid === undefined ? [...this.sessions.values()].find((x) => x.location) : this.sessions.get(ssid);
    if (!s || !s.endpoint || !s.location) throw new ClientError('no-account', ssid === undefined ? 'Send needs a registered DM server' : `not registered with server ${ssid}`);
    const srv = s.account.serverIid === undefined ? undefined : this.dm.servers.read(s.account.serverIid);
    if (srv?.get(23) === true) throw new ClientError('bad-config', `server ${s.ssid} has Mute Send set`);
    const entries: Entry[] = [];
    for (const p of paths) {
      const path = parsePath(p);
      const r = this.dm.handle({ kind: 'read', path, accept: ContentFormat.SenmlCbor }, { kind: 'server', shortServerId: s.ssid });
      if (r.code !== 0x45 || !r.payload) throw new ClientError('bad-config', `Send: ${p} is not readable by server ${s.ssid} (${codeString(r.code)})`);
      for (const e of decodeSenmlCbor(path, r.payload, this.dm.resolve)) entries.push(e);
    }
    const resp = await s.endpoint.request({ method: 'POST', path: ['dp'], contentFormat: ContentFormat.SenmlCbor, payload: encodeSenmlCbor([], entries) });
    this.activity(s);
    return resp.code;
  }

  /**
   * Queue mode: the device woke up (timer or sensor); tell the servers so they deliver what they queued. After
   * `sleep()`, this is `start()`: the sealed connections wake and the first message to each server is an Update.
   */
  async wake(): Promise<void> {
    if (this.asleep) return this.start();
    await this.update();
  }

  /**
   * Before the host deep-sleeps (e.g. on `sleep-allowed` in queue mode, Core §6.5): with the `sleep` store, every
   * established DTLS connection is sealed without close_notify (modules/dtls/sleep.ts) and every registration
   * is kept, then every socket and timer is released, as stop() does but without De-register. After the wake
   * (`wake()`/`start()` on this client, or `start()` on a new client over the same stores after a restart) the
   * first datagram to each server is an application record carrying a Registration Update: no handshake. A
   * server that forgot the connection stays silent; after `wakeTimeoutMs` the client opens a new one (resumption,
   * then a full handshake) and sends the Update again, or registers when the server forgot the registration too.
   * Nothing wakes the client by itself: the host must call `wake()` (or restart) before the registration's
   * lifetime runs out (`sleep-allowed` says when the next Update is due). Resolves with how many were sealed.
   */
  async sleep(): Promise<number> {
    if (this.stopped) return 0;
    this.stopped = true;
    this.asleep = true;
    for (const t of [this.bootstrapTimer, this.purgeTimer, this.idleTimer]) if (t) this.host.clearTimer(t);
    this.bootstrapTimer = this.purgeTimer = this.idleTimer = null;
    let sealed = 0;
    let kept = 0;
    for (const s of [...this.sessions.values()]) {
      const opened = s.opened;
      if (this.opts.sleep && s.location && opened) {
        // The registration first: a power cut between the two leaves a registration without a connection
        // (handshake, then Update), never a woken connection that registers again for nothing.
        // The observations before the registration: they are only taken back with a kept registration.
        this.keepObservations(s);
        try {
          saveRegistration(this.opts.sleep.keys, s.ssid, { uri: s.account.uri, location: s.location, lifetimeS: s.registeredLifetime, objectsChanged: s.objectsChanged });
          kept++;
          opened.channel.onClose = null;
          if (this.connector.sleep?.(opened, s.account)) sealed++;
        } catch (e) {
          this.host.log('warn', 'lwm2m: could not keep the connection across sleep', { uri: s.account.uri, error: describe(e) });
        }
      }
      this.closeSession(s);
    }
    this.emit({ type: 'sleeping', sealed, registrations: kept });
    return sealed;
  }

  /** sleep(): the server's observations, kept for the notifications after the wake (./sleep-observations.ts). */
  private keepObservations(s: ServerSession): void {
    const keys = this.opts.sleep!.keys;
    try {
      if (s.observer && s.endpoint && s.observer.count > 0) {
        saveObservations(keys, s.ssid, { uri: s.account.uri, sequence: s.endpoint.observeSequence, sleptAt: this.host.wallClock?.(), observations: s.observer.snapshot(DEVICE_PROFILE.coapMaxObservations) });
        return;
      }
    } catch (e) {
      this.host.log('warn', 'lwm2m: could not keep the observations across sleep', { uri: s.account.uri, error: describe(e) });
    }
    try {
      keys.delete(observationsName(s.ssid));
    } catch {
      // The store failed as well: whatever is left is consumed (or refused) at the next start.
    }
  }

  /** After the woken Update was accepted: the kept observations go on, with what fell due while asleep. */
  private resumeObservations(s: ServerSession, kept: SavedObservations): void {
    if (!s.observer) return;
    const wall = this.host.wallClock?.();
    const sleptMs = kept.sleptAt !== undefined && wall !== undefined && wall >= kept.sleptAt ? wall - kept.sleptAt : undefined;
    const n = s.observer.restore(kept.observations, kept.sequence, sleptMs);
    if (n > 0) this.emit({ type: 'observations-resumed', ssid: s.ssid, count: n });
  }

  /** De-registers from every server (unless told not to) and releases every socket and timer. */
  async stop(options: { deregister?: boolean } = {}): Promise<void> {
    // After sleep(): stopped for good (what was sealed stays for a later client over the same stores).
    this.asleep = false;
    if (this.stopped) return;
    this.stopped = true;
    for (const t of [this.bootstrapTimer, this.purgeTimer, this.idleTimer]) if (t) this.host.clearTimer(t);
    const sessions = [...this.sessions.values()];
    if (options.deregister !== false) await Promise.all(sessions.map((s) => this.deregister(s).catch(() => {})));
    for (const s of sessions) this.closeSession(s);
    this.emit({ type: 'stopped' });
  }

  // ------------------------------------------------------------------ bootstrap

  /** From a timer or an Execute: nobody awaits it, so a failure becomes an event, never an unhandled rejection. */
  private bootstrapInBackground(): void {
    this.runBootstrap().catch((e) => this.emit({ type: 'bootstrap-failed', reason: describe(e), retryInMs: 0 }));
  }

  private runBootstrap(): Promise<void> {
    if (!this.bootstrapping) {
      this.bootstrapping = this.bootstrapOnce().finally(() => {
        this.bootstrapping = null;
      });
    }
    return this.bootstrapping;
  }

  private async bootstrapOnce(): Promise<void> {
    const account = readAccounts(this.dm).find((a) => a.bootstrap);
    if (!account) throw new ClientError('no-account', 'no DM server account and no Bootstrap-Server account: the device cannot reach any server');
    if (account.holdOffS > 0) await this.holdOff(account.holdOffS * 1000);
    if (this.stopped) return;
    this.emit({ type: 'bootstrap-start', uri: account.uri });
    let opened: OpenedChannel | null = null;
    let endpoint: CoapEndpoint | null = null;
    let finishTimer: TimerHandle | null = null;
    let transaction = false;
    try {
      opened = await this.connector.open(account, this.dm);
      this.emit({ type: 'connected', ssid: undefined, uri: account.uri, security: opened.security, resumed: !!opened.resumed, cipherSuite: opened.cipherSuite });
      endpoint = new CoapEndpoint(this.host, opened.channel, this.coapConfig(opened.coap));
      const finished = new Promise<void>((resolve, reject) => {
        finishTimer = this.host.setTimer(this.opts.bootstrapTimeoutMs ?? 120_000, () => reject(new ClientError('bootstrap-failed', 'no Bootstrap-Finish before the timeout')));
        endpoint!.onRequest((req) => {
          const r = this.handleBootstrapRequest(req);
          if (r.finished) {
            if (finishTimer) this.host.clearTimer(finishTimer);
            finishTimer = null;
            // Answer first, then move on: the response must reach the server before we tear the channel down.
            const failure = r.response.code === 0x86 ? 'Bootstrap-Finish left no usable DM server account' : 'the bootstrap configuration could not be stored';
            this.host.setTimer(0, () => (r.response.code === 0x44 ? resolve() : reject(new ClientError('bootstrap-failed', failure))));
          }
          return r.response;
        });
      });
      // If the Bootstrap-Request itself fails we never await `finished`; its later rejection must not go unhandled.
      finished.catch(() => {});
      // The whole bootstrap is one transaction: stored at an accepted Bootstrap-Finish, dropped otherwise, so a
      // power cut or a failed session never leaves half a configuration (Core §6.1.7).
      this.dm.beginTransaction();
      transaction = true;
      const resp = await endpoint.request({ method: 'POST', path: ['bs'], query: [`ep=${this.opts.endpointName}`] });
      if (resp.code !== 0x44) throw new ClientError('bootstrap-failed', `Bootstrap-Request refused with ${codeString(resp.code)}`);
      this.emit({ type: 'bootstrap-request-sent', uri: account.uri });
      await finished;
      transaction = false; // committed when Finish was answered 2.04
      const accounts = readAccounts(this.dm).filter((a) => !a.bootstrap);
      this.emit({ type: 'bootstrap-finished', accounts: accounts.length });
      this.bootstrapFailures = 0;
      // Give the Finish response time to leave (and its retransmissions to be served) before closing, and register
      // only then: two DTLS sessions at once (this one lingering, a DM server's handshaking) were the client's memory
      // peak on a device (hosts/sim/README.md).
      // The references move into lingerThenClose: this frame lives on through the registration, and must not keep
      // the closed session's objects reachable.
      const closed = lingerThenClose(this.host, endpoint, opened.channel, 2_000);
      endpoint = null;
      opened = null;
      this.schedulePurge();
      await closed;
      if (this.stopped) return;
      await Promise.all(accounts.map((a) => this.registerAccount(a)));
    } catch (e) {
      if (transaction) this.dm.abortTransaction();
      transaction = false;
      const delay = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** this.bootstrapFailures++);
      this.emit({ type: 'bootstrap-failed', reason: describe(e), retryInMs: delay });
      if (!this.stopped) this.bootstrapTimer = this.host.setTimer(delay, () => this.bootstrapInBackground());
    } finally {
      if (finishTimer) this.host.clearTimer(finishTimer);
      endpoint?.close();
      opened?.channel.close();
    }
  }

  private handleBootstrapRequest(req: IncomingRequest): { response: ResponseSpec; finished: boolean } {
    const mapped = mapRequest(req, 'bootstrap');
    if ('finish' in mapped) {
      // Bootstrap-Finish: 2.04 only when the configuration is usable (Core §6.1.7.6, else 4.06).
      const ok = readAccounts(this.dm).some((a) => !a.bootstrap);
      let code = ok ? 0x44 : 0x86;
      if (ok) {
        try {
          this.dm.commitTransaction();
        } catch {
          code = 0xa0; // not stored: 5.00, and the session fails (the transaction is dropped)
        }
      }
      this.emit({ type: 'bootstrap-op', op: 'finish', path: '/bs', code });
      return { response: { code }, finished: true };
    }
    if ('code' in mapped) return { response: { code: mapped.code }, finished: false };
    const r = this.dm.handle(mapped.op, { kind: 'bootstrap' });
    this.emit({ type: 'bootstrap-op', op: mapped.op.kind, path: formatPath(mapped.path), code: r.code });
    return { response: { code: r.code, payload: r.payload, contentFormat: r.contentFormat }, finished: false };
  }

  /** Bootstrap-Server Account Timeout (0/x/12): purge the account that long after a successful bootstrap. */
  private schedulePurge(): void {
    const account = readAccounts(this.dm).find((a) => a.bootstrap);
    if (!account || account.bootstrapAccountTimeoutS <= 0) return;
    if (this.purgeTimer) this.host.clearTimer(this.purgeTimer);
    this.purgeTimer = this.host.setTimer(account.bootstrapAccountTimeoutS * 1000, () => {
      this.purgeTimer = null;
      if (this.dm.purgeBootstrapAccount()) this.emit({ type: 'bootstrap-account-purged' });
    });
  }

  // ------------------------------------------------------------------ registration

  private async registerAccount(account: ServerAccount): Promise<void> {
    const ssid = account.ssid!;
    let s = this.sessions.get(ssid);
    if (!s) {
      s = new ServerSession(account);
      this.sessions.set(ssid, s);
    } else s.account = account;
    try {
      const saved = this.opts.sleep ? takeRegistration(this.opts.sleep.keys, ssid, account.uri) : null;
      const kept = this.opts.sleep ? this.takeKeptObservations(ssid, account.uri) : null;
      await this.connect(s);
      if (saved) await this.updateAfterWake(s, saved, kept);
      else await this.register(s);
      s.failures = 0;
    } catch (e) {
      this.registrationFailed(s, e);
    }
  }

  /** The observations kept by sleep(), consumed; an unusable record (damaged, another server) is dropped with a warning. */
  private takeKeptObservations(ssid: number, uri: string): SavedObservations | null {
    try {
      return takeObservations(this.opts.sleep!.keys, ssid, uri);
    } catch (e) {
      this.opts.sleep!.keys.delete(observationsName(ssid));
      this.host.log('warn', 'lwm2m: kept observations refused', { uri, error: describe(e) });
      return null;
    }
  }

  private async connect(s: ServerSession): Promise<void> {
    this.closeSession(s, false);
    const opened = await this.connector.open(s.account, this.dm);
    this.emit({ type: 'connected', ssid: s.ssid, uri: s.account.uri, security: opened.security, resumed: !!opened.resumed, cipherSuite: opened.cipherSuite, ...(opened.woken ? { woken: true } : {}) });
    s.opened = opened;
    const endpoint = new CoapEndpoint(this.host, opened.channel, this.coapConfig(opened.coap));
    s.endpoint = endpoint;
    s.observer = new Observer(this.host, this.dm, endpoint, s.ssid);
    endpoint.onRequest((req) => this.handleDmRequest(s, req));
    if (this.opts.firmware) endpoint.onBlock1 = (req, block) => this.firmwareBlock(s, req, block);
    endpoint.onObserve = (obs) => {
      const first = s.firstPayloads.get(obs.key) ?? new Uint8Array(0);
      s.firstPayloads.delete(obs.key);
      s.observer?.add(obs, first);
      this.emit({ type: 'observe', ssid: s.ssid, path: '/' + obs.path.join('/'), active: s.observer?.count ?? 0 });
    };
    endpoint.onCancel = (obs) => {
      s.observer?.remove(obs.key);
      this.emit({ type: 'observe', ssid: s.ssid, path: '/' + obs.path.join('/'), active: s.observer?.count ?? 0 });
    };
    const endpointOnClose = opened.channel.onClose;
    opened.channel.onClose = (reason) => {
      endpointOnClose?.(reason);
      if (this.stopped || s.endpoint !== endpoint) return;
      // The association died (alert, socket error): register again through a fresh handshake.
      this.registrationFailed(s, reason ?? new Error('connection closed'));
    };
    await this.openSmsSide(s);
  }

  /** U+S binding: also listen on SMS, where the server may send requests (a Registration Update Trigger) while we sleep. */
  private async openSmsSide(s: ServerSession): Promise<void> {
    const pending = this.connector.openSms?.(s.account, this.dm);
    if (!pending) return;
    try {
      const opened = await pending;
      const endpoint = new CoapEndpoint(this.host, opened.channel, { ...this.opts.coap, ...opened.coap });
      endpoint.onRequest((req) => this.handleDmRequest(s, req));
      s.sms = { opened, endpoint };
    } catch (e) {
      this.host.log('warn', 'lwm2m: the SMS side of a U+S binding could not be opened', { uri: s.account.uri, error: describe(e) });
    }
  }

  private registerQuery(s: ServerSession): string[] {
    const q = [`ep=${this.opts.endpointName}`, `lt=${s.account.lifetimeS}`, `lwm2m=${LWM2M_VERSION}`, `b=${s.account.binding}`];
    if (this.opts.smsNumber && (s.account.binding.includes('S') || s.account.smsTrigger)) q.push(`sms=${this.opts.smsNumber}`);
    return q;
  }

  private async register(s: ServerSession): Promise<void> {
    const resp = await s.endpoint!.request({ method: 'POST', path: ['rd'], query: this.registerQuery(s), contentFormat: 40, payload: utf8Encode(this.dm.registerPayload()) });
    if (resp.code !== 0x41) throw new ClientError('registration-failed', `Register refused with ${codeString(resp.code)}${resp.payload.length ? ': ' + safeText(resp.payload) : ''}`);
    const location = getStrings(resp.options, Option.LocationPath);
    if (!location || location.length === 0) throw new ClientError('registration-failed', 'Register answered 2.01 without a Location-Path');
    s.location = location;
    s.registeredLifetime = s.account.lifetimeS;
    s.objectsChanged = false;
    this.emit({ type: 'registered', ssid: s.ssid, uri: s.account.uri, location: '/' + location.join('/'), lifetime: s.account.lifetimeS });
    s.opened?.registered?.(s.registeredLifetime);
    s.sms?.opened.registered?.(s.registeredLifetime);
    // LwM2M 1.1 §E.6: a new image has worked once it registered; confirm it (no rollback).
    this.opts.firmware?.registered();
    this.scheduleUpdate(s);
    this.activity(s);
  }

  private scheduleUpdate(s: ServerSession): void {
    if (s.updateTimer) this.host.clearTimer(s.updateTimer);
    // The Server object refuses Lifetimes outside 1..2^32-1 s; bound here too so no stored or default value can
    // turn into an Update storm. Host.setTimer holds any such delay (modules/timer.ts).
    const lt = Math.min(MAX_PERIOD_S, Math.max(MIN_LIFETIME_S, s.registeredLifetime || 0));
    const margin = this.opts.updateMarginMs ? this.opts.updateMarginMs(lt) : Math.max(2_000, lt * 100);
    const due = Math.max(1_000, lt * 1000 - margin);
    s.updateTimer = this.host.setTimer(due, () => {
      s.updateTimer = null;
      void this.sendUpdate(s).catch(() => {});
    });
  }

  /** The Update request (Core §6.2.2): `lt` when the lifetime changed, the object links when they changed. */
  private updateRequest(s: ServerSession): { sent: Promise<CoapResponse>; withObjects: boolean } {
    const account = readAccounts(this.dm).find((a) => a.ssid === s.ssid);
    if (account) s.account = account;
    const query: string[] = [];
    if (s.account.lifetimeS !== s.registeredLifetime) query.push(`lt=${s.account.lifetimeS}`);
    const withObjects = s.objectsChanged;
    const sent = s.endpoint!.request({
      method: 'POST',
      path: s.location!,
      query,
      ...(withObjects ? { contentFormat: 40, payload: utf8Encode(this.dm.registerPayload()) } : {}),
    });
    return { sent, withObjects };
  }

  /**
   * The first exchange after a wake with a saved registration: an Update, not a Register. On a woken DTLS
   * connection (sealed before sleep) the Update is the first datagram; silence for `wakeTimeoutMs` means the
   * server forgot the connection (RFC 9146 servers drop records with an unknown CID), so the client connects
   * again (the connector resumes the session or does a full handshake) and repeats the Update there.
   */
  private async updateAfterWake(s: ServerSession, saved: SavedRegistration, kept: SavedObservations | null): Promise<void> {
    s.location = saved.location;
    s.registeredLifetime = saved.lifetimeS;
    s.objectsChanged = s.objectsChanged || saved.objectsChanged;
    let first = this.updateRequest(s);
    let resp: CoapResponse | null = null;
    if (s.opened?.woken) {
      resp = await this.within(first.sent, this.opts.wakeTimeoutMs ?? 3 * (this.opts.coap?.ackTimeoutMs ?? 2_000));
      if (!resp) {
        if (this.stopped) return;
        this.emit({ type: 'wake-fallback', ssid: s.ssid, uri: s.account.uri });
        await this.connect(s);
        first = this.updateRequest(s);
      }
    }
    resp ??= await first.sent;
    await this.updateAnswered(s, resp, first.withObjects);
    // The registration lived on (2.04), and with it the server's observations (Core §6.4.3); after 4.04 they died with it.
    if (resp.code === 0x44 && kept) this.resumeObservations(s, kept);
  }

  /** `p`'s value, or null when `ms` passed first (`p` is then left to fail quietly when its endpoint closes). */
  private within<T>(p: Promise<T>, ms: number): Promise<T | null> {
    return new Promise<T | null>((resolve, reject) => {
      const timer = this.host.setTimer(ms, () => resolve(null));
      p.then(
        (v) => {
          this.host.clearTimer(timer);
          resolve(v);
        },
        (e) => {
          this.host.clearTimer(timer);
          reject(e);
        },
      );
    });
  }

  /** 2.04: the registration lives on; 4.04/4.00: the server forgot it, register again (Core §6.2.2). */
  private async updateAnswered(s: ServerSession, resp: CoapResponse, withObjects: boolean): Promise<void> {
    if (resp.code === 0x44) {
      s.registeredLifetime = s.account.lifetimeS;
      if (withObjects) s.objectsChanged = false;
      this.emit({ type: 'updated', ssid: s.ssid, withObjects });
      s.opened?.registered?.(s.registeredLifetime);
      s.sms?.opened.registered?.(s.registeredLifetime);
      this.scheduleUpdate(s);
      this.activity(s);
      return;
    }
    if (resp.code === 0x84 || resp.code === 0x80) {
      s.location = null;
      await this.register(s);
      return;
    }
    throw new ClientError('registration-failed', `Update refused with ${codeString(resp.code)}`);
  }

  private async sendUpdate(s: ServerSession): Promise<void> {
    if (!s.endpoint || !s.location) return;
    try {
      const { sent, withObjects } = this.updateRequest(s);
      await this.updateAnswered(s, await sent, withObjects);
    } catch (e) {
      this.registrationFailed(s, e);
    }
  }

  private registrationFailed(s: ServerSession, e: unknown): void {
    if (this.stopped) return;
    s.failures++;
    s.location = null;
    const delay = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** (s.failures - 1));
    this.emit({ type: 'registration-failed', ssid: s.ssid, uri: s.account.uri, reason: describe(e), retryInMs: delay, failures: s.failures });
    this.closeSession(s, false);
    const hasBootstrap = readAccounts(this.dm).some((a) => a.bootstrap);
    if (s.failures >= this.retry.failuresBeforeBootstrap && hasBootstrap) {
      // Registration keeps failing: the configuration may be stale; ask the Bootstrap-Server (Core §6.2.1).
      s.failures = 0;
      s.retryTimer = this.host.setTimer(delay, () => this.bootstrapInBackground());
      return;
    }
    s.retryTimer = this.host.setTimer(delay, () => {
      s.retryTimer = null;
      const account = readAccounts(this.dm).find((a) => a.ssid === s.ssid);
      if (account) void this.registerAccount(account);
      else this.sessions.delete(s.ssid);
    });
  }

  private async deregister(s: ServerSession): Promise<void> {
    if (!s.endpoint || !s.location) return;
    const location = s.location;
    s.location = null;
    if (s.updateTimer) this.host.clearTimer(s.updateTimer);
    s.updateTimer = null;
    s.observer?.cancelAll();
    const resp = await s.endpoint.request({ method: 'DELETE', path: location });
    if (resp.code === 0x42) this.emit({ type: 'deregistered', ssid: s.ssid });
  }

  private closeSession(s: ServerSession, forget = true): void {
    for (const t of [s.updateTimer, s.retryTimer]) if (t) this.host.clearTimer(t);
    s.updateTimer = s.retryTimer = null;
    s.observer?.cancelAll();
    s.observer = null;
    const endpoint = s.endpoint;
    const opened = s.opened;
    s.endpoint = null;
    s.opened = null;
    endpoint?.close();
    if (opened) {
      opened.channel.onClose = null;
      opened.channel.close();
    }
    const sms = s.sms;
    s.sms = null;
    if (sms) {
      sms.endpoint.close();
      sms.opened.channel.onClose = null;
      sms.opened.channel.close();
    }
    if (forget) this.sessions.delete(s.ssid);
  }

  // ------------------------------------------------------------------ device management

  private handleDmRequest(s: ServerSession, req: IncomingRequest): ResponseSpec {
    this.activity(s);
    const mapped = mapRequest(req, 'dm');
    if ('finish' in mapped) return { code: 0x85 };
    if ('code' in mapped) return { code: mapped.code };
    const { op, path } = mapped;
    const r = this.dm.handle(op, { kind: 'server', shortServerId: s.ssid });
    this.emit({ type: 'request', ssid: s.ssid, op: op.kind, path: formatPath(path), code: r.code });
    if (codeClass(r.code) === 2) {
      if (op.kind === 'observe' && req.observe === 0 && req.method === Method.GET) s.firstPayloads.set(hexToken(req.token), r.payload ?? new Uint8Array(0));
      if (op.kind === 'write' || op.kind === 'write-partial' || op.kind === 'execute' || op.kind === 'create' || op.kind === 'delete') {
        // A value changed through one server may be observed by another (or by the same one elsewhere).
        for (const other of this.sessions.values()) other.observer?.changed(path);
      }
      if (op.kind === 'create' || op.kind === 'delete') {
        // The object set changed: the next Update carries the new links (Core §6.2.2).
        for (const other of this.sessions.values()) other.objectsChanged = true;
        this.host.setTimer(0, () => void this.update().catch(() => {}));
      }
      if ((op.kind === 'write' || op.kind === 'write-partial') && path[0] === 1) {
        // Lifetime or binding of a Server instance changed: tell that server with an Update.
        this.host.setTimer(0, () => void this.update().catch(() => {}));
      }
    }
    return { code: r.code, payload: r.payload, contentFormat: r.contentFormat, ...(r.location ? { options: locationOptions(r.location) } : {}) };
  }

  /**
   * A Block1 block of a Package write (PUT /5/0/0, opaque): straight to the firmware engine, which
   * answers before any flash erase (RFC 7959 §2.5). Other Block1 requests are reassembled as usual.
   */
  private firmwareBlock(s: ServerSession, req: IncomingRequest, block: BlockValue): ResponseSpec | undefined {
    const fw = this.opts.firmware;
    if (!fw || req.method !== Method.PUT || req.path.length !== 3 || req.path[0] !== '5' || req.path[1] !== '0' || req.path[2] !== '0') return undefined;
    if (req.contentFormat !== undefined && req.contentFormat !== ContentFormat.Opaque) return undefined;
    this.activity(s);
    if (!this.dm.object(5)) return { code: 0x84 };
    if ((this.dm.access.rights(s.ssid, 5, 0) & Rights.Write) === 0) return { code: 0x81 };
    const code = fw.pushBlock(block.num, block.szx, block.more, req.payload, getUint(req.options, Option.Size1));
    if (block.num === 0 || !block.more || codeClass(code) !== 2) this.emit({ type: 'request', ssid: s.ssid, op: `write-block ${block.num}${block.more ? '' : ' (last)'}`, path: '/5/0/0', code });
    return { code };
  }

  // ------------------------------------------------------------------ queue mode

  /** With a Q binding the device may sleep once no exchange happened for queueIdleMs. */
  private activity(s: ServerSession): void {
    if (!s.account.binding.includes('Q')) return;
    if (this.idleTimer) this.host.clearTimer(this.idleTimer);
    this.idleTimer = this.host.setTimer(this.opts.queueIdleMs ?? 93_000, () => {
      this.idleTimer = null;
      const lt = s.registeredLifetime * 1000;
      this.emit({ type: 'sleep-allowed', untilMs: this.host.now() + Math.max(0, lt - (this.opts.updateMarginMs?.(s.registeredLifetime) ?? Math.max(2_000, lt / 10)) - (this.opts.queueIdleMs ?? 93_000)) });
    });
  }

  private holdOff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.bootstrapTimer = this.host.setTimer(ms, () => {
        this.bootstrapTimer = null;
        resolve();
      });
    });
  }
}

/** Closes `endpoint` and `channel` after `ms`, resolving then; the timer's closure is the only reference left. */
function lingerThenClose(host: Host, endpoint: CoapEndpoint, channel: { close(): void }, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    host.setTimer(ms, () => {
      endpoint.close();
      channel.close();
      resolve();
    });
  });
}

function locationOptions(location: string) {
  return location
    .split('/')
    .filter(Boolean)
    .map((seg) => ({ number: Option.LocationPath, value: utf8Encode(seg) }));
}

function hexToken(t: Uint8Array): string {
  let s = '';
  for (const b of t) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

function safeText(p: Uint8Array): string {
  try {
    return utf8Decode(p.subarray(0, 80));
  } catch {
    return `${p.length} bytes`;
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
