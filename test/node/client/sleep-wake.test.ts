/**
 * Lwm2mClient.sleep() end to end over real UDP, against tools/lwm2m-server.ts with raw public keys (Security
 * Mode 1, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8) and Connection ID (RFC 9146):
 * - register (full handshake), sleep (the connection sealed, no close_notify), restart (new host, data model and
 *   client over the same KeyStore/CounterStore): the first datagram is the Registration Update in a tls12_cid
 *   record; zero epoch-0 (handshake) bytes on the wire, one datagram each way; the server follows the CID to the
 *   new port and its Device Management requests reach the device there;
 * - the server forgets the connection (keeps sessions and registrations): the woken Update is unanswered, the
 *   client resumes the session (abbreviated handshake) and updates;
 * - the server restarts with nothing (no connection, session or registration): woken Update unanswered,
 *   resumption refused, full handshake, Update -> 4.04, Register.
 * The wire is counted by tools/dtls-wire.ts from the record headers, outside the DTLS code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { NodeHost } from '../../../hosts/node/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig, KeyStoreObjectStore } from '../../../modules/client/factory';
import { keyStoreSessions } from '../../../modules/client/connector';
import { registrationName } from '../../../modules/client/sleep';
import { fromHex, utf8Decode } from '../../../modules/bytes/index';
import { V as X509_VECTORS } from '../../unit/x509/vectors';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { tapUdp } from '../../../tools/dtls-wire';
import { p256KeyPair } from '../../../tools/server-common';

const EP = 'sleepy-1';
const CID_LEN = 4;

const p256 = p256KeyPair;

describe('Lwm2mClient.sleep(): a registration and its DTLS connection across deep sleep (RPK + CID, own server)', function () {
  this.timeout(60_000);
  const serverKey = p256();
  const clientKey = p256();
  let dataDir: string;
  let server: Lwm2mTestServer;
  const log: string[] = [];
  const startServer = (port = 0) => Lwm2mTestServer.start({ port, ecdsa: { type: 'rpk', privateKey: serverKey.pkcs8, clients: [{ identity: EP, publicKey: clientKey.spki }] }, connectionIdLength: CID_LEN, log: (l) => log.push(l) });

  /** One boot of the device: host, stores, data model and client over the data directory. */
  function boot(events: ClientEvent[]) {
    const host = new NodeHost({ dataDir, logLevel: 'error' });
    const tap = tapUdp(host, CID_LEN, 0);
    const keys = KeyStore.open(host, 'keys');
    const counters = CounterStore.open(host, 'counters');
    const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'sleepy', binding: 'UQ' }, () => Date.now()));
    dm.restore();
    applyFactoryConfig(dm, {
      accounts: [{ uri: `coaps://127.0.0.1:${server.port}`, securityMode: 1, publicKeyOrIdentity: clientKey.spki.slice(), serverPublicKey: serverKey.spki.slice(), secretKey: clientKey.pkcs8.slice(), shortServerId: 1, lifetime: 120, binding: 'UQ' }],
    });
    const client = new Lwm2mClient({
      host, endpointName: EP, dataModel: dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, wakeTimeoutMs: 1_500,
      coap: { ackTimeoutMs: 1_000 }, onEvent: (e) => events.push(e),
    });
    return {
      host, tap, keys, client,
      dispose() {
        counters.close();
        keys.close();
        host.dispose();
      },
    };
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-sleep-wake-'));
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the server refuses a client raw public key it does not list', async () => {
    const other = await Lwm2mTestServer.start({ port: 0, ecdsa: { type: 'rpk', privateKey: serverKey.pkcs8, clients: [{ identity: 'someone-else', publicKey: p256().spki }] }, connectionIdLength: CID_LEN, log: (l) => log.push(l) });
    const events: ClientEvent[] = [];
    const host = new NodeHost({ dataDir: mkdtempSync(join(tmpdir(), 'xs-lwm2m-sleep-wake-x-')), logLevel: 'error' });
    const dm = new DataModel({ host });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'U' }, () => Date.now()));
    applyFactoryConfig(dm, { accounts: [{ uri: `coaps://127.0.0.1:${other.port}`, securityMode: 1, publicKeyOrIdentity: clientKey.spki.slice(), serverPublicKey: serverKey.spki.slice(), secretKey: clientKey.pkcs8.slice(), shortServerId: 1 }] });
    const client = new Lwm2mClient({ host, endpointName: EP, dataModel: dm, onEvent: (e) => events.push(e) });
    try {
      await client.start();
      assert.ok(events.some((e) => e.type === 'registration-failed'), events.map((e) => e.type).join());
      assert.equal(other.registrations().length, 0);
      assert.ok(log.some((l) => l.includes('refused an unknown client key')));
    } finally {
      await client.stop({ deregister: false });
      host.dispose();
      await other.stop();
    }
  });

  it('registers, sleeps, restarts and wakes with an Update as the first datagram: zero handshake bytes', async () => {
    const ev1: ClientEvent[] = [];
    const d1 = boot(ev1);
    await d1.client.start();
    const reg = await server.waitForRegistration(EP);
    assert.equal(reg.identity, EP, 'the server knows the client by its raw public key');
    assert.ok(d1.tap.count.epoch0Bytes > 500, `the first connection is a full handshake (${d1.tap.count.epoch0Bytes} epoch-0 bytes)`);
    const sealed = await d1.client.sleep();
    assert.equal(sealed, 1);
    assert.ok(ev1.some((e) => e.type === 'sleeping' && e.sealed === 1 && e.registrations === 1));
    assert.ok(d1.keys.get(registrationName(1)), 'the registration is kept in the KeyStore');
    const upBefore = d1.tap.count.datagramsUp;
    d1.dispose();
    assert.equal(d1.tap.count.datagramsUp, upBefore, 'sleep sends nothing (no close_notify, no De-register)');
    assert.ok(server.registration(EP), 'the server still has the registration');

    const ev2: ClientEvent[] = [];
    const d2 = boot(ev2);
    const updates = server.registration(EP)!.updates;
    await d2.client.start();
    const upd = await server.waitForUpdate(EP, updates);
    const c = d2.tap.count;
    assert.ok(ev2.some((e) => e.type === 'connected' && e.woken === true), 'the connection was woken');
    assert.ok(ev2.some((e) => e.type === 'updated'), 'an Update, not a Register');
    assert.ok(!ev2.some((e) => e.type === 'registered'));
    assert.equal(c.epoch0Bytes, 0, 'no handshake record on the wire');
    assert.equal(c.datagramsUp, 1, `one datagram up (${c.records.join(', ')})`);
    assert.equal(c.datagramsDown, 1, 'one datagram down');
    assert.equal(c.records[0], `up 25/1`, 'the first datagram is a tls12_cid record of epoch 1');
    assert.notEqual(upd.peer, reg.peer, 'the device woke on a new port');
    assert.ok(log.some((l) => l.includes('moved from')), 'the server followed the CID');
    const r = await server.read(EP, '/3/0/0', ContentFormat.Text);
    assert.equal(utf8Decode(r.payload), 'xs-lwm2m', 'Device Management reaches the device at its new address');
    (globalThis as { __wake?: typeof d2 }).__wake = d2;
  });

  it('a server that forgot the connection: the woken Update goes unanswered, then resumption and Update', async () => {
    const d2 = (globalThis as { __wake?: ReturnType<typeof boot> }).__wake!;
    const events: ClientEvent[] = [];
    d2.client['opts'].onEvent = (e: ClientEvent) => events.push(e);
    assert.equal(await d2.client.sleep(), 1);
    assert.equal(server.forgetConnections(), 1);
    const updates = server.registration(EP)!.updates;
    d2.tap.reset();
    await d2.client.wake();
    await server.waitForUpdate(EP, updates);
    const kinds = events.map((e) => e.type);
    assert.ok(events.some((e) => e.type === 'connected' && e.woken), kinds.join());
    assert.ok(kinds.includes('wake-fallback'), kinds.join());
    assert.ok(events.some((e) => e.type === 'connected' && e.resumed && !e.woken), `resumed: ${kinds.join()}`);
    assert.ok(kinds.includes('updated') && !kinds.includes('registered'), kinds.join());
    assert.ok(d2.tap.count.epoch0Bytes > 0, 'the fallback is a handshake');
  });

  it('a server that restarted with nothing: unanswered wake, full handshake, Update 4.04, Register', async () => {
    const d2 = (globalThis as { __wake?: ReturnType<typeof boot> }).__wake!;
    const events: ClientEvent[] = [];
    d2.client['opts'].onEvent = (e: ClientEvent) => events.push(e);
    assert.equal(await d2.client.sleep(), 1);
    const port = server.port;
    await server.stop();
    server = await startServer(port);
    await d2.client.wake();
    await server.waitForRegistration(EP);
    const kinds = events.map((e) => e.type);
    assert.ok(kinds.includes('wake-fallback'), kinds.join());
    assert.ok(events.some((e) => e.type === 'connected' && !e.resumed && !e.woken), `a full handshake: ${kinds.join()}`);
    assert.ok(kinds.includes('registered'), kinds.join());
    await d2.client.stop();
    d2.dispose();
  });
});

