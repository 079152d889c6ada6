/**
 * Deterministic test doubles shared by the suites: a simulated clock with timers, a seeded PRNG, a
 * Host built on them, and in-memory datagram pipes whose loss, duplication and reordering a test
 * scripts. Runs in Node and XS alike (no real timers anywhere).
 */
import type { Host, FlashRegion, LogLevel, TimerHandle } from '../../modules/host';
import type { CryptoProvider } from '../../modules/crypto/provider';
import type { DatagramChannel } from '../../modules/transport/types';
import { nobleCrypto } from '../../modules/crypto/noble';

/** xoshiro128** seeded PRNG: reproducible "randomness" for tests only (never for keys in production). */
export class Prng {
  private s = new Uint32Array(4);
  constructor(seed = 1) {
    let x = seed >>> 0 || 1;
    for (let i = 0; i < 4; i++) {
      // splitmix32 to spread the seed
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(((Math.imul(s[1], 5) << 7) | (Math.imul(s[1], 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ((s[3] << 11) | (s[3] >>> 21)) >>> 0;
    return result;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.nextU32() / 0x100000000) * n);
  }
  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() / 0x100000000;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextU32() & 0xff;
    return out;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

interface SimTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock that only moves when the test says so. Timers fire in due order, ties in creation order. */
export class SimClock {
  private t = 0;
  private nextId = 1;
  private timers: SimTimer[] = [];
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }
  clearTimer(h: TimerHandle): void {
    const id = (h as { id: number }).id;
    this.timers = this.timers.filter((t) => t.id !== id);
  }
  get pendingTimers(): number {
    return this.timers.length;
  }
  /** Time of the next due timer, or null. */
  nextDue(): number | null {
    let best: number | null = null;
    for (const t of this.timers) if (best === null || t.at < best) best = t.at;
    return best;
  }
  /** Moves time forward by `ms`, firing every timer that falls due (including ones scheduled meanwhile). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: SimTimer | null = null;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
  /** Fires timers until none are left or `limitMs` of simulated time has passed. */
  runAll(limitMs = 24 * 3600 * 1000): void {
    const end = this.t + limitMs;
    for (;;) {
      const due = this.nextDue();
      if (due === null || due > end) break;
      this.advance(due - this.t);
    }
  }
}

/** RAM-backed flash with NOR semantics (write only clears bits; erase sets a sector to 0xff). */
export class RamFlash implements FlashRegion {
  readonly data: Uint8Array;
  constructor(
    readonly size = 16 * 4096,
    readonly sectorSize = 4096,
  ) {
    this.data = new Uint8Array(size).fill(0xff);
  }
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new RangeError(`flash read out of range: ${offset}+${length}`);
    return this.data.slice(offset, offset + length);
  }
  write(offset: number, data: Uint8Array): void {
    if (offset < 0 || offset + data.length > this.size) throw new RangeError(`flash write out of range: ${offset}+${data.length}`);
    for (let i = 0; i < data.length; i++) {
      const cur = this.data[offset + i];
      if ((cur & data[i]) !== data[i]) throw new Error(`flash write at ${offset + i} would set bits (0x${cur.toString(16)} -> 0x${data[i].toString(16)}): erase first`);
      this.data[offset + i] = cur & data[i];
    }
  }
  eraseSector(index: number): void {
    if (index < 0 || index >= this.size / this.sectorSize) throw new RangeError(`no sector ${index}`);
    this.data.fill(0xff, index * this.sectorSize, (index + 1) * this.sectorSize);
  }
}

export interface LogEntry {
  level: LogLevel;
  msg: string;
  fields?: Record<string, unknown>;
}

export interface SimHostOptions {
  seed?: number;
  crypto?: CryptoProvider;
  deviceSecret?: Uint8Array;
  flash?: (name: string) => FlashRegion;
}

/** A complete Host on simulated time, seeded randomness and RAM flash; it records its log. */
export class SimHost implements Host {
  readonly clock = new SimClock();
  readonly prng: Prng;
  readonly crypto: CryptoProvider;
  readonly logs: LogEntry[] = [];
  private flashes = new Map<string, FlashRegion>();
  private secret: Uint8Array;
  private makeFlash: (name: string) => FlashRegion;
  constructor(opts: SimHostOptions = {}) {
    this.prng = new Prng(opts.seed ?? 1);
    this.crypto = opts.crypto ?? nobleCrypto;
    this.secret = opts.deviceSecret ?? this.prng.bytes(32);
    this.makeFlash = opts.flash ?? (() => new RamFlash());
  }
  now(): number {
    return this.clock.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    return this.clock.setTimer(ms, fn);
  }
  clearTimer(t: TimerHandle): void {
    this.clock.clearTimer(t);
  }
  randomBytes(n: number): Uint8Array {
    return this.prng.bytes(n);
  }
  flash(name: string): FlashRegion {
    let f = this.flashes.get(name);
    if (!f) this.flashes.set(name, (f = this.makeFlash(name)));
    return f;
  }
  deviceSecret(): Uint8Array {
    return this.secret.slice();
  }
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    this.logs.push({ level, msg, fields });
  }
}

export type PipeFilter = (data: Uint8Array, direction: 'a->b' | 'b->a', index: number) => 'deliver' | 'drop' | 'duplicate' | 'hold';

/**
 * Two connected DatagramChannels. Delivery is asynchronous on the simulated clock (`latencyMs`,
 * default 1 ms) so re-entrancy bugs show; a filter decides per datagram to deliver, drop, duplicate
 * or hold it (held datagrams are released in reverse order by `releaseHeld()` to test reordering).
 */
export class DatagramPipe {
  readonly a: DatagramChannel;
  readonly b: DatagramChannel;
  filter: PipeFilter = () => 'deliver';
  readonly sent: { direction: 'a->b' | 'b->a'; data: Uint8Array }[] = [];
  private held: { to: DatagramChannel; data: Uint8Array }[] = [];
  private counter = 0;
  constructor(
    private readonly clock: SimClock,
    readonly latencyMs = 1,
    maxDatagramSize = 1400,
  ) {
    const mk = (): DatagramChannel => ({ maxDatagramSize, onReceive: null, onClose: null, send: () => {}, close: () => {} });
    this.a = mk();
    this.b = mk();
    this.a.send = (d) => this.transmit(d, 'a->b', this.b);
    this.b.send = (d) => this.transmit(d, 'b->a', this.a);
  }
  private transmit(data: Uint8Array, direction: 'a->b' | 'b->a', to: DatagramChannel): void {
    const copy = data.slice();
    this.sent.push({ direction, data: copy });
    const verdict = this.filter(copy, direction, this.counter++);
    if (verdict === 'drop') return;
    if (verdict === 'hold') {
      this.held.push({ to, data: copy });
      return;
    }
    const deliver = () => to.onReceive?.(copy.slice());
    this.clock.setTimer(this.latencyMs, deliver);
    if (verdict === 'duplicate') this.clock.setTimer(this.latencyMs + 1, deliver);
  }
  releaseHeld(): void {
    const held = this.held.reverse();
    this.held = [];
    for (const h of held) this.clock.setTimer(this.latencyMs, () => h.to.onReceive?.(h.data.slice()));
  }
  /** Bytes sent in a direction (or both), as UDP payload bytes. */
  bytesSent(direction?: 'a->b' | 'b->a'): number {
    return this.sent.filter((s) => !direction || s.direction === direction).reduce((n, s) => n + s.data.length, 0);
  }
}
