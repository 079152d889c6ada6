/**
 * FlashRegion for the Moddable simulator, which has no flash: one file per region (Moddable's
 * "file" module), filled with 0xff when created. NOR semantics are kept exactly as on a device and in
 * modules/store/sim-flash.ts: a write may only clear bits (it throws otherwise) and erase sets a whole
 * sector back to 0xff, so the journal and counter stores behave here as they will on an ESP32.
 *
 * On an ESP32 flash is not in the XS heap, so neither is a region here: creating the file and erasing a sector
 * go through the file in FILL_BYTES pieces (one small 0xff buffer), never a whole region or sector in RAM.
 */
import { File } from 'file';
import type { FlashRegion } from '../../modules/host';

export class SimFlashFileError extends Error {
  // A field (define semantics), not `this.name = ...`: on Moddable, Error.prototype is frozen and
  // assigning an inherited read-only property throws TypeError ("set name: not writable").
  override name = 'SimFlashFileError';
}

/** The largest buffer this file allocates for filling with 0xff (creation, erase). */
const FILL_BYTES = 256;

export class FileFlash implements FlashRegion {
  readonly size: number;
  readonly sectorSize: number;
  readonly path: string;

  /** Opens (creating if absent) `path`; an existing file must hold exactly `size` bytes. */
  constructor(path: string, size = 4 * 4096, sectorSize = 4096) {
    if (!(sectorSize > 0) || size % sectorSize !== 0) throw new SimFlashFileError('size must be a positive multiple of sectorSize');
    this.path = path;
    this.size = size;
    this.sectorSize = sectorSize;
    if (!File.exists(path)) {
      fillFf(path, 0, size);
    }
    const f = new File(path);
    const length = f.length;
    f.close();
    if (length !== size) throw new SimFlashFileError(`${path} holds ${length} bytes, expected ${size}`);
  }

  private check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new SimFlashFileError(`flash access out of range: ${offset}+${length}`);
    }
  }

  read(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    if (length === 0) return new Uint8Array(0);
    const f = new File(this.path);
    try {
      f.position = offset;
      return new Uint8Array(f.read(ArrayBuffer, length));
    } finally {
      f.close();
    }
  }

  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    if (data.length === 0) return;
    const old = this.read(offset, data.length);
    for (let i = 0; i < data.length; i++) {
      // NOR flash programs 1 -> 0 only; asking for a 0 -> 1 is a bug in the caller (missing erase).
      if ((old[i] & data[i]) !== data[i]) throw new SimFlashFileError(`write at ${offset + i} needs an erase first`);
    }
    this.writeRaw(offset, data);
  }

  eraseSector(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size / this.sectorSize) throw new SimFlashFileError(`no sector ${index}`);
    fillFf(this.path, index * this.sectorSize, this.sectorSize);
  }

  private writeRaw(offset: number, data: Uint8Array): void {
    const f = new File(this.path, true);
    try {
      f.position = offset;
      // File.write takes a whole ArrayBuffer: copy a view that does not cover its buffer exactly.
      const buffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer;
      f.write(buffer as ArrayBuffer);
    } finally {
      f.close();
    }
  }
}

/** Writes `length` bytes of 0xff at `offset` of the file (created if absent), FILL_BYTES at a time. */
function fillFf(path: string, offset: number, length: number): void {
  const ff = new Uint8Array(Math.min(FILL_BYTES, length)).fill(0xff);
  const f = new File(path, true);
  try {
    for (let done = 0; done < length; done += ff.length) {
      f.position = offset + done;
      // File.write takes a whole ArrayBuffer; the last piece of a length that is not a multiple needs a shorter one.
      f.write(length - done >= ff.length ? ff.buffer : ff.slice(0, length - done).buffer);
    }
  } finally {
    f.close();
  }
}
