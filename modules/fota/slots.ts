/**
 * A/B firmware slots over FlashRegion, with a small power-fail-safe metadata journal (modules/store's
 * Journal) holding the boot record. The slot being downloaded is never the one that runs; switching
 * is one journal record, which is atomic across power loss: a cut before the record is whole leaves
 * the old choice, a cut after leaves the new one (the journal's trailer-byte rule).
 *
 * Boot record: active slot, trial flag, previous slot, boots counted in trial, anti-rollback floor.
 * A switched-to image runs in trial: each boot in trial is counted before the image runs, and once
 * `maxTrialBoots` boots went by without a confirm the next boot goes back to the previous slot (the
 * running image also rolls back by itself on a timer, see update.ts). Confirming clears the trial
 * flag and raises the anti-rollback floor to the confirmed image's version.
 */
import { utf8Decode, utf8Encode } from '../bytes/index';
import type { CryptoProvider } from '../crypto/provider';
import type { FlashRegion } from '../host';
import { Journal } from '../store/journal';
import { FotaError } from './errors';
import { HEADER_LENGTH, hashMatches, parseHeader, verifyHeaderSignature, type ImageHeader } from './image';
import { Sha256 } from './sha256';

export type SlotIndex = 0 | 1;

export interface BootRecord {
  active: SlotIndex;
  trial: boolean;
  previous: SlotIndex;
  /** Boots started in trial without a confirm. */
  boots: number;
  /** Anti-rollback floor: the version of the last confirmed image. */
  floor: number;
}

export interface SlotsOptions {
  meta: FlashRegion;
  slots: readonly [FlashRegion, FlashRegion];
  crypto: CryptoProvider;
  /** The firmware signer's public key (65-byte uncompressed P-256 point), provisioned with the device. */
  publicKey: Uint8Array;
  /** Boots allowed in trial before the boot decision rolls back (default 1: one try). */
  maxTrialBoots?: number;
  /**
   * An incremental SHA-256 for the payload (e.g. the native crypt Digest on Moddable, far cheaper than
   * JavaScript on XS); default modules/fota/sha256.
   */
  hasher?: () => { update(data: Uint8Array): unknown; digest(): Uint8Array };
}

export interface BootDecision {
  slot: SlotIndex;
  trial: boolean;
  /** This boot rolled back from a trial image that was never confirmed (or no longer verifies). */
  rolledBack: boolean;
  /** The header of the image chosen, when it verified. */
  header: ImageHeader | null;
}

const BOOT_KEY = utf8Encode('boot');
const DEFAULT_BOOT: BootRecord = Object.freeze({ active: 0, trial: false, previous: 0, boots: 0, floor: 0 }) as BootRecord;

/** A FlashRegion made of whole sectors of a larger one (a partition table on one chip). */
export function regionView(parent: FlashRegion, firstSector: number, sectors: number): FlashRegion {
  const ss = parent.sectorSize;
  const base = firstSector * ss;
  const size = sectors * ss;
  if (firstSector < 0 || sectors <= 0 || base + size > parent.size) throw new FotaError('bad-argument', 'region view outside its parent');
  const inRange = (o: number, n: number) => {
    if (o < 0 || n < 0 || o + n > size) throw new FotaError('bad-argument', `flash access ${o}+${n} outside a ${size}-byte region`);
  };
  return {
    size,
    sectorSize: ss,
    read(o, n) {
      inRange(o, n);
      return parent.read(base + o, n);
    },
    write(o, d) {
      inRange(o, d.length);
      parent.write(base + o, d);
    },
    eraseSector(i) {
      if (!Number.isInteger(i) || i < 0 || i >= sectors) throw new FotaError('bad-argument', `no sector ${i} in the region`);
      parent.eraseSector(firstSector + i);
    },
  };
}

export class FirmwareSlots {
  readonly journal: Journal;
  readonly crypto: CryptoProvider;
  private readonly slotRegions: readonly [FlashRegion, FlashRegion];
  private readonly publicKey: Uint8Array;
  private readonly maxTrialBoots: number;
  private readonly hasher: () => { update(data: Uint8Array): unknown; digest(): Uint8Array };
  /** Sectors of the slot being written that are erased since the transfer (re)started, as a high-water mark. */
  private erasedUpTo = -1;
  private writing: SlotIndex | null = null;

