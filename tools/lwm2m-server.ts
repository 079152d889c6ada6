/**
 * A local LwM2M (Device Management) Server for end-to-end tests and the demo, not a product.
 * OMA LwM2M 1.1 Core §6.2 / Transport §6.4 Registration interface over CoAP (UDP), optionally DTLS 1.2 with
 * PSK, raw public keys or X.509 (Security Modes 0, 1, 2) and Connection ID (tools/server-common.ts):
 *   Register    POST /rd?ep=&lt=&lwm2m=&b=[&sms=&Q]  link-format payload  -> 2.01, Location-Path rd/<id>
 *   Update      POST /rd/<id>[?lt=&b=&sms=&Q]           optional payload  -> 2.04
 *   De-register DELETE /rd/<id>                                           -> 2.02
 * Unknown location -> 4.04; a Register with a missing, unknown or invalid query parameter -> 4.00.
 * Registrations expire after `lt` seconds (plus a small grace) unless updated.
 * Device Management requests go to the client over the association (DTLS connection or UDP 5-tuple)
 * it last registered or updated from.
 *
 * CLI (for the demo): node --import tsx tools/lwm2m-server.ts [--port 5683] [--psk identity:hexkey ...] [--file fw/app.img=./app.img ...]
 *   [--cid 4] [--rpk-key KEY --client-key identity:KEY ...] [--x509-key KEY --x509-cert CERT --client-ca CERT]
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { toHex, utf8Decode, utf8Encode } from '../modules/bytes/index';
import { Code, Method, Option, decodeBlock, type CoapConfig, type CoapResponse, type IncomingRequest, type ResponseSpec } from '../modules/coap/index';
import type { DatagramChannel } from '../modules/transport/types';
import { CoapPeerListener, Waiters, contentFormatOf, locationOf, parseServerArgs, runAsProgram, splitQuery, type ServerOptions } from './server-common';

export type { ServerOptions } from './server-common';
export { createNodeTestHost } from './server-common';

export interface Registration {
  endpoint: string;
  /** e.g. '/rd/1a2b3c4d' */
  location: string;
  lifetime: number;
  binding: string;
  lwm2mVersion: string;
  objectLinks: string;
  /** 'addr:port' the client last registered or updated from. */
  peer: string;
  registeredAt: number;
  updatedAt: number;
  updates: number;
  queue: boolean;
  /** MSISDN from the `sms` parameter, if any. */
  sms?: string;
  /** PSK identity of the DTLS association (DTLS only). */
  identity?: string;
  /** Date.now() of the last Register, Update or Send from the client (queue mode: when it was last awake). */
  lastSeen: number;
}

export interface Lwm2mServerOptions extends ServerOptions {
  /**
   * Queue mode (Core 1.1 §6.5): how long a UQ/Q client stays reachable after its last message.
   * Device Management requests for a queue-mode client asleep longer than this are held until its next
   * Register or Update (then sent at once). Default 93 000 ms (CoAP MAX_TRANSMIT_WAIT).
   */
  queueAwakeMs?: number;
  /** How long a held request waits for the client to wake up. Default 60 000 ms. */
  queueHoldMs?: number;
}

/** A Send operation (LwM2M 1.1 §6.4.4: POST /dp) received from a client. */
export interface SendRecord {
  peer: string;
  endpoint?: string;
  contentFormat?: number;
  payload: Uint8Array;
  at: number;
}

/** Grace added to the lifetime before a registration is dropped (a client updates shortly before it ends). */
const EXPIRY_GRACE_MS = 2000;
/** LwM2M 1.1 §6.2.1.1: default lifetime 86400 s. */
const DEFAULT_LIFETIME = 86400;
const REGISTER_PARAMS = new Set(['ep', 'lt', 'lwm2m', 'b', 'sms', 'Q']);
const UPDATE_PARAMS = new Set(['lt', 'b', 'sms', 'Q']);
const VERSION_RE = /^1\.[0-2]$/;
/** 1.1 bindings (U, S, N, T and the 1.0 queue forms UQ, SQ, UQS): letters from this set, each once. */
const BINDING_RE = /^(?!.*(.).*\1)[USNTQ]+$/;

