/**
 * A simulated NOR flash for power-loss tests (test support; host-neutral so the same suites run in XS).
 * It can cut power at any program or erase operation: a cut write leaves a prefix of its bytes
 * programmed and possibly one partially programmed byte (only some of its bits cleared); a cut erase
 * leaves a half-erased sector (each byte either 0xff or its old content). After a cut every access
 * throws PowerCut until `powerOn()`, as a dead CPU would not run anything else. It counts programs
 * and erases per sector, for wear figures.
 */
import type { FlashRegion } from '../host';

export class PowerCut extends Error {
  override name = 'PowerCut';
  constructor(message = 'simulated power cut') {
    super(message);
  }
}

export class SimFlashError extends Error {
  override name = 'SimFlashError';
  constructor(message: string) {
    super(message);
  }
}

/** Where to cut: the `op`-th program/erase from now on (0-based, counted by `ops`), and for a write how many bytes complete. */
export interface CutPoint {
  op: number;
  /** Bytes programmed in full before the cut (clamped to the write's length); the next one is partially programmed. Random when absent. */
  byte?: number;
}

export class SimFlash implements FlashRegion {
  readonly data: Uint8Array;
  readonly programs: Uint32Array;
  readonly erases: Uint32Array;
  /** Program and erase operations started so far (the index a CutPoint counts against). */
  ops = 0;
  /** When set, every program/erase appends what it was (for exhaustive cut sweeps). */
  trace: { write: boolean; length: number }[] | null = null;
  private cut: CutPoint | null = null;
  private off = false;
  private rng: number;

  constructor(
    readonly size = 4 * 4096,
    readonly sectorSize = 4096,
    seed = 1,
  ) {
    if (size % sectorSize !== 0) throw new SimFlashError('size must be a multiple of sectorSize');
    this.data = new Uint8Array(size).fill(0xff);
    this.programs = new Uint32Array(size / sectorSize);
    this.erases = new Uint32Array(size / sectorSize);
    this.rng = seed >>> 0 || 1;
  }

  /** Cuts power at operation `op` (absolute index, compare with `ops`). */
  armCut(point: CutPoint): void {
    this.cut = point;
  }
  disarm(): void {
    this.cut = null;
  }
  get powered(): boolean {
    return !this.off;
  }
  get armed(): boolean {
    return this.cut !== null;
  }
  powerOn(): void {
    this.off = false;
  }
  totalPrograms(): number {
    let n = 0;
    for (const p of this.programs) n += p;
    return n;
  }
  totalErases(): number {
    let n = 0;
    for (const e of this.erases) n += e;
    return n;
  }

  private random(): number {
    // xorshift32: the torn-state pattern only has to be reproducible, not strong.
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  private alive(): void {
    if (this.off) throw new PowerCut('flash accessed while power is off');
  }

  read(offset: number, length: number): Uint8Array {
    this.alive();
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new SimFlashError(`flash read out of range: ${offset}+${length}`);
    }
    return this.data.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.alive();
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > this.size) throw new SimFlashError(`flash write out of range: ${offset}+${data.length}`);
    for (let i = 0; i < data.length; i++) {
      const cur = this.data[offset + i];
      if ((cur & data[i]) !== data[i]) throw new SimFlashError(`flash write at ${offset + i} would set bits: erase first`);
    }
    if (data.length > 0) {
      const first = Math.floor(offset / this.sectorSize);
      const last = Math.floor((offset + data.length - 1) / this.sectorSize);
      for (let s = first; s <= last; s++) this.programs[s]++;
    }
    const op = this.ops++;
    this.trace?.push({ write: true, length: data.length });
    let n = data.length;
    const tear = this.cut !== null && this.cut.op === op;
    if (tear) n = Math.min(data.length, this.cut!.byte ?? this.random() % (data.length + 1));
    for (let i = 0; i < n; i++) this.data[offset + i] &= data[i];
    if (tear) {
      if (n < data.length) {
        // Partially programmed byte: only a random subset of the bits that should clear did.
        this.data[offset + n] &= data[n] | (this.random() & 0xff);
      }
      this.cut = null;
      this.off = true;
      throw new PowerCut(`power cut in a ${data.length}-byte write at ${offset} after ${n} byte(s)`);
    }
  }

  eraseSector(index: number): void {
    this.alive();
    if (!Number.isInteger(index) || index < 0 || index >= this.size / this.sectorSize) throw new SimFlashError(`no sector ${index}`);
    this.erases[index]++;
    const op = this.ops++;
    this.trace?.push({ write: false, length: this.sectorSize });
    const start = index * this.sectorSize;
    if (this.cut !== null && this.cut.op === op) {
      for (let i = 0; i < this.sectorSize; i++) if (this.random() & 1) this.data[start + i] = 0xff;
      this.cut = null;
      this.off = true;
      throw new PowerCut(`power cut while erasing sector ${index}`);
    }
    this.data.fill(0xff, start, start + this.sectorSize);
  }
}
