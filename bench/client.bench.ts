// Client cost: bytes on the wire for bootstrap + register + one notification over DTLS PSK-CCM8, and the
// device's XS compute and heap for the same run (replayed against the recording, so only the device counts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { runScenario } from './client-scenario';
import { table } from './harness';
import { bundleForXs, DEVICE_LIKE_GLOBALS } from '../test/harness/xs-bundle.mjs';

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
  const load = await worker.evaluate(code);
  await worker.evaluate(`globalThis.benchRecordings = ${JSON.stringify(full.recordings)};`);
  const base = await worker.evaluate('gc()');
  const r = await worker.evaluate('globalThis.benchRun()');
  await worker.evaluate('if (globalThis.benchResult !== "ok") throw new Error("XS replay: " + globalThis.benchResult)');
  const held = await worker.evaluate('globalThis.benchRecordings = null; gc()');
  const slots = held.meterUsage.currentHeapCount - base.meterUsage.currentHeapCount;
  table('device in XS (xsnap meters; replay of the same exchange, only the device computes)', [
    { what: 'bootstrap + register + 1 notify over DTLS PSK: XS compute', value: r.meterUsage.compute.toLocaleString('en-US') },
    { what: 'loading the bundle: XS compute', value: load.meterUsage.compute.toLocaleString('en-US') },
    { what: 'heap slots held by the registered client after gc()', value: `${slots.toLocaleString('en-US')} (~${((slots * 16) / 1024).toFixed(0)} KiB at 16 B/slot on ESP32; chunks not included)` },
    { what: 'Node wall time of the full simulated run (ms, both sides)', value: nodeMs.toFixed(0) },
  ]);
} finally {
  await worker.close().catch(() => {});
}
