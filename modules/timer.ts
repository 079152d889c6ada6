/**
 * Long delays on short timers. A server can set delays far beyond what a platform timer holds: a Lifetime
 * (1/x/1) of up to 2^32-1 s, a pmax of days. Node's setTimeout turns any delay above 2^31-1 ms into 1 ms
 * and Moddable's Timer takes a 32-bit integer, so a host that passed such a delay straight through would
 * fire at once, again and again. Every host's setTimer therefore goes through `setChainedTimer`: delays
 * above MAX_TIMER_SLICE_MS are run as a chain of slices, each within what every platform timer holds.
 */

/** The longest single platform timer every host supports (2^31-1 ms, about 24.8 days). */
export const MAX_TIMER_SLICE_MS = 0x7fffffff;

/** A platform timer primitive as a host has it (setTimeout, Timer.set). */
export interface TimerPrimitive<T> {
  set(ms: number, fn: () => void): T;
  clear(t: T): void;
}

/** The handle a host returns from setTimer: cancel() stops the whole chain. */
export class ChainedTimer<T> {
  private inner: T | null = null;
  private cancelled = false;

  constructor(
    private readonly platform: TimerPrimitive<T>,
    ms: number,
    private readonly fn: () => void,
  ) {
    // NaN and negative delays mean "now"; +Infinity means "never" (a slice chain that never ends).
    this.arm(ms > 0 ? ms : 0);
  }

  private arm(remaining: number): void {
    const slice = remaining > MAX_TIMER_SLICE_MS ? MAX_TIMER_SLICE_MS : remaining;
    this.inner = this.platform.set(slice, () => {
      this.inner = null;
      if (this.cancelled) return;
      if (remaining > slice) this.arm(remaining - slice);
      else this.fn();
    });
  }

  cancel(): void {
    this.cancelled = true;
    if (this.inner !== null) this.platform.clear(this.inner);
    this.inner = null;
  }

  /** True once the callback ran or the timer was cancelled. */
  get done(): boolean {
    return this.cancelled || this.inner === null;
  }
}

/** Host.setTimer for any delay: `platform` only ever sees delays of 0..MAX_TIMER_SLICE_MS. */
export function setChainedTimer<T>(platform: TimerPrimitive<T>, ms: number, fn: () => void): ChainedTimer<T> {
  return new ChainedTimer(platform, ms, fn);
}

/** Host.clearTimer for a handle from setChainedTimer (anything else is ignored). */
export function clearChainedTimer(t: unknown): void {
  if (t instanceof ChainedTimer) t.cancel();
}
