/**
 * What the local test servers (tools/lwm2m-server.ts, tools/bootstrap-server.ts) share: a minimal
 * real-time Node Host for modules/, and a CoAP listener that gives every peer of one UDP socket its
 * own CoapEndpoint, either over plain UDP (one DatagramChannel per "address:port") or over DTLS
 * (one DtlsServerConnection per peer, PSK only). Test tooling, not a product.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { fromHex, utf8Decode } from '../modules/bytes/index';
import { CoapEndpoint, Option, getStrings, getUint, type CoapConfig, type CoapResponse, type RequestHandler } from '../modules/coap/index';
import { SimFlash } from '../modules/store/sim-flash';
import { nobleCrypto } from '../modules/crypto/noble';
import { CipherSuiteId } from '../modules/dtls/index';
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
  /** "address:port" */
  readonly key: string;
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
    return this.peers.get(key);
  }

  private start(): void {
    this.socket.onError = (err) => this.log(`socket error: ${err.message}`);
    if (this.opts.psk) {
      const table = this.opts.psk.map((p) => ({ identity: p.identity, key: p.key.slice() }));
      this.dtls = new DtlsServer(this.host, {
        psk: (identity) => {
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

  private dtlsEstablished(conn: DtlsServerConnection): void {
    const old = this.peers.get(conn.peer);
    if (old) this.drop(old, null);
    let identity: string | undefined;
    try {
      identity = conn.identity ? utf8Decode(conn.identity) : undefined;
    } catch {
      identity = undefined;
    }
    this.log(`DTLS ${conn.peer} established (identity ${JSON.stringify(identity)}${conn.resumed ? ', resumed' : ''})`);
    this.add(conn.peer, conn, identity);
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
    endpoint.onRequest(this.handlerFor(key));
    const peer: Peer = { key, endpoint, channel, identity };
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
    const p = this.peers.get(key);
    if (!p) return Promise.reject(new Error(`no association with ${key}`));
    return p.endpoint.request(req);
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
 * Parses the options both test servers take (--port, --address, --psk id:hex) into `opts`; any other
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
    } else if (!extra(a, next)) throw new Error(`unknown argument ${a}`);
  }
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