interface Entry extends Registration {
  expiry: ReturnType<typeof setTimeout> | null;
}

export class Lwm2mTestServer {
  private readonly regs = new Map<string, Entry>(); // by location
  private readonly deregistered: string[] = [];
  private readonly waiters = new Waiters();
  /** Send operations received (POST /dp), oldest first. */
  readonly sends: SendRecord[] = [];
  private listener!: CoapPeerListener;
  private stopped = false;

  private constructor(private readonly opts: Lwm2mServerOptions) {}

  static async start(opts: Lwm2mServerOptions = {}): Promise<Lwm2mTestServer> {
    const s = new Lwm2mTestServer(opts);
    s.listener = await CoapPeerListener.open(opts, (peer) => (req) => s.handle(peer, req), 'lwm2m-server');
    s.listener.inUse = (peer) => [...s.regs.values()].some((r) => r.peer === peer);
    // RFC 9146 §6: a client with a Connection ID that comes back from a new address keeps its registration's peer.
    s.listener.onPeerMoved = (p, old) => {
      for (const r of s.regs.values()) {
        if (r.peer !== old) continue;
        s.log(`${r.endpoint} moved from ${old} to ${p.key} (same DTLS connection, by its CID)`);
        r.peer = p.key;
      }
    };
    return s;
  }

  get port(): number {
    return this.listener.port;
  }

  private log(line: string): void {
    this.listener.log(line);
  }

  registrations(): Registration[] {
    return [...this.regs.values()].map(publicView);
  }

  registration(endpoint: string): Registration | undefined {
    const e = this.byEndpoint(endpoint);
    return e && publicView(e);
  }

  waitForRegistration(endpoint: string, timeoutMs = 10000): Promise<Registration> {
    return this.waiters.wait(() => this.registration(endpoint), timeoutMs, `registration of ${endpoint}`);
  }

  waitForUpdate(endpoint: string, afterUpdates: number, timeoutMs = 10000): Promise<Registration> {
    return this.waiters.wait(
      () => {
        const r = this.registration(endpoint);
        return r && r.updates > afterUpdates ? r : undefined;
      },
      timeoutMs,
      `update #${afterUpdates + 1} of ${endpoint}`,
    );
  }

  /** Resolves once `endpoint` has no registration and has de-registered (or expired) at least once. */
  waitForDeregistration(endpoint: string, timeoutMs = 10000): Promise<void> {
    return this.waiters
      .wait(() => (!this.byEndpoint(endpoint) && this.deregistered.includes(endpoint) ? true : undefined), timeoutMs, `de-registration of ${endpoint}`)
      .then(() => undefined);
  }

  private byEndpoint(endpoint: string): Entry | undefined {
    for (const e of this.regs.values()) if (e.endpoint === endpoint) return e;
    return undefined;
  }

  // ------------------------------------------------------------------ Registration interface

  private handle(peer: string, req: IncomingRequest): ResponseSpec {
    const path = req.path;
    if (path[0] === 'rd') {
      if (path.length === 1 && req.method === Method.POST) return this.register(peer, req);
      if (path.length === 2) {
        const location = `/rd/${path[1]}`;
        const e = this.regs.get(location);
        if (!e) return text(Code.NotFound, 'unknown registration');
        if (req.method === Method.POST) return this.update(peer, e, req);
        if (req.method === Method.DELETE) return this.deregister(e, 'de-registered');
        return { code: Code.MethodNotAllowed };
      }
      return { code: Code.MethodNotAllowed };
    }
    if (path.length === 1 && path[0] === 'dp' && req.method === Method.POST) {
      const reg = [...this.regs.values()].find((r) => r.peer === peer);
      if (reg) reg.lastSeen = Date.now();
      this.sends.push({ peer, endpoint: reg?.endpoint, contentFormat: req.contentFormat, payload: req.payload.slice(), at: Date.now() });
      this.log(`Send from ${reg?.endpoint ?? peer}: ${req.payload.length} bytes, format ${req.contentFormat}`);
      this.waiters.poke();
      return { code: Code.Changed };
    }
    const file = this.files.get(path.join('/'));
    if (file && req.method === Method.GET) {
      // Firmware by pull (Object 5 Package URI): the endpoint cuts the body into the Block2 block asked for.
      file.gets++;
      const b2 = req.options.find((o) => o.number === Option.Block2);
      file.blocks.push(b2 ? decodeBlock(b2.value).num : 0);
      this.waiters.poke();
      return { code: Code.Content, options: [{ number: Option.ETag, value: file.etag }], payload: file.bytes };
    }
    return text(Code.NotFound, 'no such resource');
  }

