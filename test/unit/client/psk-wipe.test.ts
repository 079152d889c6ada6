/**
 * A PSK that arrives in a Bootstrap-Write (issue 13 item 9) must not stay in the buffers it travelled through:
 * the decrypted DTLS records the CoAP endpoint received, and the Block1 reassembly of a large write. Only the
 * Security object's own copy remains.
 */
import { assert } from '../../harness/assert';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { utf8Encode } from '../../../modules/bytes/index';
import { CoapEndpoint } from '../../../modules/coap/endpoint';
import { DtlsClient } from '../../../modules/dtls/client';
import { DtlsServer, type DtlsServerConnection } from '../../../modules/dtls/server';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { encodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { ContentFormat, type Entry } from '../../../modules/lwm2m/types';
import { Lwm2mClient } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import type { Connector } from '../../../modules/client/connector';
import type { DatagramChannel } from '../../../modules/transport/types';
import { containsBytes } from '../lwm2m/fixtures';

const BS_PSK = new Uint8Array(16).fill(0x3c);
const NEW_PSK = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255);

/** Passes the DTLS plaintexts on to the CoAP endpoint, keeping a reference to each (the very buffers). */
function recording(inner: DatagramChannel, seen: Uint8Array[]): DatagramChannel {
  const ch: DatagramChannel = {
    maxDatagramSize: inner.maxDatagramSize,
    send: (d) => inner.send(d),
    onReceive: null,
    onClose: null,
    close: () => inner.close(),
  };
  inner.onReceive = (d) => {
    seen.push(d);
    ch.onReceive?.(d);
  };
  return ch;
}

async function bootstrapWrite(serverPublicKeyLength: number) {
  const host = new SimHost({ seed: 17 });
  const pipe = new DatagramPipe(host.clock, 2);
  const plaintexts: Uint8Array[] = [];
  const dtlsServer = new DtlsServer(host, { psk: () => BS_PSK.slice() });
  dtlsServer.attach(pipe.b);
  let bs: CoapEndpoint | null = null;
  dtlsServer.onConnection = (conn: DtlsServerConnection) => {
    bs = new CoapEndpoint(host, conn);
    bs.onRequest(() => ({ code: 0x44 }));
  };
  const dm = new DataModel();
  dm.register(new DeviceObject({ binding: 'U' }));
  applyFactoryConfig(dm, { accounts: [{ uri: 'coaps://192.0.2.20:5684', bootstrap: true, pskIdentity: 'dev-1', pskKey: BS_PSK.slice() }] });
  const connector: Connector = {
    open: async () => {
      const c = new DtlsClient(host, pipe.a, { psk: BS_PSK, identity: 'dev-1' });
      await c.connect();
      return { channel: recording(c, plaintexts), security: 'dtls-psk' };
    },
  };
  // The request bodies as the data model got them (for Block1, the reassembled body).
  const bodies: Uint8Array[] = [];
  const handle = dm.handle.bind(dm);
  dm.handle = (op, caller) => {
    if (op.payload) bodies.push(op.payload);
    return handle(op, caller);
  };
  const client = new Lwm2mClient({ host, endpointName: 'dev-1', dataModel: dm, connector });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 20) {
      host.clock.advance(20);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  void client.start().catch(() => {});
  await run(2_000);
  assert.ok(bs, 'bootstrap session up');
  const sec: Entry[] = [
    { path: [0, 1, 0], type: 'string', value: 'coaps://192.0.2.10:5684' },
    { path: [0, 1, 1], type: 'boolean', value: false },
    { path: [0, 1, 2], type: 'integer', value: 0 },
    { path: [0, 1, 3], type: 'opaque', value: utf8Encode('dev-1') },
    // The key first, so that in the block-wise case it travels in a non-final block (kept by the assembler).
    { path: [0, 1, 5], type: 'opaque', value: NEW_PSK },
    { path: [0, 1, 4], type: 'opaque', value: new Uint8Array(serverPublicKeyLength).fill(0x77) },
    { path: [0, 1, 10], type: 'integer', value: 101 },
  ];
  const payload = encodeTlv([0, 1], sec, () => false);
  const p = (bs as unknown as CoapEndpoint).request({ method: 'PUT', path: '/0/1', contentFormat: ContentFormat.Tlv, payload });
  await run(3_000);
  const resp = await p;
  await client.stop({ deregister: false });
  return { resp, dm, plaintexts, bodies, payloadLength: payload.length };
}

describe('a PSK written by the Bootstrap-Server is wiped from the transport buffers', () => {
  it('one datagram: the decrypted DTLS record no longer holds the key; the Security object does', async () => {
    const { resp, dm, plaintexts } = await bootstrapWrite(0);
    assert.equal(resp.code, 0x44);
    assert.hex(dm.secret(1, 5)!, Array.from(NEW_PSK, (b) => b.toString(16).padStart(2, '0')).join(''));
    assert.ok(plaintexts.length > 0);
    for (const pt of plaintexts) assert.ok(!containsBytes(pt, NEW_PSK), 'a DTLS plaintext still holds the PSK');
  });
  it('block-wise (Block1): neither the blocks nor the reassembled body keep the key', async () => {
    const { resp, dm, plaintexts, bodies, payloadLength } = await bootstrapWrite(1400);
    assert.equal(resp.code, 0x44);
    assert.ok(payloadLength > 1024, `a ${payloadLength}-byte write goes in blocks`);
    assert.ok(plaintexts.length >= 2, `${plaintexts.length} records`);
    assert.hex(dm.secret(1, 5)!, Array.from(NEW_PSK, (b) => b.toString(16).padStart(2, '0')).join(''));
    for (const pt of plaintexts) assert.ok(!containsBytes(pt, NEW_PSK), 'a DTLS plaintext still holds the PSK');
    const big = bodies.filter((b) => b.length === payloadLength);
    assert.equal(big.length, 1, 'the data model got the reassembled body');
    assert.ok(big[0].every((b) => b === 0), 'the reassembled body still holds data');
  });
});
