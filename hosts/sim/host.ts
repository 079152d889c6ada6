/**
 * Host for the Moddable simulator (`mcconfig -p lin|mac|win`). Everything modules/ needs from the
 * outside world, built from Moddable modules:
 *   now          Time.ticks (monotonic milliseconds)
 *   timers       Timer.set / Timer.clear from "timer"
 *   randomBytes  the OS CSPRNG (getrandom) through the manifest's ffi section (random.c).
 *                NOT Math.random (a fixed sequence in the simulator) and NOT Moddable's "rng" module
 *                (RC4 seeded from c_rand): both are predictable.
 *   crypto       the native provider (hosts/esp32/crypto-moddable.ts: Moddable's crypt, curve, ecdsa), as on an
 *                ESP32, so the simulator measures the device configuration; `options.crypto` may replace it
 *   flash        one file per region under the data directory, NOR semantics (the simulator has no flash)
 *   udp          embedded:io/socket/udp (IP addresses only), see udp.ts
 *   deviceSecret 32 random bytes in <dataDir>/device-secret.bin (0600, directory 0700), created on first use;
 *                read from the file at each call and never kept here (the caller wipes the copy it gets);
 *                a desktop stand-in only: anyone with this user's rights can read it
 *   log          trace
 */
import Time from 'time';
import Timer from 'timer';
import { File, Directory } from 'file';
import config from 'mc/config';
import FFI from 'mc/ffi';
import { moddableCrypto } from '../esp32/crypto-moddable';
import type { CryptoProvider } from '../../modules/crypto/provider';
import type { Host, FlashRegion, LogLevel, TimerHandle } from '../../modules/host';
import { clearChainedTimer, setChainedTimer } from '../../modules/timer';
import { FileFlash } from './flash-file';
import { openUdp } from './udp';

export interface SimHostOptions {
  /** Where flash files and the device secret live; default `<config.file.root>xs-lwm2m/` (/tmp/xs-lwm2m/ on Linux). */
  dataDir?: string;
  /** Size and sector size of every flash region (bytes). */
  flashSize?: number;
  sectorSize?: number;
  /** Lowest level that is traced. */
  logLevel?: LogLevel;
  /** Default: the native provider. */
  crypto?: CryptoProvider;
}

export class SimHostError extends Error {
  // A field (define semantics), not `this.name = ...`: on Moddable, Error.prototype is frozen and
  // assigning an inherited read-only property throws TypeError ("set name: not writable").
  override name = 'SimHostError';
}

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
Object.freeze(LEVELS);
// Made on first use, not at load: a preloaded module runs at build time, where the ffi natives do not exist.
let ffiNatives: FFI | null = null;
const natives = (): FFI => (ffiNatives ??= new FFI());

function secureRandom(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 65536) throw new SimHostError(`randomBytes: bad length ${n}`);
  const out = new Uint8Array(n);
  if (n > 0 && natives().xslwm2m_random(out.buffer, 0, n) !== 0) throw new SimHostError('getrandom failed');
  return out;
}

function makePrivate(path: string, isDirectory: boolean): void {
  // Moddable's file module creates 0755 directories and umask-default files; the secret and the
  // flash images must not be readable by other users of the desktop.
  if (natives().xslwm2m_make_private(path, isDirectory ? 1 : 0) !== 0) throw new SimHostError(`cannot make ${path} owner-only`);
}

function ensureDir(path: string): void {
  Directory.create(path); // succeeds when the directory exists already
  makePrivate(path, true);
}

function loadOrCreateSecret(path: string): Uint8Array {
  if (File.exists(path)) {
    const f = new File(path);
    try {
      if (f.length !== 32) throw new SimHostError(`${path} must hold exactly 32 bytes, found ${f.length}`);
      return new Uint8Array(f.read(ArrayBuffer, 32));
    } finally {
      f.close();
    }
  }
  const secret = secureRandom(32);
  const f = new File(path, true);
  try {
    makePrivate(path, false);
    const copy = secret.slice();
    f.write(copy.buffer);
    copy.fill(0);
  } finally {
    f.close();
  }
  return secret;
}

export function createSimHost(options: SimHostOptions = {}): Host {
  let dataDir = options.dataDir ?? `${config.file.root}xs-lwm2m/`;
  if (!dataDir.endsWith('/')) dataDir += '/';
  ensureDir(dataDir);
  const flashSize = options.flashSize ?? 4 * 4096;
  const sectorSize = options.sectorSize ?? 4096;
  const minLevel = LEVELS[options.logLevel ?? 'info'];
  const regions = new Map<string, FlashRegion>();
  return {
    now: () => Time.ticks,
    setTimer(ms: number, fn: () => void): TimerHandle {
      // Timer.set takes a 32-bit delay: longer ones (a server's Lifetime, pmax) are chained (modules/timer.ts).
      return setChainedTimer({ set: (slice: number, f: () => void) => Timer.set(f, slice), clear: (t: Timer) => Timer.clear(t) }, ms, fn);
    },
    clearTimer(t: TimerHandle): void {
      clearChainedTimer(t);
    },
    randomBytes: secureRandom,
    crypto: options.crypto ?? moddableCrypto,
    flash(name: string): FlashRegion {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(name) || name.includes('..')) throw new SimHostError(`bad flash region name ${JSON.stringify(name)}`);
      let region = regions.get(name);
      if (!region) {
        const path = `${dataDir}${name}.flash`;
        region = new FileFlash(path, flashSize, sectorSize);
        makePrivate(path, false); // created holding only 0xff, so the moment before this leaks nothing
        regions.set(name, region);
      }
      return region;
    },
    udp: openUdp,
    deviceSecret(): Uint8Array {
      // Read at each use, not cached: the secret is in RAM only while the caller derives its keys.
      return loadOrCreateSecret(`${dataDir}device-secret.bin`);
    },
    log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
      if (LEVELS[level] < minLevel) return;
      trace(`[${level}] ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}\n`);
    },
  };
}
