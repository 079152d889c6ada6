/**
 * DTLS Connection ID (RFC 9146) in memory: negotiation (with a zero-length client CID), tls12_cid records on
 * the wire, a client whose address changes keeps its connection on our server (NAT rebinding, §6), and what
 * must not move it (a replayed datagram from elsewhere). The record format is checked against mbedTLS in
 * test/interop/dtls-cid.test.ts.
 */
import { assert } from '../../harness/assert';
import { rig, handshake, text, type Rig } from './fixtures';
import { toHex } from '../../../modules/bytes/index';
import { DtlsAlert } from '../../../modules/dtls/errors';
import { AlertDescription, ContentType } from '../../../modules/dtls/constants';
import type { DtlsServerConnection } from '../../../modules/dtls/server';

/** Rewires the server side of the rig so that each datagram arrives from `from.peer`. */
function movable(r: Rig): { peer: string } {
  const from = { peer: 'peer' };
  r.pipe.b.onReceive = (d) => r.server.handle(d, from.peer, (x) => r.pipe.b.send(x));
  return from;
}

describe('DTLS Connection ID (RFC 9146) in memory', () => {
  it('zero-length client CID: client->server records are tls12_cid with the server CID, server->client plain', async () => {
    const r = rig({ connectionId: new Uint8Array(0) }, { connectionIdLength: 4 });
    await handshake(r);
    const ids = r.client.connectionIds!;
    assert.equal(ids.own.length, 0);
    assert.equal(ids.peer.length, 4);
    const conn = r.serverConn()!;
    assert.equal(toHex(conn.connectionId!), toHex(ids.peer));
    const got: string[] = [];
    const back: string[] = [];
    conn.onReceive = (d) => got.push(String.fromCharCode(...d));
    r.client.onReceive = (d) => back.push(String.fromCharCode(...d));
    const before = r.pipe.sent.length;
    r.client.send(text('hello'));
    conn.send(text('pong'));
    r.host.clock.runAll();
    assert.deepEqual(got, ['hello']);
    assert.deepEqual(back, ['pong']);
    const up = r.pipe.sent[before].data;
    assert.equal(up[0], ContentType.tls12_cid);
    assert.equal(toHex(up.subarray(11, 15)), toHex(ids.peer), 'CID after the sequence number');
    assert.equal(up.length, 13 + 4 + 8 + 5 + 1 + 8, 'header+CID, explicit nonce, payload, real type, tag');
    const down = r.pipe.sent[before + 1].data;
    assert.equal(down[0], ContentType.application_data);
    assert.equal(down.length, 13 + 8 + 4 + 8);
  });

  it('non-empty CIDs both ways; the Finished records already carry them', async () => {
    const r = rig({ connectionId: Uint8Array.of(0xc1, 0xd0) }, { connectionIdLength: 6 });
    await handshake(r);
    // Flight 5 and 6 end with the Finished of epoch 1, inside tls12_cid records.
    const f5 = r.pipe.sent[4].data;
    const f6 = r.pipe.sent[5].data;
    assert.ok(f5.indexOf(ContentType.tls12_cid) > 0, 'client Finished in a tls12_cid record');
    assert.equal(f6[0] === ContentType.change_cipher_spec && f6[14] === ContentType.tls12_cid, true, 'server CCS then tls12_cid Finished');
    const back: Uint8Array[] = [];
    r.client.onReceive = (d) => back.push(d);
    r.serverConn()!.send(text('x'));
    r.host.clock.runAll();
    assert.equal(back.length, 1);
    const down = r.pipe.sent[r.pipe.sent.length - 1].data;
    assert.equal(toHex(down.subarray(11, 13)), 'c1d0');
  });

  it('NAT rebinding: a new address keeps the connection (no handshake); replies go to the new address', async () => {
    const r = rig({ connectionId: new Uint8Array(0) }, { connectionIdLength: 4 });
    const from = movable(r);
    await handshake(r);
    const conn = r.server.connection('peer') as DtlsServerConnection;
    const got: string[] = [];
    conn.onReceive = (d) => got.push(String.fromCharCode(...d));
    from.peer = '198.51.100.7:40001';
    const before = r.pipe.sent.length;
    r.client.send(text('after sleep'));
    r.host.clock.runAll();
    assert.deepEqual(got, ['after sleep']);
    assert.equal(r.server.addressChanges, 1);
    assert.equal(conn.peer, '198.51.100.7:40001');
    assert.equal(r.server.connection('198.51.100.7:40001'), conn);
    assert.equal(r.pipe.sent.length, before + 1, 'one datagram, no handshake');
  });

  it('a replayed datagram from another address neither delivers nor moves the connection', async () => {
    const r = rig({ connectionId: new Uint8Array(0) }, { connectionIdLength: 4 });
    const from = movable(r);
    await handshake(r);
    const conn = r.server.connection('peer') as DtlsServerConnection;
    const got: string[] = [];
    conn.onReceive = (d) => got.push(String.fromCharCode(...d));
    r.client.send(text('one'));
    r.host.clock.runAll();
    const recorded = r.pipe.sent[r.pipe.sent.length - 1].data;
    from.peer = '203.0.113.66:6666';
    r.server.handle(recorded.slice(), from.peer, () => undefined);
    assert.deepEqual(got, ['one']);
    assert.equal(r.server.addressChanges, 0);
    assert.equal(conn.peer, 'peer');
    // A forged record with the right CID but a bad tag does not move it either.
    const forged = recorded.slice();
    forged[forged.length - 1] ^= 1;
    forged[10] += 5; // newer sequence number
    r.server.handle(forged, from.peer, () => undefined);
    assert.equal(r.server.addressChanges, 0);
    assert.equal(conn.peer, 'peer');
  });

  it('an older record first seen from another address (delayed by someone on the path) does not move the connection', async () => {
    const r = rig({ connectionId: new Uint8Array(0) }, { connectionIdLength: 4 });
    const from = movable(r);
    await handshake(r);
    const conn = r.server.connection('peer') as DtlsServerConnection;
    const got: string[] = [];
    conn.onReceive = (d) => got.push(String.fromCharCode(...d));
    // Record A is captured and held back; record B arrives normally.
    const held: Uint8Array[] = [];
    const inner = r.pipe.b.onReceive!;
    r.pipe.b.onReceive = (d) => (held.length === 0 ? held.push(d) : inner(d));
    r.client.send(text('A'));
    r.client.send(text('B'));
    r.host.clock.runAll();
    assert.deepEqual(got, ['B']);
    from.peer = '203.0.113.66:6666';
    inner(held[0]);
    assert.deepEqual(got, ['B', 'A'], 'A is new to the window and authentic: delivered');
    assert.equal(r.server.addressChanges, 0, 'but not newer than B: the address stays');
    assert.equal(conn.peer, 'peer');
  });

  it('a record with another CID is dropped', async () => {
    const r = rig({ connectionId: Uint8Array.of(1, 2, 3) }, { connectionIdLength: 4 });
    await handshake(r);
    const back: Uint8Array[] = [];
    r.client.onReceive = (d) => back.push(d);
    r.serverConn()!.send(text('x'));
    r.host.clock.runAll();
    assert.equal(back.length, 1);
    const d = r.pipe.sent[r.pipe.sent.length - 1].data.slice();
    d[12] ^= 0xff; // second CID byte
    d[10] += 1;
    const dropped = r.client.stats.droppedRecords;
    r.client.receiveDatagram(d);
    assert.equal(back.length, 1);
    assert.equal(r.client.stats.droppedRecords, dropped + 1);
  });

  it('a server without CID support ignores the offer; the client then sends plain records', async () => {
    const r = rig({ connectionId: new Uint8Array(0) }, {});
    await handshake(r);
    assert.equal(r.client.connectionIds, null);
    r.client.send(text('plain'));
    assert.equal(r.pipe.sent[r.pipe.sent.length - 1].data[0], ContentType.application_data);
  });

  it('refuses the pre-RFC code point 53 and a connection_id it did not offer', async () => {
    for (const [client, ext] of [[{}, 54], [{ connectionId: new Uint8Array(0) }, 53]] as const) {
      const r = rig(client, { test: { extraExtensions: [{ type: ext, data: Uint8Array.of(0) }] } });
      const e = await assert.rejects(handshake(r), DtlsAlert);
      assert.equal((e as DtlsAlert).description, AlertDescription.unsupported_extension, `extension ${ext}`);
    }
  });
});
