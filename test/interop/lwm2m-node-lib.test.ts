/**
 * The client against a third-party LwM2M server nobody here wrote: the npm package `lwm2m-node-lib`
 * (Telefonica's LwM2M server on node-coap). NoSec directly over UDP, and DTLS 1.2 PSK through a
 * third-party DTLS relay (pion/dtls, tools/peers/pion-relay) in front of it, since the server has no DTLS.
 * Each `it` names the OMA ETS 1.1 interoperability case (OMA-ETS-LightweightM2M-V1_1) it exercises, as far
 * as this server can drive it.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../harness/assert';
import { NodeHost } from '../../hosts/node/host';
import { DataModel } from '../../modules/lwm2m/data-model';
import { DeviceObject } from '../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../modules/lwm2m/persistence';
import { Lwm2mClient, type ClientEvent } from '../../modules/client/client';
import { applyFactoryConfig } from '../../modules/client/factory';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freeUdpPort, PION_RELAY_BIN } from '../../tools/peers/peers.mjs';
import { fromHex } from '../../modules/bytes/index';

const require = createRequire(import.meta.url);

type Cb<T> = (err: Error | null, v?: T) => void;
interface NodeLibServer {
  start(cfg: object, cb: Cb<unknown>): void;
  stop(info: unknown, cb: Cb<unknown>): void;
  setHandler(info: unknown, type: string, h: (...a: unknown[]) => void): void;
  getDevice(name: string, cb: Cb<{ id: number; name: string; lifetime: string }>): void;
  read(id: number, o: number, i: number, r: number, cb: Cb<string>): void;
  write(id: number, o: number, i: number, r: number, v: string, cb: Cb<string>): void;
  execute(id: number, o: number, i: number, r: number, v: string, cb: Cb<string>): void;
  discover(id: number, o: number, i: number, r: number | Cb<string>, cb?: Cb<string>): void;
  writeAttributes(id: number, o: number, i: number, r: number, attrs: object, cb: Cb<string>): void;
  observe(id: number, o: number, i: number, r: number, onValue: (v: string) => void, cb: Cb<string>): void;
}

function p<T>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v as T))));
}
async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const PSK_HEX = '000102030405060708090a0b0c0d0e0f';

/**
 * The relay lives for a whole describe; it is spawned here rather than through peers.mjs, whose
 * stopAllPeers() other interop files call in a root-level afterEach (that would end it after one test).
 */
async function spawnRelay(port: number, upstream: string): Promise<{ proc: ChildProcess; output: () => string; stop: () => void }> {
  if (!existsSync(PION_RELAY_BIN)) throw new Error(`${PION_RELAY_BIN} missing: run bash tools/peers/install.sh`);
  const proc = spawn(PION_RELAY_BIN, ['-addr', `127.0.0.1:${port}`, '-upstream', upstream, '-psk', PSK_HEX, '-identity', 'nodelib-ep'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b) => (out += String(b)));
  proc.stderr!.on('data', (b) => (out += String(b)));
  const exitKill = () => proc.kill('SIGKILL');
  process.once('exit', exitKill);
  await until(() => /READY /.test(out) || proc.exitCode !== null, 'pion-relay READY', 10_000);
  if (proc.exitCode !== null) throw new Error(`pion-relay exited: ${out}`);
  return { proc, output: () => out, stop: () => { process.removeListener('exit', exitKill); proc.kill('SIGTERM'); } };
}

