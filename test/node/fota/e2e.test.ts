/**
 * Firmware update end to end on the Node host: the device application (hosts/node/app.ts) with file
 * flash and real UDP, DTLS PSK to the local LwM2M Server (tools/lwm2m-server.ts), which pushes images
 * (Block1 writes of /5/0/0) or offers them by Package URI (the device pulls with Block2). A "reboot" is
 * what the launcher does: the application shut down, started again on the same data directory.
 * Images are signed with OpenSSL (node:crypto), the independent signer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assert } from '../../harness/assert';
import { toHex, utf8Decode } from '../../../modules/bytes/index';
import { encodeBlock } from '../../../modules/coap/block';
import { FwResult, FwState } from '../../../modules/fota/index';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { startDeviceApp, type DeviceApp, type DeviceAppConfig } from '../../../hosts/node/app';
import { openNodeFirmware, programSlot } from '../../../hosts/node/fota';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { generateSigner, buildImage, type Signer } from '../../../tools/fw-sign';

const EP = 'fota-device';

function payload(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('firmware update end to end (Node host, local LwM2M Server over DTLS)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let server: Lwm2mTestServer;
  let signer: Signer;
  let other: Signer;
  const key = new Uint8Array(randomBytes(16));
  let cfg: DeviceAppConfig;
  let app: DeviceApp | null = null;
  let boots = 0;

  const img = (version: number, size = 20_000, s: Signer = signer) => buildImage(s, payload(size, version), { version, name: 'node-app', versionString: `2.${version}` });

  async function powerOn(): Promise<DeviceApp> {
    boots++;
    app = await startDeviceApp(cfg, {
      restart: () => {
        // What the launcher does when the application asks for a restart.
        setImmediate(() => void reboot());
      },
    });
    return app;
  }
  async function powerOff(): Promise<void> {
    const a = app;
    app = null;
    await a?.shutdown();
  }
  async function reboot(): Promise<void> {
    await powerOff();
    await powerOn();
  }
  async function registeredRunning(versionString: string): Promise<void> {
    const end = Date.now() + 20_000;
    for (;;) {
      const reg = server.registration(EP);
      if (reg && app && app.engine.state === FwState.Idle && app.firmware.slots.header(app.firmware.slots.active)?.versionString === versionString) return;
      if (Date.now() > end) throw new Error(`device not registered running ${versionString}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-fota-'));
    signer = generateSigner();
    other = generateSigner();
    server = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: EP, key }] });
    cfg = { dataDir, endpoint: EP, serverUri: `coaps://127.0.0.1:${server.port}`, pskIdentity: EP, pskKey: toHex(key), publicKey: toHex(signer.publicKey), slotSectors: 24, trialTimeoutMs: 4000, lifetime: 60 };
    // Factory: image v1 in slot A.
    const fw = openNodeFirmware(dataDir, nobleCrypto, signer.publicKey, 24);
    programSlot(fw, 0, img(1));
    fw.close();
    await powerOn();
    await server.waitForRegistration(EP, 10_000);
  });

  after(async () => {
    await powerOff();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('push: Block1 write of the Package, verified, Update, restart into the new slot, confirmed after registering', async () => {
    const r = await server.pushFirmware(EP, img(2));
    assert.equal(r.code, 0x44);
    await server.waitForFirmware(EP, (s) => s.state === FwState.Downloaded);
    assert.equal(utf8Decode((await server.read(EP, '/5/0/7', 0)).payload), '2.2');
    const before = boots;
    assert.equal((await server.execute(EP, '/5/0/2')).code, 0x44);
    await registeredRunning('2.2');
    assert.equal(boots, before + 1, 'one restart');
    const s = await server.waitForFirmware(EP, (x) => x.state === FwState.Idle);
    assert.equal(s.result, FwResult.Success);
    assert.equal(app!.firmware.slots.active, 1);
    assert.ok(!app!.firmware.slots.bootRecord().trial, 'confirmed');
  });

  it('pull over coaps with Block2: Package URI, download, Update, confirmed', async () => {
    server.offerFile('fw/v3.img', img(3));
    assert.equal((await server.offerFirmwareUri(EP, `coaps://127.0.0.1:${server.port}/fw/v3.img`)).code, 0x44);
    await server.waitForFirmware(EP, (s) => s.state === FwState.Downloaded);
    assert.ok(server.fileGets('fw/v3.img') >= 1);
    assert.equal(app!.engine.pulledBytes, img(3).length);
    await server.execute(EP, '/5/0/2');
    await registeredRunning('2.3');
    assert.equal((await server.waitForFirmware(EP, (x) => x.state === FwState.Idle)).result, FwResult.Success);
    assert.equal(app!.firmware.slots.active, 0, 'back in slot A');
  });

  it('a pull cut by a restart mid-download resumes from its last checkpoint, not from block 0', async () => {
    const image = img(4, 70_000);
    server.offerFile('fw/v4.img', image);
    await server.offerFirmwareUri(EP, `coaps://127.0.0.1:${server.port}/fw/v4.img`);
    const end = Date.now() + 20_000;
    while (app!.engine.progress < 30_000 && Date.now() < end) await new Promise((r) => setImmediate(r));
    const got = app!.engine.progress;
    const checkpoint = app!.firmware.slots.getRecord('fw')!.at as number;
    await powerOff(); // power cut / sleep in the middle of the download
    assert.ok(got >= 30_000 && got < image.length, `stopped after ${got} bytes`);
    assert.ok(checkpoint >= 28_672 && checkpoint % 4096 === 0, `checkpoint ${checkpoint}`);
    await powerOn();
    assert.equal(app!.engine.resumedAt, checkpoint, 'resumed at the checkpoint');
    await server.waitForRegistration(EP, 10_000);
    await server.waitForFirmware(EP, (s) => s.state === FwState.Downloaded, 30_000);
    assert.equal(app!.engine.pulledBytes, image.length - checkpoint, 'fetched only the rest');
    await server.execute(EP, '/5/0/2');
    await registeredRunning('2.4');
  });

  it('push by hand-made Block1 blocks: early refusal of a bad header, a new block 0 restarts, a retried block is harmless, a gap is 4.08', async () => {
    const bad = img(7, 9000, other);
    const good = img(5, 9000);
    const put = async (data: Uint8Array, num: number, more: boolean) => {
      const r = await server.request(EP, {
        method: 'PUT',
        path: '/5/0/0',
        contentFormat: 42,
        options: [{ number: 27, value: encodeBlock({ num, more, szx: 6 }) }],
        payload: data.subarray(num * 1024, (num + 1) * 1024),
      });
      return r.code;
    };
    assert.equal(await put(bad, 0, true), 0x5f);
    assert.equal(await put(bad, 1, true), 0x80, 'refused as soon as the header (signature) was in');
    assert.equal((await server.firmwareState(EP)).result, FwResult.IntegrityFailure);
    assert.equal(await put(good, 0, true), 0x5f, 'a new block 0 starts a new transfer');
    assert.equal(await put(good, 1, true), 0x5f);
    assert.equal(await put(good, 3, true), 0x88, 'gap: 4.08 Request Entity Incomplete');
    assert.equal(await put(good, 0, true), 0x5f, 'new block 0 restarts');
    assert.equal(await put(good, 0, true), 0x5f, 'block 0 retried');
    assert.equal(await put(good, 1, true), 0x5f);
    assert.equal(await put(good, 1, true), 0x5f, 'block 1 retried: harmless');
    const n = Math.ceil(good.length / 1024);
    for (let i = 2; i < n; i++) assert.equal(await put(good, i, i < n - 1), i < n - 1 ? 0x5f : 0x44);
    await server.waitForFirmware(EP, (s) => s.state === FwState.Downloaded);
    assert.equal(utf8Decode((await server.read(EP, '/5/0/7', 0)).payload), '2.5');
    assert.equal((await server.write(EP, '/5/0/1', new Uint8Array(0), 0)).code, 0x44, 'empty Package URI resets');
    assert.deepEqual(await server.firmwareState(EP), { state: FwState.Idle, result: FwResult.Initial });
  });

  it('a bad signature (another key) ends with Update Result 5 and nothing installed', async () => {
    await server.pushFirmware(EP, img(5, 20_000, other));
    const s = await server.waitForFirmware(EP, (x) => x.state === FwState.Idle && x.result !== 0);
    assert.equal(s.result, FwResult.IntegrityFailure);
    assert.equal((await server.execute(EP, '/5/0/2')).code, 0x85);
    assert.equal(app!.firmware.slots.header(app!.firmware.slots.active)?.versionString, '2.4');
  });

  it('a downgrade (older version, validly signed) is refused with Update Result 6', async () => {
    server.offerFile('fw/v2.img', img(2));
    await server.offerFirmwareUri(EP, `coaps://127.0.0.1:${server.port}/fw/v2.img`);
    const s = await server.waitForFirmware(EP, (x) => x.state === FwState.Idle && x.result !== 0);
    assert.equal(s.result, FwResult.UnsupportedPackage);
    assert.equal(app!.firmware.slots.header(app!.firmware.slots.active)?.versionString, '2.4');
  });

  it('a new image that never registers is rolled back by itself, and the old one registers again', async () => {
    await server.pushFirmware(EP, img(6));
    await server.waitForFirmware(EP, (s) => s.state === FwState.Downloaded);
    server.refuseRegistrations = true;
    const before = boots;
    const oldLocation = server.registration(EP)!.location;
    await server.execute(EP, '/5/0/2');
    const end = Date.now() + 20_000;
    while (boots < before + 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(boots, before + 2, 'restarted into the trial image, then back');
    server.refuseRegistrations = false;
    await registeredRunning('2.4');
    // The registration the server still holds is the pre-update process's: wait for the rolled-back image's own.
    const end2 = Date.now() + 20_000;
    while (server.registration(EP)?.location === oldLocation && Date.now() < end2) await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(server.registration(EP)?.location, oldLocation, 'the old image registered again');
    const s = await server.waitForFirmware(EP, (x) => x.state === FwState.Idle && x.result !== 0);
    assert.equal(s.state, FwState.Idle);
    assert.equal(s.result, FwResult.UpdateFailed);
  });
});
