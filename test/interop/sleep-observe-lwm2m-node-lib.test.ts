/**
 * Observations across Lwm2mClient.sleep() against a third-party LwM2M server: the npm package `lwm2m-node-lib`
 * (node-coap), which observes over plain CoAP, behind a third-party DTLS 1.2 PSK-CCM8 terminator (pion/dtls,
 * tools/peers/pion-relay), since the library has no DTLS. The server observes /3303/0/5700; the device sleeps (the
 * DTLS connection sealed, no close_notify, the registration and observation kept) and restarts on the same local
 * port (pion has no Connection ID in this relay, so it recognises the connection by address) with a new reading.
 * The woken Update reaches the server through pion with no handshake byte on the wire (tools/dtls-wire.ts), and
 * node-coap's observe stream, which matches notifications by token (RFC 7641 §3.2), delivers the new value.
 */
import { createRequire } from 'node:module';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../harness/assert';
import { NodeHost } from '../../hosts/node/host';
import { DataModel } from '../../modules/lwm2m/data-model';
import { DeviceObject } from '../../modules/lwm2m/objects/device';
import type { ResourceContent } from '../../modules/lwm2m/types';
import { KeyStore } from '../../modules/store/key-store';
import { CounterStore } from '../../modules/store/counter-store';
import { Lwm2mClient, type ClientEvent } from '../../modules/client/client';
import { applyFactoryConfig, KeyStoreObjectStore } from '../../modules/client/factory';
import { keyStoreSessions } from '../../modules/client/connector';
import { fromHex } from '../../modules/bytes/index';
import { TemperatureObject } from '../unit/lwm2m/fixtures';
import { tapUdp } from '../../tools/dtls-wire';
import { freeUdpPort, PION_RELAY_BIN } from '../../tools/peers/peers.mjs';

const require = createRequire(import.meta.url);
type Cb<T> = (err: Error | null, v?: T) => void;
interface NodeLibServer {
  start(cfg: object, cb: Cb<unknown>): void;
  stop(info: unknown, cb: Cb<unknown>): void;
  setHandler(info: unknown, type: string, h: (...a: unknown[]) => void): void;
  getDevice(name: string, cb: Cb<{ id: number; name: string }>): void;
  writeAttributes(id: number, o: number, i: number, r: number, attrs: object, cb: Cb<string>): void;
  observe(id: number, o: number, i: number, r: number, onValue: (v: string) => void, cb: Cb<string>): void;
}
const p = <T>(fn: (cb: Cb<T>) => void) => new Promise<T>((res, rej) => fn((err, v) => (err ? rej(err) : res(v as T))));
async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  for (const t0 = Date.now(); !cond(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
}

const PSK_HEX = '0f0e0d0c0b0a09080706050403020100';
const EP = 'nodelib-sleepy';

describe('third-party LwM2M server lwm2m-node-lib behind pion/dtls: an observation survives deep sleep', function () {
  this.timeout(60_000);
  const server = (require('lwm2m-node-lib') as { server: NodeLibServer }).server;
  let info: unknown;
  let relay: ChildProcess | undefined;
  let relayOut = '';
  let dataDir: string;
  const updates: string[] = [];

  before(async () => {
    if (!existsSync(PION_RELAY_BIN)) throw new Error(`${PION_RELAY_BIN} missing: run bash tools/peers/install.sh`);
    const port = await freeUdpPort(1);
    info = await p((cb) => server.start({
      port, udpWindow: 100, logLevel: 'FATAL', serverProtocol: 'udp4', ipProtocol: 'udp4', lifetimeCheckInterval: 10_000,
      formats: [{ name: 'text/plain', value: 0 }], writeFormat: 'text/plain', deviceRegistry: { type: 'memory' }, defaultType: 'Device', types: [],
    }, cb));
    server.setHandler(info, 'registration', (_ep, _lt, _v, _b, _payload, cb) => (cb as () => void)());
    server.setHandler(info, 'updateRegistration', (_obj, payload, cb) => { updates.push(String(payload ?? '')); (cb as () => void)(); });
    server.setHandler(info, 'unregistration', (_d, cb) => (cb as () => void)());
    const relayPort = await freeUdpPort(1);
    relay = spawn(PION_RELAY_BIN, ['-addr', `127.0.0.1:${relayPort}`, '-upstream', `127.0.0.1:${port}`, '-psk', PSK_HEX, '-identity', EP], { stdio: ['ignore', 'pipe', 'pipe'] });
    relay.stdout!.on('data', (b) => (relayOut += String(b)));
    relay.stderr!.on('data', (b) => (relayOut += String(b)));
    await until(() => /READY /.test(relayOut) || relay!.exitCode !== null, 'pion-relay READY', 10_000);
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-nodelib-sleep-'));
    uri = `coaps://127.0.0.1:${relayPort}`;
  });
  let uri = '';
  after(async () => {
    relay?.kill('SIGTERM');
    if (info) await p((cb) => server.stop(info, cb));
    rmSync(dataDir, { recursive: true, force: true });
  });

  function boot(localPort: number, celsius: number, events: ClientEvent[]) {
    const host = new NodeHost({ dataDir, logLevel: 'error' });
    const tap = tapUdp(host, 0, 0);
    const keys = KeyStore.open(host, 'keys');
    const counters = CounterStore.open(host, 'counters');
    const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'UQ' }));
    const t = new TemperatureObject();
    t.store(0, new Map<number, ResourceContent>([[5700, celsius], [5701, 'Cel']]));
    dm.register(t);
    dm.restore();
    applyFactoryConfig(dm, { accounts: [{ uri, pskIdentity: EP, pskKey: fromHex(PSK_HEX), shortServerId: 1, lifetime: 300, binding: 'UQ' }] });
    const client = new Lwm2mClient({ host, endpointName: EP, dataModel: dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, localPort, wakeTimeoutMs: 3_000, onEvent: (e) => events.push(e), retry: { failuresBeforeBootstrap: 99 } });
    return { client, tap, dispose: () => { counters.close(); keys.close(); host.dispose(); } };
  }

  it('observe, sleep, a new reading, restart on the same port: the woken Update and then the notification reach lwm2m-node-lib', async () => {
    const localPort = await freeUdpPort(1);
    const d1 = boot(localPort, 18.5, []);
    await d1.client.start();
    const id = (await p<{ id: number }>((cb) => server.getDevice(EP, cb))).id;
    const seen: string[] = [];
    const first = await p<string>((cb) => server.observe(id, 3303, 0, 5700, (v) => seen.push(String(v)), cb));
    assert.equal(String(first), '18.5');
    assert.equal(await d1.client.sleep(), 1);
    d1.dispose();

    const ev: ClientEvent[] = [];
    const d2 = boot(localPort, 19.75, ev);
    const before = updates.length;
    await d2.client.start();
    await until(() => updates.length > before, 'the woken Update at lwm2m-node-lib');
    await until(() => seen.length >= 1, 'the notification at lwm2m-node-lib', 8_000);
    assert.deepEqual(seen, ['19.75']);
    assert.ok(ev.some((e) => e.type === 'connected' && e.woken === true), ev.map((e) => e.type).join());
    assert.ok(!ev.some((e) => e.type === 'wake-fallback' || e.type === 'registered'), ev.map((e) => e.type).join());
    assert.equal(d2.tap.count.epoch0Bytes, 0, `no handshake byte (${d2.tap.count.records.join(', ')})`);
    assert.equal((relayOut.match(/HANDSHAKE peer=/g) ?? []).length, 1, 'pion saw one handshake in all');
    await d2.client.stop({ deregister: false });
    d2.dispose();
  });
});
