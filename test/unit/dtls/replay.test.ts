/**
 * The anti-replay window (RFC 6347 §4.1.2.6, the RFC 4303 §3.4.3 sliding window, 64 entries) against the rule
 * as the RFCs state it, written out as plainly as possible: a record is new when its sequence number is above
 * the highest accepted one, or at most 63 below it and not accepted before; anything further below is refused.
 */
import { assert } from '../../harness/assert';
import { ReplayWindow } from '../../../modules/dtls/replay';

class RuleModel {
  top = -1;
  seen = new Set<number>();
  check(seq: number): boolean {
    if (seq > this.top) return true;
    if (this.top - seq >= 64) return false;
    return !this.seen.has(seq);
  }
  accept(seq: number): void {
    this.seen.add(seq);
    if (seq > this.top) this.top = seq;
  }
}

/** A small seeded generator (xorshift32), so that XS and Node run the same cases. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function compare(w: ReplayWindow, m: RuleModel, where: string): void {
  assert.equal(w.highest, m.top, `${where}: highest`);
  for (let seq = Math.max(0, m.top - 70); seq <= m.top + 3; seq++) assert.equal(w.check(seq), m.check(seq), `${where}: check(${seq}) with top ${m.top}`);
}

describe('DTLS anti-replay window (RFC 6347 §4.1.2.6)', () => {
  it('the first record of any sequence number is new, and only once', () => {
    for (const first of [0, 1, 31, 32, 63, 64, 65, 2 ** 40]) {
      const w = new ReplayWindow();
      assert.equal(w.check(first), true);
      w.accept(first);
      assert.equal(w.check(first), false, `replay of ${first}`);
      assert.equal(w.check(first + 1), true);
      if (first > 0) assert.equal(w.check(first - 1), true, `${first - 1} is inside the window and unseen`);
    }
  });

  it('every jump size across the two 32-bit halves matches the rule (all shifts 1..70, each bit position)', () => {
    for (let jump = 1; jump <= 70; jump++) {
      for (let gap = 0; gap < 66; gap++) {
        const w = new ReplayWindow();
        const m = new RuleModel();
        for (const s of [100, 100 + gap, 100 + gap + jump]) {
          if (m.check(s)) {
            w.accept(s);
            m.accept(s);
          }
        }
        // Late records below the top, one per window position.
        for (let back = 1; back < 66; back++) {
          const s = m.top - back;
          assert.equal(w.check(s), m.check(s), `jump ${jump}, gap ${gap}: check(top-${back})`);
          if (m.check(s) && back % 3 === 0) {
            w.accept(s);
            m.accept(s);
          }
        }
        compare(w, m, `jump ${jump}, gap ${gap}`);
      }
    }
  });

  it('10,000 seeded random arrivals (reordered, duplicated, late, far ahead) match the rule; snapshot/restore keeps it', () => {
    const rnd = prng(0x5eed);
    const w0 = new ReplayWindow();
    let w = w0;
    const m = new RuleModel();
    let next = 0;
    for (let i = 0; i < 10_000; i++) {
      const r = rnd() % 100;
      let seq: number;
      if (r < 50) seq = next++;
      else if (r < 80) seq = Math.max(0, m.top - (rnd() % 80));
      else if (r < 95) seq = m.top + 1 + (rnd() % 70);
      else seq = m.top + 1 + (rnd() % 5000);
      if (seq >= next) next = seq + 1;
      const expect = m.check(seq);
      assert.equal(w.check(seq), expect, `step ${i}: check(${seq}) with top ${m.top}`);
      if (expect) {
        w.accept(seq);
        m.accept(seq);
      }
      if (i % 97 === 0) {
        const [top, lo, hi] = w.snapshot();
        w = ReplayWindow.restore(top, lo, hi);
        compare(w, m, `after restore at step ${i}`);
      }
    }
    compare(w, m, 'end');
  });

  it('a record more than 63 below the highest is refused even if never seen; accept() of it changes nothing', () => {
    const w = new ReplayWindow();
    w.accept(200);
    assert.equal(w.check(137), true, '63 below: inside');
    assert.equal(w.check(136), false, '64 below: outside');
    const before = w.snapshot();
    w.accept(100);
    assert.deepEqual(w.snapshot(), before);
    w.accept(136); // exactly 64 below
    assert.deepEqual(w.snapshot(), before);
    w.accept(200); // the highest again
    assert.deepEqual(w.snapshot(), before);
  });

  it('sequence number 0 stays seen after the window moves on (the first record is not special once accepted)', () => {
    const w = new ReplayWindow();
    w.accept(0);
    w.accept(1);
    assert.equal(w.check(0), false, 'replay of 0');
    assert.equal(w.check(1), false, 'replay of 1');
    w.accept(5);
    assert.equal(w.check(0), false);
    assert.equal(w.check(2), true);
  });
});
