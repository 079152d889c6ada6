/**
 * tools/lwm2m-server.ts over DTLS PSK (TLS_PSK_WITH_AES_128_CCM_8) on real UDP sockets, with a
 * minimal fake device made of modules/dtls DtlsClient + modules/coap CoapEndpoint: it registers, the
 * server runs every Device Management operation over the same association, the device answers with
 * hand-built payloads (the oracle), then de-registers. Unknown PSK identities are refused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { assert } from '../../harness/assert';
import { fromHex, toHex, utf8Encode } from '../../../modules/bytes/index';
import { CoapEndpoint, Code, Method, Option, getStrings, type IncomingRequest, type ResponseSpec } from '../../../modules/coap/index';
import { CipherSuiteId, DtlsClient, type DtlsSession, type RetransmitOptions } from '../../../modules/dtls/index';
import { udpChannel } from '../../../modules/transport/types';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { createNodeTestHost } from '../../../tools/server-common';
import { NodeUdpSocket } from '../../../hosts/node/udp';

const PORT = 5801;
const GNUTLS_PORT = 5802;
const IDENTITY = 'urn:imei:490154203237518';
const KEY = fromHex('000102030405060708090a0b0c0d0e0f');
/** libcoap takes the key as text on the command line (-k). */
const TEXT_KEY = 'secretPSK0123456';
/** Fast retransmission: everything is on loopback. */
const RETRANSMIT: RetransmitOptions = { initialMs: 1000, maxMs: 4000 };

/** Object 3 resource 0 (Manufacturer) "Acme" as TLV: 0xc4 = resource with value, 8-bit id, length 4. */
const MANUFACTURER_TLV = fromHex('c400' + toHex(utf8Encode('Acme')));
/** Resource 13 (Current Time) as TLV with a 4-byte integer: 0xc4 0x0d + value. */
const timeTlv = (t: number) => fromHex('c40d' + t.toString(16).padStart(8, '0'));

/** A firmware-sized opaque body: more than one DTLS record, so it must travel in Block2 blocks. */
const BIG = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);

interface FakeDevice {
  endpoint: CoapEndpoint;
  dtls: DtlsClient;
  socket: NodeUdpSocket;
  seen: { method: number; path: string; query: string[]; contentFormat?: number; accept?: number; payload: string }[];
  close(): void;
}

async function fakeDevice(identity: string, key: Uint8Array, handler: (req: IncomingRequest) => ResponseSpec, retransmit = RETRANSMIT, session?: DtlsSession): Promise<FakeDevice> {
  const host = createNodeTestHost();
  const socket = await NodeUdpSocket.open({ address: '127.0.0.1' });
  const dtls = new DtlsClient(host, udpChannel(socket, '127.0.0.1', PORT), { psk: key, identity, retransmit, session });
  try {
    await dtls.connect();
  } catch (e) {
    socket.close();
    throw e;
  }
  const endpoint = new CoapEndpoint(host, dtls);
  const seen: FakeDevice['seen'] = [];
  endpoint.onRequest((req) => {
    seen.push({ method: req.method, path: '/' + req.path.join('/'), query: req.query, contentFormat: req.contentFormat, accept: req.accept, payload: toHex(req.payload) });
    return handler(req);
  });
  return {
    endpoint,
    dtls,
    socket,
    seen,
    close() {
      endpoint.close();
      dtls.close();
      socket.close();
    },
  };
}

