/**
 * The kept-observations record fuzzer (not a test file): mutates a valid record (modules/client/sleep-observations.ts)
 * and decodes it; every failure must be a SleepRecordError. The unit suite runs it CI-sized,
 * test/fuzz/sleep-record.ts runs it long.
 */
import { decodeObservations, SleepRecordError } from '../../../modules/client/sleep-observations';
import type { Prng } from '../../harness/sim';

export interface SleepRecordFuzzResult {
  cases: number;
  accepted: number;
  /** The first input that failed with anything but a SleepRecordError, and the error. */
  bad: { input: Uint8Array; error: Error } | null;
}

export function fuzzSleepRecord(p: Prng, seed: Uint8Array, cases: number): SleepRecordFuzzResult {
  let accepted = 0;
  for (let i = 0; i < cases; i++) {
    let b = seed.slice();
    for (let k = 1 + p.int(4); k > 0; k--) {
      const at = p.int(b.length);
      const op = p.int(4);
      if (op === 0) b[at] ^= 1 << p.int(8);
      else if (op === 1) b[at] = p.pick([0x00, 0x01, 0x08, 0x10, 0x11, 0x7f, 0xff]);
      else if (op === 2) b = b.subarray(0, at);
      else b = Uint8Array.from([...b.subarray(0, at), ...p.bytes(p.int(6)), ...b.subarray(at)]);
    }
    try {
      decodeObservations(b);
      accepted++;
    } catch (e) {
      if (!(e instanceof SleepRecordError)) return { cases: i + 1, accepted, bad: { input: b, error: e as Error } };
    }
  }
  return { cases, accepted, bad: null };
}
