/**
 * Observations across Lwm2mClient.sleep() (also in XS): a server observes /3303/0/5700 over DTLS with a Connection
 * ID, the device sleeps (sealed connection, kept registration and observations), the value changes while asleep, a
 * new client (new DataModel: a restart) wakes. The server must get a notification on the token it registered
 * (read from the decrypted CoAP messages, not from our observer) with a larger Observe number (RFC 7641 §4.4), with
 * no handshake record; the attributes the server wrote (st) must still be in force after the restart.
 */
import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { CoapEndpoint, type IncomingRequest, type ResponseSpec } from '../../../modules/coap/endpoint';
import { decodeMessage } from '../../../modules/coap/message';
import { Option, getUint, stringOption } from '../../../modules/coap/options';
import { Method } from '../../../modules/coap/codes';
import { toHex, utf8Decode } from '../../../modules/bytes/index';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import { keyStoreSessions } from '../../../modules/client/connector';
import { observationsName } from '../../../modules/client/sleep-observations';
import { DtlsServer, type DtlsServerConnection } from '../../../modules/dtls/server';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { PowerCut, SimFlash } from '../../../modules/store/sim-flash';
import { runUntil, simUdpTo } from './sim-network';
import type { ResourceContent } from '../../../modules/lwm2m/types';
import { TemperatureObject } from '../lwm2m/fixtures';

const PSK = new Uint8Array(16).fill(0x3c);
const URI = 'coaps://192.0.2.11:5684';

interface Seen {
  token: string;
  observe: number | undefined;
  payload: string;
}

function world(seed = 41) {
  const host = new SimHost({ seed });
  const server = new DtlsServer(host, { psk: () => PSK.slice(), connectionIdLength: 4 });
  const requests: IncomingRequest[] = [];
  /** Every CoAP message from the device, decrypted, as the server received it. */
  const fromDevice: Seen[] = [];
  let epoch0Up = 0;
  let endpoint: CoapEndpoint | null = null;
  const registrar = (req: IncomingRequest): ResponseSpec => {
    requests.push(req);
    if (req.method === Method.POST && req.path.join('/') === 'rd') return { code: 0x41, options: [stringOption(Option.LocationPath, 'rd'), stringOption(Option.LocationPath, 'o1')] };
    if (req.method === Method.POST && req.path.join('/') === 'rd/o1') return { code: 0x44 };
    return { code: 0x84 };
  };
  server.onConnection = (conn: DtlsServerConnection) => {
    endpoint = new CoapEndpoint(host, conn);
    endpoint.onRequest(registrar);
    const toEndpoint = conn.onReceive!;
    conn.onReceive = (d) => {
      const m = decodeMessage(d);
      fromDevice.push({ token: toHex(m.token), observe: getUint(m.options, Option.Observe), payload: utf8Decode(m.payload) });
      toEndpoint(d);
    };
    return endpoint;
  };
  simUdpTo(host, server, 41000, (d) => {
    if (d.up && (d.data[0] === 22 || (d.data[3] === 0 && d.data[4] === 0))) epoch0Up += d.data.length;
  });
  const keysFlash = new SimFlash(16 * 1024, 1024, seed);
  const countersFlash = new SimFlash(4 * 1024, 1024, seed);
  let keys = new KeyStore(host, keysFlash);
  let counters = new CounterStore(host, countersFlash);
  /** A reboot after a power cut: power back on, the stores mounted again from the same flash. */
  const reopen = () => {
    keysFlash.disarm();
    countersFlash.disarm();
    keysFlash.powerOn();
    countersFlash.powerOn();
    keys = new KeyStore(host, keysFlash);
    counters = new CounterStore(host, countersFlash);
  };
  const newDm = (celsius: number) => {
    const dm = new DataModel({ store: new MemoryObjectStore() });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'UQ' }));
    const t = new TemperatureObject();
    t.store(0, new Map<number, ResourceContent>([[5700, celsius], [5701, 'Cel']]));
    dm.register(t);
    applyFactoryConfig(dm, { accounts: [{ uri: URI, pskIdentity: 'dev-o', pskKey: PSK.slice(), shortServerId: 1, lifetime: 600, binding: 'UQ' }] });
    return { dm, t };
  };
  const client = (dm: DataModel, events: ClientEvent[]) =>
    new Lwm2mClient({ host, endpointName: 'dev-o', dataModel: dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, wakeTimeoutMs: 3_000, onEvent: (e) => events.push(e) });
  return { host, server, requests, fromDevice, get keys() { return keys; }, keysFlash, countersFlash, reopen, newDm, client, endpoint: () => endpoint!, epoch0Up: () => epoch0Up };
}

