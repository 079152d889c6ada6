/**
 * Anti-replay window (RFC 6347 §4.1.2.6, the RFC 4303 §3.4.3 sliding window) of 64 entries.
 * `check` before authenticating, `accept` only after the record authenticated, so forged
 * records cannot move the window.
 */
export class ReplayWindow {
  /** Highest sequence number accepted so far, -1 before the first. */
  private top = -1;
  /** Bit i set: sequence (top - i) was seen. Two 32-bit halves: bits 0..31 and 32..63. */
  private lo = 0;
  private hi = 0;
  constructor(readonly size = 64) {}

  /** True when `seq` is new and inside (or ahead of) the window. */
  check(seq: number): boolean {
    if (seq > this.top) return true;
    const diff = this.top - seq;
    if (diff >= this.size) return false;
    return diff < 32 ? ((this.lo >>> diff) & 1) === 0 : ((this.hi >>> (diff - 32)) & 1) === 0;
  }

  accept(seq: number): void {
    if (seq > this.top) {
      const shift = this.top < 0 ? 64 : seq - this.top;
      if (shift >= 64) {
        this.lo = 0;
        this.hi = 0;
      } else if (shift >= 32) {
        this.hi = (this.lo << (shift - 32)) >>> 0;
        this.lo = 0;
      } else {
        this.hi = ((this.hi << shift) | (this.lo >>> (32 - shift))) >>> 0;
        this.lo = (this.lo << shift) >>> 0;
      }
      this.lo = (this.lo | 1) >>> 0;
      this.top = seq;
      return;
    }
    const diff = this.top - seq;
    if (diff >= this.size) return;
    if (diff < 32) this.lo = (this.lo | (1 << diff)) >>> 0;
    else this.hi = (this.hi | (1 << (diff - 32))) >>> 0;
  }

  get highest(): number {
    return this.top;
  }

  /** The window as [top, lo, hi], to seal with a sleeping connection. */
  snapshot(): [number, number, number] {
    return [this.top, this.lo, this.hi];
  }

  static restore(top: number, lo: number, hi: number): ReplayWindow {
    const w = new ReplayWindow();
    w.top = top;
    w.lo = lo >>> 0;
    w.hi = hi >>> 0;
    return w;
  }
}