  // ------------------------------------------------------------------ firmware (Object 5)

  private readonly files = new Map<string, { bytes: Uint8Array; etag: Uint8Array; gets: number; blocks: number[] }>();

  /** Serves `bytes` at coap(s)://<this server>/<path> (GET, Block2, with an ETag) for pull downloads. */
  offerFile(path: string, bytes: Uint8Array): void {
    const etag = new Uint8Array(createHash('sha256').update(bytes).digest().subarray(0, 8));
    this.files.set(path.replace(/^\/+/, ''), { bytes: bytes.slice(), etag, gets: 0, blocks: [] });
  }

  /** Block2 numbers asked for a file, in order. */
  fileBlocks(path: string): number[] {
    return (this.files.get(path.replace(/^\/+/, ''))?.blocks ?? []).slice();
  }

  /** GET requests served for a file so far (one per Block2 block). */
  fileGets(path: string): number {
    return this.files.get(path.replace(/^\/+/, ''))?.gets ?? 0;
  }

  waitForFileGets(path: string, n: number, timeoutMs = 10_000): Promise<number> {
    return this.waiters.wait(() => (this.fileGets(path) >= n ? this.fileGets(path) : undefined), timeoutMs, `${n} GETs of ${path}`);
  }

  /** Any CoAP request to a registered device, options as given (e.g. hand-made Block1 blocks). */
  request(endpoint: string, req: Parameters<CoapPeerListener['request']>[1]): Promise<CoapResponse> {
    return this.send(endpoint, req);
  }

  /** Push delivery: writes the image to /5/0/0 (opaque, Block1 blocks), then the device verifies it. */
  pushFirmware(endpoint: string, image: Uint8Array): Promise<{ code: number; payload: Uint8Array }> {
    return this.write(endpoint, '/5/0/0', image, 42);
  }

  /** Pull delivery: writes the Package URI (text/plain); the device then downloads it. */
  offerFirmwareUri(endpoint: string, uri: string): Promise<{ code: number; payload: Uint8Array }> {
    return this.write(endpoint, '/5/0/1', utf8Encode(uri), 0);
  }

  /** Reads State (/5/0/3) and Update Result (/5/0/5) as numbers. */
  async firmwareState(endpoint: string): Promise<{ state: number; result: number }> {
    const s = await this.read(endpoint, '/5/0/3', 0);
    const r = await this.read(endpoint, '/5/0/5', 0);
    return { state: Number(utf8Decode(s.payload)), result: Number(utf8Decode(r.payload)) };
  }

