/**
 * A FlashRegion backed by a file, for the Node host: one file per region under a data directory,
 * created owner-only (0600) and filled with 0xff. It keeps NOR semantics exactly like the simulated
 * flash (writes only clear bits and throw otherwise; erase sets a whole sector to 0xff), so code that
 * passes the power-cut suites behaves the same on a desktop. Every write and erase is fsync'ed before
 * it returns, so "put returned" means "on disk".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FlashRegion } from '../../modules/host';

export class FlashFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlashFileError';
  }
}

export interface FlashFileOptions {
  size?: number;
  sectorSize?: number;
}

export class FileFlash implements FlashRegion {
  readonly size: number;
  readonly sectorSize: number;
  readonly file: string;
  private fd: number | null;

  /** Opens (creating if absent) `<dir>/<name>.flash`. An existing file must have exactly `size` bytes. */
  constructor(dir: string, name: string, options: FlashFileOptions = {}) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name) || name.includes('..')) throw new FlashFileError(`bad region name ${JSON.stringify(name)}`);
    this.size = options.size ?? 4 * 4096;
    this.sectorSize = options.sectorSize ?? 4096;
    if (!Number.isInteger(this.size) || !Number.isInteger(this.sectorSize) || this.sectorSize <= 0 || this.size % this.sectorSize !== 0) {
      throw new FlashFileError('size must be a positive multiple of sectorSize');
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, `${name}.flash`);
    let fd: number;
    try {
      // 'wx' fails if the file exists: then we open the existing one instead of truncating it.
      fd = fs.openSync(this.file, 'wx+', 0o600);
      fs.writeSync(fd, new Uint8Array(this.size).fill(0xff), 0, this.size, 0);
      fs.fsyncSync(fd);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      fd = fs.openSync(this.file, 'r+');
      const st = fs.fstatSync(fd);
      if (st.size !== this.size) {
        fs.closeSync(fd);
        throw new FlashFileError(`${this.file} holds ${st.size} bytes, expected ${this.size}`);
      }
    }
    this.fd = fd;
  }

  private handle(): number {
    if (this.fd === null) throw new FlashFileError('flash file is closed');
    return this.fd;
  }

  private readAt(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.handle(), out, done, length - done, offset + done);
      if (n === 0) throw new FlashFileError(`short read at ${offset + done}`);
      done += n;
    }
    return out;
  }

  read(offset: number, length: number): Uint8Array {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new FlashFileError(`flash read out of range: ${offset}+${length}`);
    }
    return this.readAt(offset, length);
  }

  write(offset: number, data: Uint8Array): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > this.size) throw new FlashFileError(`flash write out of range: ${offset}+${data.length}`);
    const cur = this.readAt(offset, data.length);
    for (let i = 0; i < data.length; i++) {
      if ((cur[i] & data[i]) !== data[i]) throw new FlashFileError(`flash write at ${offset + i} would set bits: erase first`);
      cur[i] &= data[i];
    }
    fs.writeSync(this.handle(), cur, 0, cur.length, offset);
    fs.fsyncSync(this.handle());
    cur.fill(0);
  }

  eraseSector(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size / this.sectorSize) throw new FlashFileError(`no sector ${index}`);
    fs.writeSync(this.handle(), new Uint8Array(this.sectorSize).fill(0xff), 0, this.sectorSize, index * this.sectorSize);
    fs.fsyncSync(this.handle());
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** A `Host.flash(name)` implementation: one FileFlash per region name under `dir`, opened once. */
export function fileFlashProvider(dir: string, options: FlashFileOptions = {}): (name: string) => FlashRegion {
  const open = new Map<string, FileFlash>();
  return (name) => {
    let f = open.get(name);
    if (!f) open.set(name, (f = new FileFlash(dir, name, options)));
    return f;
  };
}