describe('tools/lwm2m-server with X.509 (Security Mode 2) and a Connection ID: register, sleep, wake', function () {
  this.timeout(60_000);
  let dataDir: string;
  const log: string[] = [];
  const V = X509_VECTORS;
  const start = (clientCa: string) =>
    Lwm2mTestServer.start({ port: 0, ecdsa: { type: 'x509', privateKey: fromHex(V.serverKeyPkcs8), chain: [fromHex(V.server)], clientCa: [fromHex(clientCa)], clients: [{ identity: 'urn:imei:490154203237518', publicKey: fromHex(V.clientSpki) }] }, connectionIdLength: CID_LEN, log: (l) => log.push(l) });
  before(() => (dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-sleep-x509-'))));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  function device(port: number, events: ClientEvent[]) {
    const host = new NodeHost({ dataDir, logLevel: 'error' });
    const tap = tapUdp(host, CID_LEN, 0);
    const keys = KeyStore.open(host, 'keys');
    const counters = CounterStore.open(host, 'counters');
    const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'U' }, () => Date.now()));
    dm.restore();
    // Certificate Usage 3 (the default): 0/x/4 pins the server certificate.
    applyFactoryConfig(dm, { accounts: [{ uri: `coaps://127.0.0.1:${port}`, securityMode: 2, publicKeyOrIdentity: fromHex(V.client), serverPublicKey: fromHex(V.server), secretKey: fromHex(V.clientScalar), shortServerId: 1, lifetime: 120 }] });
    const client = new Lwm2mClient({ host, endpointName: 'x509-dev', dataModel: dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, onEvent: (e) => events.push(e) });
    return { tap, client, dispose: () => (counters.close(), keys.close(), host.dispose()) };
  }

  it('registers with a client certificate, sleeps and wakes with zero handshake bytes', async () => {
    const server = await start(V.ca);
    try {
      const ev: ClientEvent[] = [];
      const d1 = device(server.port, ev);
      await d1.client.start();
      const reg = await server.waitForRegistration('x509-dev');
      assert.equal(reg.identity, 'urn:imei:490154203237518');
      assert.ok(ev.some((e) => e.type === 'connected' && e.security === 'dtls-x509'));
      assert.equal(await d1.client.sleep(), 1);
      d1.dispose();
      const ev2: ClientEvent[] = [];
      const d2 = device(server.port, ev2);
      await d2.client.start();
      await server.waitForUpdate('x509-dev', reg.updates);
      assert.equal(d2.tap.count.epoch0Bytes, 0);
      assert.equal(d2.tap.count.datagramsUp, 1);
      assert.ok(ev2.some((e) => e.type === 'connected' && e.woken));
      await d2.client.stop();
      d2.dispose();
    } finally {
      await server.stop();
    }
  });

  it('refuses a client certificate that does not chain to the configured CA', async () => {
    rmSync(dataDir, { recursive: true, force: true });
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-sleep-x509-'));
    const server = await start(V.int);
    try {
      const ev: ClientEvent[] = [];
      const d = device(server.port, ev);
      await d.client.start();
      assert.ok(ev.some((e) => e.type === 'registration-failed'), ev.map((e) => e.type).join());
      assert.equal(server.registrations().length, 0);
      await d.client.stop({ deregister: false });
      d.dispose();
    } finally {
      await server.stop();
    }
  });
});
