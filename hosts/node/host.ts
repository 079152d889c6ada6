/**
 * The Node.js Host: real UDP sockets, file-backed flash under a data directory, a device secret file
 * created owner-only on first run, the portable (noble) crypto provider and real timers.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { nobleCrypto } from '../../modules/crypto/noble';
import type { FlashRegion, Host, LogLevel, TimerHandle } from '../../modules/host';
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
}

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export class NodeHost implements Host {
  readonly crypto = nobleCrypto;
  private readonly flashes = new Map<string, FlashRegion>();
  private readonly makeFlash: (name: string) => FlashRegion;
  private readonly secretPath: string;
  private readonly sockets = new Set<NodeUdpSocket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly minLevel: number;
  private readonly sink: NonNullable<NodeHostOptions['log']>;

  constructor(opts: NodeHostOptions) {
    this.makeFlash = fileFlashProvider(join(opts.dataDir, 'flash'), { size: opts.flashSize ?? 64 * 1024 });
    this.secretPath = join(opts.dataDir, 'device-secret.bin');
    this.minLevel = LEVELS.indexOf(opts.logLevel ?? 'info');
    this.sink = opts.log ?? ((level, msg, fields) => process.stderr.write(`${level} ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}\n`));
  }

  now(): number {
    return performance.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
    return t;
  }
  clearTimer(t: TimerHandle): void {
    clearTimeout(t as NodeJS.Timeout);
    this.timers.delete(t as NodeJS.Timeout);
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
    const s = NodeUdpSocket.create(options);
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
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of [...this.sockets]) s.close();
  }
}