  /** Polls State/Update Result until `done` holds (the device may be busy writing flash). */
  async waitForFirmware(endpoint: string, done: (s: { state: number; result: number }) => boolean, timeoutMs = 20_000): Promise<{ state: number; result: number }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      // Each poll is bounded: a read sent just before the device restarted waits on a peer that is gone.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const giveUp = new Promise<{ state: number; result: number }>((r) => (timer = setTimeout(() => r({ state: -1, result: -1 }), 2000)));
      const s = await Promise.race([this.firmwareState(endpoint).catch(() => ({ state: -1, result: -1 })), giveUp]);
      clearTimeout(timer);
      if (done(s)) return s;
      if (Date.now() > end) throw new Error(`firmware of ${endpoint} still at state ${s.state} result ${s.result}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Test knob: answer every Register with 4.03 (a device whose new firmware cannot register). */
  refuseRegistrations = false;

  private register(peer: string, req: IncomingRequest): ResponseSpec {
    if (this.refuseRegistrations) return text(Code.Forbidden, 'registrations refused (test knob)');
    const q = parseQuery(req.query);
    if (!q) return text(Code.BadRequest, 'malformed query');
    for (const k of q.keys()) if (!REGISTER_PARAMS.has(k)) return text(Code.BadRequest, `unknown parameter ${k}`);
    const ep = q.get('ep');
    if (!ep) return text(Code.BadRequest, 'ep is required');
    const lifetime = q.has('lt') ? parseLifetime(q.get('lt')) : DEFAULT_LIFETIME;
    if (lifetime === null) return text(Code.BadRequest, 'invalid lt');
    const version = q.get('lwm2m') ?? '1.0';
    if (!/^[0-9]+\.[0-9]+$/.test(version)) return text(Code.BadRequest, 'invalid lwm2m');
    // Core 1.1 §6.2.1.1 (Register response codes): 4.12 when the server does not support the client's version.
    if (!VERSION_RE.test(version)) return text(Code.PreconditionFailed, 'unsupported lwm2m version');
    const binding = q.get('b') ?? 'U';
    if (!BINDING_RE.test(binding)) return text(Code.BadRequest, 'invalid b');
    if (q.has('Q') && q.get('Q') !== '') return text(Code.BadRequest, 'Q takes no value');
    let links: string;
    try {
      links = utf8Decode(req.payload);
    } catch {
      return text(Code.BadRequest, 'payload is not UTF-8');
    }
    if (links.length && !/^\s*</.test(links)) return text(Code.BadRequest, 'payload is not link format');

    // §6.2.1: a new Register from the same endpoint name replaces the old registration.
    const old = this.byEndpoint(ep);
    if (old) this.remove(old, 'replaced by a new registration');

    let location: string;
    do location = `/rd/${toHex(new Uint8Array(randomBytes(4)))}`;
    while (this.regs.has(location));
    const now = Date.now();
    const p = this.listener.peer(peer);
    const e: Entry = {
      endpoint: ep,
      location,
      lifetime,
      binding,
      lwm2mVersion: version,
      objectLinks: links,
      peer,
      registeredAt: now,
      updatedAt: now,
      updates: 0,
      queue: binding.includes('Q') || q.has('Q'),
      sms: q.get('sms'),
      identity: p?.identity,
      lastSeen: now,
      expiry: null,
    };
    this.regs.set(location, e);
    this.arm(e);
    this.log(`registered ${ep} at ${location} from ${peer} (lt=${lifetime}, b=${binding}, lwm2m=${version}) ${links}`);
    this.waiters.poke();
    return { code: Code.Created, options: location.slice(1).split('/').map((s) => ({ number: Option.LocationPath, value: utf8Encode(s) })) };
  }

  private update(peer: string, e: Entry, req: IncomingRequest): ResponseSpec {
    const q = parseQuery(req.query);
    if (!q) return text(Code.BadRequest, 'malformed query');
    for (const k of q.keys()) if (!UPDATE_PARAMS.has(k)) return text(Code.BadRequest, `unknown parameter ${k}`);
    let lifetime = e.lifetime;
    if (q.has('lt')) {
      const lt = parseLifetime(q.get('lt'));
      if (lt === null) return text(Code.BadRequest, 'invalid lt');
      lifetime = lt;
    }
    const binding = q.get('b') ?? e.binding;
    if (!BINDING_RE.test(binding)) return text(Code.BadRequest, 'invalid b');
    let links = e.objectLinks;
    if (req.payload.length) {
      try {
        links = utf8Decode(req.payload);
      } catch {
        return text(Code.BadRequest, 'payload is not UTF-8');
      }
    }
    e.lifetime = lifetime;
    e.binding = binding;
    e.objectLinks = links;
    if (q.has('sms')) e.sms = q.get('sms');
    if (q.has('b') || q.has('Q')) e.queue = binding.includes('Q') || q.has('Q');
    // The client may have a new address (NAT rebinding, new DTLS association): talk to it there from now on.
    if (e.peer !== peer) {
      this.log(`${e.endpoint} moved from ${e.peer} to ${peer}`);
      e.peer = peer;
      e.identity = this.listener.peer(peer)?.identity ?? e.identity;
    }
    e.updatedAt = e.lastSeen = Date.now();
    e.updates++;
    this.arm(e);
    this.log(`update #${e.updates} of ${e.endpoint} (lt=${lifetime}, b=${binding}${req.payload.length ? ', new links' : ''})`);
    this.waiters.poke();
    return { code: Code.Changed };
  }

