#!/usr/bin/env node
// `npm test`: every check and suite, in order, and one closing line `N passed, N failed` that sums them.
//   the third-party peers installed (tools/peers/install.sh) · type-check (whole tree, and modules/ alone
//   with no Node types) · rollup build · the bundle in XS · Node suites (test/unit + test/node, with the
//   npm pack-and-install test) · the same test/unit suites in XS · interop with real peers
// The peers are installed first, before any suite that uses one (test/node uses gammu and libcoap), so a
// fresh machine is green at the first run. A suite whose peer is missing fails (it never skips), and a
// skipped test counts as failed (test/harness/mocha-reporter.cjs).
// Options: --skip-interop, --only=<step,...>
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFiles } from './files.mjs';
import { root } from './xs-bundle.mjs';

process.chdir(root);
const argv = process.argv.slice(2);
const skipInterop = argv.includes('--skip-interop') || process.env.SKIP_INTEROP === '1';
const only = (argv.find((a) => a.startsWith('--only=')) ?? '').slice(7).split(',').filter(Boolean);
const tmp = mkdtempSync(join(tmpdir(), 'xs-lwm2m-test-'));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const results = [];
const STEP_TIMEOUT_MS = Number(process.env.STEP_TIMEOUT_MS ?? 20 * 60 * 1000);

function run(title, cmd, args, env = {}) {
  console.log(`\n=== ${title}`);
  const t0 = Date.now();
  // A suite that hangs (an open handle, a peer that never answers) must fail, not stall CI.
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env }, timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (r.error && r.error.code === 'ETIMEDOUT') console.log(`=== ${title}: killed after ${STEP_TIMEOUT_MS / 1000} s`);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`=== ${title}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${secs} s`);
  return r.status === 0;
}

function step(name, fn) {
  if (only.length && !only.includes(name)) return;
  fn();
}

/** A step that is one check (type-check, build): counts as one pass or one failure. */
function single(name, title, cmd, args) {
  step(name, () => {
    const ok = run(title, cmd, args);
    results.push({ name, passed: ok ? 1 : 0, failed: ok ? 0 : 1 });
  });
}

/** A step that runs a suite and leaves a JSON summary. */
function suite(name, title, cmd, args, summary, env = {}) {
  step(name, () => {
    const ok = run(title, cmd, args, { ...env });
    let s = null;
    try {
      s = JSON.parse(readFileSync(summary, 'utf8'));
    } catch {}
    if (!s) results.push({ name, passed: 0, failed: 1, note: 'the suite produced no summary (crashed before reporting)' });
    else results.push({ name, passed: s.passed, failed: s.failed + (ok || s.failed ? 0 : 1) });
  });
}

function mochaSuite(name, title, globs, extra = []) {
  const files = globs.flatMap(([dir, suffix]) => findFiles(dir, suffix));
  if (!files.length) {
    if (!only.length || only.includes(name)) console.log(`\n=== ${title}: no test files yet`);
    return;
  }
  const summary = join(tmp, `${name}.json`);
  suite(name, title, bin('mocha'), ['--import=tsx', '--exit', '--reporter', join(root, 'test/harness/mocha-reporter.cjs'), ...extra, ...files], summary, { MOCHA_SUMMARY: summary });
}

// First of all (before any suite: test/node uses python3-gammu and libcoap, test/interop every peer).
const wantsPeers = !only.length || only.includes('node') || only.includes('interop') || only.includes('peers');
if (wantsPeers && existsSync('tools/peers/install.sh')) {
  const ok = run('install the third-party peers (Debian packages, pion build): tools/peers/install.sh', 'bash', ['tools/peers/install.sh']);
  results.push(ok ? { name: 'peers', passed: 1, failed: 0 } : { name: 'peers', passed: 0, failed: 1, note: 'tools/peers/install.sh failed: the suites that need a peer fail too' });
}
single('typecheck', 'type-check (strict, whole tree)', bin('tsc'), ['-p', 'tsconfig.json']);
single('typecheck-modules', 'type-check modules/ without Node types (host-neutral)', bin('tsc'), ['-p', 'modules/tsconfig.json']);
single('typecheck-moddable', 'type-check the Moddable hosts against @moddable/typings', bin('tsc'), ['-p', 'hosts/tsconfig.moddable.json']);
single('build', 'rollup build of modules/ for XS', bin('rollup'), ['-c', '--silent']);
single('xs-dist', 'the rollup bundle loads and runs in XS', process.execPath, ['test/harness/xs-load-dist.mjs']);
mochaSuite('node', 'Node suites (mocha): test/unit + test/node', [['test/unit', '.test.ts'], ['test/node', '.test.ts']], ['--timeout', '60000']);
step('xs', () => {
  const summary = join(tmp, 'xs.json');
  suite('xs', 'XS suites (xsnap): test/unit', process.execPath, ['test/harness/xs-run.mjs', '--summary', summary], summary);
});
if (!skipInterop) {
  mochaSuite('interop', 'interop with real third-party peers', [['test/interop', '.test.ts']], ['--timeout', '120000']);
}

const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log('\nsummary:');
for (const r of results) console.log(`  ${r.name.padEnd(18)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed${r.note ? '  (' + r.note + ')' : ''}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
