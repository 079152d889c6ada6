/**
 * tools/bootstrap-server.ts driving a fake device (modules/coap CoapEndpoint, over plain UDP and over
 * modules/dtls DtlsClient) that records every operation it receives: the plan's Bootstrap-Delete,
 * Discover, Write and Read arrive in order on the association the Bootstrap-Request came from, then
 * Bootstrap-Finish; the server records every result code.
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex, utf8Encode } from '../../../modules/bytes/index';
import { CoapEndpoint, Code, Method, type IncomingRequest, type ResponseSpec } from '../../../modules/coap/index';
import { DtlsClient } from '../../../modules/dtls/index';
import type { DatagramChannel } from '../../../modules/transport/types';
import { udpChannel } from '../../../modules/transport/types';
import { BootstrapTestServer, type BootstrapPlan } from '../../../tools/bootstrap-server';
import { createNodeTestHost } from '../../../tools/server-common';
import { NodeUdpSocket } from '../../../hosts/node/udp';

const PORT = 5803;
const DTLS_PORT = 5804;
const KEY = fromHex('0f0e0d0c0b0a09080706050403020100');

const SERVER_URI = 'coaps://127.0.0.1:5801';
/**
 * Security instance 1 by hand (TLV, OMA-TS-LightweightM2M-1.1 Core §7.4.3): 0xc8 = resource, 8-bit id,
 * 8-bit length; 0xc1 = resource, 8-bit id, 1-byte value. URI, Bootstrap=false, Mode=0 (PSK), SSID 101.
 */
const SECURITY_TLV = fromHex('c800' + SERVER_URI.length.toString(16).padStart(2, '0') + toHex(utf8Encode(SERVER_URI)) + 'c10100' + 'c10200' + 'c10a65');
/** Server instance 0: SSID 101, lifetime 300 (2 bytes), binding "U". */
const SERVER_TLV = fromHex('c10065' + 'c201012c' + 'c10755');
const DISCOVER_LINKS = '</>;lwm2m=1.1,</0/0>,</1>,</3/0>';

interface Seen {
  method: number;
  path: string;
  contentFormat: number | null;
  accept: number | null;
  payload: string;
}

/** A bootstrap client that answers what a real one would and records what it was asked. */
function deviceHandler(seen: Seen[], finished: () => void): (req: IncomingRequest) => ResponseSpec {
  return (req) => {
    const path = '/' + req.path.join('/');
    seen.push({ method: req.method, path, contentFormat: req.contentFormat ?? null, accept: req.accept ?? null, payload: toHex(req.payload) });
    switch (req.method) {
      case Method.DELETE:
        return { code: Code.Deleted };
      case Method.PUT:
        return { code: Code.Changed };
      case Method.GET:
        if (req.accept === 40) return { code: Code.Content, contentFormat: 40, payload: utf8Encode(DISCOVER_LINKS) };
        if (path === '/1/0') return { code: Code.Content, contentFormat: 11542, payload: SERVER_TLV };
        return { code: Code.NotFound };
      case Method.POST:
        if (path === '/bs') {
          finished();
          return { code: Code.Changed };
        }
        return { code: Code.MethodNotAllowed };
      default:
        return { code: Code.MethodNotAllowed };
    }
  };
}

const plan = (endpoint: string): BootstrapPlan => ({
  endpoint,
  deleteFirst: ['/0', '/1'],
  discover: true,
  writes: [
    { path: '/0/1', payload: SECURITY_TLV, contentFormat: 11542 },
    { path: '/1/0', payload: SERVER_TLV, contentFormat: 11542 },
  ],
  read: ['/1/0', '/2'],
});

/** What the device must have seen, in order, for plan(): */
const EXPECTED_SEEN = [
  [Method.DELETE, '/0', null, null, ''],
  [Method.DELETE, '/1', null, null, ''],
  [Method.GET, '/', null, 40, ''],
  [Method.PUT, '/0/1', 11542, null, toHex(SECURITY_TLV)],
  [Method.PUT, '/1/0', 11542, null, toHex(SERVER_TLV)],
  [Method.GET, '/1/0', null, null, ''],
  [Method.GET, '/2', null, null, ''],
  [Method.POST, '/bs', null, null, ''],
];

function checkOutcome(seen: Seen[], outcome: Awaited<ReturnType<BootstrapTestServer['waitForFinish']>>): void {
  assert.deepEqual(
    seen.map((s) => [s.method, s.path, s.contentFormat, s.accept, s.payload]),
    EXPECTED_SEEN,
  );
  assert.equal(outcome.finishCode, Code.Changed);
  assert.deepEqual(
    outcome.results.map((r) => [r.op, r.path, r.code]),
    [
      ['delete', '/0', Code.Deleted],
      ['delete', '/1', Code.Deleted],
      ['discover', '/', Code.Content],
      ['write', '/0/1', Code.Changed],
      ['write', '/1/0', Code.Changed],
      ['read', '/1/0', Code.Content],
      ['read', '/2', Code.NotFound],
      ['finish', '/bs', Code.Changed],
    ],
  );
  const discover = outcome.results[2];
  assert.equal(discover.contentFormat, 40);
  assert.deepEqual(discover.payload, utf8Encode(DISCOVER_LINKS));
  const read = outcome.results[5];
  assert.equal(read.contentFormat, 11542);
  assert.deepEqual(read.payload, SERVER_TLV);
}

