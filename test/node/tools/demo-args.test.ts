/**
 * `npm start` arguments (issue 13 item 8): a bad one is one clear line and a non-zero exit before anything
 * starts; Ctrl-C of a --server run that never registered is not a success.
 */
import { spawn } from 'node:child_process';
import { assert } from '../../harness/assert';
import { DemoArgsError, parseDemoArgs } from '../../../tools/demo-args';

function run(args: string[], interruptAfterMs?: number): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/demo.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (interruptAfterMs !== undefined) {
      // Interrupt once the device has started (its first line), like a user pressing Ctrl-C.
      const started = () => {
        if (stdout.includes('Ctrl-C') && !timer) timer = setTimeout(() => child.kill('SIGINT'), interruptAfterMs);
      };
      child.stdout.on('data', started);
    }
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const PSK = ['--identity', 'dev', '--key', '000102030405060708090a0b0c0d0e0f'];

describe('npm start arguments', () => {
  const bad: [string, string[], RegExp][] = [
    ['a port above 65535', ['--server', 'coaps://192.0.2.1:70000', ...PSK], /port out of range/],
    ['a space in the host', ['--server', 'coaps://bad host:5684', ...PSK], /not a usable LwM2M server URI/],
    ['an unbracketed IPv6 address', ['--server', 'coaps://2001:db8::1:5684', ...PSK], /brackets/],
    ["--key ''", ['--server', 'coaps://192.0.2.1:5684', '--identity', 'dev', '--key', ''], /--key must be/],
    ['--key with an odd number of digits', ['--server', 'coaps://192.0.2.1:5684', '--identity', 'dev', '--key', 'abc'], /--key must be/],
    ['an unknown option', ['--server', 'coaps://192.0.2.1:5684', ...PSK, '--lifetime', '30'], /unknown option --lifetime/],
    ['a missing value', ['--server'], /--server needs a value/],
    ['--identity without --server', ['--identity', 'x'], /only goes with --server/],
    ['coaps:// without a key', ['--server', 'coaps://192.0.2.1:5684'], /needs --identity and --key/],
    ['a repeated option', ['--verbose', '--verbose'], /given twice/],
    ['--bind that is not an IP address', ['--server', 'coap://127.0.0.1:5683', '--bind', 'eth0'], /--bind needs an IP address/],
  ];
  for (const [what, args, msg] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parseDemoArgs(args), (e: unknown) => e instanceof DemoArgsError && msg.test(e.message));
    });
  }
  it('accepts the documented forms, with a bracketed IPv6 address', () => {
    const a = parseDemoArgs(['--server', 'coaps://[2001:db8::1]:5684', ...PSK, '--endpoint', 'my-device', '--data', '/tmp/x', '--verbose']);
    assert.equal(a.server?.uri, 'coaps://[2001:db8::1]:5684');
    assert.hex(a.server!.key!, '000102030405060708090a0b0c0d0e0f');
    assert.equal(parseDemoArgs(['--server', 'coap://127.0.0.1:5683']).server?.secure, false);
    assert.equal(parseDemoArgs(['--server', 'coap://[::1]:5683', '--bind', '::1']).bind, '::1');
    assert.deepEqual(parseDemoArgs([]), { help: false, verbose: false });
  });

  it('the demo prints one line and exits 2 before anything starts', async () => {
    const r = await run(['--server', 'coaps://192.0.2.1:70000', ...PSK]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    const u = await run(['--bogus']);
    assert.equal(u.code, 2);
    assert.ok(u.stderr.includes('unknown option --bogus'), u.stderr);
  });

  it('Ctrl-C of a --server run that never registered exits non-zero', async () => {
    // Nobody listens on this port (reserved range for this suite): registration keeps failing.
    const r = await run(['--server', 'coap://127.0.0.1:15301'], 1500);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes('interrupted before the device registered'), r.stderr);
  });
});
