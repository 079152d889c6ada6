import type { CryptoProvider } from './crypto/provider';
import type { ByteStream, UdpOptions, UdpSocket } from './transport/types';

/** Opaque handle returned by Host.setTimer. */
export type TimerHandle = object | number;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * NOR-flash-like storage: `write` can only clear bits (1 -> 0); bytes must be erased (to 0xff)
 * a whole sector at a time before they can be written again.
 */
export interface FlashRegion {
  readonly size: number;
  readonly sectorSize: number;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
  eraseSector(index: number): void;
}

export interface SerialOptions {
  baud?: number;
  port?: number;
  transmit?: number;
  receive?: number;
}

/**
 * The only door from modules/ to the outside world. Every platform (Node, Moddable simulator,
 * ESP32, ESP32 + modem) provides one; tests use an in-memory host with a simulated clock.
 */
export interface Host {
  /** Monotonic milliseconds. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(t: TimerHandle): void;
  /** Cryptographically secure random bytes (hardware RNG or OS CSPRNG, never a predictable generator). */
  randomBytes(n: number): Uint8Array;
  crypto: CryptoProvider;
  /** A named flash region (created on first use by hosts that can). */
  flash(name: string): FlashRegion;
  udp?(options: UdpOptions): UdpSocket;
  serial?(options: SerialOptions): ByteStream;
  /** Root of the storage keys (eFuse, secure element, or an owner-only file on a desktop). */
  deviceSecret(): Uint8Array;
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  /**
   * Restarts the device the way this platform reboots (Device Reboot 3/0/4, and after a Factory Reset 3/0/5).
   * Absent: the client restarts itself in place (stop, then start from the stored configuration).
   */
  restart?(): void;
  /** Wall-clock time in ms since 1970-01-01 UTC, or undefined while the host does not know it (Device Current Time 3/0/13). */
  wallClock?(): number | undefined;
}
