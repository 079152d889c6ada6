import { assert } from '../../harness/assert';
import { rig, handshake, BARE, text, setFilter } from './fixtures';
import { DtlsAlert, DtlsError } from '../../../modules/dtls/errors';
import { AlertDescription, ContentType } from '../../../modules/dtls/constants';
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
    const { DtlsClient } = await import('../../../modules/dtls/client');
    const { DatagramPipe } = await import('../../harness/sim');
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

  it('writes an NSS key log line only when asked', async () => {
    const lines: string[] = [];
    const r = rig({ keyLog: (l) => lines.push(l) });
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
    ['a cipher suite we did not offer', { test: { forceCipherSuite: 0xc0ae } }, AlertDescription.illegal_parameter],
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