  private deregister(e: Entry, why: string): ResponseSpec {
    this.remove(e, why);
    return { code: Code.Deleted };
  }

  private remove(e: Entry, why: string): void {
    if (e.expiry) clearTimeout(e.expiry);
    e.expiry = null;
    this.regs.delete(e.location);
    this.deregistered.push(e.endpoint);
    this.log(`${e.endpoint} (${e.location}) ${why}`);
    this.waiters.poke();
  }

  private arm(e: Entry): void {
    if (e.expiry) clearTimeout(e.expiry);
    const ms = Math.min(e.lifetime * 1000 + EXPIRY_GRACE_MS, 0x7fffffff);
    e.expiry = setTimeout(() => {
      e.expiry = null;
      if (this.regs.get(e.location) === e) this.remove(e, 'expired');
    }, ms);
    e.expiry.unref();
  }

  // ------------------------------------------------------------------ Device Management interface

  /** The client's current peer; for a sleeping queue-mode client, once it has woken up (Register/Update). */
  private async peerOf(endpoint: string): Promise<string> {
    const e = this.byEndpoint(endpoint);
    if (!e) throw new Error(`${endpoint} is not registered`);
    const awakeMs = this.opts.queueAwakeMs ?? 93_000;
    if (e.queue && Date.now() - e.lastSeen > awakeMs) {
      this.log(`${endpoint} is asleep (queue mode): holding the request until it wakes up`);
      const since = e.lastSeen;
      const woke = await this.waiters.wait(
        () => {
          const now = this.byEndpoint(endpoint);
          return now && now.lastSeen > since ? now : undefined;
        },
        this.opts.queueHoldMs ?? 60_000,
        `${endpoint} to wake up (queue mode)`,
      );
      return woke.peer;
    }
    return e.peer;
  }

  private async send(endpoint: string, req: Parameters<CoapPeerListener['request']>[1]): Promise<CoapResponse> {
    const peer = await this.peerOf(endpoint);
    const r = await this.listener.request(peer, req);
    this.log(`${methodName(req.method)} ${typeof req.path === 'string' ? req.path : '/' + (req.path ?? []).join('/')} -> ${endpoint}: ${codeText(r.code)}`);
    return r;
  }

  async read(endpoint: string, path: string, accept?: number): Promise<{ code: number; contentFormat?: number; payload: Uint8Array }> {
    const r = await this.send(endpoint, { method: 'GET', path, accept });
    return { code: r.code, contentFormat: contentFormatOf(r), payload: r.payload };
  }

  /** Write: PUT (replace) or, with `partial`, POST (partial update). */
  async write(endpoint: string, path: string, payload: Uint8Array, contentFormat: number, partial = false): Promise<{ code: number; payload: Uint8Array }> {
    const r = await this.send(endpoint, { method: partial ? 'POST' : 'PUT', path, payload, contentFormat });
    return { code: r.code, payload: r.payload };
  }

  async execute(endpoint: string, path: string, args?: string): Promise<{ code: number }> {
    const r = await this.send(endpoint, { method: 'POST', path, payload: args ? utf8Encode(args) : undefined, contentFormat: args ? 0 : undefined });
    return { code: r.code };
  }

  async create(endpoint: string, objectPath: string, payload: Uint8Array, contentFormat: number): Promise<{ code: number; location?: string }> {
    const r = await this.send(endpoint, { method: 'POST', path: objectPath, payload, contentFormat });
    return { code: r.code, location: locationOf(r) };
  }

  async delete(endpoint: string, path: string): Promise<{ code: number }> {
    const r = await this.send(endpoint, { method: 'DELETE', path });
    return { code: r.code };
  }

  async discover(endpoint: string, path: string): Promise<{ code: number; links: string }> {
    const r = await this.send(endpoint, { method: 'GET', path, accept: 40 });
    return { code: r.code, links: safeText(r.payload) };
  }

