/** Drives promise chains and the simulated clock together, without real timers (so it runs in XS). */
import type { SimClock } from '../../harness/sim';
import { decodeMessage, type CoapMessage } from '../../../modules/coap/index';

export async function ticks(n = 30): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** Advances `ms` of simulated time, firing timers one due time at a time and letting promises settle between them. */
export async function run(clock: SimClock, ms: number): Promise<void> {
  const end = clock.now() + ms;
  await ticks();
  for (let guard = 0; guard < 100000; guard++) {
    const due = clock.nextDue();
    if (due === null || due > end) break;
    clock.advance(due - clock.now());
    await ticks();
  }
  clock.advance(end - clock.now());
  await ticks();
}

/** Records a promise's outcome without awaiting it, so a test can step time and look. */
export function track<T>(p: Promise<T>): { value?: T; error?: unknown; done: boolean } {
  const s: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then(
    (v) => {
      s.value = v;
      s.done = true;
    },
    (e) => {
      s.error = e;
      s.done = true;
    },
  );
  return s;
}

export function decoded(list: { data: Uint8Array }[]): CoapMessage[] {
  return list.map((s) => decodeMessage(s.data));
}
