/**
 * Interop with libcoap 4.3 from Debian (coap-client-notls / coap-server-notls, plain UDP on
 * 127.0.0.1): libcoap's client against our endpoint as a server, and our endpoint as a client
 * against libcoap's server. libcoap is the independent implementation that proves the wire format,
 * block-wise transfer and observe.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assert } from '../harness/assert';
import type { Host, TimerHandle } from '../../modules/host';
import { nobleCrypto } from '../../modules/crypto/noble';
import { udpChannel, type DatagramChannel } from '../../modules/transport/types';
import { CoapEndpoint, Code, decodeMessage, Method, Option, codeString, getOption, getUint, type ResponseSpec, type IncomingRequest, type CoapResponse } from '../../modules/coap/index';
import { utf8Decode, utf8Encode } from '../../modules/bytes/index';
import { NodeUdpSocket } from '../../hosts/node/udp';
import { missingPeer } from '../../tools/peers/peers.mjs';

const SERVER_PORT = 5781; // our endpoint as a server
const LIBCOAP_PORT = 5782; // coap-server-notls

/** A tiny real-time Host: wall-clock time, Node timers, OpenSSL randomness. */
function realHost(): Host {
  return {
    now: () => performance.now(),
    setTimer: (ms: number, fn: () => void): TimerHandle => setTimeout(fn, ms),
    clearTimer: (t: TimerHandle) => clearTimeout(t as ReturnType<typeof setTimeout>),
    randomBytes: (n: number) => new Uint8Array(randomBytes(n)),
    crypto: nobleCrypto,
    flash: () => {
      throw new Error('no flash in the interop host');
    },
    deviceSecret: () => new Uint8Array(32),
    log: () => {},
  };
}

const haveLibcoap = spawnSync('sh', ['-c', 'command -v coap-client-notls && command -v coap-server-notls']).status === 0;

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}
function coapClient(args: string[], timeoutMs = 30000): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn('coap-client-notls', args);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deterministic text so a corrupted, reordered or truncated block shows. */
function bigBody(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 64 === 63 ? 10 : 48 + ((i * 7 + (i >> 6)) % 75);
  return out;
}

