/**
 * The provisioning command line (`npx xs-lwm2m`, bin/xs-lwm2m.mjs -> tools/cli.ts), run as a process:
 * --help, every command's bad input (one line on stderr, exit 2, nothing created), and the good paths
 * checked by independent parties: the PSK it provisions must complete a DTLS handshake with our test
 * servers (a wrong key must not), and `status` must never print a secret.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { root } from '../../harness/xs-bundle.mjs';
import { fromHex } from '../../../modules/bytes/index';
import { securityInstanceTlv, serverInstanceTlv } from '../../../modules/client/factory';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { BootstrapTestServer } from '../../../tools/bootstrap-server';
import { main } from '../../../tools/cli';

const BIN = join(root, 'bin', 'xs-lwm2m.mjs');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

function match(s: string, re: RegExp, msg?: string): void {
  assert.ok(re.test(s), msg ?? `${JSON.stringify(s.slice(0, 400))} does not match ${re}`);
}

/** The CLI in this process (fast: no process start), stdout and stderr captured. */
async function inProcess(args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Exit 2, exactly one line on stderr naming the problem, nothing on stdout. */
function assertBadInput(r: Result, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  match(lines[0], /^xs-lwm2m: /);
  match(lines[0], pattern);
}

describe('xs-lwm2m CLI: help', function () {
  this.timeout(120_000);

  it('--help (and no command, and help) prints the usage with every command and exits 0', async () => {
    for (const args of [['--help'], [], ['help'], ['-h']]) {
      const r = await cli(args);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, '');
      for (const c of ['create', 'psk', 'server-config', 'status', 'run']) match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'));
      match(r.stdout, /Exit status: 0 done, 1 failed at run time, 2 bad input/);
    }
  });

  it('<command> --help prints the usage and exits 0, even with other bad options', async () => {
    for (const c of ['create', 'psk', 'server-config', 'status', 'run']) {
      const r = await cli([c, '--help', '--nonsense']);
      assert.equal(r.code, 0, c);
      match(r.stdout, /Usage: xs-lwm2m <command>/);
    }
  });

  it('bad input from the real program: one line on stderr and exit status 2', async () => {
    assertBadInput(await cli(['provision']), /unknown command "provision"/);
    assertBadInput(await cli(['psk', '--bytes', '8']), /--bytes must be an integer from 16 to 64/);
    assertBadInput(await cli(['create', '--endpoint', 'e', '--server', 'coap://127.0.0.1']), /--data is required/);
  });
});

