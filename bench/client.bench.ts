// Client cost: bytes on the wire for bootstrap + register + one notification over DTLS PSK-CCM8, and the
// device's XS compute and heap for the same run (replayed against the recording, so only the device counts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { runScenario } from './client-scenario';
import { table } from './harness';
import { bundleForXs, DEVICE_LIKE_GLOBALS } from '../test/harness/xs-bundle.mjs';
import { snapshotMemory, esp32Bytes } from './xs-memory.mjs';

const t0 = performance.now();
const full = await runScenario('full');
const nodeMs = performance.now() - t0;
if (!full.done || full.notifications < 1) throw new Error(`scenario incomplete: registered=${full.done} notifications=${full.notifications}`);
const replayNode = await runScenario('replay', full.recordings);
if (!replayNode.done) throw new Error('replay in Node did not register');

table(
  'client over DTLS PSK-CCM8: bytes on the wire (UDP payload), both directions',
  (['bootstrap', 'register', 'notify'] as const).map((p) => ({
    phase: p,
    datagrams: full.bytes[p].datagrams,
    'device -> server': full.bytes[p].c2s,
    'server -> device': full.bytes[p].s2c,
    total: full.bytes[p].c2s + full.bytes[p].s2c,
  })),
);

const code = await bundleForXs(['bench/client.xs.ts'], { prelude: DEVICE_LIKE_GLOBALS });
await import('@endo/init');
const { xsnap } = await import('@agoric/xsnap');
const worker = await xsnap({ os: os.type(), spawn, fs: { ...fs, ...fs.promises }, name: 'xs-client-bench', meteringLimit: 0, stdout: 'inherit', stderr: 'inherit' });
try {
  const empty = await snapshotMemory(worker);
  const load = await worker.evaluate(code);
  await worker.evaluate('gc()');
  const loaded = await snapshotMemory(worker);
  await worker.evaluate(`globalThis.benchRecordings = ${JSON.stringify(full.recordings)};`);
  const base = await worker.evaluate('gc()');
  const r = await worker.evaluate('globalThis.benchRun()');
  await worker.evaluate('if (globalThis.benchResult !== "ok") throw new Error("XS replay: " + globalThis.benchResult)');
  const held = await worker.evaluate('globalThis.benchRecordings = null; gc()');
  const registered = await snapshotMemory(worker);
  const slots = held.meterUsage.currentHeapCount - base.meterUsage.currentHeapCount;
  table('device in XS (xsnap meters; replay of the same exchange, only the device computes)', [
    { what: 'bootstrap + register + 1 notify over DTLS PSK: XS compute', value: r.meterUsage.compute.toLocaleString('en-US') },
    { what: 'loading the bundle: XS compute', value: load.meterUsage.compute.toLocaleString('en-US') },
    { what: 'heap slots held by the registered client after gc()', value: `${slots.toLocaleString('en-US')} (~${((slots * 16) / 1024).toFixed(0)} KiB at 16 B/slot on ESP32; chunks not included)` },
    { what: 'Node wall time of the full simulated run (ms, both sides)', value: nodeMs.toFixed(0) },
  ]);
  // Whole XS memory from heap snapshots (bench/xs-memory.mjs): live chunks and live slots after a collection,
  // over an empty machine. Not preloaded: the modules' byte code and constant tables count here, where on a
  // device with preload they would stay in flash. The recordings of the servers' datagrams are dropped first.
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const row = (what: string, m: { chunks: number; slots: number }) => ({
    what,
    'chunk bytes': m.chunks.toLocaleString('en-US'),
    slots: m.slots.toLocaleString('en-US'),
    'ESP32 (chunks + slots x 16)': kib(esp32Bytes(m)),
  });
  const diff = (a: { chunks: number; slots: number }, b: { chunks: number; slots: number }) => ({ chunks: a.chunks - b.chunks, slots: a.slots - b.slots });
  // Peak during the handshakes: a second replay in a fresh worker that pauses after every step in which a datagram
  // reached the device (bench/client.xs.ts benchRunStepped). Between two deliveries the heap is snapshotted, so the
  // largest figure is the live peak between handshake steps (not inside one synchronous computation).
  const stepped = await xsnap({ os: os.type(), spawn, fs: { ...fs, ...fs.promises }, name: 'xs-client-bench-peak', meteringLimit: 0, stdout: 'inherit', stderr: 'inherit' });
  let peak = { chunks: 0, slots: 0 };
  let peakAt = 0;
  let steps = 0;
  try {
    const empty2 = await snapshotMemory(stepped);
    await stepped.evaluate(code);
    await stepped.evaluate(`globalThis.benchRecordings = ${JSON.stringify(full.recordings)};`);
    const base2 = await snapshotMemory(stepped);
    await stepped.evaluate('globalThis.benchRunStepped()');
    for (; steps < 5000; steps++) {
      const m = await snapshotMemory(stepped);
      if (esp32Bytes(m) > esp32Bytes(peak)) {
        peak = m;
        peakAt = steps;
      }
      const more = await stepped.evaluate('if (globalThis.benchResult === undefined) { const c = globalThis.benchContinue; globalThis.benchContinue = null; if (c) c(); } else globalThis.benchStop = 1;').then(() => true);
      if (!more) break;
      const stop = await stepped.evaluate('if (globalThis.benchStop) throw new Error("stop")').then(() => false, () => true);
      if (stop) break;
    }
    await stepped.evaluate('if (globalThis.benchResult !== "ok") throw new Error("XS stepped replay: " + globalThis.benchResult)');
    // The recordings are held during the run: count them out with the base snapshot taken after loading them.
    table('peak during bootstrap + register handshakes (xsnap snapshots between replay steps)', [
      row(`peak, above the loaded bundle and the recordings (step ${peakAt} of ${steps})`, diff(peak, base2)),
      row('peak, above an empty machine (includes the recordings and @noble)', diff(peak, empty2)),
    ]);
  } finally {
    await stepped.close().catch(() => {});
  }
  table('whole XS memory (xsnap heap snapshots: live chunks + live slots after gc, above an empty machine)', [
    row('modules loaded, with @noble (the xsnap provider; not preloaded)', diff(loaded, empty)),
    row('registered over DTLS PSK-CCM8 with one observation', diff(registered, empty)),
    row('of which the client and its session (registered - loaded)', diff(registered, loaded)),
  ]);
} finally {
  await worker.close().catch(() => {});
}
