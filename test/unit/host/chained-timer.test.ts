/**
 * Host.setTimer must hold any delay a server can set (issue 13 item 1). The platform here behaves like
 * Node's setTimeout: a delay above 2^31-1 ms fires after 1 ms. modules/timer.ts must never hand it one.
 */
import { assert } from '../../harness/assert';
import { SimClock } from '../../harness/sim';
import { MAX_TIMER_SLICE_MS, clearChainedTimer, setChainedTimer, type TimerPrimitive } from '../../../modules/timer';
import type { TimerHandle } from '../../../modules/host';

function overflowingPlatform(clock: SimClock) {
  const asked: number[] = [];
  const platform: TimerPrimitive<TimerHandle> = {
    set(ms, fn) {
      asked.push(ms);
      return clock.setTimer(ms > MAX_TIMER_SLICE_MS ? 1 : ms, fn);
    },
    clear: (t) => clock.clearTimer(t),
  };
  return { platform, asked };
}

describe('chained host timers (modules/timer.ts)', () => {
  it('a Lifetime of 3,000,000 s fires once, exactly when due, never earlier', () => {
    const clock = new SimClock();
    const { platform, asked } = overflowingPlatform(clock);
    let fired = 0;
    const due = 3_000_000 * 1000;
    setChainedTimer(platform, due, () => fired++);
    clock.advance(due - 1);
    assert.equal(fired, 0);
    clock.advance(1);
    assert.equal(fired, 1);
    clock.runAll(10 * due);
    assert.equal(fired, 1);
    assert.ok(asked.every((ms) => ms >= 0 && ms <= MAX_TIMER_SLICE_MS), `slices ${asked.join(',')}`);
    assert.equal(asked.length, Math.ceil(due / MAX_TIMER_SLICE_MS));
  });
  it('the largest Lifetime (2^32-1 s) and a delay just above one slice are exact too', () => {
    for (const due of [(2 ** 32 - 1) * 1000, MAX_TIMER_SLICE_MS + 1, MAX_TIMER_SLICE_MS, 0]) {
      const clock = new SimClock();
      const { platform } = overflowingPlatform(clock);
      let at = -1;
      setChainedTimer(platform, due, () => (at = clock.now()));
      clock.runAll(due + 10);
      assert.equal(at, due);
    }
  });
  it('cancelling in the middle of a chain stops it for good', () => {
    const clock = new SimClock();
    const { platform } = overflowingPlatform(clock);
    let fired = 0;
    const t = setChainedTimer(platform, 3 * MAX_TIMER_SLICE_MS, () => fired++);
    clock.advance(MAX_TIMER_SLICE_MS + 5);
    clearChainedTimer(t);
    clock.runAll(10 * MAX_TIMER_SLICE_MS);
    assert.equal(fired, 0);
    assert.equal(clock.pendingTimers, 0);
  });
  it('negative and NaN delays mean now; Infinity means never', () => {
    const clock = new SimClock();
    const { platform } = overflowingPlatform(clock);
    const fired: string[] = [];
    setChainedTimer(platform, -5, () => fired.push('neg'));
    setChainedTimer(platform, NaN, () => fired.push('nan'));
    const inf = setChainedTimer(platform, Infinity, () => fired.push('inf'));
    clock.advance(0);
    assert.deepEqual(fired, ['neg', 'nan']);
    clock.advance(5 * MAX_TIMER_SLICE_MS);
    assert.deepEqual(fired, ['neg', 'nan']);
    clearChainedTimer(inf);
  });
});