/** Registers, writes st=2 on /3303/0/5700, observes it, sleeps; returns the token and the Observe number seen. */
async function observeThenSleep(w: ReturnType<typeof world>, sleep = true) {
  const { dm } = w.newDm(21.5);
  const ev: ClientEvent[] = [];
  const c1 = w.client(dm, ev);
  void c1.start();
  await runUntil(w.host, () => ev.some((e) => e.type === 'registered'));
  const wa = w.endpoint().request({ method: 'PUT', path: '/3303/0/5700', query: ['st=2'] });
  await runUntil(w.host, () => false, 200);
  assert.equal((await wa).code, 0x44);
  const notes: { observe?: number; payload: string }[] = [];
  const obsP = w.endpoint().observe({ method: 'GET', path: '/3303/0/5700', accept: 0 }, (n) => notes.push({ observe: n.observe, payload: utf8Decode(n.payload) }));
  await runUntil(w.host, () => false, 200);
  const first = await obsP;
  assert.equal(utf8Decode(first.response.payload), '21.5');
  const reg = w.fromDevice.filter((m) => m.observe !== undefined);
  assert.equal(reg.length, 1, 'the registration response carries Observe');
  if (sleep) {
    assert.equal(await c1.sleep(), 1);
    assert.ok(w.keys.get(observationsName(1)), 'the observations are kept in the KeyStore');
  }
  return { token: reg[0].token, seq: reg[0].observe!, notes, c1 };
}

