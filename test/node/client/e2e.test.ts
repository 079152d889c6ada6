/**
 * The client end to end on loopback: the Node host (real UDP, file flash, device secret file), DTLS
 * PSK to the local Bootstrap-Server and LwM2M Server from tools/, every interface, restart from the
 * key store, and unbootstrapping with a real De-register on the wire.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import cbor from 'cbor';
import { assert } from '../../harness/assert';
import { NodeHost } from '../../../hosts/node/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { encodeTlv, decodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { ContentFormat, type ResourceContent } from '../../../modules/lwm2m/types';
import { KeyStore } from '../../../modules/store/key-store';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { keyStoreSessions } from '../../../modules/client/connector';
import { applyFactoryConfig, KeyStoreObjectStore, securityInstanceTlv, serverInstanceTlv } from '../../../modules/client/factory';
import { toHex, utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { BootstrapTestServer } from '../../../tools/bootstrap-server';
import { TemperatureObject } from '../../unit/lwm2m/fixtures';

const EP = 'e2e-device';

function device(dataDir: string) {
  const host = new NodeHost({ dataDir, logLevel: 'error' });
  const keys = KeyStore.open(host, 'keys');
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
  dm.register(new DeviceObject({ manufacturer: 'e2e', model: 'node', serial: 'S1', firmwareVersion: '1', binding: 'U' }));
  const temp = new TemperatureObject();
  temp.store(0, new Map<number, ResourceContent>([[5700, 20], [5701, 'Cel']]));
  dm.register(temp);
  return { host, keys, dm, temp };
}

describe('client end to end over DTLS on loopback (Node host, local servers)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let lwm2m: Lwm2mTestServer;
  let bootstrap: BootstrapTestServer;
  const dmKey = new Uint8Array(randomBytes(16));
  const bsKey = new Uint8Array(randomBytes(16));
  const events: ClientEvent[] = [];
  let dev: ReturnType<typeof device>;
  let client: Lwm2mClient;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-e2e-'));
    lwm2m = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: EP, key: dmKey }] });
    bootstrap = await BootstrapTestServer.start({
      port: 0,
      psk: [{ identity: `${EP}-bs`, key: bsKey }],
      plans: [{
        endpoint: EP,
        deleteFirst: ['/1'],
        writes: [
          { path: '/0/1', payload: securityInstanceTlv(1, { uri: `coaps://127.0.0.1:${lwm2m.port}`, pskIdentity: EP, pskKey: dmKey, shortServerId: 101 }), contentFormat: ContentFormat.Tlv },
          { path: '/1/0', payload: serverInstanceTlv(0, { uri: '', shortServerId: 101, lifetime: 30 }), contentFormat: ContentFormat.Tlv },
        ],
        read: ['/1'],
      }],
    });
  });

  after(async () => {
    await client?.stop({ deregister: false }).catch(() => {});
    dev?.keys.close();
    dev?.host.dispose();
    await lwm2m?.stop();
    await bootstrap?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('LightweightM2M-1.1-int-1 Client Initiated Bootstrap Full (PSK) / LightweightM2M-1.1-int-401 UDP Channel Security PSK: bootstraps over DTLS, then registers over DTLS with what the Bootstrap-Server wrote', async () => {
    dev = device(dataDir);
    applyFactoryConfig(dev.dm, { accounts: [{ uri: `coaps://127.0.0.1:${bootstrap.port}`, bootstrap: true, pskIdentity: `${EP}-bs`, pskKey: bsKey.slice() }] });
    client = new Lwm2mClient({ host: dev.host, endpointName: EP, dataModel: dev.dm, sessions: keyStoreSessions(dev.keys), onEvent: (e) => events.push(e) });
    await client.start();
    const fin = await bootstrap.waitForFinish(EP, 10_000);
    assert.equal(fin.finishCode, 0x44);
    // deleteFirst /1, two writes, a Bootstrap-Read of /1 (allowed: Server object), finish.
    const codes = fin.results.map((r) => `${r.op} ${r.path} ${r.code.toString(16)}`);
    assert.ok(codes.some((c) => c.startsWith('read /1 45')), codes.join('; '));
    const reg = await lwm2m.waitForRegistration(EP, 10_000);
    assert.equal(reg.lifetime, 30);
    assert.equal(reg.lwm2mVersion, '1.1');
    assert.ok(reg.objectLinks.includes('</3303/0>'));
    assert.ok(events.filter((e) => e.type === 'connected').every((e) => (e as { security: string }).security === 'dtls-psk'));
    // The device secret file is owner-only; the flash holds no plaintext copy of either PSK.
    assert.equal(statSync(join(dataDir, 'device-secret.bin')).mode & 0o077, 0);
    const flash = new Uint8Array(readFileSync(join(dataDir, 'flash', 'keys.flash')));
    assert.ok(!toHex(flash).includes(toHex(dmKey)) && !toHex(flash).includes(toHex(bsKey)), 'a PSK is stored in clear in flash');
  });

  it('serves Read, Write, Execute, Create, Delete and Discover to the DM server', async () => {
    const r = await lwm2m.read(EP, '/3303/0', ContentFormat.Tlv);
    assert.equal(r.code, 0x45);
    const values = decodeTlv([3303, 0], r.payload, dev.dm.resolve);
    assert.equal(values.find((v) => v.path[2] === 5700)?.value, 20);
    assert.equal((await lwm2m.read(EP, '/3/0/0', ContentFormat.Text)).code, 0x45);
    assert.equal((await lwm2m.write(EP, '/3/0/14', utf8Encode('+01:00'), ContentFormat.Text)).code, 0x44);
    assert.equal(utf8Decode((await lwm2m.read(EP, '/3/0/14', ContentFormat.Text)).payload), '+01:00');
    assert.equal((await lwm2m.execute(EP, '/3303/0/5605')).code, 0x44);
    const created = await lwm2m.create(EP, '/3303', encodeTlv([3303, 7], [{ path: [3303, 7, 5700], type: 'float', value: 5 }], () => false), ContentFormat.Tlv);
    assert.equal(created.code, 0x41);
    const location = created.location!;
    assert.ok(/^\/3303\/[0-9]+$/.test(location), `Location-Path ${location}`);
    // A new instance changes the object set: the client sends an Update with the new links.
    const upd = await lwm2m.waitForUpdate(EP, 0, 10_000);
    assert.ok(upd.objectLinks.includes(`<${location}>`), upd.objectLinks);
    assert.equal((await lwm2m.delete(EP, location)).code, 0x42);
    assert.equal((await lwm2m.read(EP, location)).code, 0x84);
    const disc = await lwm2m.discover(EP, '/3303/0');
    assert.equal(disc.code, 0x45);
    assert.ok(disc.links.includes('</3303/0/5700>'), disc.links);
  });

  it('LightweightM2M-1.1-int-306 Send Operation: Send pushes a SenML CBOR pack that an independent CBOR decoder reads', async () => {
    dev.temp.setValue(0, 5700, 19.5);
    const before = lwm2m.sends.length;
    assert.equal(await client.send(['/3303/0/5700', '/3/0/0']), 0x44);
    const rec = lwm2m.sends[before];
    assert.equal(rec.contentFormat, ContentFormat.SenmlCbor);
    const pack = cbor.decodeFirstSync(Buffer.from(rec.payload)) as Map<number, unknown>[] | Record<string, unknown>[];
    // SenML CBOR labels (RFC 8428 §6): bn -2, n 0, v 2, vs 3. Names may be split into bn + n.
    const flat: Record<string, unknown> = {};
    let bn = '';
    for (const r of pack as Map<number, unknown>[]) {
      const get = (k: number) => (r instanceof Map ? r.get(k) : (r as Record<string, unknown>)[String(k)]);
      if (get(-2) !== undefined) bn = String(get(-2));
      flat[bn + String(get(0) ?? '')] = get(2) ?? get(3);
    }
    assert.equal(flat['/3303/0/5700'], 19.5, JSON.stringify(flat));
    assert.equal(flat['/3/0/0'], 'e2e', JSON.stringify(flat));
    await assert.rejects(client.send(['/0/1/5']), (e: unknown) => (e as { code?: string }).code === 'bad-config');
    dev.temp.setValue(0, 5700, 20);
  });

  it('LightweightM2M-1.1-int-221 Attempt to perform operations on Security: never lets the DM server near the Security Object or a secret', async () => {
    for (const p of ['/0', '/0/1', '/0/1/5', '/0/1/3']) {
      const r = await lwm2m.read(EP, p);
      assert.equal(r.code, 0x81, p);
      assert.ok(!toHex(r.payload).includes(toHex(dmKey)));
    }
    assert.equal((await lwm2m.write(EP, '/0/1/5', new Uint8Array(16), ContentFormat.Opaque)).code, 0x81);
    assert.equal((await lwm2m.discover(EP, '/0')).code, 0x81);
    assert.equal((await lwm2m.delete(EP, '/0/1')).code, 0x81);
  });

  it('LightweightM2M-1.1-int-301 Observation / LightweightM2M-1.1-int-303 Cancel observation: reports an observed value with pmin/pmax and stops on cancel', async () => {
    assert.equal((await lwm2m.writeAttributes(EP, '/3303/0/5700', 'pmin=0&pmax=2')).code, 0x44);
    const seen: string[] = [];
    const obs = await lwm2m.observe(EP, '/3303/0/5700', (n) => seen.push(utf8Decode(n.payload)), ContentFormat.Text);
    assert.equal(utf8Decode(obs.payload), '20');
    dev.temp.setValue(0, 5700, 25.25);
    client.changed('/3303/0/5700');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(seen.includes('25.25'), `notifications: ${seen.join(',')}`);
    // pmax=2: a notification arrives within ~2 s without any change.
    const n = seen.length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(seen.length > n, 'no pmax notification');
    await obs.cancel();
    const after = seen.length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(seen.length, after, 'notifications continued after cancel');
  });

  it('restarts from persisted state: keys and accounts come back from the key store, no bootstrap', async () => {
    await client.stop();
    await lwm2m.waitForDeregistration(EP, 5_000);
    dev.keys.close();
    dev.host.dispose();
    dev = device(dataDir);
    const restored = dev.dm.restore();
    assert.ok(restored >= 2, `restored ${restored}`);
    const evs: ClientEvent[] = [];
    client = new Lwm2mClient({ host: dev.host, endpointName: EP, dataModel: dev.dm, sessions: keyStoreSessions(dev.keys), onEvent: (e) => evs.push(e) });
    await client.start();
    await lwm2m.waitForRegistration(EP, 10_000);
    assert.ok(!evs.some((e) => e.type === 'bootstrap-start'), 'bootstrapped again instead of using the stored account');
    // The DTLS session came back sealed from the key store: an abbreviated handshake (RFC 7925 §10).
    const conn = evs.find((e) => e.type === 'connected');
    assert.ok(conn && conn.type === 'connected' && conn.resumed, `not resumed: ${JSON.stringify(conn)}`);
    const names = dev.keys.names();
    assert.ok(names.some((n) => n.startsWith('dtls.')), names.join(','));
  });

  it('a wrong device secret cannot open the key store', () => {
    const other = mkdtempSync(join(tmpdir(), 'xs-lwm2m-e2e-other-'));
    try {
      // Same flash files, different device secret: copy the flash into a directory with a new secret.
      cpSync(join(dataDir, 'flash'), join(other, 'flash'), { recursive: true });
      const host = new NodeHost({ dataDir: other, logLevel: 'error' });
      assert.throws(() => KeyStore.open(host, 'keys'), (e: unknown) => (e as { code?: string }).code === 'wrong-secret');
      host.dispose();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('unbootstrapping the DM account sends a real De-register and forgets the server', async () => {
    const iid = dev.dm.security.instanceIds().find((i) => dev.dm.security.shortServerId(i) === 101)!;
    const r = dev.dm.handle({ kind: 'bootstrap-delete', path: [0, iid] }, { kind: 'bootstrap' });
    assert.equal(r.code, 0x42);
    await lwm2m.waitForDeregistration(EP, 10_000);
    assert.equal(dev.dm.servers.instanceOf(101), undefined);
    for (const slot of ['a', 'b']) assert.equal(dev.keys.get(`lwm2m.0.${iid}.${slot}`), undefined, 'the deleted account is still in the key store');
    assert.ok(!dev.keys.names().some((n) => n.startsWith(`dtls.${iid}.`)), 'the DTLS session of the deleted account is still stored');
  });
});
