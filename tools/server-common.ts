/**
 * What the local test servers (tools/lwm2m-server.ts, tools/bootstrap-server.ts) share: a minimal
 * real-time Node Host for modules/, and a CoAP listener that gives every peer of one UDP socket its
 * own CoapEndpoint, either over plain UDP (one DatagramChannel per "address:port") or over DTLS
 * (one DtlsServerConnection per peer): PSK (Security Mode 0), TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with raw
 * public keys (Mode 1, RFC 7250) or X.509 (Mode 2), and Connection ID (RFC 9146), with which a peer that comes
 * back from a new address and port keeps its association (and its endpoint). Test tooling, not a product.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { constantTimeEqual, fromHex, toHex, utf8Decode } from '../modules/bytes/index';
import { CoapEndpoint, Option, getStrings, getUint, type CoapConfig, type CoapResponse, type RequestHandler } from '../modules/coap/index';
import { SimFlash } from '../modules/store/sim-flash';
import { nobleCrypto } from '../modules/crypto/noble';
import { CipherSuiteId } from '../modules/dtls/index';
import { CertificateType } from '../modules/dtls/constants';
import { DtlsAlert } from '../modules/dtls/errors';
import { AlertDescription, AlertLevel } from '../modules/dtls/constants';
import { parseSpki, privateKeyFromResource, publicKeyFromResource } from '../modules/x509/keys';
import { verifyChain } from '../modules/x509/verify';
import { DtlsServer, type DtlsServerConnection } from '../modules/testing';
import type { FlashRegion, Host, LogLevel, TimerHandle } from '../modules/host';
import type { DatagramChannel } from '../modules/transport/types';
import { NodeUdpSocket } from '../hosts/node/udp';
import { clearChainedTimer, setChainedTimer, type TimerPrimitive } from '../modules/timer';

/** setTimeout, unref'd: an open socket is what keeps a server alive. */
const unrefTimers: TimerPrimitive<ReturnType<typeof setTimeout>> = Object.freeze({
  set(ms: number, fn: () => void) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear: (t: ReturnType<typeof setTimeout>) => clearTimeout(t),
});

export interface ServerOptions {
  port?: number;
  /** Default 127.0.0.1. */
  address?: string;
  /** Present: DTLS (PSK) only, no plain CoAP. Identities not listed are refused. */
  psk?: { identity: string; key: Uint8Array }[];
  /** DTLS suites accepted, in preference order. Default: TLS_PSK_WITH_AES_128_CCM_8 only. */
  cipherSuites?: CipherSuiteId[];
  /**
   * Present: TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 too (Security Modes 1 and 2), with a client key or certificate
   * required. 'rpk': our raw public key; clients are those whose public key is listed. 'x509': our certificate
   * chain; clients are those whose certificate chains to `clientCa` (and, when `clients` is given, whose key is
   * listed). The listed name is the peer's identity (as a PSK identity is).
   */
  ecdsa?: {
    type: 'rpk' | 'x509';
    /** P-256 private key: the 32-byte scalar, SEC1 or PKCS#8 DER. */
    privateKey: Uint8Array;
    /** 'x509': our certificate (DER) first, then any intermediates. */
    chain?: Uint8Array[];
    /** Client public keys (SubjectPublicKeyInfo DER or the point) and the identity each stands for. */
    clients?: { identity: string; publicKey: Uint8Array }[];
    /** 'x509': the CA certificates (DER) client certificates must chain to. */
    clientCa?: Uint8Array[];
  };
  /** Agree to a DTLS Connection ID (RFC 9146) of this many bytes (1..16) when a client offers one. */
  connectionIdLength?: number;
  /** psk_identity_hint for the ServerKeyExchange. */
  pskHint?: string;
  log?: (line: string) => void;
  /** CoAP transmission parameters for the per-peer endpoints. */
  coap?: Partial<CoapConfig>;
  /** Plain CoAP: forget a peer silent for this long that the server no longer needs. Default 600 000 ms. */
  idlePeerMs?: number;
}

/**
 * A real-time Host for running modules/ inside Node tools and tests: monotonic milliseconds from
 * performance.now(), setTimeout timers (unref'd: an open socket is what keeps a server alive),
 * OpenSSL randomness, the noble crypto provider, RAM flash and a log line sink.
 */
