/**
 * FlashRegion on ESP32: named regions carved out of one data partition (Moddable's "flash" module,
 * esp_partition_* underneath), at fixed sector ranges given by an explicit layout. The layout is
 * explicit on purpose: allocating regions in first-use order would move data when the order changes.
 * NOT BUILT in this repository's checks (no ESP-IDF here).
 *
 * Semantics are checked as on the simulator: a write may only clear bits, erase works per sector.
 * With flash encryption on (`encrypted: true`), the chip writes 16-byte AES-XTS blocks, so clearing bits
 * in place no longer means anything: every write must be 16-byte aligned, a multiple of 16 bytes, and
 * land on erased (0xff) bytes. This region enforces that so a store that relies on in-place bit clearing
 * fails loudly on the bench instead of corrupting data on an encrypted device.
 */
import Flash from 'flash';
import type { FlashRegion } from '../../modules/host';

export class PartitionFlashError extends Error {
  // A field (define semantics), not `this.name = ...`: on Moddable, Error.prototype is frozen and
  // assigning an inherited read-only property throws TypeError ("set name: not writable").
  override name = 'PartitionFlashError';
}

/** Region name -> number of sectors, in partition order. */
export type FlashLayout = Record<string, number>;

class PartitionRegion implements FlashRegion {
  readonly size: number;
  readonly sectorSize: number;

  constructor(
    private readonly flash: Flash,
    private readonly base: number,
    sectors: number,
    private readonly encrypted: boolean,
  ) {
    this.sectorSize = flash.blockSize;
    this.size = sectors * this.sectorSize;
  }

  private check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new PartitionFlashError(`flash access out of range: ${offset}+${length}`);
    }
  }

  read(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(this.flash.read(this.base + offset, length) as ArrayBuffer);
  }

  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    if (data.length === 0) return;
    if (this.encrypted && (offset % 16 !== 0 || data.length % 16 !== 0)) {
      throw new PartitionFlashError(`encrypted flash writes must be 16-byte aligned blocks (offset ${offset}, length ${data.length})`);
    }
    const old = this.read(offset, data.length);
    for (let i = 0; i < data.length; i++) {
      const ok = this.encrypted ? old[i] === 0xff : (old[i] & data[i]) === data[i];
      if (!ok) throw new PartitionFlashError(`write at ${offset + i} needs an erase first`);
    }
    this.flash.write(this.base + offset, data.length, data);
  }

  eraseSector(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size / this.sectorSize) throw new PartitionFlashError(`no sector ${index}`);
    this.flash.erase(this.base / this.sectorSize + index);
  }
}

/** Returns a Host.flash implementation over partition `partition` with the given layout. */
export function partitionFlash(partition: string, layout: FlashLayout, encrypted: boolean): (name: string) => FlashRegion {
  const flash = new Flash(partition);
  const regions = new Map<string, FlashRegion>();
  const starts = new Map<string, [number, number]>();
  let next = 0;
  for (const name of Object.keys(layout)) {
    const sectors = layout[name];
    if (!Number.isInteger(sectors) || sectors <= 0) throw new PartitionFlashError(`layout: ${name} needs a positive sector count`);
    starts.set(name, [next, sectors]);
    next += sectors;
  }
  if (next * flash.blockSize > flash.byteLength) {
    throw new PartitionFlashError(`layout needs ${next * flash.blockSize} bytes, partition ${partition} has ${flash.byteLength}`);
  }
  return (name: string): FlashRegion => {
    let region = regions.get(name);
    if (!region) {
      const at = starts.get(name);
      if (!at) throw new PartitionFlashError(`no flash region ${JSON.stringify(name)} in the layout`);
      region = new PartitionRegion(flash, at[0] * flash.blockSize, at[1], encrypted);
      regions.set(name, region);
    }
    return region;
  };
}