describe('CoAP interop with libcoap (coap-client-notls against our endpoint)', function () {
  this.timeout(60000);
  let sock: NodeUdpSocket;
  const peers = new Map<string, CoapEndpoint>();
  const stored = new Map<string, Uint8Array>();
  const big = bigBody(3000);
  let counter = 0;
  let ticker: ReturnType<typeof setInterval> | null = null;
  const observed: string[] = [];
  const cancelled: string[] = [];
  const sentByUs: Uint8Array[] = [];
  let tmp: string;

  const handler = (req: IncomingRequest): ResponseSpec | Promise<ResponseSpec> => {
    const p = '/' + req.path.join('/');
    if (p === '/hello' && req.method === Method.GET) return { code: Code.Content, contentFormat: 0, payload: utf8Encode('hello from xs-lwm2m') };
    if (p === '/big' && req.method === Method.GET) return { code: Code.Content, contentFormat: 0, payload: big };
    if (p === '/obs' && req.method === Method.GET) return { code: Code.Content, contentFormat: 0, payload: utf8Encode(`tick ${counter}`) };
    if (p === '/slow' && req.method === Method.GET) return sleep(1500).then(() => ({ code: Code.Content, contentFormat: 0, payload: utf8Encode('slow answer') }));
    if (p.startsWith('/store')) {
      if (req.method === Method.PUT) {
        stored.set(p, req.payload.slice());
        return { code: Code.Changed };
      }
      if (req.method === Method.POST) {
        stored.set(p, req.payload.slice());
        return { code: Code.Created, options: [{ number: Option.LocationPath, value: utf8Encode('store') }], payload: utf8Encode(`got ${req.payload.length} bytes`) };
      }
      if (req.method === Method.GET) {
        const v = stored.get(p);
        return v ? { code: Code.Content, contentFormat: 42, payload: v } : { code: Code.NotFound };
      }
      if (req.method === Method.DELETE) {
        stored.delete(p);
        return { code: Code.Deleted };
      }
    }
    return { code: Code.NotFound };
  };

  before(async function () {
    if (!haveLibcoap) throw missingPeer('coap-client-notls/coap-server-notls');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coap-interop-'));
    sock = await NodeUdpSocket.open({ port: SERVER_PORT, address: '127.0.0.1' });
    // One endpoint per peer address: a DatagramChannel is connected to one peer.
    sock.onMessage = (data, address, port) => {
      const key = `${address}:${port}`;
      let ep = peers.get(key);
      if (!ep) {
        const ch: DatagramChannel = {
          maxDatagramSize: 1152,
          onReceive: null,
          onClose: null,
          send: (d) => {
            sentByUs.push(d.slice());
            sock.send(d, address, port);
          },
          close: () => {},
        };
        ep = new CoapEndpoint(realHost(), ch, { separateResponseDelayMs: 300 });
        ep.onRequest(handler);
        ep.onObserve = (o) => observed.push('/' + o.path.join('/'));
        ep.onCancel = (o, reason) => cancelled.push(`/${o.path.join('/')} ${reason}`);
        peers.set(key, ep);
      }
      ep.receive(data);
    };
    ticker = setInterval(() => {
      counter++;
      for (const ep of peers.values()) ep.notify('/obs', { code: Code.Content, contentFormat: 0, payload: utf8Encode(`tick ${counter}`) });
    }, 700);
  });

  after(() => {
    if (ticker) clearInterval(ticker);
    for (const ep of peers.values()) ep.close();
    sock?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const uri = (p: string) => `coap://127.0.0.1:${SERVER_PORT}${p}`;

  it('GET: libcoap reads a resource (piggybacked response)', async () => {
    const r = await coapClient(['-m', 'get', uri('/hello')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'hello from xs-lwm2m');
  });

  it('PUT then GET, POST and DELETE round-trip through libcoap', async () => {
    let r = await coapClient(['-m', 'put', '-e', 'value-1', '-t', '0', uri('/store/a')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(utf8Decode(stored.get('/store/a')!), 'value-1');
    r = await coapClient(['-m', 'get', uri('/store/a')]);
    assert.equal(r.stdout.trim(), 'value-1');
    r = await coapClient(['-m', 'post', '-e', 'posted body', uri('/store/b')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'got 11 bytes');
    assert.equal(utf8Decode(stored.get('/store/b')!), 'posted body');
    r = await coapClient(['-m', 'delete', uri('/store/b')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(stored.has('/store/b'), false);
  });

  it('Block2: libcoap fetches a 3000-byte resource in 64-byte blocks (-b 64)', async () => {
    const out = path.join(tmp, 'big.out');
    const r = await coapClient(['-m', 'get', '-b', '64', '-o', out, uri('/big')]);
    assert.equal(r.status, 0, r.stderr);
    const got = new Uint8Array(fs.readFileSync(out));
    assert.equal(got.length, big.length);
    assert.deepEqual(got, big);
  });

  it('Block2: libcoap fetches it with our default block size (1024)', async () => {
    const out = path.join(tmp, 'big2.out');
    const r = await coapClient(['-m', 'get', '-o', out, uri('/big')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(new Uint8Array(fs.readFileSync(out)), big);
  });

  it('Block1: libcoap uploads 2500 bytes in 32-byte blocks and we reassemble them', async () => {
    const file = path.join(tmp, 'up.bin');
    const body = bigBody(2500);
    fs.writeFileSync(file, body);
    const r = await coapClient(['-m', 'put', '-b', '32', '-f', file, uri('/store/up')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(stored.get('/store/up'), body);
  });

  it('separate response: a slow handler gets an Empty ACK, then a CON response libcoap accepts', async () => {
    const n0 = sentByUs.length;
    const r = await coapClient(['-m', 'get', uri('/slow')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'slow answer');
    const kinds = sentByUs.slice(n0).map((d) => decodeMessage(d)).map((m) => `${m.type}:${codeString(m.code)}`);
    assert.deepEqual(kinds, ['2:0.00', '0:2.05'], 'Empty ACK, then a CON 2.05 (which libcoap ACKed, or we would have retransmitted)');
  });

  it('unknown critical option in a request gets 4.02 Bad Option', async () => {
    const r = await coapClient(['-m', 'get', '-O', '65001,x', uri('/hello')]);
    assert.ok(/4\.02/.test(r.stdout + r.stderr), `expected 4.02 in: ${r.stdout} ${r.stderr}`);
  });

  it('observe: libcoap (-s 4) registers and receives at least 2 notifications', async () => {
    const before = counter;
    const r = await coapClient(['-m', 'get', '-s', '4', '-w', uri('/obs')]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => /^tick \d+$/.test(l.trim()));
    assert.ok(lines.length >= 3, `registration response + >= 2 notifications, got: ${JSON.stringify(r.stdout)}`);
    const nums = lines.map((l) => Number(l.trim().slice(5)));
    for (let i = 1; i < nums.length; i++) assert.ok(nums[i] > nums[i - 1], `notifications in order: ${nums}`);
    assert.ok(nums[nums.length - 1] > before);
    assert.ok(observed.includes('/obs'));
    // libcoap deregisters when -s runs out (GET with Observe 1 or an RST to the next notification).
    await sleep(1600);
    assert.ok(cancelled.some((c) => c.startsWith('/obs ')), `cancellations: ${cancelled}`);
  });
});

describe('CoAP interop with libcoap (our endpoint against coap-server-notls)', function () {
  this.timeout(60000);
  let server: ChildProcess | null = null;
  let sock: NodeUdpSocket;
  let ep: CoapEndpoint;

  before(async function () {
    if (!haveLibcoap) throw missingPeer('coap-client-notls/coap-server-notls');
    server = spawn('coap-server-notls', ['-A', '127.0.0.1', '-p', String(LIBCOAP_PORT)], { stdio: 'ignore' });
    sock = await NodeUdpSocket.open({ address: '127.0.0.1' });
    ep = new CoapEndpoint(realHost(), udpChannel(sock, '127.0.0.1', LIBCOAP_PORT));
    // Wait until the server answers (it binds asynchronously).
    for (let i = 0; i < 50; i++) {
      const probe = new CoapEndpoint(realHost(), udpChannel(await NodeUdpSocket.open({ address: '127.0.0.1' }), '127.0.0.1', LIBCOAP_PORT), { ackTimeoutMs: 100, maxRetransmit: 0 });
      try {
        await probe.ping();
        probe.close();
        break;
      } catch {
        probe.close();
        await sleep(100);
      }
    }
  });

  after(() => {
    ep?.close();
    sock?.close();
    server?.kill();
  });

  it('GET / returns libcoap\'s banner', async () => {
    const r = await ep.request({ method: 'GET', path: '/' });
    assert.equal(codeString(r.code), '2.05');
    assert.ok(utf8Decode(r.payload).includes('libcoap'), utf8Decode(r.payload));
  });

  it('CoAP ping is answered with RST', async () => {
    await ep.ping();
  });

  it('PUT 3000 bytes to /example_data in Block1 blocks, then GET them back in 64-byte Block2 blocks', async () => {
    const body = bigBody(3000);
    const put = await ep.request({ method: 'PUT', path: '/example_data', payload: body, contentFormat: 0 });
    assert.ok(put.code === Code.Created || put.code === Code.Changed, codeString(put.code));
    const get = await ep.request({ method: 'GET', path: '/example_data', block2Szx: 2 });
    assert.equal(codeString(get.code), '2.05');
    assert.equal(get.payload.length, 3000);
    assert.deepEqual(get.payload, body);
    // and with the server's choice of block size
    const get2 = await ep.request({ method: 'GET', path: '/example_data' });
    assert.deepEqual(get2.payload, body);
  });

  it('PUT then GET a small value on /example_data', async () => {
    const put = await ep.request({ method: 'PUT', path: '/example_data', payload: utf8Encode('small'), contentFormat: 0 });
    assert.ok(put.code === Code.Created || put.code === Code.Changed, codeString(put.code));
    const get = await ep.request({ method: 'GET', path: '/example_data' });
    assert.equal(utf8Decode(get.payload), 'small');
  });

  it('NON GET /time gets a response', async () => {
    const r = await ep.request({ method: 'GET', path: '/time', confirmable: false });
    assert.equal(codeString(r.code), '2.05');
    assert.ok(r.payload.length > 0);
  });

  it('/async?2: an Empty ACK then a separate CON response', async () => {
    const t0 = performance.now();
    const r = await ep.request({ method: 'GET', path: '/async', query: ['2'] });
    const dt = performance.now() - t0;
    assert.equal(codeString(r.code), '2.05');
    assert.ok(dt >= 1500, `separate response after ~2 s, took ${dt} ms`);
  });

  it('GET /nothing-here is 4.04', async () => {
    const r = await ep.request({ method: 'GET', path: '/nothing-here' });
    assert.equal(codeString(r.code), '4.04');
  });

  it('client observe of /time receives at least 2 notifications, then cancels', async () => {
    const got: CoapResponse[] = [];
    const obs = await ep.observe({ method: 'GET', path: '/time' }, (r) => got.push(r));
    assert.equal(codeString(obs.response.code), '2.05');
    assert.ok(getOption(obs.response.options, Option.Observe) !== undefined, 'registration accepted');
    await sleep(3500);
    assert.ok(got.length >= 2, `notifications: ${got.length}`);
    for (let i = 1; i < got.length; i++) assert.ok(got[i].observe !== undefined && got[i - 1].observe !== undefined);
    const c = await obs.cancel();
    assert.ok(c && codeClass2(c.code));
    assert.equal(getUint(c!.options, Option.Observe), undefined, 'the deregistration response carries no Observe');
  });
});

function codeClass2(c: number): boolean {
  return c >> 5 === 2;
}