export function createNodeTestHost(log?: (line: string) => void): Host {
  const flashes = new Map<string, FlashRegion>();
  const secret = new Uint8Array(randomBytes(32));
  return {
    now: () => performance.now(),
    // Chained above 2^31-1 ms like every host (modules/timer.ts): setTimeout would fire such a delay at once.
    setTimer: (ms: number, fn: () => void): TimerHandle => setChainedTimer(unrefTimers, ms, fn),
    clearTimer: (t: TimerHandle) => clearChainedTimer(t),
    randomBytes: (n: number) => new Uint8Array(randomBytes(n)),
    crypto: nobleCrypto,
    flash(name: string): FlashRegion {
      let f = flashes.get(name);
      if (!f) flashes.set(name, (f = new SimFlash(64 * 1024, 4096)));
      return f;
    },
    deviceSecret: () => secret.slice(),
    log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
      if (!log) return;
      let extra = '';
      if (fields) {
        try {
          extra = ' ' + JSON.stringify(fields);
        } catch {
          extra = ' [fields]';
        }
      }
      log(`[${level}] ${msg}${extra}`);
    },
  };
}

/** One peer as the listener sees it. */
export interface Peer {
  /** "address:port" (changes when a DTLS peer with a Connection ID moves) */
  key: string;
  readonly endpoint: CoapEndpoint;
  readonly channel: DatagramChannel;
  /** PSK identity (DTLS only), as UTF-8 text. */
  readonly identity?: string;
}

/**
 * One UDP socket, many peers, one CoapEndpoint each (modules/coap: one endpoint per peer). In DTLS
 * mode only established DtlsServerConnections get an endpoint; a new handshake from the same
 * address:port replaces the previous association and its endpoint.
 */
export class CoapPeerListener {
  readonly host: Host;
  private readonly peers = new Map<string, Peer>();
  private dtls: DtlsServer | null = null;
  private closed = false;
  private readonly lastActive = new Map<string, number>();
  private sweeper: ReturnType<typeof setInterval> | null = null;
  /** Whether the server still needs a peer (a registration or a bootstrap in progress refers to it). */
  inUse: ((key: string) => boolean) | null = null;
  /** Called when a peer gets an endpoint (first datagram, or DTLS handshake done). */
  onPeer: ((peer: Peer) => void) | null = null;
  /** Called when a DTLS peer moved to a new address by its Connection ID (RFC 9146 §6): `peer.key` is the new one. */
  onPeerMoved: ((peer: Peer, oldKey: string) => void) | null = null;
  /** Called when a peer's association ends (DTLS close/alert, or listener closing). */
  onPeerGone: ((peer: Peer, reason: Error | null) => void) | null = null;

  private constructor(
    private readonly socket: NodeUdpSocket,
    private readonly opts: ServerOptions,
    private readonly handlerFor: (peer: string) => RequestHandler,
    readonly log: (line: string) => void,
  ) {
    this.host = createNodeTestHost(log);
  }

  static async open(opts: ServerOptions, handlerFor: (peer: string) => RequestHandler, name: string): Promise<CoapPeerListener> {
    const socket = await NodeUdpSocket.open({ port: opts.port ?? 0, address: opts.address ?? '127.0.0.1' });
    const sink = opts.log;
    const log = sink ? (line: string) => sink(`${name}: ${line}`) : () => {};
    const l = new CoapPeerListener(socket, opts, handlerFor, log);
    l.start();
    return l;
  }

  get port(): number {
    return this.socket.localPort;
  }

  get secure(): boolean {
    return this.dtls !== null;
  }

  peer(key: string): Peer | undefined {
    return this.peers.get(this.current(key));
  }

