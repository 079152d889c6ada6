#!/usr/bin/env node
// Runs the pure-logic suites (test/unit/**/*.test.ts) inside real XS through @agoric/xsnap:
// one bundle, one XS machine, one delivery per test (so each test has its own compute/allocate meters).
// Usage: node test/harness/xs-run.mjs [--summary file.json] [--grep text] [files...]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { findFiles, rel } from './files.mjs';
import { bundleForXs, readPrelude, root, DEVICE_LIKE_GLOBALS } from './xs-bundle.mjs';
import { PRELOAD_PROBE } from './preload-probe.mjs';

const args = process.argv.slice(2);
let summaryPath = null;
let grep = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--summary') summaryPath = args[++i];
  else if (args[i] === '--grep') grep = args[++i];
  else files.push(args[i]);
}
process.chdir(root);
const testFiles = files.length ? files : findFiles('test/unit', '.test.ts');
const PER_TEST_TIMEOUT_MS = Number(process.env.XS_TEST_TIMEOUT_MS ?? 120000);

// The device-like cleanup stashes TextEncoder and issueCommand in __harness for the prelude's reports.
// The preload probe fails a test that writes a buffer some modules/ file created while loading (see preload-probe.mjs).
const code = await bundleForXs(testFiles, { prelude: `${readPrelude()}\n${DEVICE_LIKE_GLOBALS}\n${PRELOAD_PROBE}\n`, preloadProbe: true });

// @agoric/xsnap's Node side needs an Endo (SES) environment; lock down only after bundling is done.
await import('@endo/init');
const { xsnap } = await import('@agoric/xsnap');

const dec = new TextDecoder();
let pending = null;
const worker = await xsnap({
  os: os.type(),
  spawn,
  fs: { ...fs, ...fs.promises },
  name: 'xs-tests',
  meteringLimit: 0,
  stdout: 'inherit',
  stderr: 'inherit',
  handleCommand: async (msg) => {
    const obj = JSON.parse(dec.decode(msg));
    if (pending) pending(obj);
    return new Uint8Array(0);
  },
});

let passed = 0;
let failed = 0;
const failures = [];
const t0 = Date.now();
try {
  await worker.evaluate(code);
  let titles = null;
  pending = (obj) => (titles = obj);
  await worker.evaluate(`__harness.issueCommand(new __harness.TextEncoder().encode(JSON.stringify(__xsTests.list())).buffer)`);
  pending = null;
  console.log(`XS (xsnap) — ${testFiles.length} file(s), ${titles.length} test(s)`);
  for (let i = 0; i < titles.length; i++) {
    if (grep && !titles[i].includes(grep)) continue;
    let result = null;
    pending = (obj) => (result = obj);
    let timer;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${PER_TEST_TIMEOUT_MS} ms`)), PER_TEST_TIMEOUT_MS)));
    let meter = null;
    try {
      const r = await Promise.race([worker.evaluate(`__xsTests.run(${i})`), timeout]);
      meter = r.meterUsage;
    } catch (e) {
      result = { ok: false, error: String(e && e.message ? e.message : e) };
      if (/timed out/.test(result.error)) {
        failed++;
        failures.push({ title: titles[i], error: result.error });
        console.log(`  ✗ ${titles[i]} — ${result.error}`);
        break;
      }
    } finally {
      clearTimeout(timer);
    }
    pending = null;
    if (!result) result = { ok: false, error: 'the test did not settle (a promise never resolved in XS: no timers exist there)' };
    const m = meter && meter.compute != null ? ` [compute ${meter.compute}]` : '';
    if (result.ok) {
      passed++;
      if (process.env.XS_VERBOSE) console.log(`  ✓ ${titles[i]}${m}`);
    } else {
      failed++;
      failures.push({ title: titles[i], error: result.error, stack: result.stack });
      console.log(`  ✗ ${titles[i]} — ${result.error}`);
    }
  }
} catch (e) {
  failed++;
  failures.push({ title: '(loading the XS test bundle)', error: String(e && e.message ? e.message : e) });
  console.log(`  ✗ loading the XS test bundle — ${e && e.message ? e.message : e}`);
} finally {
  await worker.close().catch(() => {});
}
for (const f of failures) if (f.stack) console.log(`\n${f.title}\n${f.stack}`);
console.log(`XS: ${passed} passing, ${failed} failing (${((Date.now() - t0) / 1000).toFixed(1)} s) — files: ${testFiles.map(rel).length}`);
if (summaryPath) fs.writeFileSync(summaryPath, JSON.stringify({ suite: 'xs', passed, failed, failures }));
process.exitCode = failed ? 1 : 0;