  /** Mounts the metadata journal (repairing what a power cut left) and reads the boot record. */
  constructor(opts: SlotsOptions) {
    const [a, b] = opts.slots;
    if (a.size !== b.size || a.sectorSize !== b.sectorSize) throw new FotaError('bad-argument', 'the two slots must have the same geometry');
    if (opts.publicKey.length !== 65 || opts.publicKey[0] !== 4) throw new FotaError('bad-argument', 'public key must be a 65-byte uncompressed P-256 point');
    this.slotRegions = opts.slots;
    this.crypto = opts.crypto;
    this.publicKey = opts.publicKey.slice();
    this.maxTrialBoots = Math.max(1, Math.min(16, opts.maxTrialBoots ?? 1));
    this.hasher = opts.hasher ?? (() => new Sha256());
    this.journal = new Journal(opts.meta, { scrubSuperseded: false });
  }

  get slotSize(): number {
    return this.slotRegions[0].size;
  }
  get sectorSize(): number {
    return this.slotRegions[0].sectorSize;
  }
  /** Largest payload a slot takes. */
  get maxPayload(): number {
    return this.slotSize - HEADER_LENGTH;
  }
  region(slot: SlotIndex): FlashRegion {
    return this.slotRegions[slot];
  }

  // ------------------------------------------------------------------ metadata records

  getRecord(name: string): Record<string, unknown> | undefined {
    const e = this.journal.get(utf8Encode(name));
    if (!e) return undefined;
    try {
      const v = JSON.parse(utf8Decode(e.value));
      if (v && typeof v === 'object') return v as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new FotaError('corrupt', `metadata record ${name} is not readable`);
  }

  /** Durable on return (one journal record). */
  putRecord(name: string, value: Record<string, unknown>): void {
    const bytes = utf8Encode(JSON.stringify(value));
    this.journal.put(utf8Encode(name), () => bytes);
  }

  bootRecord(): BootRecord {
    const r = this.getRecord('boot');
    if (!r) return { ...DEFAULT_BOOT };
    const slot = (v: unknown): SlotIndex => (v === 1 ? 1 : 0);
    const n = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);
    return { active: slot(r.a), trial: r.t === true, previous: slot(r.p), boots: n(r.n), floor: n(r.f) };
  }

  private putBoot(b: BootRecord): void {
    this.journal.put(BOOT_KEY, () => utf8Encode(JSON.stringify({ a: b.active, t: b.trial, p: b.previous, n: b.boots, f: b.floor })));
  }

  get active(): SlotIndex {
    return this.bootRecord().active;
  }
  get inactive(): SlotIndex {
    return this.bootRecord().active === 0 ? 1 : 0;
  }

  // ------------------------------------------------------------------ checking an image

  /** The parsed header of a slot, or null when it holds no readable header. Does not check the signature. */
  header(slot: SlotIndex): ImageHeader | null {
    try {
      return parseHeader(this.slotRegions[slot].read(0, HEADER_LENGTH), this.maxPayload);
    } catch (e) {
      if (e instanceof FotaError) return null;
      throw e;
    }
  }

  /** Header checks that need no payload: format, size, signature. Throws FotaError. */
  checkHeader(bytes: Uint8Array): ImageHeader {
    const h = parseHeader(bytes, this.maxPayload);
    if (!verifyHeaderSignature(this.crypto, h, this.publicKey)) throw new FotaError('bad-signature', 'image signature does not verify under the provisioned key');
    return h;
  }

  /**
   * Verifies the image in `slot` as it is on flash: header, signature, and the SHA-256 of the payload
   * read back a sector at a time. Throws FotaError 'bad-format' | 'too-large' | 'bad-signature' | 'bad-hash'.
   */
  verify(slot: SlotIndex, receivedLength?: number): ImageHeader {
    const region = this.slotRegions[slot];
    const h = this.checkHeader(region.read(0, HEADER_LENGTH));
    if (receivedLength !== undefined && receivedLength !== HEADER_LENGTH + h.size) {
      throw new FotaError('bad-hash', `received ${receivedLength} bytes, the header declares ${HEADER_LENGTH + h.size}`);
    }
    const sha = this.hasher();
    const step = region.sectorSize;
    for (let o = 0; o < h.size; o += step) sha.update(region.read(HEADER_LENGTH + o, Math.min(step, h.size - o)));
    if (!hashMatches(h, sha.digest())) throw new FotaError('bad-hash', 'payload SHA-256 does not match the header');
    return h;
  }

  private verifies(slot: SlotIndex): ImageHeader | null {
    try {
      return this.verify(slot);
    } catch (e) {
      if (e instanceof FotaError) return null;
      throw e;
    }
  }