describe('Lwm2mClient.sleep(): observations survive deep sleep (simulated network, own DTLS server)', function () {
  this.timeout(120_000);

  it('a value changed while asleep is notified after the woken Update, on the same token with a larger Observe number', async () => {
    const w = world();
    const before = await observeThenSleep(w);
    const epoch0 = w.epoch0Up();
    const mark = w.fromDevice.length;
    // A restart: a new data model, where the sensor now reads 24.5 (moved by 3 >= st).
    const { dm } = w.newDm(24.5);
    const ev: ClientEvent[] = [];
    const c2 = w.client(dm, ev);
    void c2.start();
    await runUntil(w.host, () => before.notes.length >= 1, 20_000);
    const after = w.fromDevice.slice(mark);
    const kinds = ev.map((e) => e.type).join();
    assert.ok(kinds.includes('updated') && !kinds.includes('registered'), kinds);
    assert.ok(ev.some((e) => e.type === 'connected' && e.woken === true), kinds);
    assert.equal(w.epoch0Up() - epoch0, 0, 'no handshake byte after the wake');
    const notes = after.filter((m) => m.observe !== undefined);
    assert.equal(notes.length, 1, JSON.stringify(after));
    assert.equal(notes[0].token, before.token, 'the token the server registered');
    assert.equal(notes[0].payload, '24.5');
    const d = (notes[0].observe! - before.seq + 0x1000000) % 0x1000000;
    assert.ok(d > 0 && d < 0x800000, `Observe ${notes[0].observe} after ${before.seq}: larger in RFC 7641 §3.4 terms`);
    assert.equal(after[0].payload.length, 0, 'the Update came first');
    assert.deepEqual(before.notes.map((n) => n.payload), ['24.5'], 'the server took the notification');
    assert.ok(ev.some((e) => e.type === 'observations-resumed' && e.count === 1), kinds);
    // And it goes on: a later change on the woken client is notified too.
    const t = dm.object(3303) as TemperatureObject;
    t.setValue(0, 5700, 30);
    c2.changed('/3303/0/5700');
    await runUntil(w.host, () => before.notes.length >= 2, 5_000);
    assert.deepEqual(before.notes.map((n) => n.payload), ['24.5', '30']);
    await c2.stop({ deregister: false });
  });

  it('wake() in the same process: the same observation goes on, the value changed while asleep is notified', async () => {
    const w = world(43);
    const { dm, t } = w.newDm(21.5);
    const ev: ClientEvent[] = [];
    const c = w.client(dm, ev);
    void c.start();
    await runUntil(w.host, () => ev.some((e) => e.type === 'registered'));
    const notes: { observe?: number; payload: string }[] = [];
    const obsP = w.endpoint().observe({ method: 'GET', path: '/3303/0/5700', accept: 0 }, (n) => notes.push({ observe: n.observe, payload: utf8Decode(n.payload) }));
    await runUntil(w.host, () => false, 200);
    await obsP;
    const first = w.fromDevice.filter((m) => m.observe !== undefined)[0];
    assert.equal(await c.sleep(), 1);
    t.setValue(0, 5700, 20);
    c.changed('/3303/0/5700');
    await runUntil(w.host, () => false, 2_000);
    assert.deepEqual(notes, [], 'nothing is sent while asleep');
    void c.wake();
    await runUntil(w.host, () => notes.length >= 1, 20_000);
    assert.deepEqual(notes.map((n) => n.payload), ['20']);
    const last = w.fromDevice.filter((m) => m.observe !== undefined).pop()!;
    assert.equal(last.token, first.token);
    assert.ok(((last.observe! - first.observe! + 0x1000000) % 0x1000000) - 1 < 0x7fffff && last.observe !== first.observe);
    await c.stop({ deregister: false });
  });

  it('the attributes in force (st) and the last notified value survive a restart: a small change is not notified', async () => {
    const w = world();
    const before = await observeThenSleep(w);
    const mark = w.fromDevice.length;
    const { dm, t } = w.newDm(22.5); // moved by 1 < st=2 from 21.5: nothing is due
    const ev: ClientEvent[] = [];
    const c2 = w.client(dm, ev);
    void c2.start();
    await runUntil(w.host, () => ev.some((e) => e.type === 'observations-resumed'), 20_000);
    await runUntil(w.host, () => false, 3_000);
    assert.deepEqual(w.fromDevice.slice(mark).filter((m) => m.observe !== undefined), [], 'no notification for a change below st');
    t.setValue(0, 5700, 23.6); // 2.1 from the last notified 21.5
    c2.changed('/3303/0/5700');
    await runUntil(w.host, () => before.notes.length >= 1, 5_000);
    assert.deepEqual(before.notes.map((n) => n.payload), ['23.6']);
    await c2.stop({ deregister: false });
  });

  it('a server that forgot the connection: after the fallback the notification meets a new server endpoint, whose RST ends the observation', async () => {
    const w = world();
    const before = await observeThenSleep(w);
    const old = w.endpoint();
    for (const conn of [...(w.server as unknown as { connections: Map<string, DtlsServerConnection> }).connections.values()]) conn.close();
    const mark = w.fromDevice.length;
    const { dm } = w.newDm(30);
    const ev: ClientEvent[] = [];
    const c2 = w.client(dm, ev);
    void c2.start();
    await runUntil(w.host, () => ev.some((e) => e.type === 'observations-resumed'), 30_000);
    await runUntil(w.host, () => false, 2_000);
    const kinds = ev.map((e) => e.type).join();
    assert.ok(kinds.includes('wake-fallback') && kinds.includes('updated') && !kinds.includes('registered'), kinds);
    assert.notEqual(w.endpoint(), old, 'a new connection, a new server endpoint');
    const notes = w.fromDevice.slice(mark).filter((m) => m.observe !== undefined);
    assert.equal(notes.length, 1);
    assert.equal(notes[0].token, before.token);
    assert.deepEqual(before.notes, [], 'the old server-side observation died with its connection');
    assert.deepEqual(c2.observations(), [{ ssid: 1, paths: [] }], 'the RST ended the observation on the device (RFC 7641 §3.6)');
    await c2.stop({ deregister: false });
  });

  it('power cut at every flash operation of sleep(): the restarted device updates or registers; a notification only after the Update, on the kept token, numbered upwards', async () => {
    // How many flash operations sleep() makes, on each flash.
    const probe = world(60);
    const p0 = await observeThenSleep(probe, false);
    const [k0, c0] = [probe.keysFlash.ops, probe.countersFlash.ops];
    assert.equal(await p0.c1.sleep(), 1);
    const spans: [0 | 1, number][] = [[0, probe.keysFlash.ops - k0], [1, probe.countersFlash.ops - c0]];
    assert.ok(spans[0][1] >= 3 && spans[1][1] >= 1, `sleep wrote ${spans[0][1]} key-store and ${spans[1][1]} counter operations`);
    let resumed = 0;
    let without = 0;
    for (const [which, span] of spans) {
      for (let k = 0; k < span; k++) {
        for (const byte of [0, 5, undefined]) {
          const w = world(61 + k);
          const before = await observeThenSleep(w, false);
          const flash = which === 0 ? w.keysFlash : w.countersFlash;
          flash.armCut({ op: flash.ops + k, byte });
          let cut = false;
          await before.c1.sleep().catch((e) => {
            if (!(e instanceof PowerCut)) throw e;
            cut = true;
          });
          w.reopen();
          const mark = w.fromDevice.length;
          const { dm } = w.newDm(27);
          const ev: ClientEvent[] = [];
          const c2 = w.client(dm, ev);
          void c2.start();
          const where = `${which === 0 ? 'key store' : 'counters'} op ${k} byte ${byte}${cut ? '' : ' (no cut reached)'}`;
          await runUntil(w.host, () => ev.some((e) => e.type === 'updated' || e.type === 'registered'), 60_000);
          await runUntil(w.host, () => false, 1_000);
          const kinds = ev.map((e) => e.type).join();
          assert.ok(kinds.includes('updated') || kinds.includes('registered'), `${where}: ${kinds}`);
          const after = w.fromDevice.slice(mark);
          const notes = after.filter((m) => m.observe !== undefined);
          if (ev.some((e) => e.type === 'observations-resumed')) {
            resumed++;
            assert.ok(kinds.includes('updated') && !kinds.includes('registered'), `${where}: observations only with a kept registration: ${kinds}`);
            assert.equal(notes.length, 1, `${where}: ${JSON.stringify(after)}`);
            assert.equal(notes[0].token, before.token, where);
            const d = (notes[0].observe! - before.seq + 0x1000000) % 0x1000000;
            assert.ok(d > 0 && d < 0x800000, `${where}: Observe ${notes[0].observe} after ${before.seq}`);
            assert.ok(after.indexOf(notes[0]) > 0, `${where}: the Update first`);
          } else {
            without++;
            assert.deepEqual(notes, [], `${where}: no notification without the kept observation`);
          }
          await c2.stop({ deregister: false });
        }
      }
    }
    assert.ok(resumed > 0 && without > 0, `resumed ${resumed}, without ${without}: the cuts fell on both sides`);
  });

  it('a damaged observations record is refused: the device wakes and updates, and nothing is notified', async () => {
    const w = world();
    const before = await observeThenSleep(w);
    const rec = w.keys.get(observationsName(1))!;
    w.keys.put(observationsName(1), rec.subarray(0, rec.length - 3));
    const { dm } = w.newDm(30);
    const ev: ClientEvent[] = [];
    const c2 = w.client(dm, ev);
    void c2.start();
    await runUntil(w.host, () => ev.some((e) => e.type === 'updated'), 20_000);
    await runUntil(w.host, () => false, 2_000);
    assert.ok(!ev.some((e) => e.type === 'observations-resumed'));
    assert.deepEqual(before.notes, []);
    assert.equal(w.keys.get(observationsName(1)), undefined, 'consumed');
    await c2.stop({ deregister: false });
  });
});
