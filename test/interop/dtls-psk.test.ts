/**
 * Our DTLS client against real peers (OpenSSL s_server, gnutls-serv --echo, libcoap over GnuTLS and
 * OpenSSL, pion/dtls) and our DtlsServer against openssl s_client, all PSK-CCM8 on 127.0.0.1:5720-5779.
 */
import { assert } from '../harness/assert';
import { DtlsClient, type DtlsClientOptions } from '../../modules/dtls/client';
import { DtlsServer, type DtlsServerConnection } from '../../modules/dtls/server';
import { DtlsAlert, DtlsError } from '../../modules/dtls/errors';
import { CipherSuiteId } from '../../modules/dtls/constants';
import { NodeUdpSocket } from '../../hosts/node/udp';
import { nodeHost, udpConnect, PSK, PSK_HEX, sleep, type UdpChannel } from '../node/dtls/support';
import { startOpenSslServer, startOpenSslClient, startGnutlsEcho, startCoapServer, startPionEcho, stopAllPeers, peersAvailable, missingPeer } from '../../tools/peers/peers.mjs';

const have = peersAvailable();
const enc = (s: string) => new Uint8Array(Buffer.from(s));
const dec = (d: Uint8Array) => Buffer.from(d).toString();

async function connect(port: number, opts: Partial<DtlsClientOptions> = {}): Promise<{ client: DtlsClient; ch: UdpChannel; rx: Uint8Array[] }> {
  const ch = udpConnect(port);
  await ch.ready;
  const client = new DtlsClient(nodeHost(), ch, { psk: PSK, identity: 'client1', retransmit: { initialMs: 1000, maxRetransmissions: 3 }, ...opts });
  const rx: Uint8Array[] = [];
  client.onReceive = (d) => rx.push(d);
  await client.connect();
  return { client, ch, rx };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** A minimal confirmable CoAP GET with a Uri-Path option (RFC 7252 §3): 40 01 <mid> then option 11. */
function coapGet(mid: number, path: string): Uint8Array {
  const p = Buffer.from(path);
  return new Uint8Array([0x40, 0x01, mid >> 8, mid & 0xff, 0xb0 | p.length, ...p]);
}

afterEach(async () => {
  await stopAllPeers();
});

describe('interop: DtlsClient (PSK-CCM8) against OpenSSL s_server 3.0', function () {
  before(function () {
    if (!have.openssl) throw missingPeer('openssl');
  });

  it('handshake, data both ways, clean close (default offer: EMS + SCSV)', async () => {
    const srv = await startOpenSslServer({ port: 5720, pskHex: PSK_HEX, identity: 'client1' });
    const { client, ch, rx } = await connect(5720);
    assert.equal(client.negotiated.cipherSuite, CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8);
    assert.equal(client.negotiated.extendedMasterSecret, true, 'OpenSSL agrees to RFC 7627');
    client.send(enc('hello from xs-lwm2m\n'));
    await srv.waitFor(/hello from xs-lwm2m/);
    srv.send('pong from openssl\n');
    await until(() => rx.length > 0);
    assert.equal(dec(rx[0]), 'pong from openssl\n');
    client.close();
    await srv.waitFor(/DONE|shutting down/i);
    assert.equal(ch.sentDatagrams > 0, true);
  });

  it('max_fragment_length 512 is echoed and honoured', async () => {
    const srv = await startOpenSslServer({ port: 5721, pskHex: PSK_HEX, identity: 'client1' });
    const { client, rx } = await connect(5721, { maxFragmentLength: 512 });
    assert.equal(client.negotiated.maxFragmentLength, 512);
    assert.equal(client.maxDatagramSize, 512);
    client.send(new Uint8Array(512).fill(0x41));
    await srv.waitFor(/A{100}/);
    srv.send('x'.repeat(40) + '\n');
    await until(() => rx.length > 0);
    client.close();
  });

  it('resumes the session (abbreviated handshake) from an exported session', async () => {
    const srv = await startOpenSslServer({ port: 5722, pskHex: PSK_HEX, identity: 'client1', noTicket: true });
    const first = await connect(5722);
    const session = first.client.exportSession()!;
    first.client.close();
    await srv.waitFor(/DONE|shutting down/i);
    await sleep(100);
    const second = await connect(5722, { session });
    assert.equal(second.client.negotiated.resumed, true);
    assert.equal(second.ch.sentDatagrams, 3, 'CH, CH+cookie, CCS+Finished');
    second.client.send(enc('resumed ok\n'));
    await srv.waitFor(/resumed ok/);
    second.client.close();
  });

  it('a wrong PSK: connect() rejects within the retransmission budget', async () => {
    await startOpenSslServer({ port: 5723, pskHex: PSK_HEX, identity: 'client1' });
    const t0 = Date.now();
    const e = await assert.rejects(connect(5723, { psk: new Uint8Array(16).fill(7), retransmit: { initialMs: 300, maxRetransmissions: 2 } }), DtlsError);
    const ms = Date.now() - t0;
    assert.ok(ms < 300 + 600 + 1200 + 1000, `rejected after ${ms} ms`);
    console.log(`      wrong PSK vs OpenSSL: ${(e as Error).message} after ${ms} ms`);
  });

  it('the ECDHE-PSK-AES128-CBC-SHA256 suite (RFC 5489) works too', async () => {
    const srv = await startOpenSslServer({ port: 5724, pskHex: PSK_HEX, identity: 'client1', cipher: 'ECDHE-PSK-AES128-CBC-SHA256' });
    const { client, rx } = await connect(5724, { cipherSuites: [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256] });
    assert.equal(client.negotiated.cipherSuite, CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256);
    client.send(enc('cbc hello\n'));
    await srv.waitFor(/cbc hello/);
    srv.send('cbc pong\n');
    await until(() => rx.length > 0);
    assert.equal(dec(rx[0]), 'cbc pong\n');
    client.close();
  });
});

describe('interop: DtlsClient against gnutls-serv --echo 3.7', function () {
  before(function () {
    if (!have.gnutls) throw missingPeer('gnutls-serv/gnutls-cli');
  });
  for (const [name, opts, port] of [
    ['PSK-CCM8', {}, 5730],
    ['PSK-CCM8 with max_fragment_length 1024', { maxFragmentLength: 1024 as const }, 5731],
    ['ECDHE-PSK-CBC-SHA256', { cipherSuites: [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256] }, 5732],
  ] as [string, Partial<DtlsClientOptions>, number][]) {
    it(`${name}: handshake, echo, clean close`, async () => {
      const ecdhe = (opts.cipherSuites ?? [])[0] === CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256;
      const srv = await startGnutlsEcho({ port, pskHex: PSK_HEX, identity: 'client1', priority: ecdhe ? 'NONE:+VERS-DTLS1.2:+AES-128-CBC:+SHA256:+ECDHE-PSK:+COMP-NULL:+SIGN-ALL:+GROUP-SECP256R1' : undefined });
      const { client, rx } = await connect(port, opts);
      const msg = enc('echo me, gnutls');
      client.send(msg);
      await until(() => rx.length > 0);
      assert.deepEqual(rx[0], msg);
      if (opts.maxFragmentLength) assert.equal(client.negotiated.maxFragmentLength, opts.maxFragmentLength);
      client.close();
      await sleep(50);
      assert.ok(srv.alive());
    });
  }
});

describe('interop: CoAP GET over our DTLS to libcoap 4.3', function () {
  for (const [variant, port] of [
    ['gnutls', 5736],
    ['openssl', 5738],
  ] as ['gnutls' | 'openssl', number][]) {
    it(`coap-server-${variant}: GET / answered 2.05 over PSK-CCM8`, async function () {
      if (variant === 'gnutls' ? !have.libcoapGnutls : !have.libcoapOpenssl) throw missingPeer(`coap-server-${variant}/coap-client-${variant}`);
      await startCoapServer({ variant, port, key: 'secretPSK', hint: 'hint' });
      const { client, rx } = await connect(port + 1, { psk: enc('secretPSK') });
      assert.equal(client.negotiated.cipherSuite, CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8);
      assert.equal(client.identityHint && dec(client.identityHint), 'hint', 'the hint arrived in a ServerKeyExchange');
      client.send(coapGet(0x1234, 'time'));
      await until(() => rx.length > 0);
      const res = rx[0];
      assert.equal(res[0] & 0xf0, 0x60, 'CoAP ACK');
      assert.equal(res[1], 0x45, '2.05 Content');
      assert.equal((res[2] << 8) | res[3], 0x1234, 'message ID echoed');
      client.close();
    });
  }
});

describe('interop: DtlsClient against pion/dtls 2.2 (pion-echo)', function () {
  before(function () {
    if (!have.pion) throw missingPeer('pion-echo (tools/peers/.build)');
  });
  for (const [suite, port, ids] of [
    ['psk-ccm8', 5740, [CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8]],
    ['ecdhe-psk-cbc', 5741, [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256]],
  ] as [string, number, CipherSuiteId[]][]) {
    it(`${suite}: handshake, echo, clean close`, async () => {
      const srv = await startPionEcho({ port, pskHex: PSK_HEX, hint: 'pion-hint', suite: suite as 'psk-ccm8' });
      const { client, rx } = await connect(port, { cipherSuites: ids });
      await srv.waitFor(/HANDSHAKE peer=\S+ suite=\S+ identity=client1/);
      client.send(enc('echo me, pion'));
      await until(() => rx.length > 0);
      assert.equal(dec(rx[0]), 'echo me, pion');
      client.close();
      await srv.waitFor(/CLOSED peer=/);
    });
  }
  it('resumption by session ID (-resume)', async () => {
    const srv = await startPionEcho({ port: 5742, pskHex: PSK_HEX, suite: 'psk-ccm8', resume: true });
    const a = await connect(5742);
    const session = a.client.exportSession()!;
    a.client.close();
    await srv.waitFor(/CLOSED peer=/);
    const b = await connect(5742, { session });
    assert.equal(b.client.negotiated.resumed, true);
    b.client.send(enc('again'));
    await until(() => b.rx.length > 0);
    b.client.close();
  });
});

describe('interop: our DtlsServer against openssl s_client', function () {
  before(function () {
    if (!have.openssl) throw missingPeer('openssl');
  });
  for (const [name, cipher, suites, port] of [
    ['PSK-CCM8', 'PSK-AES128-CCM8', [CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8], 5750],
    ['ECDHE-PSK-CBC-SHA256', 'ECDHE-PSK-AES128-CBC-SHA256', [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256], 5751],
  ] as [string, string, CipherSuiteId[], number][]) {
    it(`${name}: handshake with cookie, data both ways, close_notify`, async () => {
      const sock = await NodeUdpSocket.open({ port, address: '127.0.0.1' });
      const server = new DtlsServer(nodeHost(), {
        psk: (id) => (dec(id) === 'client1' ? PSK.slice() : null),
        hint: 'our-hint',
        cipherSuites: suites,
        retransmit: { initialMs: 1000 },
      });
      server.listen(sock);
      const conns: DtlsServerConnection[] = [];
      const rx: string[] = [];
      let closed: unknown = 'open';
      server.onConnection = (c) => {
        conns.push(c);
        c.onReceive = (d) => rx.push(dec(d));
      };
      server.onConnectionClosed = (_c, reason) => (closed = reason);
      try {
        const cli = await startOpenSslClient({ port, pskHex: PSK_HEX, identity: 'client1', cipher, maxFragLen: 512 });
        assert.equal(cli.info.cipher, cipher);
        assert.equal(conns.length, 1);
        assert.equal(server.helloVerifyRequests, 1, 'cookie exchange happened');
        cli.send('from s_client\n');
        await until(() => rx.join('').includes('from s_client'));
        conns[0].send(enc('from our server\n'));
        await cli.waitFor(/from our server/);
        await cli.stop();
        await until(() => closed !== 'open');
        assert.equal(closed, null, 'close_notify from s_client');
      } finally {
        server.close();
        sock.close();
      }
    });
  }
  it('s_client with a wrong PSK fails and our server reports a typed error', async () => {
    const port = 5752;
    const sock = await NodeUdpSocket.open({ port, address: '127.0.0.1' });
    const server = new DtlsServer(nodeHost(), { psk: () => PSK.slice(), retransmit: { initialMs: 300, maxRetransmissions: 1 } });
    server.listen(sock);
    let reason: unknown = null;
    server.onConnectionClosed = (_c, r) => (reason = r);
    try {
      const cli = await startOpenSslClient({ port, pskHex: '0f'.repeat(16), identity: 'client1', waitHandshake: false });
      await until(() => reason !== null, 8000);
      assert.ok(reason instanceof DtlsError, String(reason));
      console.log(`      our server, wrong PSK from s_client: ${(reason as Error).message}`);
      await cli.stop();
    } finally {
      server.close();
      sock.close();
    }
  });
});
void DtlsAlert;
