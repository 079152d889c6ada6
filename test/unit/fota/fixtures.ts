/** Shared fixtures for the fota suites: a signer key, images, and a device on one simulated flash chip. */
import { nobleCrypto } from '../../../modules/crypto/noble';
import type { FlashRegion } from '../../../modules/host';
import { FirmwareSlots, regionView, signImage, FirmwareUpdate, type FirmwareUpdateOptions, type SlotIndex } from '../../../modules/fota/index';
import { SimFlash } from '../../../modules/store/sim-flash';
import { Prng, SimHost } from '../../harness/sim';

const prng = new Prng(1705);
export const SIGNER = nobleCrypto.p256.keyPairFromRandom(prng.bytes(32));
export const OTHER_SIGNER = nobleCrypto.p256.keyPairFromRandom(prng.bytes(32));

export const SECTOR = 4096;
export const META_SECTORS = 2;
export const SLOT_SECTORS = 4;

export function payload(n: number, seed: number): Uint8Array {
  return new Prng(seed).bytes(n);
}

export function image(version: number, size = 9000, key = SIGNER.privateKey): Uint8Array {
  return signImage(nobleCrypto, key, payload(size, version), { version, name: 'xs-lwm2m-app', versionString: `1.${version}.0` }, prng.bytes(32));
}

/** The parts of the chip: journal, slot A, slot B (a partition table). */
export function layout(chip: FlashRegion): { meta: FlashRegion; slots: [FlashRegion, FlashRegion] } {
  return {
    meta: regionView(chip, 0, META_SECTORS),
    slots: [regionView(chip, META_SECTORS, SLOT_SECTORS), regionView(chip, META_SECTORS + SLOT_SECTORS, SLOT_SECTORS)],
  };
}

export function newChip(seed = 1): SimFlash {
  return new SimFlash((META_SECTORS + 2 * SLOT_SECTORS) * SECTOR, SECTOR, seed);
}

export function mountSlots(chip: FlashRegion, maxTrialBoots = 1): FirmwareSlots {
  return new FirmwareSlots({ ...layout(chip), crypto: nobleCrypto, publicKey: SIGNER.publicKey, maxTrialBoots });
}

/** Factory programming: an image straight into a slot (what a flashing tool does). */
export function program(chip: FlashRegion, slot: SlotIndex, img: Uint8Array): void {
  const r = layout(chip).slots[slot];
  for (let s = 0; s < r.size / r.sectorSize; s++) r.eraseSector(s);
  r.write(0, img);
}

export interface Device {
  host: SimHost;
  slots: FirmwareSlots;
  fw: FirmwareUpdate;
  restarts: number;
}

/** Boots a device from the chip: the boot decision, then the Object 5 engine reconciles and starts. */
export function boot(chip: FlashRegion, host = new SimHost({ seed: 3 }), extra: Partial<FirmwareUpdateOptions> = {}): Device {
  const slots = mountSlots(chip);
  slots.boot();
  const dev: Device = { host, slots, fw: null as unknown as FirmwareUpdate, restarts: 0 };
  dev.fw = new FirmwareUpdate({ host, slots, restart: () => dev.restarts++, trialTimeoutMs: 60_000, ...extra });
  dev.fw.start();
  return dev;
}

/** Pushes `img` as Block1 blocks of 2^(szx+4) bytes, letting the queued flash work run after each ACK. */
export function push(dev: Device, img: Uint8Array, szx = 6): number[] {
  const size = 1 << (szx + 4);
  const codes: number[] = [];
  for (let o = 0, num = 0; o < img.length; o += size, num++) {
    const more = o + size < img.length;
    codes.push(dev.fw.pushBlock(num, szx, more, img.subarray(o, Math.min(img.length, o + size)), num === 0 ? img.length : undefined));
    dev.host.clock.advance(0);
  }
  return codes;
}
