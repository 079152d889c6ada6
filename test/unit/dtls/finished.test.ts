/**
 * Finished (RFC 5246 §7.4.9, RFC 6347 §4.2.6) is the only thing that authenticates the plaintext
 * handshake transcript. A man in the middle edits a handshake field that changes no key (a session id
 * byte, an unselected cipher suite): records still decrypt, and only the Finished check can notice.
 * Each test below fails when its side's Finished verification is removed.
 */
import { assert } from '../../harness/assert';
import { rig, handshake, BARE, setFilter } from './fixtures';
import { DtlsAlert } from '../../../modules/dtls/errors';
import { AlertDescription, ContentType, HandshakeType } from '../../../modules/dtls/constants';
import { DtlsClient } from '../../../modules/dtls/client';
import { DatagramPipe } from '../../harness/sim';
import { exportSession, importSession } from '../../../modules/dtls/session';

const REC = 13; // DTLS record header
const HS = 12; // DTLS handshake header

/** Offset of the first handshake message body of type `type` at epoch 0 in `d`, or -1. */
function epoch0Handshake(d: Uint8Array, type: number): number {
  if (d.length < REC + HS || d[0] !== ContentType.handshake || d[3] !== 0 || d[4] !== 0 || d[REC] !== type) return -1;
  return REC + HS;
}

describe('DTLS Finished verification: a transcript edited in flight is refused', () => {
  it('server side: a ServerHello whose session id was edited makes the server refuse the client Finished (decrypt_error)', async () => {
    const r = rig(BARE);
    let edited = false;
    setFilter(r, (d, dir) => {
      const at = dir === 'b->a' ? epoch0Handshake(d, HandshakeType.server_hello) : -1;
      if (at >= 0) {
        const sidLen = d[at + 2 + 32];
        assert.ok(sidLen > 0, 'the server issues a session id');
        d[at + 2 + 32 + 1] ^= 0x5a; // key derivation does not use the session id
        edited = true;
      }
      return 'deliver';
    });
    let serverSaw: unknown = null;
    r.server.onConnectionClosed = (_c, reason) => (serverSaw = reason);
    const e = await assert.rejects(handshake(r), DtlsAlert);
    assert.ok(edited, 'the ServerHello was seen and edited');
    assert.ok(serverSaw instanceof DtlsAlert, `server closed with ${String(serverSaw)}`);
    assert.equal((serverSaw as DtlsAlert).description, AlertDescription.decrypt_error);
    assert.equal((serverSaw as DtlsAlert).sentByPeer, false, 'the server itself found the bad client Finished');
    assert.equal((e as DtlsAlert).description, AlertDescription.decrypt_error);
    assert.equal((e as DtlsAlert).sentByPeer, true, 'the client learned it from the server alert, before any server Finished');
    assert.equal(r.client.state === 'established', false);
  });

  it('client side: in a resumed handshake a ClientHello whose unselected suite was edited makes the client refuse the server Finished', async () => {
    const r = rig(BARE);
    await handshake(r);
    const blob = exportSession(r.client.exportSession()!);
    r.client.close();
    r.host.clock.runAll();
    const pipe2 = new DatagramPipe(r.host.clock, 1);
    r.server.attach(pipe2.b, 'peer2');
    let edited = 0;
    pipe2.filter = (d, dir) => {
      const at = dir === 'a->b' ? epoch0Handshake(d, HandshakeType.client_hello) : -1;
      if (at >= 0) {
        let p = at + 2 + 32;
        p += 1 + d[p]; // session id
        const cookieLen = d[p];
        p += 1 + cookieLen;
        const n = (d[p] << 8) | d[p + 1];
        // Only the ClientHello with the cookie is in the transcript (RFC 6347 §4.2.1); the cookie does not cover suites.
        if (cookieLen > 0 && n >= 4 && d[p + 4] === 0xc0 && d[p + 5] === 0x37) {
          d[p + 5] = 0x38; // TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384: offered by nobody, ignored by the server
          edited++;
        }
      }
      return 'deliver';
    };
    const c2 = new DtlsClient(r.host, pipe2.a, { psk: new Uint8Array(16).fill(9), identity: 'client1', ...BARE, cipherSuites: [0xc0a8, 0xc037], session: importSession(blob) });
    let serverSaw: unknown = null;
    r.server.onConnectionClosed = (_c, reason) => (serverSaw = reason);
    let err: unknown = null;
    c2.connect().catch((x) => (err = x));
    r.host.clock.runAll(3600_000);
    await Promise.resolve();
    assert.equal(edited, 1, 'the cookie-carrying ClientHello was edited once');
    assert.ok(err instanceof DtlsAlert, `client ended with ${String(err)}`);
    assert.equal((err as DtlsAlert).description, AlertDescription.decrypt_error);
    assert.equal((err as DtlsAlert).sentByPeer, false, 'the client itself found the bad server Finished');
    assert.ok(serverSaw instanceof DtlsAlert && (serverSaw as DtlsAlert).sentByPeer, `the server got our alert, not our Finished: ${String(serverSaw)}`);
    assert.equal(c2.state === 'established', false);
  });
});
