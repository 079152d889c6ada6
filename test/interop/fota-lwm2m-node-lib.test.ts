/**
 * A third-party LwM2M server drives a firmware update: lwm2m-node-lib (npm, NoSec CoAP) writes the
 * Package URI (/5/0/1) and executes Update (/5/0/2) on our device (hosts/node/app.ts, file flash, real
 * UDP); the image is served by a third-party CoAP server too (libcoap's coap-server, a dynamic resource
 * created with coap-client PUT in Block1 blocks), which our device fetches with Block2. The image is
 * signed by OpenSSL (tools/fw-sign.ts). Then lwm2m-node-lib reads State 0 / Update Result 1 from the
 * restarted device.
 */
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../harness/assert';
import { toHex } from '../../modules/bytes/index';
import { nobleCrypto } from '../../modules/crypto/noble';
import { startDeviceApp, type DeviceApp, type DeviceAppConfig } from '../../hosts/node/app';
import { openNodeFirmware, programSlot } from '../../hosts/node/fota';
import { buildImage, generateSigner } from '../../tools/fw-sign';
import { freeUdpPort, have, startCoapServer, type PeerHandle } from '../../tools/peers/peers.mjs';

const require = createRequire(import.meta.url);
const EP = 'fota-nodelib';

interface NodeLibServer {
  start(cfg: object, cb: (e: Error | null, info: unknown) => void): void;
  stop(info: unknown, cb: (e?: Error | null) => void): void;
  write(id: number, o: number, i: number, r: number, v: string, cb: (e: Error | null) => void): void;
  execute(id: number, o: number, i: number, r: number, v: string | null, cb: (e: Error | null) => void): void;
  read(id: number, o: number, i: number, r: number, cb: (e: Error | null, v?: string) => void): void;
  getDevice(name: string, cb: (e: Error | null, d?: { id: number }) => void): void;
}

const p = <T>(f: (cb: (e: Error | null, v?: T) => void) => void) => new Promise<T>((res, rej) => f((e, v) => (e ? rej(e) : res(v as T))));

describe('interop: lwm2m-node-lib (third-party LwM2M server) drives a firmware update over Package URI', function () {
  this.timeout(90_000);
  let server: NodeLibServer;
  let info: unknown;
  let files: PeerHandle | null = null;
  let dataDir: string;
  let app: DeviceApp | null = null;
  let boots = 0;

  before(function () {
    if (!have('coap-server-notls') || !have('coap-client-notls')) this.skip();
  });

  after(async () => {
    await app?.shutdown();
    if (info) await new Promise<void>((r) => server.stop(info, () => r()));
    await files?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('Write Package URI, Execute Update, new image confirmed, read back by the third-party server', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-nodelib-'));
    const [lwPort, filePort] = [await freeUdpPort(), await freeUdpPort()];
    // The image server: libcoap with dynamic resources; the image goes up with coap-client PUT (Block1).
    files = await startCoapServer({ variant: 'notls', port: filePort, extraArgs: ['-d', '4'] });
    const signer = generateSigner();
    const payload = new Uint8Array(12_000).map((_, i) => (i * 7 + 3) & 0xff);
    const v1 = buildImage(signer, payload, { version: 1, name: 'nodelib-app', versionString: '3.1' });
    const v2 = buildImage(signer, payload.map((b) => b ^ 0x5a), { version: 2, name: 'nodelib-app', versionString: '3.2' });
    const imgFile = join(dataDir, 'v2.img');
    writeFileSync(imgFile, v2);
    const put = spawnSync('coap-client-notls', ['-m', 'put', '-b', '1024', '-f', imgFile, `coap://127.0.0.1:${filePort}/fw`], { timeout: 20_000 });
    assert.equal(put.status, 0, `coap-client PUT failed: ${put.stderr}`);

    server = require('lwm2m-node-lib').server as NodeLibServer;
    info = await p((cb) =>
      server.start({ port: lwPort, lifetimeCheckInterval: 1000, udpWindow: 100, defaultType: 'Device', logLevel: 'FATAL', ipProtocol: 'udp4', serverProtocol: 'udp4', formats: [], writeFormat: 'text/plain', types: [] }, cb),
    );

    const fw = openNodeFirmware(dataDir, nobleCrypto, signer.publicKey, 8);
    programSlot(fw, 0, v1);
    fw.close();
    const cfg: DeviceAppConfig = { dataDir, endpoint: EP, serverUri: `coap://127.0.0.1:${lwPort}`, pskIdentity: '', pskKey: '', publicKey: toHex(signer.publicKey), slotSectors: 8, lifetime: 60, trialTimeoutMs: 20_000, logLevel: 'error' };
    const powerOn = async () => {
      boots++;
      app = await startDeviceApp(cfg, {
        restart: () =>
          setImmediate(async () => {
            const a = app;
            app = null;
            await a?.shutdown();
            await powerOn();
          }),
      });
    };
    await powerOn();
    const until = async <T>(f: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> => {
      const end = Date.now() + ms;
      for (;;) {
        const v = await f().catch(() => undefined);
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const device = async () => (await p<{ id: number }>((cb) => server.getDevice(EP, cb))).id;
    const read = async (r: number) => {
      const id = await device();
      return p<string>((cb) => server.read(id, 5, 0, r, cb));
    };
    await until(async () => (await device()) ?? undefined, 'registration with lwm2m-node-lib');
    assert.equal(await read(3), '0');

    const id = await device();
    await p((cb) => server.write(id, 5, 0, 1, `coap://127.0.0.1:${filePort}/fw`, cb));
    await until(async () => ((await read(3)) === '2' ? true : undefined), 'State 2 (Downloaded)');
    assert.equal(await read(7), '3.2', 'PkgVersion of the downloaded package');
    await p((cb) => server.execute(id, 5, 0, 2, null, cb));
    await until(async () => (boots >= 2 && app && (await read(3)) === '0' ? true : undefined), 'the restarted device to report Idle');
    assert.equal(await read(5), '1', 'Update Result 1 (success)');
    assert.equal(app!.firmware.slots.active, 1);
    assert.equal(app!.firmware.slots.header(1)?.versionString, '3.2');
    assert.ok(!app!.firmware.slots.bootRecord().trial, 'confirmed');
  });
});
