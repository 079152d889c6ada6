/**
 * Benchmark helpers. Node figures are medians of several timed runs (ops/s); XS figures are the
 * deterministic `compute` meter of @agoric/xsnap for one delivery divided by the iteration count, and
 * the live heap slots after a forced gc() — the stable numbers for device cost. (xsnap's `allocate`
 * meter reports the machine's reserved heap, which barely moves, so it is not printed.)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { bundleForXs, DEVICE_LIKE_GLOBALS } from '../test/harness/xs-bundle.mjs';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` repeatedly for about `ms` milliseconds, `runs` times; returns the median ops/s. */
export function nodeOpsPerSec(fn: () => void, { ms = 250, runs = 5 } = {}): number {
  for (let i = 0; i < 50; i++) fn(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let i = 0; i < 10; i++) fn();
      n += 10;
      t = performance.now();
    }
    rates.push((n * 1000) / (t - t0));
  }
  return median(rates);
}

/** Median wall time in ms of an async operation over `runs` runs. */
export async function medianMs(fn: () => Promise<unknown>, runs = 7): Promise<{ median: number; all: number[] }> {
  const all: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    all.push(performance.now() - t0);
  }
  return { median: median(all), all };
}

export interface XsMeter {
  /** XS compute meter per call. */
  compute: number;
  /** Live XS heap slots after the case ran and gc() collected (whole machine, bundle included). */
  slotsAfterGc: number;
  heapCount?: number;
}

/**
 * Bundles `entry` (a TS file that assigns `globalThis.benchCases = { name: () => void }`) for XS,
 * then for each case runs one delivery of `iterations` calls and reports the meters per call.
 */
export interface XsMeterOptions {
  /** Answers the worker's synchronous `issueCommand(ArrayBuffer)` (e.g. bench/remote-crypto-host.ts). */
  handleCommand?: (request: Uint8Array) => Uint8Array;
  /** One delivery per call and the median of the per-call meters (default: one delivery of `iterations` calls, mean). */
  median?: boolean;
}

export async function xsMeters(entry: string, cases: string[], iterations = 20, options: XsMeterOptions = {}): Promise<Record<string, XsMeter>> {
  const code = await bundleForXs([entry], { prelude: DEVICE_LIKE_GLOBALS });
  await import('@endo/init');
  const { xsnap } = await import('@agoric/xsnap');
  const handle = options.handleCommand;
  const worker = await xsnap({
    os: os.type(), spawn, fs: { ...fs, ...fs.promises }, name: 'xs-bench', meteringLimit: 0, stdout: 'inherit', stderr: 'inherit',
    ...(handle ? { handleCommand: async (m: Uint8Array) => handle(m) } : {}),
  });
  const out: Record<string, XsMeter> = {};
  try {
    await worker.evaluate(code);
    for (const c of cases) {
      await worker.evaluate(`globalThis.benchCases[${JSON.stringify(c)}]()`); // warm (lazy tables, key schedules)
      let compute: number;
      let heapCount: number | undefined;
      if (options.median) {
        const each: number[] = [];
        for (let i = 0; i < iterations; i++) {
          const r = await worker.evaluate(`globalThis.benchCases[${JSON.stringify(c)}]()`);
          const m = r.meterUsage as { compute: number; currentHeapCount?: number };
          each.push(m.compute);
          heapCount = m.currentHeapCount;
        }
        compute = Math.round(median(each));
      } else {
        const r = await worker.evaluate(`for (let i = 0; i < ${iterations}; i++) globalThis.benchCases[${JSON.stringify(c)}]()`);
        const m = r.meterUsage as { compute: number; currentHeapCount?: number };
        compute = Math.round(m.compute / iterations);
        heapCount = m.currentHeapCount;
      }
      const g = (await worker.evaluate('gc()')).meterUsage as { currentHeapCount: number };
      out[c] = { compute, slotsAfterGc: g.currentHeapCount, heapCount };
    }
  } finally {
    await worker.close().catch(() => {});
  }
  return out;
}

export function table(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n## ${title}`);
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  console.log(cols.map((c, i) => c.padEnd(width[i])).join('  '));
  console.log(width.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => String(r[c]).padEnd(width[i])).join('  '));
}