describe('tools/bootstrap-server with a recording fake device', function () {
  this.timeout(15000);

  describe('over plain CoAP', () => {
    let server: BootstrapTestServer;
    let socket: NodeUdpSocket;
    let ep: CoapEndpoint;
    const log: string[] = [];

    before(async () => {
      server = await BootstrapTestServer.start({ port: PORT, plans: [plan('bs-dev')], log: (l) => log.push(l) });
      socket = await NodeUdpSocket.open({ address: '127.0.0.1' });
      ep = new CoapEndpoint(createNodeTestHost(), udpChannel(socket, '127.0.0.1', PORT));
    });
    after(async () => {
      ep?.close();
      socket?.close();
      await server?.stop();
    });

    it('answers Bootstrap-Request 2.04, then Delete, Discover, Write, Read and Finish in order', async () => {
      const seen: Seen[] = [];
      let finishedAt = 0;
      ep.onRequest(deviceHandler(seen, () => (finishedAt = Date.now())));
      const res = await ep.request({ method: 'POST', path: '/bs', query: ['ep=bs-dev', 'pct=11542'] });
      assert.equal(res.code, Code.Changed);
      const outcome = await server.waitForFinish('bs-dev', 5000);
      assert.ok(finishedAt > 0);
      checkOutcome(seen, outcome);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(server.requests[0].query, ['ep=bs-dev', 'pct=11542']);
      assert.equal(server.requests[0].peer, `127.0.0.1:${socket.localPort}`);
    });

    it('an endpoint without a plan, or a request without ep, gets 4.00 and nothing else', async () => {
      const seen: Seen[] = [];
      ep.onRequest(deviceHandler(seen, () => {}));
      assert.equal((await ep.request({ method: 'POST', path: '/bs', query: ['ep=stranger'] })).code, Code.BadRequest);
      assert.equal((await ep.request({ method: 'POST', path: '/bs' })).code, Code.BadRequest);
      assert.equal((await ep.request({ method: 'POST', path: '/bs', query: ['ep=bs-dev', 'x=1'] })).code, Code.BadRequest);
      assert.equal((await ep.request({ method: 'GET', path: '/bs' })).code, Code.MethodNotAllowed);
      assert.equal((await ep.request({ method: 'POST', path: '/rd', query: ['ep=bs-dev'] })).code, Code.NotFound);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen.length, 0);
    });

    it('records a failing Finish (the device answers 4.06) as the finish code', async () => {
      const seen: Seen[] = [];
      const base = deviceHandler(seen, () => {});
      ep.onRequest((req) => (req.method === Method.POST && req.path[0] === 'bs' ? { code: Code.NotAcceptable } : base(req)));
      server.setPlan({ endpoint: 'bs-dev2', writes: [{ path: '/0/1', payload: SECURITY_TLV, contentFormat: 11542 }] });
      assert.equal((await ep.request({ method: 'POST', path: '/bs', query: ['ep=bs-dev2'] })).code, Code.Changed);
      const outcome = await server.waitForFinish('bs-dev2', 5000);
      assert.equal(outcome.finishCode, Code.NotAcceptable);
      assert.deepEqual(
        outcome.results.map((r) => [r.op, r.path, r.code]),
        [
          ['write', '/0/1', Code.Changed],
          ['finish', '/bs', Code.NotAcceptable],
        ],
      );
    });
  });

  describe('over DTLS PSK', () => {
    let server: BootstrapTestServer;
    let socket: NodeUdpSocket;
    let dtls: DtlsClient;
    let ep: CoapEndpoint;

    before(async () => {
      server = await BootstrapTestServer.start({ port: DTLS_PORT, psk: [{ identity: 'bs-identity', key: KEY }], plans: [plan('bs-dtls')] });
      const host = createNodeTestHost();
      socket = await NodeUdpSocket.open({ address: '127.0.0.1' });
      const ch: DatagramChannel = udpChannel(socket, '127.0.0.1', DTLS_PORT);
      dtls = new DtlsClient(host, ch, { psk: KEY, identity: 'bs-identity', retransmit: { initialMs: 1000, maxMs: 4000 } });
      await dtls.connect();
      ep = new CoapEndpoint(host, dtls);
    });
    after(async () => {
      ep?.close();
      dtls?.close();
      socket?.close();
      await server?.stop();
    });

    it('runs the same plan over the DTLS association the request came from', async () => {
      const seen: Seen[] = [];
      ep.onRequest(deviceHandler(seen, () => {}));
      const res = await ep.request({ method: 'POST', path: '/bs', query: ['ep=bs-dtls'] });
      assert.equal(res.code, Code.Changed);
      const outcome = await server.waitForFinish('bs-dtls', 5000);
      checkOutcome(seen, outcome);
      assert.equal(server.requests[0].identity, 'bs-identity');
      assert.ok(dtls.stats.datagramsReceived >= EXPECTED_SEEN.length + 1);
    });
  });
});