describe('xs-lwm2m CLI: bad input, one line and exit 2, nothing created', function () {
  this.timeout(300_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'xs-lwm2m-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const createCases: [string, string[], RegExp][] = [
    ['no --data', ['--endpoint', 'e', '--server', 'coap://127.0.0.1'], /--data is required/],
    ['no --endpoint', ['--data', 'D', '--server', 'coap://127.0.0.1'], /--endpoint is required/],
    ['an endpoint with a query character', ['--data', 'D', '--endpoint', 'a&b', '--server', 'coap://127.0.0.1'], /--endpoint must be/],
    ['an endpoint of 129 characters', ['--data', 'D', '--endpoint', 'e'.repeat(129), '--server', 'coap://127.0.0.1'], /--endpoint must be/],
    ['neither --server nor --bootstrap', ['--data', 'D', '--endpoint', 'e'], /exactly one of --server URI or --bootstrap URI/],
    ['both --server and --bootstrap', ['--data', 'D', '--endpoint', 'e', '--server', 'coap://127.0.0.1', '--bootstrap', 'coap://127.0.0.1'], /exactly one of/],
    ['an http URI', ['--data', 'D', '--endpoint', 'e', '--server', 'http://127.0.0.1'], /is not a server URI/],
    ['a URI with a path', ['--data', 'D', '--endpoint', 'e', '--server', 'coaps://127.0.0.1:5684/rd'], /is not a server URI/],
    ['port 0', ['--data', 'D', '--endpoint', 'e', '--server', 'coaps://127.0.0.1:0'], /is not a server URI/],
    ['an sms:// account', ['--data', 'D', '--endpoint', 'e', '--server', 'sms://+15550100'], /sms:\/\/ accounts are not provisioned/],
    ['a PSK on coap://', ['--data', 'D', '--endpoint', 'e', '--server', 'coap://127.0.0.1', '--psk', '00'.repeat(16)], /coap:\/\/ is NoSec/],
    ['an identity on coap://', ['--data', 'D', '--endpoint', 'e', '--server', 'coap://127.0.0.1', '--identity', 'x'], /coap:\/\/ is NoSec/],
    ['a PSK that is not hex', ['--data', 'D', '--endpoint', 'e', '--server', 'coaps://127.0.0.1', '--psk', 'zz'.repeat(16)], /--psk must be hex digits/],
    ['a PSK with an odd digit count', ['--data', 'D', '--endpoint', 'e', '--server', 'coaps://127.0.0.1', '--psk', '0'.repeat(33)], /--psk must be hex digits/],
    ['a 15-byte PSK', ['--data', 'D', '--endpoint', 'e', '--server', 'coaps://127.0.0.1', '--psk', '11'.repeat(15)], /--psk must be 16 to 64 bytes, got 15/],
    ['a 65-byte PSK', ['--data', 'D', '--endpoint', 'e', '--server', 'coaps://127.0.0.1', '--psk', '11'.repeat(65)], /--psk must be 16 to 64 bytes, got 65/],
    ['an empty identity', ['--data', 'D', '--endpoint', 'e', '--server', 'coaps://127.0.0.1', '--identity', ''], /--identity must be 1-128 bytes/],
    ['Short Server ID 0', ['--data', 'D', '--endpoint', 'e', '--server', 'coap://127.0.0.1', '--short-server-id', '0'], /--short-server-id must be an integer from 1 to 65534/],
    ['Short Server ID 65535', ['--data', 'D', '--endpoint', 'e', '--server', 'coap://127.0.0.1', '--short-server-id', '65535'], /--short-server-id must be an integer from 1 to 65534/],
    ['a lifetime that is not a number', ['--data', 'D', '--endpoint', 'e', '--server', 'coap://127.0.0.1', '--lifetime', '5m'], /--lifetime must be an integer/],
    ['a lifetime on a bootstrap account', ['--data', 'D', '--endpoint', 'e', '--bootstrap', 'coap://127.0.0.1', '--lifetime', '60'], /belong to a --server account/],
    ['an unknown option', ['--data', 'D', '--endpoint', 'e', '--server', 'coap://127.0.0.1', '--secure'], /unknown option --secure/],
    ['an option given twice', ['--data', 'D', '--endpoint', 'e', '--endpoint', 'f', '--server', 'coap://127.0.0.1'], /--endpoint given twice/],
    ['an option without its value', ['--data', 'D', '--endpoint', '--server', 'coap://127.0.0.1'], /--endpoint needs a value/],
    ['a stray argument', ['--data', 'D', 'extra', '--endpoint', 'e', '--server', 'coap://127.0.0.1'], /unexpected argument "extra"/],
  ];
  for (const [what, args, pattern] of createCases) {
    it(`create: ${what}`, async () => {
      const dir = join(tmp, what.replace(/[^a-z0-9]+/gi, '-'));
      const r = await inProcess(['create', ...args.map((a) => (a === 'D' ? dir : a))]);
      assertBadInput(r, pattern);
      assert.equal(existsSync(dir), false, 'no data directory created');
    });
  }

  it('create: an existing device or a non-empty directory is never overwritten', async () => {
    const dir = join(tmp, 'existing');
    const ok = await inProcess(['create', '--data', dir, '--endpoint', 'first', '--server', 'coap://127.0.0.1']);
    assert.equal(ok.code, 0, ok.stderr);
    const before = readFileSync(join(dir, 'flash', 'keys.flash'));
    assertBadInput(await inProcess(['create', '--data', dir, '--endpoint', 'second', '--server', 'coap://127.0.0.1']), /already holds a device/);
    assert.equal(Buffer.compare(before, readFileSync(join(dir, 'flash', 'keys.flash'))), 0, 'key store untouched');
    assert.equal(JSON.parse(readFileSync(join(dir, 'device.json'), 'utf8')).endpoint, 'first');
    const other = join(tmp, 'not-empty');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    assertBadInput(await inProcess(['create', '--data', other, '--endpoint', 'e', '--server', 'coap://127.0.0.1']), /is not empty/);
  });

  it('create / server-config: --out never overwrites a file', async () => {
    const out = join(tmp, 'server.json');
    writeFileSync(out, 'keep');
    assertBadInput(await inProcess(['create', '--data', join(tmp, 'out-dev'), '--endpoint', 'e', '--server', 'coaps://127.0.0.1', '--out', out]), /--out .* exists already/);
    assert.equal(readFileSync(out, 'utf8'), 'keep');
    assert.equal(existsSync(join(tmp, 'out-dev')), false);
  });

  it('psk: --bytes outside 16-64 or not a number', async () => {
    for (const n of ['15', '65', 'abc', '-16', '16.5']) assertBadInput(await inProcess(['psk', '--bytes', n]), /--bytes must be an integer from 16 to 64/);
    assertBadInput(await inProcess(['psk', '--length', '16']), /unknown option --length/);
  });

  it('server-config, status, run: no --data, or a directory that is not a device', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    for (const c of ['server-config', 'status', 'run']) {
      assertBadInput(await inProcess([c]), /--data is required/);
      assertBadInput(await inProcess([c, '--data', empty]), /is not a device data directory/);
      assertBadInput(await inProcess([c, '--data', join(tmp, 'absent')]), /is not a device data directory/);
      assert.equal(existsSync(join(empty, 'flash')), false, `${c} created nothing`);
    }
    assertBadInput(await inProcess(['status', '--data', empty, '--verbose']), /unknown option --verbose/);
  });

  it('run: --timeout outside 1-86400; a device.json without an endpoint', async () => {
    const dir = join(tmp, 'run-dev');
    assert.equal((await inProcess(['create', '--data', dir, '--endpoint', 'e', '--server', 'coap://127.0.0.1'])).code, 0);
    assertBadInput(await inProcess(['run', '--data', dir, '--timeout', '0']), /--timeout must be an integer from 1 to 86400/);
    writeFileSync(join(dir, 'device.json'), '{"endpoint": "bad name"}');
    assertBadInput(await inProcess(['status', '--data', dir]), /has no valid "endpoint"/);
    writeFileSync(join(dir, 'device.json'), '{');
    assertBadInput(await inProcess(['status', '--data', dir]), /is not valid JSON/);
  });
});

