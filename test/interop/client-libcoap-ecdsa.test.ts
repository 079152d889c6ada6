/**
 * The whole client over TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 against libcoap's coap-server-gnutls: Security Mode 1
 * (raw public keys, RFC 7250) and Mode 2 (X.509, Certificate Usage 2 and 3), configured through the Security Object
 * like a factory or Bootstrap-Server would, then Register -> Update -> De-register (libcoap -d creates /rd).
 * Credentials from tools/peers/certs.sh (openssl).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../harness/assert';
import { NodeHost } from '../../hosts/node/host';
import { DataModel } from '../../modules/lwm2m/data-model';
import { DeviceObject } from '../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../modules/lwm2m/persistence';
import { Lwm2mClient, type ClientEvent } from '../../modules/client/client';
import { applyFactoryConfig, type FactoryAccount } from '../../modules/client/factory';
import { KeyStore } from '../../modules/store/key-store';
import { CounterStore } from '../../modules/store/counter-store';
import { KeyStoreObjectStore } from '../../modules/client/factory';
import { keyStoreSessions } from '../../modules/client/connector';
import { tapUdp } from '../../tools/dtls-wire';
import { ensureCerts, freeUdpPort, peersAvailable, startCoapServer, type PeerHandle } from '../../tools/peers/peers.mjs';

const have = peersAvailable();
const der = (f: string) => new Uint8Array(readFileSync(f));
const pemToDer = (f: string) => new Uint8Array(Buffer.from(readFileSync(f, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));

async function registerCycle(server: PeerHandle, account: Omit<FactoryAccount, 'uri'>, host = '127.0.0.1'): Promise<ClientEvent[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-libcoap-ecdsa-'));
  const nodeHost = new NodeHost({ dataDir, logLevel: 'error' });
  try {
    const dm = new DataModel({ store: new MemoryObjectStore() });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'U' }));
    applyFactoryConfig(dm, { accounts: [{ uri: `coaps://${host}:${server.info.dtlsPort}`, shortServerId: 1, lifetime: 60, ...account }] });
    const events: ClientEvent[] = [];
    const client = new Lwm2mClient({ host: nodeHost, endpointName: 'libcoap-ecdsa', dataModel: dm, onEvent: (e) => events.push(e), retry: { failuresBeforeBootstrap: 99 } });
    await client.start();
    const reg = events.find((e) => e.type === 'registered');
    assert.ok(reg && reg.type === 'registered', `no registration: ${JSON.stringify(events)}`);
    await client.update();
    assert.ok(events.some((e) => e.type === 'updated'), 'Update not answered');
    await client.stop();
    assert.ok(events.some((e) => e.type === 'deregistered'), 'De-register not answered');
    return events;
  } finally {
    nodeHost.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('client registers with libcoap coap-server-gnutls over ECDHE-ECDSA-CCM8', function () {
  this.timeout(60_000);
  let server: PeerHandle | undefined;
  before(function () {
    if (!have.libcoapGnutls || !have.openssl) this.skip();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('Security Mode 1 (RPK): 0/x/3 and 0/x/4 as SubjectPublicKeyInfo DER, 0/x/5 as PKCS#8', async () => {
    const c = ensureCerts(join(tmpdir(), 'xs-lwm2m-certs'));
    server = await startCoapServer({ variant: 'gnutls', port: await freeUdpPort(2), rpkFile: c.serverKeySec1, extraArgs: ['-d', '10'] });
    const events = await registerCycle(server, { securityMode: 1, publicKeyOrIdentity: der(c.clientPubDer), serverPublicKey: der(c.serverPubDer), secretKey: pemToDer(c.clientKey) });
    const connected = events.find((e) => e.type === 'connected');
    assert.ok(connected && connected.type === 'connected' && connected.security === 'dtls-rpk', JSON.stringify(events));
    assert.equal(connected.cipherSuite, 0xc0ae);
  });

  it('Security Mode 1 refuses libcoap when 0/x/4 holds another key (no registration)', async () => {
    const c = ensureCerts(join(tmpdir(), 'xs-lwm2m-certs'));
    server = await startCoapServer({ variant: 'gnutls', port: await freeUdpPort(2), rpkFile: c.serverKeySec1, extraArgs: ['-d', '10'] });
    const err = await registerCycle(server, { securityMode: 1, serverPublicKey: der(c.clientPubDer), secretKey: pemToDer(c.clientKey) }).then(() => null, (e) => e);
    assert.ok(err && /bad_certificate/.test(String(err.message)), `expected a bad_certificate refusal, got ${err}`);
  });

  it('Security Mode 2 (X.509): usage 2 (trust anchor = our CA), host name checked; libcoap checks our certificate (-C)', async () => {
    const c = ensureCerts(join(tmpdir(), 'xs-lwm2m-certs'));
    server = await startCoapServer({ variant: 'gnutls', port: await freeUdpPort(2), cert: c.serverCert, certKey: c.serverKey, caFile: c.caCert, extraArgs: ['-d', '10'] });
    const events = await registerCycle(server, { securityMode: 2, certificateUsage: 2, publicKeyOrIdentity: pemToDer(c.clientCert), serverPublicKey: pemToDer(c.caCert), secretKey: pemToDer(c.clientKey) });
    const connected = events.find((e) => e.type === 'connected');
    assert.ok(connected && connected.type === 'connected' && connected.security === 'dtls-x509', JSON.stringify(events));
  });

  it('Security Mode 1: sleep() seals the connection; after a restart the Update is the first datagram, answered by libcoap (no handshake)', async () => {
    // GnuTLS has no Connection ID: libcoap knows the connection by address, so the device wakes on the same port.
    const c = ensureCerts(join(tmpdir(), 'xs-lwm2m-certs'));
    server = await startCoapServer({ variant: 'gnutls', port: await freeUdpPort(2), rpkFile: c.serverKeySec1, extraArgs: ['-d', '10'] });
    const localPort = await freeUdpPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-libcoap-sleep-'));
    const boot = (events: ClientEvent[]) => {
      const host = new NodeHost({ dataDir, logLevel: 'error' });
      const tap = tapUdp(host, 0, 0);
      const keys = KeyStore.open(host, 'keys');
      const counters = CounterStore.open(host, 'counters');
      const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
      dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'U' }));
      dm.restore();
      applyFactoryConfig(dm, { accounts: [{ uri: `coaps://127.0.0.1:${server!.info.dtlsPort}`, shortServerId: 1, lifetime: 60, securityMode: 1, publicKeyOrIdentity: der(c.clientPubDer), serverPublicKey: der(c.serverPubDer), secretKey: pemToDer(c.clientKey) }] });
      const client = new Lwm2mClient({ host, endpointName: 'libcoap-sleepy', dataModel: dm, localPort, sessions: keyStoreSessions(keys), sleep: { keys, counters }, onEvent: (e) => events.push(e), retry: { failuresBeforeBootstrap: 99 } });
      return { tap, client, dispose: () => (counters.close(), keys.close(), host.dispose()) };
    };
    try {
      const ev1: ClientEvent[] = [];
      const d1 = boot(ev1);
      await d1.client.start();
      assert.ok(ev1.some((e) => e.type === 'registered'), JSON.stringify(ev1));
      assert.ok(d1.tap.count.epoch0Bytes > 0);
      assert.equal(await d1.client.sleep(), 1);
      d1.dispose();
      const ev2: ClientEvent[] = [];
      const d2 = boot(ev2);
      await d2.client.start();
      assert.ok(ev2.some((e) => e.type === 'connected' && e.woken), JSON.stringify(ev2));
      assert.ok(ev2.some((e) => e.type === 'updated'), `libcoap answered the woken Update: ${JSON.stringify(ev2)}`);
      assert.ok(!ev2.some((e) => e.type === 'wake-fallback' || e.type === 'registered'), JSON.stringify(ev2));
      assert.equal(d2.tap.count.epoch0Bytes, 0, 'no handshake record');
      assert.equal(d2.tap.count.datagramsUp, 1);
      assert.deepEqual(d2.tap.count.records.slice(0, 2), ['up 23/1', 'down 23/1']);
      await d2.client.stop();
      assert.ok(ev2.some((e) => e.type === 'deregistered'), 'De-register on the woken connection answered');
      d2.dispose();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('Security Mode 2 (X.509), usage 3 (default): the pinned server certificate', async () => {
    const c = ensureCerts(join(tmpdir(), 'xs-lwm2m-certs'));
    server = await startCoapServer({ variant: 'gnutls', port: await freeUdpPort(2), cert: c.serverCert, certKey: c.serverKey, caFile: c.caCert, extraArgs: ['-d', '10'] });
    await registerCycle(server, { securityMode: 2, publicKeyOrIdentity: pemToDer(c.clientCert), serverPublicKey: pemToDer(c.serverCert), secretKey: pemToDer(c.clientKey) });
  });
});
