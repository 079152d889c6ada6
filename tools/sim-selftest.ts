/**
 * Runs the simulator's crypto self-test app (hosts/sim/manifest_selftest.json) and exits with its verdict: the
 * simulator itself never exits, so this starts it, reads its output until the summary line
 * `crypto self-test: N passed, M failed`, stops it and exits 0 only when M is 0, no test file failed to load,
 * nothing crashed and N is at least --min (default 92: every `it` of the five test/unit/crypto files).
 *
 *   node --import tsx tools/sim-selftest.ts --device "<command that starts the simulator>" [--min 92] [--timeout 120]
 *
 * Exit status: 0 passed, 1 failed (or timed out), 2 bad arguments.
 */
import { spawn } from 'node:child_process';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const cmd = arg('device');
const min = Number(arg('min') ?? 92);
const timeoutS = Number(arg('timeout') ?? 120);
if (!cmd || !Number.isInteger(min) || min < 0 || !(timeoutS > 0)) {
  process.stderr.write('usage: sim-selftest --device "<command>" [--min N] [--timeout S]\n');
  process.exit(2);
}

const device = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let text = '';
let settled = false;
const finish = (ok: boolean, why: string) => {
  if (settled) return;
  settled = true;
  process.stdout.write(`sim-selftest: ${ok ? 'PASS' : 'FAIL'}: ${why}\n`);
  try {
    if (device.pid) process.kill(-device.pid, 'SIGTERM');
  } catch {}
  process.exitCode = ok ? 0 : 1;
  setTimeout(() => process.exit(ok ? 0 : 1), 500).unref();
};
const timer = setTimeout(() => finish(false, `no summary line within ${timeoutS} s`), timeoutS * 1000);
const onData = (d: Buffer) => {
  process.stdout.write(d);
  text += d.toString();
  if (/crypto self-test crashed/.test(text)) return finish(false, 'the app crashed');
  const m = /crypto self-test: (\d+) passed, (\d+) failed/.exec(text);
  if (!m) return;
  clearTimeout(timer);
  const passed = Number(m[1]);
  const failed = Number(m[2]);
  const notLoaded = /FAIL loading /.test(text);
  if (failed > 0) return finish(false, `${failed} test(s) failed`);
  if (notLoaded) return finish(false, 'a test file did not load');
  if (passed < min) return finish(false, `only ${passed} tests ran, expected at least ${min}`);
  finish(true, `${passed} passed, 0 failed`);
};
device.stdout!.on('data', onData);
device.stderr!.on('data', onData);
device.on('exit', () => {
  clearTimeout(timer);
  finish(false, 'the simulator exited before the summary line');
});
