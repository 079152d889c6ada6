/**
 * Firmware slots for the Node host: one file-backed flash chip `<dataDir>/flash/fota.flash` cut into
 * a 2-sector metadata journal and two equal slots (A/B), the same layout a device partition table
 * gives. Every write and erase is fsync'ed (FileFlash), so the power-fail reasoning of modules/fota
 * holds on a desktop too.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { CryptoProvider } from '../../modules/crypto/provider';
import { FirmwareSlots, HEADER_LENGTH, regionView, type SlotIndex } from '../../modules/fota/index';
import { FileFlash } from './flash-file';

export const SECTOR = 4096;
/** 1 MiB per slot: the bundled client application is a few hundred KiB. */
export const DEFAULT_SLOT_SECTORS = 256;

export interface NodeFirmware {
  slots: FirmwareSlots;
  chip: FileFlash;
  close(): void;
}

export function openNodeFirmware(dataDir: string, crypto: CryptoProvider, publicKey: Uint8Array, slotSectors = DEFAULT_SLOT_SECTORS, maxTrialBoots = 1): NodeFirmware {
  const dir = join(dataDir, 'flash');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const chip = new FileFlash(dir, 'fota', { size: (2 + 2 * slotSectors) * SECTOR, sectorSize: SECTOR });
  const slots = new FirmwareSlots({
    meta: regionView(chip, 0, 2),
    slots: [regionView(chip, 2, slotSectors), regionView(chip, 2 + slotSectors, slotSectors)],
    crypto,
    publicKey,
    maxTrialBoots,
  });
  return { slots, chip, close: () => chip.close() };
}

/** Factory programming of a slot (a flashing tool, not an update): erase it all, write the image. */
export function programSlot(fw: NodeFirmware, slot: SlotIndex, image: Uint8Array): void {
  const r = fw.slots.region(slot);
  if (image.length > r.size) throw new Error(`image of ${image.length} bytes does not fit a ${r.size}-byte slot`);
  for (let s = 0; s < r.size / r.sectorSize; s++) r.eraseSector(s);
  r.write(0, image);
}

/** The payload (the application bundle) of a verified slot. */
export function slotPayload(fw: NodeFirmware, slot: SlotIndex): Uint8Array {
  const h = fw.slots.verify(slot);
  return fw.slots.region(slot).read(HEADER_LENGTH, h.size);
}
