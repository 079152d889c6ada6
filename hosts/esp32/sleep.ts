/**
 * Deep sleep and RTC-retained memory on ESP32 through the manifest's ffi (native.c): the Moddable SDK has
 * neither on ESP32. The retained block (256 bytes) survives deep sleep, not a power cycle; after power-on
 * `retained()` returns null. Keep only non-secret state there (e.g. the queue-mode wake schedule): RTC slow
 * memory is not encrypted.
 */
import FFI from 'mc/ffi';

// Made on first use, not at load: a preloaded module runs at build time, where the ffi natives do not exist.
let ffiNatives: FFI | null = null;
const natives = (): FFI => (ffiNatives ??= new FFI());
export const RTC_RETAINED_BYTES = 256;

export function retained(): Uint8Array | null {
  const out = new Uint8Array(RTC_RETAINED_BYTES);
  const n = natives().xslwm2m_rtc_read(out.buffer, out.length) as number;
  return n > 0 ? out.slice(0, n) : null;
}

export function retain(data: Uint8Array): void {
  if (data.length > RTC_RETAINED_BYTES) throw new RangeError(`at most ${RTC_RETAINED_BYTES} bytes survive deep sleep`);
  const copy = data.slice();
  natives().xslwm2m_rtc_write(copy.buffer, copy.length);
}

export function wokeByTimer(): boolean {
  return (natives().xslwm2m_woke_by_timer() as number) === 1;
}

/** Sleeps `ms` milliseconds in deep sleep; the chip resets on wake and the app starts from its main again. */
export function deepSleep(ms: number): never {
  natives().xslwm2m_deep_sleep(Math.max(0, Math.min(0xffffffff, Math.floor(ms))));
  throw new Error('deep sleep returned');
}