  private start(): void {
    this.socket.onError = (err) => this.log(`socket error: ${err.message}`);
    if (this.opts.psk || this.opts.ecdsa) {
      const table = (this.opts.psk ?? []).map((p) => ({ identity: p.identity, key: p.key.slice() }));
      this.dtls = new DtlsServer(this.host, {
        certificate: this.opts.ecdsa ? this.ecdsaCredentials(this.opts.ecdsa) : undefined,
        connectionIdLength: this.opts.connectionIdLength,
        psk: !this.opts.psk ? undefined : (identity) => {
          let text: string;
          try {
            text = utf8Decode(identity);
          } catch {
            return null;
          }
          const hit = table.find((p) => p.identity === text);
          if (!hit) this.log(`refused unknown PSK identity ${JSON.stringify(text)}`);
          return hit ? hit.key.slice() : null;
        },
        hint: this.opts.pskHint,
        cipherSuites: this.opts.cipherSuites,
      });
      this.dtls.onPeerMoved = (conn, oldKey) => this.moved(conn, oldKey);
      this.dtls.onConnection = (conn) => this.dtlsEstablished(conn);
      this.dtls.onConnectionClosed = (conn, reason) => {
        const p = this.peers.get(conn.peer);
        if (reason) this.log(`DTLS ${conn.peer} ended: ${reason.message}`);
        if (p && p.channel === conn) this.drop(p, reason);
      };
      this.dtls.listen(this.socket);
      this.log(`listening on coaps://${this.opts.address ?? '127.0.0.1'}:${this.port}`);
    } else {
      this.socket.onMessage = (data, address, port) => this.plainDatagram(data, address, port);
      // Every source port a client ever used gets an endpoint; the demo runs for hours, so prune.
      const idle = this.opts.idlePeerMs ?? 600_000;
      this.sweeper = setInterval(() => this.sweep(idle), Math.min(idle, 60_000));
      this.sweeper.unref();
      this.log(`listening on coap://${this.opts.address ?? '127.0.0.1'}:${this.port}`);
    }
  }

  /** Identities of ECDSA clients by their public key (hex of the point), filled as their keys are checked. */
  private readonly ecdsaIdentities = new Map<string, string>();
  /** Old peer key -> new one, for peers that moved (bounded). */
  private readonly movedTo = new Map<string, string>();

  /** The current key of a peer known by `key` (itself unless it moved by its Connection ID). */
  current(key: string): string {
    for (let i = 0; i < 8 && !this.peers.has(key) && this.movedTo.has(key); i++) key = this.movedTo.get(key)!;
    return key;
  }