  // ------------------------------------------------------------------ the boot decision

  /**
   * What a bootloader does before running anything: count a trial boot, roll back a trial that ran
   * out of boots, and never choose a slot whose image does not verify when the other one does.
   * Call once per boot (each call in trial counts as one boot).
   */
  boot(verify = true): BootDecision {
    let b = this.bootRecord();
    let rolledBack = false;
    if (b.trial) {
      if (b.boots >= this.maxTrialBoots) {
        b = { active: b.previous, trial: false, previous: b.active, boots: 0, floor: b.floor };
        this.putBoot(b);
        rolledBack = true;
      } else {
        b = { ...b, boots: b.boots + 1 };
        this.putBoot(b);
      }
    }
    if (!verify) return { slot: b.active, trial: b.trial, rolledBack, header: this.header(b.active) };
    let h = this.verifies(b.active);
    if (!h) {
      const other: SlotIndex = b.active === 0 ? 1 : 0;
      const oh = this.verifies(other);
      if (oh && (b.trial || oh.version >= b.floor)) {
        // The chosen image does not verify (decay, a trial image damaged): run the other one.
        b = { active: other, trial: false, previous: b.active, boots: 0, floor: b.floor };
        this.putBoot(b);
        rolledBack = true;
        h = oh;
      }
    }
    return { slot: b.active, trial: b.trial, rolledBack, header: h };
  }

  /** Makes `slot` (verified by the caller) the active image, in trial. */
  switchTo(slot: SlotIndex): void {
    const b = this.bootRecord();
    if (b.trial) throw new FotaError('bad-state', 'an image is already in trial');
    if (slot === b.active) throw new FotaError('bad-state', 'cannot switch to the running slot');
    this.putBoot({ active: slot, trial: true, previous: b.active, boots: 0, floor: b.floor });
  }

  /** Confirms the trial image: it stays, and its version becomes the anti-rollback floor. */
  confirm(): boolean {
    const b = this.bootRecord();
    if (!b.trial) return false;
    const h = this.header(b.active);
    this.putBoot({ active: b.active, trial: false, previous: b.previous, boots: 0, floor: Math.max(b.floor, h ? h.version : 0) });
    return true;
  }

  /** Goes back to the previous slot now (the trial image did not confirm in time). */
  rollback(): boolean {
    const b = this.bootRecord();
    if (!b.trial) return false;
    this.putBoot({ active: b.previous, trial: false, previous: b.active, boots: 0, floor: b.floor });
    return true;
  }

  /** Anti-rollback floor: the running confirmed image's version, at least. */
  floor(): number {
    const b = this.bootRecord();
    if (b.trial) return b.floor;
    const h = this.header(b.active);
    return Math.max(b.floor, h ? h.version : 0);
  }

  // ------------------------------------------------------------------ writing the inactive slot

  /**
   * Starts (or restarts) writing `slot` at `offset` (0 or a sector boundary already on flash). Nothing
   * is erased here: sectors are erased lazily as writes reach them, so a caller can acknowledge a block
   * before any slow erase happens.
   */
  beginWrite(slot: SlotIndex, offset = 0): void {
    if (slot === this.bootRecord().active) throw new FotaError('bad-state', 'never write the running slot');
    if (offset % this.sectorSize !== 0 || offset < 0 || offset > this.slotSize) throw new FotaError('bad-argument', 'resume offset must be a sector boundary');
    this.writing = slot;
    this.erasedUpTo = offset / this.sectorSize - 1;
  }

  /** Writes bytes at `offset` of the slot being written, erasing each sector the first time it is reached. */
  writeAt(offset: number, data: Uint8Array): void {
    if (this.writing === null) throw new FotaError('bad-state', 'no slot is being written');
    if (offset < 0 || offset + data.length > this.slotSize) throw new FotaError('too-large', `write of ${data.length} bytes at ${offset} passes the ${this.slotSize}-byte slot`);
    if (data.length === 0) return;
    const region = this.slotRegions[this.writing];
    const last = Math.floor((offset + data.length - 1) / this.sectorSize);
    while (this.erasedUpTo < last) region.eraseSector(++this.erasedUpTo);
    region.write(offset, data);
  }

  /** Erases the first sector of a slot so it holds no image (a refused download leaves nothing bootable). */
  invalidate(slot: SlotIndex): void {
    if (slot === this.bootRecord().active) throw new FotaError('bad-state', 'never erase the running slot');
    this.slotRegions[slot].eraseSector(0);
    if (this.writing === slot) this.writing = null;
  }
}
