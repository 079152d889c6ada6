/**
 * Host for ESP32 boards under the Moddable SDK (`mcconfig -p esp32/<target>`).
 * NOT BUILT OR FLASHED in this repository's checks: there is no ESP-IDF here (see README.md).
 * Where it differs from hosts/sim/host.ts:
 *   randomBytes  esp_fill_random (hardware RNG) through the manifest's ffi section (native.c);
 *                never Math.random, never Moddable's "rng" module (RC4 seeded from c_rand)
 *   crypto       the native provider (hosts/esp32/crypto-moddable.ts: crypt BlockCipher/Digest,
 *                curve, ecdsa); noble P-256 needs over 1 MB of XS memory and cannot run here
 *   flash        named regions at fixed sector ranges of one data partition ("flash" module)
 *   deviceSecret HMAC-SHA256 by the HMAC peripheral with an eFuse key (S2/S3/C3/C6/H2). The classic
 *                ESP32 has no HMAC peripheral: there, opt in to a random secret kept in a flash region,
 *                which is only a secret if flash encryption is on (and the board's eFuses are burnt).
 * Shared with the simulator: udp (embedded:io/socket/udp) and the TextEncoder globals.
 */
import Time from 'time';
import Timer from 'timer';
import FFI from 'mc/ffi';
import type { CryptoProvider } from '../../modules/crypto/provider';
import type { Host, FlashRegion, LogLevel, TimerHandle } from '../../modules/host';
import { clearChainedTimer, setChainedTimer } from '../../modules/timer';
import { moddableCrypto } from './crypto-moddable';
import { partitionFlash, type FlashLayout } from './flash-partition';
import { openUdp } from '../sim/udp';

export interface Esp32HostOptions {
  /** Data partition holding every flash region (partitions.csv); default "xslwm2m". */
  partition?: string;
  /** Region name -> sectors, in partition order. Default: keys 4, counters 4, journal 8, secret 1. */
  layout?: FlashLayout;
  /** Set when the partition is flagged `encrypted` and flash encryption is enabled. */
  encrypted?: boolean;
  /**
   * Classic ESP32 only (no HMAC peripheral): keep a random device secret in the "secret" region.
   * Refused unless `encrypted` is also true, since an unencrypted partition is readable over the pins.
   */
  secretInEncryptedFlash?: boolean;
  crypto?: CryptoProvider;
  logLevel?: LogLevel;
}

export class Esp32HostError extends Error {
  // A field (define semantics), not `this.name = ...`: on Moddable, Error.prototype is frozen and
  // assigning an inherited read-only property throws TypeError ("set name: not writable").
  override name = 'Esp32HostError';
}

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
// Made on first use, not at load: a preloaded module runs at build time, where the ffi natives do not exist.
let ffiNatives: FFI | null = null;
const natives = (): FFI => (ffiNatives ??= new FFI());

function hardwareRandom(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 65536) throw new Esp32HostError(`randomBytes: bad length ${n}`);
  const out = new Uint8Array(n);
  if (n > 0) natives().xslwm2m_random(out.buffer, 0, n);
  return out;
}

export function createEsp32Host(options: Esp32HostOptions = {}): Host {
  const layout = options.layout ?? { keys: 4, counters: 4, journal: 8, secret: 1 };
  const encrypted = options.encrypted ?? false;
  const flash = partitionFlash(options.partition ?? 'xslwm2m', layout, encrypted);
  const minLevel = LEVELS[options.logLevel ?? 'info'];
  function secretFromFlash(): Uint8Array {
    if (!options.secretInEncryptedFlash || !encrypted) {
      throw new Esp32HostError('no HMAC peripheral on this chip: enable flash encryption and set secretInEncryptedFlash, or use a secure element');
    }
    const region = flash('secret');
    const stored = region.read(0, 32);
    if (stored.some((b) => b !== 0xff)) return stored;
    const fresh = hardwareRandom(32);
    region.eraseSector(0);
    region.write(0, fresh);
    return fresh;
  }

  return {
    now: () => Time.ticks,
    setTimer(ms: number, fn: () => void): TimerHandle {
      // Timer.set takes a 32-bit delay: longer ones (a server's Lifetime, pmax) are chained (modules/timer.ts).
      return setChainedTimer({ set: (slice: number, f: () => void) => Timer.set(f, slice), clear: (t: Timer) => Timer.clear(t) }, ms, fn);
    },
    clearTimer(t: TimerHandle): void {
      clearChainedTimer(t);
    },
    randomBytes: hardwareRandom,
    crypto: options.crypto ?? moddableCrypto,
    flash: (name: string): FlashRegion => flash(name),
    udp: openUdp,
    deviceSecret(): Uint8Array {
      // Derived (or read) at each use and never kept here: the caller wipes the copy it gets, so the secret
      // is in RAM only while a store derives its keys.
      const out = new Uint8Array(32);
      const rc = natives().xslwm2m_device_secret(out.buffer) as number;
      if (rc === 0) return out;
      out.fill(0);
      if (rc === -2) return secretFromFlash();
      throw new Esp32HostError('HMAC peripheral failed: is an HMAC_UP key burnt into the configured eFuse block?');
    },
    log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
      if (LEVELS[level] < minLevel) return;
      trace(`[${level}] ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}\n`);
    },
  };
}