  private ecdsaCredentials(e: NonNullable<ServerOptions['ecdsa']>): NonNullable<ConstructorParameters<typeof DtlsServer>[1]['certificate']> {
    const clients = (e.clients ?? []).map((c) => ({ identity: c.identity, point: publicKeyFromResource(c.publicKey, `public key of ${c.identity}`) }));
    const known = (point: Uint8Array) => clients.find((c) => c.point.length === point.length && constantTimeEqual(c.point, point));
    return {
      type: e.type,
      privateKey: privateKeyFromResource(e.privateKey),
      chain: e.chain,
      requireClientCertificate: true,
      verifyPeer: (type, certs) => {
        let point: Uint8Array;
        if (e.type === 'rpk') {
          if (type !== CertificateType.RawPublicKey) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unsupported_certificate, 'expected a raw public key');
          point = parseSpki(certs[0], 'client raw public key');
        } else {
          if (!e.clientCa || e.clientCa.length === 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unknown_ca, 'no client CA configured');
          let last: unknown = null;
          let found: Uint8Array | null = null;
          for (const ca of e.clientCa) {
            try {
              found = verifyChain(certs, { crypto: this.host.crypto, usage: 2, pinned: ca, peer: 'client', now: () => Date.now() }).publicKey;
              break;
            } catch (err) {
              last = err;
            }
          }
          if (!found) throw last;
          point = found;
        }
        const hit = known(point);
        if (!hit && (e.type === 'rpk' || clients.length > 0)) {
          this.log(`refused an unknown client key ${toHex(point).slice(0, 16)}…`);
          throw new DtlsAlert(AlertLevel.fatal, AlertDescription.access_denied, 'unknown client key');
        }
        if (hit) this.ecdsaIdentities.set(toHex(point), hit.identity);
        return point;
      },
    };
  }

  private dtlsEstablished(conn: DtlsServerConnection): void {
    const old = this.peers.get(conn.peer);
    if (old) this.drop(old, null);
    let identity: string | undefined;
    try {
      identity = conn.identity ? utf8Decode(conn.identity) : conn.clientPublicKey ? this.ecdsaIdentities.get(toHex(conn.clientPublicKey)) : undefined;
    } catch {
      identity = undefined;
    }
    this.log(`DTLS ${conn.peer} established (identity ${JSON.stringify(identity)}${conn.resumed ? ', resumed' : ''}${conn.connectionId ? `, CID ${toHex(conn.connectionId)}` : ''})`);
    this.add(conn.peer, conn, identity);
  }

  /** RFC 9146 §6: an authenticated, newer record came from a new address; the association (and endpoint) follow. */
  private moved(conn: DtlsServerConnection, oldKey: string): void {
    const p = this.peers.get(oldKey);
    if (!p || p.channel !== conn) return;
    const there = this.peers.get(conn.peer);
    if (there && there !== p) this.drop(there, null);
    this.peers.delete(oldKey);
    p.key = conn.peer;
    // Requests addressed by the old key (a bootstrap plan in progress, a held queue-mode request) follow it.
    this.movedTo.delete(p.key);
    this.movedTo.set(oldKey, p.key);
    if (this.movedTo.size > 1024) this.movedTo.delete(this.movedTo.keys().next().value!);
    this.peers.set(p.key, p);
    this.log(`DTLS peer moved from ${oldKey} to ${p.key} (CID ${conn.connectionId ? toHex(conn.connectionId) : '-'})`);
    this.onPeerMoved?.(p, oldKey);
  }

  private plainDatagram(data: Uint8Array, address: string, port: number): void {
    const key = peerKey(address, port);
    let p = this.peers.get(key);
    if (!p) {
      const socket = this.socket;
      const channel: DatagramChannel = {
        maxDatagramSize: 1152,
        onReceive: null,
        onClose: null,
        send: (d) => socket.send(d, address, port),
        close: () => {},
      };
      p = this.add(key, channel, undefined);
    }
    this.lastActive.set(key, Date.now());
    p.channel.onReceive?.(data);
  }

  private sweep(idleMs: number): void {
    const now = Date.now();
    for (const [key, at] of this.lastActive) {
      if (now - at < idleMs || this.inUse?.(key)) continue;
      this.lastActive.delete(key);
      const p = this.peers.get(key);
      if (p) {
        this.log(`forgetting idle peer ${key}`);
        this.drop(p, null);
      }
    }
  }

  /**
   * Adds a peer reached over a channel this listener did not make (an SMS channel from tools/sms-gateway.ts),
   * with its own CoAP transmission parameters. The idle sweep never forgets it.
   */
  attach(key: string, channel: DatagramChannel, identity?: string, coap?: Partial<CoapConfig>): Peer {
    const old = this.peers.get(key);
    if (old) this.drop(old, null);
    return this.add(key, channel, identity, coap);
  }

  private add(key: string, channel: DatagramChannel, identity: string | undefined, coap?: Partial<CoapConfig>): Peer {
    const endpoint = new CoapEndpoint(this.host, channel, { ...this.opts.coap, ...coap });
    const peer: Peer = { key, endpoint, channel, identity };
    // By the peer's current key: a DTLS peer with a Connection ID may move (RFC 9146 §6).
    endpoint.onRequest((req) => this.handlerFor(peer.key)(req));
    this.peers.set(key, peer);
    this.onPeer?.(peer);
    return peer;
  }

  private drop(p: Peer, reason: Error | null): void {
    if (this.peers.get(p.key) !== p) return;
    this.peers.delete(p.key);
    p.endpoint.close();
    this.onPeerGone?.(p, reason);
  }

  /** Sends a request to a peer over its association. */
  request(key: string, req: Parameters<CoapEndpoint['request']>[0]): Promise<CoapResponse> {
    const p = this.peers.get(this.current(key));
    if (!p) return Promise.reject(new Error(`no association with ${key}`));
    return p.endpoint.request(req);
  }

  /**
   * Test hook: the server forgets every DTLS connection (as after a restart that kept its sessions): each is
   * closed and its peer dropped. Returns how many there were.
   */
  forgetDtlsConnections(): number {
    let n = 0;
    for (const p of [...this.peers.values()]) {
      if (!this.dtls || !('connectionId' in p.channel)) continue;
      (p.channel as DtlsServerConnection).close();
      this.drop(p, null);
      n++;
    }
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const p of [...this.peers.values()]) this.drop(p, null);
    // DtlsServer.close sends close_notify on every live connection before the socket goes.
    this.dtls?.close();
    this.socket.close();
  }
}

export function peerKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Content-Format of a response, if any. */
export function contentFormatOf(r: CoapResponse): number | undefined {
  return getUint(r.options, Option.ContentFormat);
}

/** Location-Path of a response as "/a/b" (undefined when absent). */
export function locationOf(r: CoapResponse): string | undefined {
  const segs = getStrings(r.options, Option.LocationPath);
  return segs && segs.length ? '/' + segs.join('/') : undefined;
}