describe('tools/lwm2m-server over DTLS PSK with a DtlsClient + CoapEndpoint fake device', function () {
  this.timeout(20000);
  let server: Lwm2mTestServer;
  let dev: FakeDevice;
  const log: string[] = [];
  let location = '';
  let time = 1_700_000_000;

  before(async () => {
    server = await Lwm2mTestServer.start({ port: PORT, psk: [{ identity: IDENTITY, key: KEY }], log: (l) => log.push(l) });
  });
  after(async () => {
    dev?.close();
    await server?.stop();
  });

  function handler(req: IncomingRequest): ResponseSpec {
    const p = '/' + req.path.join('/');
    if (req.method === Method.GET && req.accept === 40) return { code: Code.Content, contentFormat: 40, payload: utf8Encode('</3/0>,</3/0/0>,</3/0/13>;pmin=1') };
    if (req.method === Method.GET && p === '/3/0/0') return { code: Code.Content, contentFormat: 11542, payload: MANUFACTURER_TLV };
    if (req.method === Method.GET && p === '/5/0/0') return { code: Code.Content, contentFormat: 42, payload: BIG };
    if (req.method === Method.GET && p === '/3/0/13') return { code: Code.Content, contentFormat: 11542, payload: timeTlv(time) };
    if (req.method === Method.PUT && p === '/1/0/1') return { code: Code.Changed };
    if (req.method === Method.PUT && p === '/3/0/13' && req.query.length) return { code: Code.Changed };
    if (req.method === Method.POST && p === '/3/0/4') return { code: Code.Changed };
    if (req.method === Method.POST && p === '/1/0') return { code: Code.Changed };
    if (req.method === Method.POST && p === '/16') return { code: Code.Created, options: [{ number: Option.LocationPath, value: utf8Encode('16') }, { number: Option.LocationPath, value: utf8Encode('7') }] };
    if (req.method === Method.DELETE && p === '/16/7') return { code: Code.Deleted };
    return { code: Code.NotFound };
  }

  it('registers over DTLS: 2.01 with Location-Path, and the registration carries the PSK identity', async () => {
    dev = await fakeDevice(IDENTITY, KEY, handler);
    const res = await dev.endpoint.request({ method: 'POST', path: '/rd', query: ['ep=dtls-dev', 'lt=30', 'lwm2m=1.1', 'b=U'], contentFormat: 40, payload: utf8Encode('</1/0>,</3/0>') });
    assert.equal(res.code, Code.Created);
    const segs = getStrings(res.options, Option.LocationPath)!;
    assert.equal(segs.length, 2);
    assert.equal(segs[0], 'rd');
    location = '/' + segs.join('/');
    const reg = await server.waitForRegistration('dtls-dev', 2000);
    assert.equal(reg.location, location);
    assert.equal(reg.identity, IDENTITY);
    assert.equal(reg.lifetime, 30);
    assert.equal(reg.objectLinks, '</1/0>,</3/0>');
    assert.equal(reg.peer, `127.0.0.1:${dev.socket.localPort}`);
  });

  it('Read goes to the device over the same association and returns its TLV byte for byte', async () => {
    const r = await server.read('dtls-dev', '/3/0/0', 11542);
    assert.equal(r.code, Code.Content);
    assert.equal(r.contentFormat, 11542);
    assert.hex(r.payload, 'c40041636d65');
    const last = dev.seen[dev.seen.length - 1];
    assert.deepEqual(last, { method: Method.GET, path: '/3/0/0', query: [], contentFormat: undefined, accept: 11542, payload: '' });
  });

  it('Read of a 5000-byte resource comes back whole (Block2 over DTLS)', async () => {
    dev.seen.length = 0;
    const sentBefore = dev.dtls.stats.datagramsSent;
    const r = await server.read('dtls-dev', '/5/0/0');
    assert.equal(r.code, Code.Content);
    assert.equal(r.contentFormat, 42);
    assert.equal(r.payload.length, BIG.length);
    assert.deepEqual(r.payload, BIG);
    // the device's endpoint serves blocks 1.. from its Block2 cache: one handler call, five or more records
    assert.equal(dev.seen.length, 1);
    const records = dev.dtls.stats.datagramsSent - sentBefore;
    assert.ok(records >= 5, `${records} records`);
  });

  it('Write (PUT and partial POST), Execute, Create, Delete, Discover, Write-Attributes reach the device as specified', async () => {
    dev.seen.length = 0;
    const w = await server.write('dtls-dev', '/1/0/1', fromHex('c101003c'), 11542);
    assert.equal(w.code, Code.Changed);
    const wp = await server.write('dtls-dev', '/1/0', fromHex('c101003c'), 11542, true);
    assert.equal(wp.code, Code.Changed);
    const x = await server.execute('dtls-dev', '/3/0/4', "0='now'");
    assert.equal(x.code, Code.Changed);
    const c = await server.create('dtls-dev', '/16', fromHex('c80000'), 11542);
    assert.equal(c.code, Code.Created);
    assert.equal(c.location, '/16/7');
    const d = await server.delete('dtls-dev', '/16/7');
    assert.equal(d.code, Code.Deleted);
    const disc = await server.discover('dtls-dev', '/3/0');
    assert.equal(disc.code, Code.Content);
    assert.equal(disc.links, '</3/0>,</3/0/0>,</3/0/13>;pmin=1');
    const wa = await server.writeAttributes('dtls-dev', '/3/0/13', 'pmin=1&pmax=5');
    assert.equal(wa.code, Code.Changed);
    const missing = await server.read('dtls-dev', '/99/0');
    assert.equal(missing.code, Code.NotFound);
    assert.deepEqual(
      dev.seen.map((s) => [s.method, s.path, s.query.join('&'), s.contentFormat ?? null, s.accept ?? null, s.payload]),
      [
        [Method.PUT, '/1/0/1', '', 11542, null, 'c101003c'],
        [Method.POST, '/1/0', '', 11542, null, 'c101003c'],
        [Method.POST, '/3/0/4', '', 0, null, toHex(utf8Encode("0='now'"))],
        [Method.POST, '/16', '', 11542, null, 'c80000'],
        [Method.DELETE, '/16/7', '', null, null, ''],
        [Method.GET, '/3/0', '', null, 40, ''],
        [Method.PUT, '/3/0/13', 'pmin=1&pmax=5', null, null, ''],
        [Method.GET, '/99/0', '', null, null, ''],
      ],
    );
  });

  it('Observe: first response, notifications in order, then cancel (GET with Observe 1)', async () => {
    const got: { payload: string; seq?: number; contentFormat?: number }[] = [];
    const obs = await server.observe('dtls-dev', '/3/0/13', (n) => got.push({ payload: toHex(n.payload), seq: n.seq, contentFormat: n.contentFormat }), 11542);
    assert.equal(obs.code, Code.Content);
    assert.hex(obs.payload, toHex(timeTlv(time)));
    const list = dev.endpoint.listObservations();
    assert.equal(list.length, 1);
    for (let i = 0; i < 3; i++) {
      time++;
      dev.endpoint.notify(list[0], { code: Code.Content, contentFormat: 11542, payload: timeTlv(time) });
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.deepEqual(
      got.map((g) => g.payload),
      [toHex(timeTlv(time - 2)), toHex(timeTlv(time - 1)), toHex(timeTlv(time))],
    );
    assert.ok(got.every((g) => g.contentFormat === 11542));
    assert.ok(got[0].seq! < got[1].seq! && got[1].seq! < got[2].seq!);
    await obs.cancel();
    assert.equal(dev.endpoint.listObservations().length, 0);
  });

  it('an Update over the association is counted', async () => {
    const res = await dev.endpoint.request({ method: 'POST', path: location, query: ['lt=45'] });
    assert.equal(res.code, Code.Changed);
    const reg = await server.waitForUpdate('dtls-dev', 0, 2000);
    assert.equal(reg.lifetime, 45);
  });

  it('after the device comes back from a new port with an abbreviated handshake, an Update moves the association there', async () => {
    assert.equal(dev.dtls.negotiated.cipherSuite, CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8);
    const session = dev.dtls.exportSession();
    assert.ok(session);
    const oldPeer = server.registration('dtls-dev')!.peer;
    dev.close(); // close_notify: the server drops the old association
    dev = await fakeDevice(IDENTITY, KEY, handler, RETRANSMIT, session);
    assert.equal(dev.dtls.resumed, true);
    const before = server.registration('dtls-dev')!.updates;
    const res = await dev.endpoint.request({ method: 'POST', path: location });
    assert.equal(res.code, Code.Changed);
    const reg = await server.waitForUpdate('dtls-dev', before, 2000);
    assert.notEqual(reg.peer, oldPeer);
    assert.equal(reg.peer, `127.0.0.1:${dev.socket.localPort}`);
    const r = await server.read('dtls-dev', '/3/0/0', 11542);
    assert.hex(r.payload, 'c40041636d65');
  });

  it('refuses a PSK identity it does not know (the handshake fails with an alert)', async () => {
    await assert.rejects(fakeDevice('intruder', KEY, handler), /unknown_psk_identity/);
    assert.ok(log.some((l) => l.includes('refused unknown PSK identity "intruder"')));
  });

  it('refuses a known identity with the wrong key (the client flight does not decrypt: no association)', async () => {
    // RFC 6347 §4.1.2.7: records that fail to decrypt are dropped silently, so the client only gives up.
    await assert.rejects(fakeDevice(IDENTITY, fromHex('ffffffffffffffffffffffffffffffff'), handler, { initialMs: 400, maxMs: 800, maxRetransmissions: 2 }), /timeout|retransmi/i);
    // the real device is not disturbed: its association is another 5-tuple
    const r = await server.read('dtls-dev', '/3/0/0', 11542);
    assert.equal(r.code, Code.Content);
  });

  it('does not answer plain CoAP on a DTLS port', async () => {
    const host = createNodeTestHost();
    const socket = await NodeUdpSocket.open({ address: '127.0.0.1' });
    const ep = new CoapEndpoint(host, udpChannel(socket, '127.0.0.1', PORT), { ackTimeoutMs: 200, maxRetransmit: 1 });
    try {
      await assert.rejects(ep.request({ method: 'POST', path: '/rd', query: ['ep=plain'], payload: utf8Encode('</3/0>') }));
    } finally {
      ep.close();
      socket.close();
    }
    assert.equal(server.registration('plain'), undefined);
  });

  it('de-registers: 2.02, and the server forgets the client', async () => {
    const gone = server.waitForDeregistration('dtls-dev', 3000);
    const res = await dev.endpoint.request({ method: 'DELETE', path: location });
    assert.equal(res.code, Code.Deleted);
    await gone;
    assert.equal(server.registrations().length, 0);
    await assert.rejects(server.read('dtls-dev', '/3/0/0'), /not registered/);
  });
});

const haveGnutlsClient = spawnSync('sh', ['-c', 'command -v coap-client-gnutls']).status === 0;

describe('tools/lwm2m-server over DTLS PSK with libcoap coap-client-gnutls as the client', function () {
  this.timeout(20000);
  let server: Lwm2mTestServer;
  const log: string[] = [];

  before(async function () {
    if (!haveGnutlsClient) {
      // A missing peer fails the suite (counted in `npm test`'s closing line), never skips it.
      throw new Error('coap-client-gnutls missing: run `bash tools/peers/install.sh` (Debian package libcoap3-bin)');
    }
    server = await Lwm2mTestServer.start({ port: GNUTLS_PORT, psk: [{ identity: 'libcoap-gnutls', key: utf8Encode(TEXT_KEY) }], log: (l) => log.push(l) });
  });
  after(async () => {
    await server?.stop();
  });

  function gnutlsRegister(port: number, ep: string): Promise<string> {
    return new Promise((resolve) => {
      const p = spawn('coap-client-gnutls', ['-B', '5', '-v', '6', '-u', 'libcoap-gnutls', '-k', TEXT_KEY, '-m', 'post', '-e', '</3/0>', `coaps://127.0.0.1:${port}/rd?ep=${ep}&lt=60&lwm2m=1.1`]);
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      const t = setTimeout(() => p.kill('SIGKILL'), 12000);
      p.on('close', () => {
        clearTimeout(t);
        resolve(out);
      });
    });
  }

  it('registers over coaps:// with -u identity -k key (we accept only PSK-AES128-CCM8 by default; GnuTLS offers it)', async () => {
    const out = await gnutlsRegister(GNUTLS_PORT, 'gnutls');
    assert.ok(/c:2\.01 .*Location-Path:rd, Location-Path:[0-9a-f]+/.test(out), `libcoap output:\n${out}\nserver log:\n${log.join('\n')}`);
    const reg = server.registration('gnutls');
    assert.ok(reg);
    assert.equal(reg.identity, 'libcoap-gnutls');
    assert.equal(reg.objectLinks, '</3/0>');
  });

  it('also over TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 when that is the only suite the server accepts', async () => {
    const s2 = await Lwm2mTestServer.start({
      port: GNUTLS_PORT + 5,
      psk: [{ identity: 'libcoap-gnutls', key: utf8Encode(TEXT_KEY) }],
      cipherSuites: [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256],
    });
    try {
      const out = await gnutlsRegister(GNUTLS_PORT + 5, 'gnutls-ecdhe');
      assert.ok(/c:2\.01 /.test(out), out);
      assert.equal(s2.registration('gnutls-ecdhe')?.identity, 'libcoap-gnutls');
    } finally {
      await s2.stop();
    }
  });
});