for (const mode of ['nosec', 'dtls-psk'] as const) describe(`third-party LwM2M server: lwm2m-node-lib (npm), ${mode === 'nosec' ? 'NoSec' : 'DTLS PSK-CCM8 through a pion/dtls relay'}`, function () {
  this.timeout(60_000);
  let relay: Awaited<ReturnType<typeof spawnRelay>> | undefined;
  const lib = require('lwm2m-node-lib') as { server: NodeLibServer };
  const server = lib.server;
  let info: unknown;
  let port = 0;
  let dataDir: string;
  let host: NodeHost;
  let client: Lwm2mClient;
  const events: ClientEvent[] = [];
  const registrations: { ep: string; lt: string; version: string; binding: string; payload: string }[] = [];
  const updates: string[] = [];
  const deregistrations: string[] = [];

  before(async () => {
    port = await freeUdpPort(1);
    info = await p((cb) => server.start({
      port, udpWindow: 100, logLevel: 'FATAL', serverProtocol: 'udp4', ipProtocol: 'udp4', lifetimeCheckInterval: 10_000,
      // node-coap knows text/plain; the library's default write format is a pre-registration number (1541).
      formats: [{ name: 'text/plain', value: 0 }], writeFormat: 'text/plain',
      deviceRegistry: { type: 'memory' }, defaultType: 'Device', types: [],
    }, cb));
    server.setHandler(info, 'registration', (ep, lt, version, binding, payload, cb) => {
      registrations.push({ ep: ep as string, lt: lt as string, version: version as string, binding: binding as string, payload: payload as string });
      (cb as () => void)();
    });
    server.setHandler(info, 'updateRegistration', (obj, payload, cb) => { updates.push(String(payload ?? '')); (cb as () => void)(); });
    server.setHandler(info, 'unregistration', (device, cb) => { deregistrations.push((device as { name: string }).name); (cb as () => void)(); });
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-nodelib-'));
    host = new NodeHost({ dataDir, logLevel: 'error' });
    const dm = new DataModel({ store: new MemoryObjectStore() });
    dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'node-lib-interop', binding: 'U' }));
    if (mode === 'nosec') {
      applyFactoryConfig(dm, { accounts: [{ uri: `coap://127.0.0.1:${port}`, shortServerId: 1, lifetime: 300 }] });
    } else {
      const relayPort = await freeUdpPort(1);
      relay = await spawnRelay(relayPort, `127.0.0.1:${port}`);
      applyFactoryConfig(dm, { accounts: [{ uri: `coaps://127.0.0.1:${relayPort}`, pskIdentity: 'nodelib-ep', pskKey: fromHex(PSK_HEX), shortServerId: 1, lifetime: 300 }] });
    }
    client = new Lwm2mClient({ host, endpointName: 'nodelib-ep', dataModel: dm, onEvent: (e) => events.push(e), retry: { failuresBeforeBootstrap: 99 } });
  });
  after(async () => {
    try { await client?.stop(); } catch { /* already stopped */ }
    host?.dispose();
    relay?.stop();
    if (info) await p((cb) => server.stop(info, cb));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('LightweightM2M-1.1-int-101 Initial Registration: Register is accepted (2.01) with ep, lt, lwm2m, b and the object links', async () => {
    await client.start();
    const conn = events.find((e) => e.type === 'connected');
    assert.ok(conn && conn.type === 'connected' && conn.security === (mode === 'nosec' ? 'nosec' : 'dtls-psk'), JSON.stringify(conn));
    if (relay) assert.ok(/HANDSHAKE peer=/.test(relay.output()), relay.output());
    const reg = events.find((e) => e.type === 'registered');
    assert.ok(reg, `not registered: ${JSON.stringify(events)}`);
    assert.equal(registrations.length, 1);
    const r = registrations[0];
    assert.equal(r.ep, 'nodelib-ep');
    assert.equal(r.lt, '300');
    assert.equal(r.version, '1.1');
    assert.equal(r.binding, 'U');
    assert.ok(/<\/3\/0>/.test(r.payload) && !/<\/0[/>]/.test(r.payload), `payload: ${r.payload}`);
    const dev = await p<{ id: number; name: string }>((cb) => server.getDevice('nodelib-ep', cb));
    assert.equal(dev.name, 'nodelib-ep');
  });

  async function deviceId(): Promise<number> {
    return (await p<{ id: number }>((cb) => server.getDevice('nodelib-ep', cb))).id;
  }

  it('LightweightM2M-1.1-int-201 Querying basic information in Plain Text format / int-224 Read on Resource: /3/0/0 and /3/0/1 as text', async () => {
    const id = await deviceId();
    assert.equal(await p<string>((cb) => server.read(id, 3, 0, 0, cb)), 'xs-lwm2m');
    assert.equal(await p<string>((cb) => server.read(id, 3, 0, 1, cb)), 'node-lib-interop');
  });

  it('reading a resource the device lacks gives the server an error (4.04), not a value', async () => {
    const id = await deviceId();
    let err: Error | undefined;
    try { await p<string>((cb) => server.read(id, 3, 0, 25, cb)); } catch (e) { err = e as Error; }
    assert.ok(err, 'a read of /3/0/25 must fail');
  });

  it('LightweightM2M-1.1-int-221 Attempt to perform operations on Security: the DM server cannot read /0/0/0 (no value returned)', async () => {
    const id = await deviceId();
    let err: Error | undefined;
    let value: string | undefined;
    try { value = await p<string>((cb) => server.read(id, 0, 0, 0, cb)); } catch (e) { err = e as Error; }
    assert.ok(err && value === undefined, `Security object readable: ${value}`);
    assert.ok(/4\.01/.test(String(err.message) + JSON.stringify(err)), `expected 4.01 Unauthorized: ${JSON.stringify(err)}`);
  });

  it('LightweightM2M-1.1-int-227 Write (replace) on Resource: /1/0/1 Lifetime written as text is what the server reads back', async () => {
    const id = await deviceId();
    await p<string>((cb) => server.write(id, 1, 0, 1, '600', cb));
    assert.equal(await p<string>((cb) => server.read(id, 1, 0, 1, cb)), '600');
  });

  it('LightweightM2M-1.1-int-102 Registration Update / int-107 Extending the lifetime / int-104 Registration Update Trigger: lt=600 reaches the server; Execute /1/0/8 sends another Update', async () => {
    await until(() => updates.length >= 1, 'Update after the Lifetime write');
    const dev = await p<{ lifetime: string }>((cb) => server.getDevice('nodelib-ep', cb));
    assert.equal(String(dev.lifetime), '600', 'the server recorded the new lifetime from the Update');
    const before = updates.length;
    const id = await deviceId();
    await p<string>((cb) => server.execute(id, 1, 0, 8, '', cb));
    await until(() => updates.length > before, 'Update after Execute /1/0/8');
  });

  it('executing a resource that is not executable is refused (4.05)', async () => {
    const id = await deviceId();
    let err: Error | undefined;
    try { await p<string>((cb) => server.execute(id, 3, 0, 0, '', cb)); } catch (e) { err = e as Error; }
    assert.ok(err && /4\.05/.test(String((err as { message?: string }).message) + JSON.stringify(err)), `expected 4.05: ${err && JSON.stringify(err)}`);
  });

  it('LightweightM2M-1.1-int-260 Discover Command: /3/0 lists its resources in link format', async () => {
    const id = await deviceId();
    const text = await p<string>((cb) => server.discover(id, 3, 0, cb as unknown as Cb<string>));
    assert.ok(/<\/3\/0\/0>/.test(text) && /<\/3\/0\/1>/.test(text) && /<\/3\/0\/16>/.test(text), `discover: ${text}`);
  });

  it('LightweightM2M-1.1-int-301 Observation and Notification of parameter values: Write-Attributes, then Observe /1/0/1 delivers the value and a change', async () => {
    const id = await deviceId();
    await p<string>((cb) => server.writeAttributes(id, 1, 0, 1, { pmin: 0, pmax: 60 }, cb));
    const seen: string[] = [];
    const first = await p<string>((cb) => server.observe(id, 1, 0, 1, (v) => seen.push(String(v)), cb));
    assert.equal(String(first), '600');
    await p<string>((cb) => server.write(id, 1, 0, 1, '700', cb));
    await until(() => seen.includes('700'), 'notification of the new Lifetime');
  });

  it('LightweightM2M-1.1-int-103 Deregistration: stop() deletes the registration on the server', async () => {
    await client.stop();
    await until(() => deregistrations.includes('nodelib-ep'), 'De-register');
    let err: Error | undefined;
    try { await p((cb) => server.getDevice('nodelib-ep', cb)); } catch (e) { err = e as Error; }
    assert.ok(err, 'the device is still registered');
  });
});
