/**
 * The Node.js Host: real UDP sockets, file-backed flash under a data directory, a device secret file
 * created owner-only on first run, the portable (noble) crypto provider and real timers.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { nobleCrypto } from '../../modules/crypto/noble';
import type { FlashRegion, Host, LogLevel, TimerHandle } from '../../modules/host';
import { ChainedTimer, setChainedTimer, type TimerPrimitive } from '../../modules/timer';
import type { UdpOptions, UdpSocket } from '../../modules/transport/types';
import { loadOrCreateDeviceSecret } from './device-secret';
import { fileFlashProvider } from './flash-file';
import { NodeUdpSocket } from './udp';

export interface NodeHostOptions {
  /** Where flash regions and the device secret live (created 0700). */
  dataDir: string;
  /** Log sink; default writes `level msg fields` lines to stderr. Secrets never reach it from modules/. */
  log?: (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;
  /** Lowest level passed to the sink. Default 'info'. */
  logLevel?: LogLevel;
  /** Size of each flash region (bytes, a multiple of 4096). Default 64 KiB. */
  flashSize?: number;
  /** Local address the client's UDP sockets bind to when the caller names none (default 0.0.0.0; '::' for IPv6). */
  udpBindAddress?: string;
  /** What a Device Reboot (3/0/4) does on this desktop host; absent, the client restarts itself in place. */
  onRestart?: () => void;
}

/** node:timers as a TimerPrimitive: never given more than 2^31-1 ms (modules/timer.ts does the chaining). */
const nodeTimers: TimerPrimitive<NodeJS.Timeout> = Object.freeze({
  set: (ms: number, fn: () => void) => setTimeout(fn, ms),
  clear: (t: NodeJS.Timeout) => clearTimeout(t),
});

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export class NodeHost implements Host {
  readonly crypto = nobleCrypto;
  private readonly flashes = new Map<string, FlashRegion>();
  private readonly makeFlash: (name: string) => FlashRegion;
  private readonly secretPath: string;
  private readonly sockets = new Set<NodeUdpSocket>();
  private readonly timers = new Set<ChainedTimer<NodeJS.Timeout>>();
  private readonly udpBindAddress: string | undefined;
  private readonly minLevel: number;
  private readonly sink: NonNullable<NodeHostOptions['log']>;

  constructor(opts: NodeHostOptions) {
    this.makeFlash = fileFlashProvider(join(opts.dataDir, 'flash'), { size: opts.flashSize ?? 64 * 1024 });
    this.secretPath = join(opts.dataDir, 'device-secret.bin');
    this.minLevel = LEVELS.indexOf(opts.logLevel ?? 'info');
    this.udpBindAddress = opts.udpBindAddress;
    if (opts.onRestart) this.restart = opts.onRestart;
    this.sink = opts.log ?? ((level, msg, fields) => process.stderr.write(`${level} ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}\n`));
  }

  readonly restart?: () => void;

  now(): number {
    return performance.now();
  }
  /** The system clock (Device Current Time, 3/0/13). */
  wallClock(): number {
    return Date.now();
  }
  /** Any delay a server can set: above 2^31-1 ms (where setTimeout would fire after 1 ms) the timer is chained. */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t: ChainedTimer<NodeJS.Timeout> = setChainedTimer(nodeTimers, ms, () => {
      this.timers.delete(t);
      fn();
    });
    this.timers.add(t);
    return t;
  }
  clearTimer(t: TimerHandle): void {
    if (!(t instanceof ChainedTimer)) return;
    t.cancel();
    this.timers.delete(t);
  }
  randomBytes(n: number): Uint8Array {
    return new Uint8Array(randomBytes(n));
  }
  flash(name: string): FlashRegion {
    let f = this.flashes.get(name);
    if (!f) this.flashes.set(name, (f = this.makeFlash(name)));
    return f;
  }
  udp(options: UdpOptions): UdpSocket {
    const s = NodeUdpSocket.create(options.address === undefined && this.udpBindAddress !== undefined ? { ...options, address: this.udpBindAddress } : options);
    this.sockets.add(s);
    const close = s.close.bind(s);
    s.close = () => {
      this.sockets.delete(s);
      close();
    };
    return s;
  }
  deviceSecret(): Uint8Array {
    return loadOrCreateDeviceSecret(this.secretPath);
  }
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS.indexOf(level) >= this.minLevel) this.sink(level, msg, fields);
  }
  /** Clean shutdown: every timer cancelled and socket closed (used on SIGINT). */
  dispose(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    for (const s of [...this.sockets]) s.close();
  }
}
