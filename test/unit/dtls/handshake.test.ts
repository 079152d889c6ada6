import { assert } from '../../harness/assert';
import { rig, handshake, BARE, text, setFilter, PSK, IDENTITY } from './fixtures';
import { KeyLoggingDtlsClient } from '../../../tools/dtls-key-log';
import type { DtlsClientOptions } from '../../../modules/dtls/client';
import { DtlsAlert, DtlsError } from '../../../modules/dtls/errors';
import { AlertDescription, CipherSuiteId, ContentType } from '../../../modules/dtls/constants';
import { DtlsClient } from '../../../modules/dtls/client';
import { DtlsServer } from '../../../modules/dtls/server';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { exportSession, importSession } from '../../../modules/dtls/session';
import { parseRecords } from '../../../modules/dtls/record';

describe('DTLS handshake in memory (client + server on simulated time)', () => {
  it('full PSK-CCM8 handshake with cookie, no extensions: 443 + 2L + I bytes in 6 datagrams (SPEC-NOTES §2)', async () => {
    const r = rig(BARE);
    await handshake(r);
    assert.equal(r.client.state, 'established');
    const L = 16; // our server's cookie
    const I = 7; // 'client1'
    assert.equal(r.pipe.sent.length, 6, 'datagrams');
    assert.equal(r.pipe.bytesSent(), 443 + 2 * L + I);
    // Per flight, from the RFC 5246/6347 layouts: CH 67, HVR 28+L, CH 67+L, SH+SHD 120, CKE+CCS+Fin 94+I, CCS+Fin 67.
    assert.deepEqual(r.pipe.sent.map((s) => s.data.length), [67, 28 + L, 67 + L, 120, 94 + I, 67]);
    assert.equal(r.server.helloVerifyRequests, 1);
  });

  it('moves application data both ways in 29-byte-overhead records and closes cleanly', async () => {
    const r = rig(BARE);
    await handshake(r);
    const conn = r.serverConn()!;
    const atServer: string[] = [];
    const atClient: string[] = [];
    conn.onReceive = (d) => atServer.push(String.fromCharCode(...d));
    r.client.onReceive = (d) => atClient.push(String.fromCharCode(...d));
    const before = r.pipe.sent.length;
    r.client.send(text('01234567890123456789'));
    conn.send(text('pong'));
    r.host.clock.runAll();
    assert.deepEqual(atServer, ['01234567890123456789']);
    assert.deepEqual(atClient, ['pong']);
    const rec = r.pipe.sent[before].data;
    assert.equal(rec.length, 49, '20-byte payload -> 49 bytes (13 + 8 + 20 + 8)');
    assert.hex(rec.subarray(0, 5), '17fefd0001', 'application_data, DTLS 1.2, epoch 1');
    assert.hex(rec.subarray(11, 13), '0024', 'length 36');
    // RFC 6655: the explicit nonce is epoch || sequence number.
    assert.hex(rec.subarray(13, 21), toHexSeq(rec));
    let closedServer: unknown = 'open';
    conn.onClose = (reason) => (closedServer = reason);
    let closedClient: unknown = 'open';
    r.client.onClose = (reason) => (closedClient = reason);
    r.client.close();
    r.host.clock.runAll();
    assert.equal(closedClient, null);
    assert.equal(closedServer, null, 'server saw close_notify');
    assert.equal(conn.state, 'closed');
  });

  it('with EMS + SCSV (our defaults) and max_fragment_length 512: the RFC extension sizes, no more', async () => {
    const r = rig({ maxFragmentLength: 512 });
    await handshake(r);
    // EMS +18 (4+2 in each ClientHello, 4+2 in ServerHello), SCSV +4, MFL +15 (5 x 3),
    // and the server's mandatory empty renegotiation_info answer to the SCSV (RFC 5746 §3.6) +5.
    assert.equal(r.pipe.bytesSent(), 482 + 18 + 4 + 15 + 5);
    assert.deepEqual(r.client.negotiated.maxFragmentLength, 512);
    assert.equal(r.client.negotiated.extendedMasterSecret, true);
    assert.equal(r.client.maxDatagramSize, 512);
    assert.throws(() => r.client.send(new Uint8Array(513)), DtlsError);
    r.client.send(new Uint8Array(512));
  });

  it('reassembles a fragmented server flight over a 90-byte path', async () => {
    const r = rig(BARE, {}, { mtu: 90 });
    await handshake(r);
    assert.equal(r.client.state, 'established');
    assert.ok(r.pipe.sent.every((s) => s.data.length <= 90));
    assert.ok(r.pipe.sent.length > 6, 'fragmentation needed more datagrams');
  });

  it('resumes a session (abbreviated handshake) from an exported blob: 455 + 2L bytes', async () => {
    const r = rig(BARE);
    await handshake(r);
    const blob = exportSession(r.client.exportSession()!);
    assert.equal(blob.length, 1 + 2 + 1 + 1 + 1 + 32 + 48);
    r.client.close();
    r.host.clock.runAll();
    // A second client on the same server, with the imported session.
    const pipe2 = new DatagramPipe(r.host.clock, 1);
    r.server.attach(pipe2.b, 'peer2');
    const c2 = new DtlsClient(r.host, pipe2.a, { psk: new Uint8Array(16).fill(9), identity: 'client1', ...BARE, session: importSession(blob) });
    const p = c2.connect();
    r.host.clock.runAll();
    await p;
    assert.equal(c2.negotiated.resumed, true, 'resumed without the PSK (ours is wrong on purpose)');
    assert.equal(pipe2.sent.length, 5);
    assert.equal(pipe2.bytesSent(), 455 + 2 * 16);
    let got = '';
    r.server.connection('peer2')!.onReceive = (d) => (got = String.fromCharCode(...d));
    c2.send(text('resumed'));
    r.host.clock.runAll();
    assert.equal(got, 'resumed');
  });

  it('no client option writes a key log: only the test/tool subclass does', async () => {
    const lines: string[] = [];
    // What a device configuration could pass: an extra option is ignored (it used to write the master secret).
    const r = rig({ keyLog: (l: string) => lines.push(l) } as Partial<DtlsClientOptions>);
    await handshake(r);
    assert.equal(r.client.state, 'established');
    assert.deepEqual(lines, []);
  });

  it('writes an NSS key log line from the test/tool entry (tools/dtls-key-log.ts)', async () => {
    const lines: string[] = [];
    const r = rig();
    r.client = new KeyLoggingDtlsClient(r.host, r.pipe.a, { psk: PSK, identity: IDENTITY }, (l) => lines.push(l));
    await handshake(r);
    assert.equal(lines.length, 1);
    assert.ok(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/.test(lines[0]), lines[0]);
    const ch = parseRecords(r.pipe.sent[0].data)[0].fragment;
    // client random sits after the 12-byte handshake header and the 2-byte version
    const random = Array.from(ch.subarray(14, 46), (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
    assert.equal(lines[0].split(' ')[1], random);
  });

  it('answers a HelloRequest with a no_renegotiation warning and stays up', async () => {
    const r = rig(BARE);
    await handshake(r);
    const before = r.pipe.sent.length;
    r.serverConn()!.requestRenegotiation();
    r.host.clock.runAll();
    const answer = r.pipe.sent.slice(before).filter((s) => s.direction === 'a->b');
    assert.equal(answer.length, 1);
    const rec = parseRecords(answer[0].data)[0];
    assert.equal(rec.type, ContentType.alert);
    assert.equal(rec.length, 8 + 2 + 8, 'one protected 2-byte alert');
    assert.equal(r.client.state, 'established');
    assert.equal(r.serverConn()!.state, 'established');
  });
});

function toHexSeq(rec: Uint8Array): string {
  return Array.from(rec.subarray(3, 11), (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
}

describe('DTLS handshake: refusing a misbehaving server', () => {
  const cases: [string, Parameters<typeof rig>[1], number][] = [
    ['a cipher suite we did not offer', { test: { forceCipherSuite: 0xc0ac } }, AlertDescription.illegal_parameter],
    ['a compression method we did not offer', { test: { forceCompression: 1 } }, AlertDescription.illegal_parameter],
    ['an unknown extension', { test: { extraExtensions: [{ type: 0x1234, data: new Uint8Array(0) }] } }, AlertDescription.unsupported_extension],
    ['max_fragment_length we did not offer', { test: { forceMaxFragmentLength: 2 } }, AlertDescription.unsupported_extension],
    ['extended_master_secret we did not offer', { test: { forceExtendedMasterSecret: true } }, AlertDescription.unsupported_extension],
  ];
  for (const [what, serverOpts, alert] of cases) {
    it(`refuses ${what} with a fatal alert`, async () => {
      const r = rig(BARE, serverOpts);
      let serverSaw: unknown = null;
      r.server.onConnectionClosed = (_c, reason) => (serverSaw = reason);
      const e = await assert.rejects(handshake(r), DtlsAlert);
      assert.equal((e as DtlsAlert).description, alert);
      assert.equal((e as DtlsAlert).sentByPeer, false);
      assert.ok(serverSaw instanceof DtlsAlert && (serverSaw as DtlsAlert).sentByPeer, 'the server received our fatal alert');
      assert.equal((serverSaw as DtlsAlert).description, alert);
    });
  }
  it('refuses a different max_fragment_length than offered', async () => {
    const r = rig({ ...BARE, maxFragmentLength: 512 }, { test: { forceMaxFragmentLength: 2 } });
    const e = await assert.rejects(handshake(r), DtlsAlert);
    assert.equal((e as DtlsAlert).description, AlertDescription.illegal_parameter);
  });
  it('a wrong PSK fails in bounded time with a typed error', async () => {
    const r = rig({ ...BARE, psk: new Uint8Array(16).fill(1), retransmit: { initialMs: 1000, maxRetransmissions: 3 } });
    const e = await assert.rejects(handshake(r), DtlsError);
    assert.ok((e as DtlsError).code === 'timeout' || (e as DtlsError).code === 'alert', (e as Error).message);
    assert.ok(r.settledAt > 0 && r.settledAt <= 1000 + 2000 + 4000 + 8000 + 100, `gave up at ${r.settledAt} ms`);
  });
  it('an unknown identity gets unknown_psk_identity', async () => {
    const r = rig({ ...BARE, identity: 'nobody' });
    const e = await assert.rejects(handshake(r), DtlsAlert);
    assert.equal((e as DtlsAlert).description, AlertDescription.unknown_psk_identity);
    assert.equal((e as DtlsAlert).sentByPeer, true);
  });
  it('refuses a server without EMS when EMS is required', async () => {
    const r = rig({ requireExtendedMasterSecret: true }, { extendedMasterSecret: false });
    const e = await assert.rejects(handshake(r), DtlsAlert);
    assert.equal((e as DtlsAlert).description, AlertDescription.handshake_failure);
  });
  it('a server that never answers: connect() rejects with a timeout', async () => {
    const r = rig({ ...BARE, retransmit: { maxRetransmissions: 2 } });
    setFilter(r, (_d, dir) => (dir === 'a->b' ? 'drop' : 'deliver'));
    const e = await assert.rejects(handshake(r), DtlsError);
    assert.equal((e as DtlsError).code, 'timeout');
  });
});

describe('DTLS handshake: sizes, suites and API edges', () => {
  it('a 64-byte PSK and a 128-byte identity (LwM2M Security Object limits) work', async () => {
    const host = new SimHost({ seed: 11 });
    const pipe = new DatagramPipe(host.clock, 1);
    const psk = new Uint8Array(64).map((_, i) => 255 - i);
    const identity = 'x'.repeat(128);
    let seenIdentity = 0;
    const server = new DtlsServer(host, { psk: (id) => ((seenIdentity = id.length), psk.slice()) });
    server.attach(pipe.b);
    const client = new DtlsClient(host, pipe.a, { psk, identity, ...BARE });
    const p = client.connect();
    host.clock.runAll();
    await p;
    assert.equal(seenIdentity, 128);
    assert.equal(pipe.bytesSent(), 443 + 2 * 16 + 128);
    assert.throws(() => new DtlsClient(host, pipe.a, { psk: new Uint8Array(65), identity }), DtlsError);
  });
  it('TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 (RFC 5489): handshake and CBC records both ways', async () => {
    const r = rig({ cipherSuites: [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256] }, { cipherSuites: [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256], hint: 'bootstrap' });
    await handshake(r);
    assert.equal(r.client.negotiated.cipherSuite, 0xc037);
    assert.equal(r.client.identityHint && String.fromCharCode(...r.client.identityHint), 'bootstrap');
    const got: number[] = [];
    r.serverConn()!.onReceive = (d) => got.push(d.length);
    const before = r.pipe.sent.length;
    for (const n of [0, 1, 15, 16, 17, 20, 100]) r.client.send(new Uint8Array(n).fill(n));
    r.host.clock.runAll();
    assert.deepEqual(got, [0, 1, 15, 16, 17, 20, 100]);
    // 20-byte payload: 13 header + 16 IV + 16*ceil((20 + 32 + 1) / 16) = 13 + 16 + 64
    assert.equal(r.pipe.sent[before + 5].data.length, 13 + 16 + 64);
  });
  it('close() during the handshake rejects connect() with DtlsError("closed")', async () => {
    const r = rig(BARE);
    const p = r.client.connect();
    r.host.clock.advance(1);
    r.client.close();
    const e = (await assert.rejects(p, DtlsError)) as DtlsError;
    assert.equal(e.code, 'closed');
    assert.throws(() => r.client.send(new Uint8Array(1)), DtlsError);
  });
});

describe('DtlsServer: per-peer sessions', () => {
  it('a client that restarts on the same address gets a cookie exchange and a fresh connection (RFC 6347 §4.2.8)', async () => {
    const r = rig(BARE);
    await handshake(r);
    const first = r.serverConn()!;
    let firstClosed = false;
    first.onClose = () => (firstClosed = true);
    const pipe2 = new DatagramPipe(r.host.clock, 1);
    r.server.attach(pipe2.b, 'peer'); // same peer key: the same address and port
    let second: unknown = null;
    r.server.onConnection = (c) => (second = c);
    const c2 = new DtlsClient(r.host, pipe2.a, { psk: new Uint8Array(16).map((_, i) => i), identity: 'client1', ...BARE });
    const p = c2.connect();
    r.host.clock.runAll();
    await p;
    assert.equal(r.server.helloVerifyRequests, 2);
    assert.ok(second && second !== first, 'a new connection');
    assert.ok(firstClosed, 'the stale one is gone');
    assert.equal(r.server.connection('peer'), second);
  });
  it('keeps separate connections per peer', async () => {
    const r = rig(BARE);
    await handshake(r);
    const pipe2 = new DatagramPipe(r.host.clock, 1);
    r.server.attach(pipe2.b, 'peer2');
    const c2 = new DtlsClient(r.host, pipe2.a, { psk: new Uint8Array(16).map((_, i) => i), identity: 'client1', ...BARE });
    const p = c2.connect();
    r.host.clock.runAll();
    await p;
    const got: string[] = [];
    r.server.connection('peer')!.onReceive = (d) => got.push('1:' + String.fromCharCode(...d));
    r.server.connection('peer2')!.onReceive = (d) => got.push('2:' + String.fromCharCode(...d));
    r.client.send(text('a'));
    c2.send(text('b'));
    r.host.clock.runAll();
    assert.deepEqual(got.sort(), ['1:a', '2:b']);
  });
});