/** Splits "a=1&b=2" into ["a=1","b=2"] (Uri-Query options), dropping empty parts. */
export function splitQuery(q: string): string[] {
  return q
    .replace(/^\?/, '')
    .split('&')
    .filter((s) => s.length > 0);
}

/**
 * A promise for the first time `test()` yields a value, rechecked by `poke()`; rejects after `timeoutMs`.
 * The waiters of both servers are built on it.
 */
export class Waiters {
  private readonly list: { check: () => boolean; fail: (e: Error) => void }[] = [];

  wait<T>(test: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const now = test();
      if (now !== undefined) return resolve(now);
      const entry = {
        check: () => {
          const v = test();
          if (v === undefined) return false;
          clearTimeout(timer);
          resolve(v);
          return true;
        },
        fail: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.list.indexOf(entry);
        if (i >= 0) this.list.splice(i, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.list.push(entry);
    });
  }

  poke(): void {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i].check()) this.list.splice(i, 1);
  }

  failAll(e: Error): void {
    for (const w of this.list.splice(0)) w.fail(e);
  }
}

// ------------------------------------------------------------------ command lines of the test servers

/**
 * Parses the options both test servers take into `opts`: --port, --address, --psk id:hex; --cid N (RFC 9146);
 * Security Mode 1: --rpk-key KEY --client-key id:KEY ...; Mode 2: --x509-key KEY --x509-cert CERT --client-ca CERT
 * [--client-key id:KEY ...] (KEY and CERT: a DER file, or hex); any other
 * argument goes to `extra`, which returns how many arguments it consumed (0: unknown).
 */
export function parseServerArgs(argv: string[], opts: ServerOptions, extra: (a: string, next: () => string) => boolean = () => false): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--port') opts.port = Number(next());
    else if (a === '--address') opts.address = next();
    else if (a === '--psk') {
      const [identity, hex] = next().split(':');
      (opts.psk ??= []).push({ identity, key: fromHex(hex) });
    } else if (a === '--cid') opts.connectionIdLength = Number(next());
    else if (a === '--rpk-key' || a === '--x509-key') {
      // Our P-256 private key: a DER file (PKCS#8 or SEC1) or the scalar in hex.
      const type = a === '--rpk-key' ? 'rpk' : 'x509';
      opts.ecdsa = { ...opts.ecdsa, type, privateKey: bytesArg(next()) };
    } else if (a === '--x509-cert') (opts.ecdsa ??= { type: 'x509', privateKey: new Uint8Array(0) }).chain = [...(opts.ecdsa.chain ?? []), bytesArg(next())];
    else if (a === '--client-key') {
      const v = next();
      const at = v.indexOf(':');
      (opts.ecdsa ??= { type: 'rpk', privateKey: new Uint8Array(0) }).clients = [...(opts.ecdsa.clients ?? []), { identity: v.slice(0, at), publicKey: bytesArg(v.slice(at + 1)) }];
    } else if (a === '--client-ca') (opts.ecdsa ??= { type: 'x509', privateKey: new Uint8Array(0) }).clientCa = [...(opts.ecdsa.clientCa ?? []), bytesArg(next())];
    else if (!extra(a, next)) throw new Error(`unknown argument ${a}`);
  }
}

/** A key or certificate argument: a file (DER) when one exists at that path, else hex. */
function bytesArg(v: string): Uint8Array {
  return existsSync(v) ? new Uint8Array(readFileSync(v)) : fromHex(v);
}

/** Runs `start` when `moduleUrl` is the program Node was started with; stops cleanly on SIGINT/SIGTERM. */
export function runAsProgram(moduleUrl: string, start: (argv: string[]) => Promise<{ stop(): Promise<void> }>): void {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  Promise.resolve()
    .then(() => start(process.argv.slice(2)))
    .then(
    (s) => {
      const stop = () => void s.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}

/** A P-256 key pair made now, for RPK/X.509 test accounts (nothing committed): SubjectPublicKeyInfo and PKCS#8, DER. */
export function p256KeyPair(): { spki: Uint8Array; pkcs8: Uint8Array } {
  const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { spki: new Uint8Array(k.publicKey.export({ type: 'spki', format: 'der' })), pkcs8: new Uint8Array(k.privateKey.export({ type: 'pkcs8', format: 'der' })) };
}
