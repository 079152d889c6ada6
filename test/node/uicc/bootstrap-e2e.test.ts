/**
 * Bootstrap from Smartcard end to end: a device with no factory configuration (Node host, real UDP,
 * file flash) reads its bootstrap information from the simulated UICC over GlobalPlatform SCP03, then
 * registers over DTLS-PSK with the local LwM2M Server (tools/lwm2m-server.ts) on loopback. The refused
 * cases leave the device with nothing applied and nothing on the wire.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { fromHex } from '../../../modules/bytes/index';
import { NodeHost } from '../../../hosts/node/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { KeyStore } from '../../../modules/store/key-store';
import { Lwm2mClient } from '../../../modules/client/client';
import { KeyStoreObjectStore } from '../../../modules/client/factory';
import { bootstrapFromSmartcard, provisionSmartcardBinding } from '../../../modules/uicc/bootstrap';
import { SmartcardBootstrapError } from '../../../modules/uicc/errors';
import type { ApduTransport } from '../../../modules/uicc/transport';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { bootstrapFile, DEVICE_ENC, DEVICE_MAC, ICCID, makeCard, PSK } from '../../unit/uicc/fixtures';

const EP = 'card-dev';

function device(dataDir: string) {
  const host = new NodeHost({ dataDir, logLevel: 'error' });
  const keys = KeyStore.open(host, 'keys');
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
  dm.register(new DeviceObject({ manufacturer: 'uicc', model: 'node', serial: 'C1', firmwareVersion: '1', binding: 'U' }));
  dm.restore();
  return { host, keys, dm };
}

describe('Bootstrap from Smartcard end to end (SCP03, local LwM2M Server over DTLS)', function () {
  this.timeout(60_000);
  let lwm2m: Lwm2mTestServer;
  const dirs: string[] = [];
  const devices: ReturnType<typeof device>[] = [];
  let client: Lwm2mClient | undefined;

  function fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-uicc-'));
    dirs.push(dir);
    const d = device(dir);
    devices.push(d);
    // the production line seals the card binding: ICCID and the device's SCP03 key set
    provisionSmartcardBinding(d.keys, { iccid: ICCID, kvn: 0x30, enc: fromHex(DEVICE_ENC), mac: fromHex(DEVICE_MAC) });
    return d;
  }

  before(async () => {
    lwm2m = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: EP, key: fromHex(PSK) }] });
  });
  after(async () => {
    await client?.stop({ deregister: false }).catch(() => {});
    for (const d of devices) {
      d.keys.close();
      d.host.dispose();
    }
    await lwm2m?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('no factory configuration: bootstraps from the card over SCP03 and registers', async () => {
    const d = fresh();
    assert.deepEqual(d.dm.security.instanceIds(), [], 'no factory configuration');
    const card = makeCard({ bootstrap: bootstrapFile(`coaps://127.0.0.1:${lwm2m.port}`, EP) });
    const r = await bootstrapFromSmartcard({ transport: card, keys: d.keys, dataModel: d.dm, host: d.host, crypto: d.host.crypto });
    assert.deepEqual(r.objects, [0, 1]);
    client = new Lwm2mClient({ host: d.host, endpointName: EP, dataModel: d.dm });
    await client.start();
    const reg = await lwm2m.waitForRegistration(EP, 15_000);
    assert.equal(reg.lifetime, 300);
    assert.equal((await lwm2m.read(EP, '/3/0/0')).code, 0x45);
    await client.stop({ deregister: true });
    client = undefined;
  });

  it('replayed APDU sequence (a good session recorded on the bus, played back): refused, nothing applied', async () => {
    const card = makeCard({ bootstrap: bootstrapFile(`coaps://127.0.0.1:${lwm2m.port}`, EP) });
    const recorded: Uint8Array[] = [];
    const rec = fresh();
    await bootstrapFromSmartcard({ transport: { transmit: async (a) => { const r = await card.transmit(a); recorded.push(r); return r; } }, keys: rec.keys, dataModel: rec.dm, host: rec.host, crypto: rec.host.crypto });
    const d = fresh();
    let i = 0;
    const replay: ApduTransport = { transmit: async () => recorded[i++] ?? Uint8Array.of(0x6f, 0) };
    const e = (await assert.rejects(bootstrapFromSmartcard({ transport: replay, keys: d.keys, dataModel: d.dm, host: d.host, crypto: d.host.crypto }), SmartcardBootstrapError)) as SmartcardBootstrapError;
    assert.equal(e.code, 'secure-channel');
    assert.deepEqual(d.dm.security.instanceIds(), []);
  });

  const refusals: [string, (port: number) => ApduTransport, SmartcardBootstrapError['code']][] = [
    ['swapped card', (port) => makeCard({ iccid: '8944500000000000001', bootstrap: bootstrapFile(`coaps://127.0.0.1:${port}`, EP) }), 'wrong-card'],
    ['card with other keys', (port) => makeCard({ keySets: [{ kvn: 0x30, enc: fromHex('22'.repeat(16)), mac: fromHex('33'.repeat(16)), role: 'device' }], bootstrap: bootstrapFile(`coaps://127.0.0.1:${port}`, EP) }), 'secure-channel'],
    ['tampered C-MAC', (port) => {
      const card = makeCard({ bootstrap: bootstrapFile(`coaps://127.0.0.1:${port}`, EP) });
      return { transmit: async (a) => { const x = a.slice(); if (x[1] === 0xb0 && (x[0] & 4)) x[x.length - 3] ^= 0x10; return card.transmit(x); } };
    }, 'secure-channel'],
  ];
  for (const [name, make, code] of refusals) {
    it(`${name}: refused with a typed error, nothing applied, nothing sent to the server`, async () => {
      const d = fresh();
      const before = lwm2m.registrations().length;
      const e = (await assert.rejects(bootstrapFromSmartcard({ transport: make(lwm2m.port), keys: d.keys, dataModel: d.dm, host: d.host, crypto: d.host.crypto }), SmartcardBootstrapError)) as SmartcardBootstrapError;
      assert.equal(e.code, code);
      assert.deepEqual(d.dm.security.instanceIds(), []);
      assert.deepEqual(d.dm.servers.instanceIds(), []);
      // nothing persisted either: a restart finds no account
      const again = new DataModel({ store: new KeyStoreObjectStore(d.keys) });
      again.restore();
      assert.deepEqual(again.security.instanceIds(), []);
      assert.equal(lwm2m.registrations().length, before);
    });
  }
});