describe('xs-lwm2m CLI: provisioning that works against a server', function () {
  this.timeout(300_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'xs-lwm2m-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('psk prints distinct random keys of the asked length', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await cli(['psk']);
      assert.equal(r.code, 0);
      match(r.stdout, /^[0-9a-f]{32}\n$/);
      keys.add(r.stdout);
    }
    assert.equal(keys.size, 4);
    const long = await cli(['psk', '--bytes', '64']);
    match(long.stdout, /^[0-9a-f]{128}\n$/);
    // 64 random bytes: far from constant (a zero or repeated buffer would fail this).
    assert.ok(new Set(long.stdout.trim().match(/../g)).size > 20);
  });

  it('create --server coaps:// (generated PSK): the printed key registers over DTLS; status shows no secret; a wrong key fails', async () => {
    const dir = join(tmp, 'direct');
    // The key is known only once create has run, and the URI holds the port: a fixed port (this
    // suite's range, 15200-15299) that two servers use in turn.
    const port = 15210;
    const uri = `coaps://127.0.0.1:${port}`;
    let lwm2m: Lwm2mTestServer | undefined;
    try {
      const c = await cli(['create', '--data', dir, '--endpoint', 'cli-direct', '--server', uri, '--short-server-id', '7', '--lifetime', '120']);
      assert.equal(c.code, 0, c.stderr);
      const side = JSON.parse(c.stdout);
      const acc = side.accounts[0];
      assert.equal(side.endpoint, 'cli-direct');
      assert.deepEqual([acc.role, acc.uri, acc.shortServerId, acc.securityMode, acc.pskIdentity], ['lwm2m-server', uri, 7, 'psk', 'cli-direct']);
      match(acc.pskKeyHex, /^[0-9a-f]{32}$/);
      assert.deepEqual(acc.leshan, { endpoint: 'cli-direct', tls: { mode: 'psk', details: { identity: 'cli-direct', key: acc.pskKeyHex } } });
      assert.equal(acc.wakaamaIni, `[Server]\nid=7\nuri=${uri}\nbootstrap=no\nlifetime=120\nsecurity=PSK\npublic=${Buffer.from('cli-direct').toString('hex')}\nsecret=${acc.pskKeyHex}\n`);
      assert.equal(statSync(join(dir, 'device-secret.bin')).mode & 0o077, 0);

      // server-config reads the same account back out of the sealed store.
      const again = await cli(['server-config', '--data', dir]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(JSON.parse(again.stdout), side);

      // A server that knows a different key for this identity: the handshake fails, run gives up (exit 1).
      lwm2m = await Lwm2mTestServer.start({ port, psk: [{ identity: 'cli-direct', key: fromHex('00'.repeat(16)) }] });
      const wrong = await cli(['run', '--data', dir, '--until-registered', '--timeout', '4']);
      assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
      match(wrong.stderr, /not registered with every server within 4 s/);
      assert.equal(lwm2m.registrations().length, 0);
      await lwm2m.stop();

      lwm2m = await Lwm2mTestServer.start({ port, psk: [{ identity: 'cli-direct', key: fromHex(acc.pskKeyHex) }] });
      const run = await cli(['run', '--data', dir, '--until-registered', '--timeout', '60']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      match(run.stdout, /DTLS 1\.2 PSK connection/);
      match(run.stdout, /registered with server 7 at \/rd\//);
      match(run.stdout, /de-registered from server 7/);

      const st = await cli(['status', '--data', dir, '--json']);
      assert.equal(st.code, 0, st.stderr);
      const s = JSON.parse(st.stdout);
      assert.equal(s.endpoint, 'cli-direct');
      assert.deepEqual(s.accounts, [{ role: 'lwm2m-server', uri, shortServerId: 7, lifetime: 120, binding: 'U', securityMode: 'psk', pskIdentity: 'cli-direct' }]);
      assert.equal(s.registrations['7'].uri, uri);
      match(s.registrations['7'].location, /^\/rd\//);
      assert.ok(s.registrations['7'].deregisteredAt);
      assert.deepEqual(s.dtlsSessions, ['dtls.0.7']);
      const names = s.sealedRecords.map((r: { name: string }) => r.name);
      assert.deepEqual(names, ['dtls.0.7', 'lwm2m.0.0.a', 'lwm2m.1.0.a', 'lwm2m.cfg', 'lwm2m.factory']); // versioned LwM2M records (modules/lwm2m/persistence.ts)
      assert.ok(s.sealedRecords.every((r: { bytes: number }) => r.bytes > 0));
      const text = await cli(['status', '--data', dir]);
      assert.equal(text.code, 0);
      for (const out of [st.stdout, text.stdout]) {
        assert.ok(!out.toLowerCase().includes(acc.pskKeyHex), 'status never prints the PSK');
        assert.ok(!out.includes(Buffer.from(acc.pskKeyHex, 'hex').toString('base64')), 'not in base64 either');
        assert.ok(!out.includes(readFileSync(join(dir, 'device-secret.bin')).toString('hex')), 'nor the device secret');
      }
      match(text.stdout, /lwm2m-server coaps:\/\/127\.0\.0\.1:\d+ ssid 7 lifetime 120 s psk identity cli-direct/);
      match(text.stdout, /lwm2m\.0\.0\.a: \d+/);
    } finally {
      await lwm2m?.stop();
    }
  });

  it('create --bootstrap coaps:// with a given PSK and identity: bootstraps, then registers with the server it was given', async () => {
    const dir = join(tmp, 'bootstrapped');
    const bsKey = '5a'.repeat(20);
    const dmKey = fromHex('a5'.repeat(16));
    const lwm2m = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: 'cli-bs-dm', key: dmKey }] });
    const dm = { uri: `coaps://127.0.0.1:${lwm2m.port}`, pskIdentity: 'cli-bs-dm', pskKey: dmKey.slice(), shortServerId: 3, lifetime: 60 };
    const bs = await BootstrapTestServer.start({
      port: 0,
      psk: [{ identity: 'factory-id', key: fromHex(bsKey) }],
      plans: [{ endpoint: 'cli-bs', writes: [
        { path: '/0/1', payload: securityInstanceTlv(1, dm), contentFormat: ContentFormat.Tlv },
        { path: '/1/0', payload: serverInstanceTlv(0, dm), contentFormat: ContentFormat.Tlv },
      ] }],
    });
    try {
      const bsUri = `coaps://127.0.0.1:${bs.port}`;
      const c = await cli(['create', '--data', dir, '--endpoint', 'cli-bs', '--bootstrap', bsUri, '--identity', 'factory-id', '--psk', bsKey, '--out', join(tmp, 'bs-server.json')]);
      assert.equal(c.code, 0, c.stderr);
      assert.equal(c.stdout, '', 'with --out nothing on stdout');
      assert.equal(statSync(join(tmp, 'bs-server.json')).mode & 0o077, 0, '--out file is owner-only');
      const side = JSON.parse(readFileSync(join(tmp, 'bs-server.json'), 'utf8'));
      assert.deepEqual([side.accounts[0].role, side.accounts[0].pskIdentity, side.accounts[0].pskKeyHex], ['bootstrap-server', 'factory-id', bsKey]);
      match(side.accounts[0].wakaamaIni, /^\[Server\]\nid=0\nuri=coaps:.*\nbootstrap=yes\nsecurity=PSK\n/);

      const run = await cli(['run', '--data', dir, '--until-registered', '--timeout', '90']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      match(run.stdout, /bootstrap finished: 1 server account/);
      match(run.stdout, /registered with server 3/);

      const st = JSON.parse((await cli(['status', '--data', dir, '--json'])).stdout);
      assert.deepEqual(st.accounts.map((a: { role: string; pskIdentity: string }) => [a.role, a.pskIdentity]), [['bootstrap-server', 'factory-id'], ['lwm2m-server', 'cli-bs-dm']]);
      const all = JSON.stringify(st);
      assert.ok(!all.includes(bsKey) && !all.includes('a5'.repeat(16)), 'no PSK in status');
    } finally {
      await bs.stop();
      await lwm2m.stop();
    }
  });

  it('create --server coap:// (NoSec): registers without DTLS; server-config says nosec with no key', async () => {
    const dir = join(tmp, 'nosec');
    const lwm2m = await Lwm2mTestServer.start({ port: 0 });
    try {
      const c = await cli(['create', '--data', dir, '--endpoint', 'cli-nosec', '--server', `coap://127.0.0.1:${lwm2m.port}`]);
      assert.equal(c.code, 0, c.stderr);
      const acc = JSON.parse(c.stdout).accounts[0];
      assert.equal(acc.securityMode, 'nosec');
      assert.equal(acc.pskKeyHex, undefined);
      assert.equal(acc.leshan, null);
      match(acc.wakaamaIni, /security=NoSec\n$/);
      const run = await cli(['run', '--data', dir, '--until-registered', '--timeout', '60']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      match(run.stdout, /NoSec connection/);
      match(run.stdout, /registered with server 1/);
    } finally {
      await lwm2m.stop();
    }
  });
});
