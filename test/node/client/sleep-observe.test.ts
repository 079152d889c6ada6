/**
 * Observations across Lwm2mClient.sleep() end to end over real UDP, against tools/lwm2m-server.ts with raw public
 * keys (Security Mode 1) and Connection ID (RFC 9146): the server writes st and observes /3303/0/5700; the device
 * sleeps and restarts (new host, data model and client over the same KeyStore/CounterStore) with a new reading.
 * After the woken Update the server's observation (its CoAP endpoint matches notifications by token, RFC 7641
 * §3.2) receives the new value with a larger Observe number (§4.4), and the wire (tools/dtls-wire.ts, record
 * headers) shows no handshake byte.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { NodeHost } from '../../../hosts/node/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { ContentFormat, type ResourceContent } from '../../../modules/lwm2m/types';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig, KeyStoreObjectStore } from '../../../modules/client/factory';
import { keyStoreSessions } from '../../../modules/client/connector';
import { observationsName } from '../../../modules/client/sleep-observations';
import { utf8Decode } from '../../../modules/bytes/index';
import { TemperatureObject } from '../../unit/lwm2m/fixtures';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { tapUdp } from '../../../tools/dtls-wire';
import { p256KeyPair } from '../../../tools/server-common';

const EP = 'sleepy-obs';
const CID_LEN = 4;

const p256 = p256KeyPair;

async function until(done: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end && !done(); ) await new Promise((r) => setTimeout(r, 20));
}

describe('Lwm2mClient.sleep(): observations survive deep sleep end to end (RPK + CID, own server)', function () {
  this.timeout(60_000);
  const serverKey = p256();
  const clientKey = p256();
  let dataDir: string;
  let server: Lwm2mTestServer;

  function boot(events: ClientEvent[], celsius: number) {
    const host = new NodeHost({ dataDir, logLevel: 'error' });
    const tap = tapUdp(host, CID_LEN, 0);
    const keys = KeyStore.open(host, 'keys');
    const counters = CounterStore.open(host, 'counters');
    const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'sleepy', binding: 'UQ' }, () => Date.now()));
    const t = new TemperatureObject();
    t.store(0, new Map<number, ResourceContent>([[5700, celsius], [5701, 'Cel']]));
    dm.register(t);
    dm.restore();
    applyFactoryConfig(dm, {
      accounts: [{ uri: `coaps://127.0.0.1:${server.port}`, securityMode: 1, publicKeyOrIdentity: clientKey.spki.slice(), serverPublicKey: serverKey.spki.slice(), secretKey: clientKey.pkcs8.slice(), shortServerId: 1, lifetime: 120, binding: 'UQ' }],
    });
    const client = new Lwm2mClient({ host, endpointName: EP, dataModel: dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, wakeTimeoutMs: 1_500, coap: { ackTimeoutMs: 1_000 }, onEvent: (e) => events.push(e) });
    return {
      tap, keys, client, t,
      dispose() {
        counters.close();
        keys.close();
        host.dispose();
      },
    };
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-sleep-obs-'));
    server = await Lwm2mTestServer.start({ port: 0, ecdsa: { type: 'rpk', privateKey: serverKey.pkcs8, clients: [{ identity: EP, publicKey: clientKey.spki }] }, connectionIdLength: CID_LEN, log: () => {} });
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('server observes, device sleeps, the value changes, device wakes: notification on the same observation, larger Observe number, 0 handshake bytes', async () => {
    const d1 = boot([], 21.5);
    await d1.client.start();
    await server.waitForRegistration(EP);
    assert.equal((await server.writeAttributes(EP, '/3303/0/5700', 'st=1')).code, 0x44);
    const notes: { value: string; seq?: number }[] = [];
    const obs = await server.observe(EP, '/3303/0/5700', (n) => notes.push({ value: utf8Decode(n.payload), seq: n.seq }), ContentFormat.Text);
    assert.equal(obs.code, 0x45);
    assert.equal(utf8Decode(obs.payload), '21.5');
    // The registration response's Observe number, as the server's endpoint took it (RFC 7641 §3.4 baseline).
    d1.t.setValue(0, 5700, 23);
    d1.client.changed('/3303/0/5700');
    await until(() => notes.length >= 1, 5_000);
    assert.deepEqual(notes.map((n) => n.value), ['23'], 'a notification before the sleep');
    const seqBefore = notes[0].seq!;
    assert.equal(await d1.client.sleep(), 1);
    assert.ok(d1.keys.get(observationsName(1)), 'the observation is kept in the KeyStore');
    d1.dispose();

    const ev2: ClientEvent[] = [];
    const d2 = boot(ev2, 26.25); // changed by 3.25 >= st while asleep
    const updates = server.registration(EP)!.updates;
    await d2.client.start();
    await server.waitForUpdate(EP, updates);
    await until(() => notes.length >= 2, 5_000);
    assert.ok(ev2.some((e) => e.type === 'connected' && e.woken === true), ev2.map((e) => e.type).join());
    assert.ok(!ev2.some((e) => e.type === 'registered'));
    assert.deepEqual(notes.map((n) => n.value), ['23', '26.25'], 'the server got the change made while asleep');
    const d = (notes[1].seq! - seqBefore + 0x1000000) % 0x1000000;
    assert.ok(d > 0 && d < 0x800000, `Observe ${notes[1].seq} after ${seqBefore}`);
    assert.equal(d2.tap.count.epoch0Bytes, 0, 'no handshake record on the wire');
    // A change below st is not notified (the attribute survived the restart), one above it is.
    d2.t.setValue(0, 5700, 26.5);
    d2.client.changed('/3303/0/5700');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(notes.length, 2);
    d2.t.setValue(0, 5700, 28);
    d2.client.changed('/3303/0/5700');
    await until(() => notes.length >= 3, 5_000);
    assert.deepEqual(notes.map((n) => n.value), ['23', '26.25', '28']);
    await d2.client.stop({ deregister: false });
    d2.dispose();
  });
});
