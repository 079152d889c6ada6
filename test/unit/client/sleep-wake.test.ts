/**
 * Lwm2mClient.sleep() on simulated time (also in XS): the real UdpDtlsConnector over a simulated UDP network to
 * our DtlsServer (PSK, Connection ID) with a scripted registrar written here from the LwM2M 1.1 Transport binding.
 * After sleep() and a new client over the same KeyStore/CounterStore, the first datagram is a tls12_cid record
 * of epoch 1 carrying the Registration Update (POST /rd/x1), from a new port; a server that forgot the connection
 * gets the Update again after a resumption. The wire is read from the record headers (RFC 6347 §4.1, RFC 9146 §4).
 */
import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { CoapEndpoint, type IncomingRequest, type ResponseSpec } from '../../../modules/coap/endpoint';
import { Option, stringOption } from '../../../modules/coap/options';
import { Method } from '../../../modules/coap/codes';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import { keyStoreSessions } from '../../../modules/client/connector';
import { DtlsServer, type DtlsServerConnection } from '../../../modules/dtls/server';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { SimFlash } from '../../../modules/store/sim-flash';
import { runUntil, simUdpTo, type Datagram } from './sim-network';

const PSK = new Uint8Array(16).fill(0x5a);
const URI = 'coaps://192.0.2.10:5684';

/** Record headers of a datagram: [content type, epoch]; the server's CID is 4 bytes, ours empty. */
function records(d: Datagram): [number, number][] {
  const out: [number, number][] = [];
  for (let o = 0; o + 13 <= d.data.length; ) {
    const type = d.data[o];
    const lenAt = o + 11 + (type === 25 && d.up ? 4 : 0);
    out.push([type, (d.data[o + 3] << 8) | d.data[o + 4]]);
    o = lenAt + 2 + ((d.data[lenAt] << 8) | d.data[lenAt + 1]);
  }
  return out;
}

describe('Lwm2mClient.sleep(): sealed connection and kept registration (simulated network, own DTLS server)', function () {
  this.timeout(120_000);

  function world() {
    const host = new SimHost({ seed: 23 });
    const wire: Datagram[] = [];
    const server = new DtlsServer(host, { psk: () => PSK.slice(), connectionIdLength: 4 });
    const requests: IncomingRequest[] = [];
    const registrar = (req: IncomingRequest): ResponseSpec => {
      requests.push(req);
      if (req.method === Method.POST && req.path.join('/') === 'rd') return { code: 0x41, options: [stringOption(Option.LocationPath, 'rd'), stringOption(Option.LocationPath, 'x1')] };
      if (req.method === Method.POST && req.path.join('/') === 'rd/x1') return { code: 0x44 };
      return { code: 0x84 };
    };
    server.onConnection = (conn: DtlsServerConnection) => new CoapEndpoint(host, conn).onRequest(registrar);
    simUdpTo(host, server, 40000, (d) => wire.push(d));
    const keys = new KeyStore(host, new SimFlash(16 * 1024, 1024));
    const counters = new CounterStore(host, new SimFlash(4 * 1024, 1024));
    const dm = new DataModel({ store: new MemoryObjectStore() });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'UQ' }));
    applyFactoryConfig(dm, { accounts: [{ uri: URI, pskIdentity: 'dev-1', pskKey: PSK.slice(), shortServerId: 1, lifetime: 600, binding: 'UQ' }] });
    const client = (events: ClientEvent[]) =>
      new Lwm2mClient({ host, endpointName: 'dev-1', dataModel: dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, wakeTimeoutMs: 3_000, onEvent: (e) => events.push(e) });
    return { host, wire, server, requests, client };
  }

  it('wakes with the Update as the first datagram (tls12_cid, epoch 1), no handshake, from a new port', async () => {
    const w = world();
    const ev1: ClientEvent[] = [];
    const c1 = w.client(ev1);
    void c1.start();
    await runUntil(w.host, () => ev1.some((e) => e.type === 'registered'));
    assert.ok(ev1.some((e) => e.type === 'registered'), ev1.map((e) => e.type).join());
    const sealed = await c1.sleep();
    assert.equal(sealed, 1);
    const mark = w.wire.length;
    const ev2: ClientEvent[] = [];
    const c2 = w.client(ev2);
    void c2.start();
    await runUntil(w.host, () => ev2.some((e) => e.type === 'updated'));
    const after = w.wire.slice(mark);
    assert.ok(after.length >= 2, `${after.length} datagrams`);
    assert.deepEqual(records(after[0]), [[25, 1]], 'the first datagram: one tls12_cid record of epoch 1');
    assert.ok(after.every((d) => records(d).every(([, epoch]) => epoch !== 0)), 'no handshake record');
    assert.notEqual(after[0].port, w.wire[0].port, 'a new local port');
    assert.equal(w.requests[w.requests.length - 1].path.join('/'), 'rd/x1', 'the server got the Update');
    assert.ok(ev2.some((e) => e.type === 'connected' && e.woken === true));
    assert.ok(!ev2.some((e) => e.type === 'registered'));
    assert.equal(w.server.addressChanges, 1, 'the server followed the CID');
    await c2.stop({ deregister: false });
  });

  it('a server that forgot the connection: wake-fallback, resumption, Update', async () => {
    const w = world();
    const ev1: ClientEvent[] = [];
    const c1 = w.client(ev1);
    void c1.start();
    await runUntil(w.host, () => ev1.some((e) => e.type === 'registered'));
    assert.equal(await c1.sleep(), 1);
    for (const conn of [...(w.server as unknown as { connections: Map<string, DtlsServerConnection> }).connections.values()]) conn.close();
    const updates = w.requests.filter((r) => r.path.join('/') === 'rd/x1').length;
    const ev2: ClientEvent[] = [];
    const c2 = w.client(ev2);
    void c2.start();
    await runUntil(w.host, () => ev2.some((e) => e.type === 'updated' || e.type === 'registration-failed'));
    const kinds = ev2.map((e) => e.type).join();
    assert.ok(kinds.includes('wake-fallback'), kinds);
    assert.ok(ev2.some((e) => e.type === 'connected' && e.resumed && !e.woken), kinds);
    assert.ok(kinds.includes('updated') && !kinds.includes('registered'), kinds);
    assert.equal(w.requests.filter((r) => r.path.join('/') === 'rd/x1').length, updates + 1, 'one Update reached the server (the woken one was dropped)');
    await c2.stop({ deregister: false });
  });
});