  /** Write-Attributes: PUT with the attributes as Uri-Query options and no payload. */
  async writeAttributes(endpoint: string, path: string, query: string): Promise<{ code: number }> {
    const r = await this.send(endpoint, { method: 'PUT', path, query: splitQuery(query) });
    return { code: r.code };
  }

  async observe(
    endpoint: string,
    path: string,
    onNotify: (n: { payload: Uint8Array; contentFormat?: number; seq?: number }) => void,
    accept?: number,
  ): Promise<{ code: number; payload: Uint8Array; cancel(): Promise<void> }> {
    const p = this.listener.peer(await this.peerOf(endpoint));
    if (!p) throw new Error(`no association with ${endpoint}`);
    const obs = await p.endpoint.observe({ method: 'GET', path, accept }, (r) => onNotify({ payload: r.payload, contentFormat: contentFormatOf(r), seq: r.observe }));
    this.log(`Observe ${path} -> ${endpoint}: ${codeText(obs.response.code)}`);
    return {
      code: obs.response.code,
      payload: obs.response.payload,
      cancel: async () => {
        await obs.cancel();
      },
    };
  }

  /** Adds a peer reached over another channel (SMS, tools/sms-gateway.ts) under `key`, e.g. 'sms:+15550001'. */
  attachPeer(key: string, channel: DatagramChannel, identity?: string, coap?: Partial<CoapConfig>): void {
    this.listener.attach(key, channel, identity, coap);
  }

  /**
   * Sends a request to one peer by key, without queue-mode holding: how an SMS trigger reaches a sleeping
   * queue-mode device (the device then updates over its own transport and gets what was held).
   */
  requestPeer(key: string, req: Parameters<CoapPeerListener['request']>[1]): Promise<CoapResponse> {
    return this.listener.request(key, req);
  }

  /** Test hook: forget every DTLS connection but keep the registrations and the DTLS sessions. */
  forgetConnections(): number {
    return this.listener.forgetDtlsConnections();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const e of this.regs.values()) if (e.expiry) clearTimeout(e.expiry);
    this.waiters.failAll(new Error('server stopped'));
    this.listener.close();
  }
}

function publicView(e: Entry): Registration {
  const { expiry: _expiry, ...r } = e;
  void _expiry;
  return { ...r };
}

function text(code: number, msg: string): ResponseSpec {
  return { code, payload: utf8Encode(msg), contentFormat: 0 };
}

function safeText(b: Uint8Array): string {
  try {
    return utf8Decode(b);
  } catch {
    return '';
  }
}

/** Uri-Query options as a map; null when a parameter repeats or a name is empty. */
function parseQuery(query: string[]): Map<string, string> | null {
  const m = new Map<string, string>();
  for (const q of query) {
    const i = q.indexOf('=');
    const k = i < 0 ? q : q.slice(0, i);
    const v = i < 0 ? '' : q.slice(i + 1);
    if (!k || m.has(k)) return null;
    m.set(k, v);
  }
  return m;
}

function parseLifetime(s: string | undefined): number | null {
  if (s === undefined || !/^[0-9]{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 0xffffffff ? n : null;
}

function methodName(m: number | string): string {
  return typeof m === 'string' ? m : (['', 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'][m] ?? String(m));
}

export function codeText(c: number): string {
  const d = c & 31;
  return `${c >> 5}.${d < 10 ? '0' : ''}${d}`;
}

// ------------------------------------------------------------------ CLI (demo)

runAsProgram(import.meta.url, (argv) => {
  const opts: ServerOptions = { port: 5683, log: (l) => console.log(l) };
  const files: [string, string][] = [];
  // --file <path>=<local file>: serve a firmware image for pull downloads (Package URI coap(s)://<server>/<path>).
  parseServerArgs(argv, opts, (a, next) => {
    if (a !== '--file') return false;
    const [path, local] = next().split('=');
    files.push([path, local]);
    return true;
  });
  return Lwm2mTestServer.start(opts).then((s) => {
    for (const [path, local] of files) s.offerFile(path, new Uint8Array(readFileSync(local)));
    return s;
  });
});
