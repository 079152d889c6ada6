/**
 * tools/lwm2m-server.ts against an independent CoAP implementation: libcoap's coap-client-notls
 * (Debian libcoap3-bin) plays the LwM2M client for Register, Update and De-register, and its
 * packet dump (-v 6) shows what our server really put on the wire.
 */
import { spawn, spawnSync } from 'node:child_process';
import { assert } from '../../harness/assert';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';

const PORT = 5800;
const haveLibcoap = spawnSync('sh', ['-c', 'command -v coap-client-notls']).status === 0;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs coap-client-notls with packet dumps on stdout (-v 6) and a 3 s give-up (-B 3). */
function coapClient(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn('coap-client-notls', ['-B', '3', '-v', '6', ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.on('close', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The response line libcoap prints: "v:1 t:ACK c:2.01 i:e327 {01} [ Location-Path:rd, ... ]". */
function responseLine(out: string): { type: string; code: string; options: string } {
  const lines = out.split('\n').filter((l) => /^v:1 t:(ACK|CON|NON) c:[245]\.\d\d /.test(l));
  assert.ok(lines.length >= 1, `no response in libcoap output:\n${out}`);
  const m = /^v:1 t:(\w+) c:(\d\.\d\d) i:[0-9a-f]+ \{[0-9a-f]*\} \[ ?(.*?) ?\]/.exec(lines[lines.length - 1]);
  assert.ok(m, `unparsed response line: ${lines[lines.length - 1]}`);
  return { type: m[1], code: m[2], options: m[3] };
}

describe('tools/lwm2m-server with libcoap coap-client-notls as the LwM2M client', function () {
  this.timeout(20000);
  let server: Lwm2mTestServer;
  const log: string[] = [];
  const url = (p: string) => `coap://127.0.0.1:${PORT}${p}`;

  before(async function () {
    if (!haveLibcoap) {
      // A missing peer fails the suite (counted in `npm test`'s closing line), never skips it.
      throw new Error('coap-client-notls missing: run `bash tools/peers/install.sh` (Debian package libcoap3-bin)');
    }
    server = await Lwm2mTestServer.start({ port: PORT, log: (l) => log.push(l) });
  });
  after(async () => {
    await server?.stop();
  });

  let location = '';

  it('Register: 2.01 Created with Location-Path rd/<id>, and the registration as sent', async () => {
    const run = await coapClient(['-m', 'post', '-e', '</1/0>,</3/0>', url('/rd?ep=libcoap&lt=60&lwm2m=1.1&b=U')]);
    const r = responseLine(run.stdout);
    assert.equal(r.type, 'ACK'); // piggybacked
    assert.equal(r.code, '2.01');
    const loc = /^Location-Path:rd, Location-Path:([0-9a-f]+)$/.exec(r.options);
    assert.ok(loc, `Location-Path options: ${r.options}`);
    const reg = await server.waitForRegistration('libcoap', 2000);
    assert.equal(reg.location, `/rd/${loc[1]}`);
    assert.equal(reg.lifetime, 60);
    assert.equal(reg.binding, 'U');
    assert.equal(reg.lwm2mVersion, '1.1');
    assert.equal(reg.objectLinks, '</1/0>,</3/0>');
    assert.equal(reg.updates, 0);
    assert.equal(reg.queue, false);
    assert.ok(/^127\.0\.0\.1:\d+$/.test(reg.peer), reg.peer);
    assert.equal(server.registrations().length, 1);
    location = reg.location;
  });

  it('Update with a new lifetime and links: 2.04, counted, values replaced', async () => {
    const before = server.registration('libcoap')!;
    const run = await coapClient(['-m', 'post', '-e', '</1/0>,</3/0>,</5/0>', url(`${location}?lt=120&b=UQ`)]);
    const r = responseLine(run.stdout);
    assert.equal(r.code, '2.04');
    const reg = await server.waitForUpdate('libcoap', before.updates, 2000);
    assert.equal(reg.updates, 1);
    assert.equal(reg.lifetime, 120);
    assert.equal(reg.binding, 'UQ');
    assert.equal(reg.queue, true);
    assert.equal(reg.objectLinks, '</1/0>,</3/0>,</5/0>');
    assert.equal(reg.location, location);
    // each coap-client run has its own source port: the server now talks to the newest one
    assert.notEqual(reg.peer, before.peer);
  });

  it('Update without payload or query keeps everything but the count', async () => {
    const run = await coapClient(['-m', 'post', url(location)]);
    assert.equal(responseLine(run.stdout).code, '2.04');
    const reg = server.registration('libcoap')!;
    assert.equal(reg.updates, 2);
    assert.equal(reg.lifetime, 120);
    assert.equal(reg.objectLinks, '</1/0>,</3/0>,</5/0>');
  });

  it('bad requests: unknown query parameter, missing ep, bad lt -> 4.00; unknown location -> 4.04', async () => {
    const cases: [string[], string][] = [
      [['-m', 'post', '-e', '</1/0>', url('/rd?ep=x&lt=60&foo=1')], '4.00'],
      [['-m', 'post', '-e', '</1/0>', url('/rd?lt=60&lwm2m=1.1')], '4.00'],
      [['-m', 'post', '-e', '</1/0>', url('/rd?ep=y&lt=abc')], '4.00'],
      [['-m', 'post', '-e', '</1/0>', url('/rd?ep=z&lwm2m=9.9')], '4.12'],
      [['-m', 'post', url(`${location}?ep=libcoap`)], '4.00'],
      [['-m', 'post', url('/rd/00000000')], '4.04'],
      [['-m', 'delete', url('/rd/00000000')], '4.04'],
    ];
    for (const [args, code] of cases) {
      const run = await coapClient(args);
      assert.equal(responseLine(run.stdout).code, code, args.join(' '));
    }
    assert.deepEqual(
      server.registrations().map((r) => r.endpoint),
      ['libcoap'],
    );
  });

  it('De-register: 2.02 Deleted, and the registration is gone', async () => {
    const gone = server.waitForDeregistration('libcoap', 3000);
    const run = await coapClient(['-m', 'delete', url(location)]);
    assert.equal(responseLine(run.stdout).code, '2.02');
    await gone;
    assert.equal(server.registrations().length, 0);
    const again = await coapClient(['-m', 'delete', url(location)]);
    assert.equal(responseLine(again.stdout).code, '4.04');
  });

  it('a Register payload too long for one datagram arrives whole through Block1 (libcoap -b 64)', async () => {
    const links = Array.from({ length: 40 }, (_, i) => `</${3300 + i}/0>`).join(',');
    const run = await coapClient(['-b', '64', '-m', 'post', '-e', links, url('/rd?ep=blocky&lt=60&lwm2m=1.1')]);
    assert.ok(/Block1:/.test(run.stdout), 'libcoap sent Block1');
    assert.equal(responseLine(run.stdout).code, '2.01');
    const reg = server.registration('blocky');
    assert.ok(reg);
    assert.equal(reg.objectLinks, links);
  });

  it('a registration expires after its lifetime (plus the grace) without an Update', async () => {
    const run = await coapClient(['-m', 'post', '-e', '</3/0>', url('/rd?ep=shortlived&lt=1&lwm2m=1.1')]);
    assert.equal(responseLine(run.stdout).code, '2.01');
    const reg = server.registration('shortlived');
    assert.ok(reg);
    assert.equal(reg.lifetime, 1);
    const t0 = Date.now();
    await server.waitForDeregistration('shortlived', 6000);
    const waited = Date.now() - t0;
    assert.ok(waited >= 1500, `expired after ${waited} ms`);
    assert.ok(log.some((l) => /shortlived .* expired/.test(l)));
  });
});
