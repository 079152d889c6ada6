// Firmware update cost: bytes and datagrams on the wire for a 64 KiB image by push (Block1) and by pull
// (Block2), flash programs and erases per whole update (download, verify, switch, trial boot, confirm),
// and compute for checking an image (Node ops/s and XS compute, noble provider).
import { SimHost, DatagramPipe } from '../test/harness/sim';
import { SimFlash } from '../modules/store/sim-flash';
import { CoapEndpoint } from '../modules/coap/endpoint';
import { nobleCrypto } from '../modules/crypto/noble';
import { DataModel } from '../modules/lwm2m/data-model';
import { CoapPackageSource } from '../modules/client/fota-source';
import { FirmwareSlots, FirmwareUpdate, FwState, regionView, signImage, HEADER_LENGTH, parseHeader, verifyHeaderSignature, Sha256 } from '../modules/fota/index';
import { Prng } from '../test/harness/sim';
import { nodeOpsPerSec, table, xsMeters } from './harness';

const SECTOR = 4096;
const SLOT_SECTORS = 17; // 68 KiB: a 64 KiB payload plus the header
const rng = new Prng(64);
const signer = nobleCrypto.p256.keyPairFromRandom(rng.bytes(32));
const image = (version: number) => signImage(nobleCrypto, signer.privateKey, new Prng(version).bytes(64 * 1024), { version, name: 'bench', versionString: `${version}` }, rng.bytes(32));
const V1 = image(1);
const V2 = image(2);

function device(host: SimHost) {
  const chip = new SimFlash((2 + 2 * SLOT_SECTORS) * SECTOR, SECTOR);
  const layout = { meta: regionView(chip, 0, 2), slots: [regionView(chip, 2, SLOT_SECTORS), regionView(chip, 2 + SLOT_SECTORS, SLOT_SECTORS)] as const };
  for (let s = 0; s < SLOT_SECTORS; s++) layout.slots[0].eraseSector(s);
  layout.slots[0].write(0, V1);
  const boot = (source?: CoapPackageSource) => {
    const slots = new FirmwareSlots({ ...layout, crypto: nobleCrypto, publicKey: signer.publicKey });
    slots.boot();
    const fw = new FirmwareUpdate({ host, slots, source, restart: () => {} });
    fw.start();
    return fw;
  };
  return { chip, boot };
}

async function settle(host: SimHost, done: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000_000 && !done(); i++) {
    host.clock.advance(1);
    await new Promise((r) => setImmediate(r));
  }
  if (!done()) throw new Error('did not finish');
}

interface Run {
  up: { bytes: number; n: number };
  down: { bytes: number; n: number };
  programs: number;
  erases: number;
}

async function update(mode: 'push' | 'pull'): Promise<Run> {
  const host = new SimHost({ seed: 9 });
  const pipe = new DatagramPipe(host.clock, 1, 1400); // a: LwM2M Server (or file server), b: device
  const dev = device(host);
  const p0 = dev.chip.totalPrograms();
  const e0 = dev.chip.totalErases();
  const server = new CoapEndpoint(host, pipe.a);
  let fw: FirmwareUpdate;
  if (mode === 'push') {
    fw = dev.boot();
    const ep = new CoapEndpoint(host, pipe.b);
    ep.onRequest(() => ({ code: 0x84 }));
    ep.onBlock1 = (_req, b) => ({ code: fw.pushBlock(b.num, b.szx, b.more, _req.payload) });
    let done = false;
    server.request({ method: 'PUT', path: ['5', '0', '0'], contentFormat: 42, payload: V2 }).then(() => (done = true));
    await settle(host, () => done && fw.state !== FwState.Downloading);
  } else {
    server.onRequest(() => ({ code: 0x45, payload: V2, options: [{ number: 4, value: Uint8Array.of(1, 2, 3, 4) }] }));
    const source = new CoapPackageSource(host, new DataModel({ host }), { open: async () => ({ channel: pipe.b, security: 'nosec' }) });
    fw = dev.boot(source);
    fw.writeUri('coap://192.0.2.1/fw');
    await settle(host, () => fw.state !== FwState.Downloading);
  }
  if (fw.state !== FwState.Downloaded) throw new Error(`${mode}: ${fw.lastError}`);
  fw.executeUpdate();
  host.clock.advance(0);
  const fw2 = dev.boot();
  fw2.registered();
  if (fw2.result !== 1) throw new Error('not confirmed');
  const dir = (d: 'a->b' | 'b->a') => ({ bytes: pipe.bytesSent(d), n: pipe.sent.filter((s) => s.direction === d).length });
  return { up: dir('b->a'), down: dir('a->b'), programs: dev.chip.totalPrograms() - p0, erases: dev.chip.totalErases() - e0 };
}

const runs = { push: await update('push'), pull: await update('pull') };
// DTLS 1.2 with TLS_PSK_WITH_AES_128_CCM_8 adds 29 bytes to every datagram (13 header + 8 nonce + 8 tag).
const dtls = (r: { bytes: number; n: number }) => r.bytes + 29 * r.n;
table(
  'firmware update on the wire: 64 KiB payload (65,696-byte signed image), CoAP 1024-byte blocks (measured plain CoAP; DTLS column = +29 B per datagram)',
  (['push', 'pull'] as const).map((m) => ({
    delivery: m === 'push' ? 'push (server PUT /5/0/0, Block1)' : 'pull (device GET Package URI, Block2)',
    'server->device datagrams': runs[m].down.n,
    'server->device bytes': runs[m].down.bytes.toLocaleString('en-US'),
    'device->server datagrams': runs[m].up.n,
    'device->server bytes': runs[m].up.bytes.toLocaleString('en-US'),
    'total bytes over DTLS CCM_8': (dtls(runs[m].up) + dtls(runs[m].down)).toLocaleString('en-US'),
  })),
);
table(
  'flash per update (download, verify, switch, trial boot, confirm; 4 KiB sectors, simulated NOR flash)',
  (['push', 'pull'] as const).map((m) => ({ delivery: m, programs: runs[m].programs, erases: runs[m].erases })),
);

const header = parseHeader(V2, 1 << 20);
const payload = V2.subarray(HEADER_LENGTH);
const node: Record<string, number> = {
  'header signature check (SHA-256 of 96 B + ECDSA P-256 verify)': nodeOpsPerSec(() => {
    if (!verifyHeaderSignature(nobleCrypto, header, signer.publicKey)) throw new Error('bad');
  }),
  'SHA-256 of the 64 KiB payload, 4 KiB at a time (modules/fota/sha256)': nodeOpsPerSec(() => {
    const h = new Sha256();
    for (let o = 0; o < payload.length; o += SECTOR) h.update(payload.subarray(o, o + SECTOR));
    h.digest();
  }),
};
const xs = await xsMeters('bench/fota.xs.ts', Object.keys(node), 2);
table(
  'image check compute (noble provider; on Moddable the native crypt/ecdsa provider does the P-256 part)',
  Object.keys(node).map((k) => ({ operation: k, 'node ops/s (median of 5)': Math.round(node[k]).toLocaleString('en-US'), 'xs compute/op': xs[k].compute.toLocaleString('en-US') })),
);
