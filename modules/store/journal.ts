/**
 * A power-fail-safe, append-only record journal on a FlashRegion (NOR semantics).
 *
 * Layout. One sector is active at a time; the others are kept erased. A sector starts with
 *   magic "XSJ1" (4) | generation u32 | baseLength u32 | crc32 of the previous 12 bytes (4)
 * then `baseLength` bytes of records copied in by the compaction that created it, then a commit
 * byte 0x00, then appended records. The header, base block and commit byte are programmed in one
 * write, in that order, so the commit byte reads 0x00 only if everything before it is in place:
 * a sector is valid exactly when its header checks and its commit byte is 0x00. Mount picks the
 * valid sector with the highest generation and erases every other non-blank sector (stale copies,
 * interrupted compactions), so there is never a moment without one complete, valid copy.
 *
 * A record is
 *   magic (0xa5 value, 0x5a tombstone) | keyLen u8 | valueLen u16 | seq u32 | crc32 of those 8 (4)
 *   | key | status | value | crc32(header, key, value) (4) | trailer 0x00
 * written in one program operation. Because a cut write leaves a prefix, a trailer of 0x00 proves
 * the whole record reached the flash; a record whose trailer is not 0x00 is torn and is ignored
 * (and only the last record of the active sector may be torn). A whole record whose body CRC fails
 * is therefore not a power cut but decay or tampering, and mount reports it.
 * The status byte is 0xff while the record is live. Superseding a record programs zeros over
 * status..CRC in one operation (status first), which both kills it and, in scrubbing mode, destroys
 * the old ciphertext. The key stays legible so mount can check that every dead record has a newer
 * record of the same key: a record that died without a successor was not killed by this code.
 * Sequence numbers are global and survive compaction, so "newest wins" holds across sectors.
 */
import { StoreError } from './errors';
import { crc32 } from './crc32';
import type { FlashRegion } from '../host';

const MAGIC = [0x58, 0x53, 0x4a, 0x31]; // "XSJ1"
Object.freeze(MAGIC);
const SECTOR_HEADER = 16;
/** Erased-sector checks read this much at a time (a device's transient RAM, not a whole 4 KB sector). */
const ERASE_CHECK_BYTES = 256;
/** Compaction copies live records through a staging buffer of at most this many bytes. */
const COPY_BYTES = 512;
const REC_HEADER = 12;
const REC_OVERHEAD = REC_HEADER + 1 + 4 + 1; // header, status, body CRC, trailer
const PUT = 0xa5;
const TOMBSTONE = 0x5a;
const LIVE = 0xff;
/** Hard caps, whatever the flash says: a parser never trusts a length beyond these. */
export const MAX_KEY_LENGTH = 64;
export const MAX_VALUE_LENGTH = 2048;

export interface JournalOptions {
  /** Zero superseded records (and erase old sectors) so no old copy of a value survives. Key stores want this; counters need not pay for it. */
  scrubSuperseded?: boolean;
}

/** Where a record lives in the active sector. */
interface Loc {
  off: number;
  len: number;
  seq: number;
  keyLen: number;
  valueLen: number;
  tombstone: boolean;
}

export interface JournalEntry {
  seq: number;
  value: Uint8Array;
}

/** What mount found and repaired; tests and diagnostics read it. */
export interface MountReport {
  generation: number;
  erasedSectors: number;
  scrubbedRecords: number;
  tornRecords: number;
  compacted: boolean;
  formatted: boolean;
}

function keyId(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]);
  return s;
}

function u32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) >>> 0) + ((d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]);
}
function putU32(d: Uint8Array, o: number, v: number): void {
  d[o] = (v >>> 24) & 0xff;
  d[o + 1] = (v >>> 16) & 0xff;
  d[o + 2] = (v >>> 8) & 0xff;
  d[o + 3] = v & 0xff;
}

function allFf(d: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (d[i] !== 0xff) return false;
  return true;
}
function allZero(d: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (d[i] !== 0) return false;
  return true;
}

/** Bytes a record of this size takes in flash. */
export function recordSize(keyLength: number, valueLength: number): number {
  return REC_OVERHEAD + keyLength + valueLength;
}

function encodeRecord(magic: number, key: Uint8Array, seq: number, value: Uint8Array): Uint8Array {
  const rec = new Uint8Array(recordSize(key.length, value.length));
  rec[0] = magic;
  rec[1] = key.length;
  rec[2] = value.length >>> 8;
  rec[3] = value.length & 0xff;
  putU32(rec, 4, seq);
  putU32(rec, 8, crc32(rec, 0, 0, 8));
  rec.set(key, REC_HEADER);
  const statusAt = REC_HEADER + key.length;
  rec[statusAt] = LIVE;
  rec.set(value, statusAt + 1);
  const crcAt = statusAt + 1 + value.length;
  putU32(rec, crcAt, crc32(rec, crc32(rec, 0, 0, statusAt), statusAt + 1, crcAt));
  rec[crcAt + 4] = 0x00;
  return rec;
}

export class Journal {
  private readonly sectors: number;
  private readonly ss: number;
  private readonly scrub: boolean;
  private active = 0;
  private generation = 0;
  private writePos = 0;
  private nextSeq = 1;
  private live = new Map<string, Loc>();
  private failed = false;
  private mustCompact = false;
  readonly mountReport: MountReport;

  /** Mounts the journal: picks the newest complete sector, repairs what a power cut left, formats a blank region. */
  constructor(
    private readonly flash: FlashRegion,
    options: JournalOptions = {},
  ) {
    this.ss = flash.sectorSize;
    this.sectors = Math.floor(flash.size / flash.sectorSize);
    this.scrub = options.scrubSuperseded ?? true;
    if (this.sectors < 2 || this.ss < 256 || flash.size % flash.sectorSize !== 0) {
      throw new StoreError('bad-geometry', `a journal needs at least two sectors of 256+ bytes (got ${flash.size} bytes in ${flash.sectorSize}-byte sectors)`);
    }
    this.mountReport = { generation: 0, erasedSectors: 0, scrubbedRecords: 0, tornRecords: 0, compacted: false, formatted: false };
    this.guard(() => this.mount());
  }

  /** Largest value that can still be stored under a key of `keyLength` bytes, ignoring what else is live. */
  maxValueLength(keyLength: number): number {
    return Math.min(MAX_VALUE_LENGTH, this.ss - SECTOR_HEADER - 1 - REC_OVERHEAD - keyLength);
  }

  get activeSector(): number {
    return this.active;
  }

  keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const [id, loc] of this.live) {
      if (loc.tombstone) continue;
      const k = new Uint8Array(id.length);
      for (let i = 0; i < id.length; i++) k[i] = id.charCodeAt(i);
      out.push(k);
    }
    return out;
  }

  has(key: Uint8Array): boolean {
    const loc = this.live.get(keyId(key));
    return !!loc && !loc.tombstone;
  }

  /** The newest value of `key`, re-checked against its CRC as read now (flash may have changed since mount). */
  get(key: Uint8Array): JournalEntry | undefined {
    this.usable();
    const loc = this.live.get(keyId(key));
    if (!loc || loc.tombstone) return undefined;
    const rec = this.guard(() => this.flash.read(this.active * this.ss + loc.off, loc.len));
    const statusAt = REC_HEADER + loc.keyLen;
    const crcAt = statusAt + 1 + loc.valueLen;
    const crc = crc32(rec, crc32(rec, 0, 0, statusAt), statusAt + 1, crcAt);
    if (rec[statusAt] !== LIVE || u32(rec, crcAt) !== crc || u32(rec, 4) !== loc.seq || rec[crcAt + 4] !== 0) {
      throw new StoreError('corrupt', `record at offset ${loc.off} of sector ${this.active} changed since mount`);
    }
    return { seq: loc.seq, value: rec.slice(statusAt + 1, crcAt) };
  }

  /**
   * Stores a new value for `key`. The journal assigns the sequence number and passes it to
   * `makeValue`, so the layer above can bind it into the value (as AEAD associated data).
   * Returns when the record is on flash; the superseded copy is killed afterwards.
   */
  put(key: Uint8Array, makeValue: (seq: number) => Uint8Array): number {
    this.usable();
    this.checkKey(key);
    const seq = this.nextSeq++;
    const value = makeValue(seq);
    if (value.length > this.maxValueLength(key.length)) {
      throw new StoreError('bad-argument', `value of ${value.length} bytes exceeds the ${this.maxValueLength(key.length)}-byte limit`);
    }
    this.guard(() => this.append(key, encodeRecord(PUT, key, seq, value), seq, false));
    return seq;
  }

  /** Removes `key` (a tombstone record, then the old value is killed). Returns whether it existed. */
  remove(key: Uint8Array): boolean {
    this.usable();
    this.checkKey(key);
    if (!this.has(key)) return false;
    const seq = this.nextSeq++;
    this.guard(() => this.append(key, encodeRecord(TOMBSTONE, key, seq, new Uint8Array(0)), seq, true));
    return true;
  }

  private checkKey(key: Uint8Array): void {
    if (key.length < 1 || key.length > MAX_KEY_LENGTH) throw new StoreError('bad-argument', `journal keys are 1..${MAX_KEY_LENGTH} bytes, got ${key.length}`);
  }

  private usable(): void {
    if (this.failed) throw new StoreError('needs-remount', 'a flash operation failed; mount the region again');
  }

  /** Any exception from the flash leaves our view of it uncertain: refuse further use until a fresh mount. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof StoreError) || e.code === 'corrupt') this.failed = true;
      throw e;
    }
  }

  private append(key: Uint8Array, rec: Uint8Array, seq: number, tombstone: boolean): void {
    const id = keyId(key);
    const old = this.live.get(id);
    const loc: Loc = { off: 0, len: rec.length, seq, keyLen: key.length, valueLen: rec.length - recordSize(key.length, 0), tombstone };
    if (!this.mustCompact && this.writePos + rec.length <= this.ss) {
      loc.off = this.writePos;
      this.flash.write(this.active * this.ss + this.writePos, rec);
      this.writePos += rec.length;
      this.live.set(id, loc);
      if (old) this.kill(old);
    } else {
      // The new record goes into the compacted sector itself, so the switch to it is one atomic commit.
      this.compact(id, tombstone ? null : { rec, loc });
    }
  }

  /** Zeros status..CRC of a superseded record (status first, so a torn kill still reads as dead). */
  private kill(loc: Loc): void {
    if (!this.scrub) return;
    const statusAt = REC_HEADER + loc.keyLen;
    this.flash.write(this.active * this.ss + loc.off + statusAt, new Uint8Array(loc.len - statusAt - 1));
  }

  /** Copies the newest live record of every key (except `replace`) plus `pending` into the next sector, commits, erases the old one. */
  private compact(replace: string | null, pending: { rec: Uint8Array; loc: Loc } | null): void {
    const keep: [string, Loc][] = [];
    let baseLen = 0;
    for (const [id, loc] of this.live) {
      if (loc.tombstone || id === replace) continue;
      keep.push([id, loc]);
      baseLen += loc.len;
    }
    if (pending) baseLen += pending.rec.length;
    if (SECTOR_HEADER + baseLen + 1 > this.ss) {
      throw new StoreError('full', `live records need ${SECTOR_HEADER + baseLen + 1} bytes, a sector holds ${this.ss}`);
    }
    const target = (this.active + 1) % this.sectors;
    const targetStart = target * this.ss;
    if (!this.erased(targetStart, this.ss)) this.flash.eraseSector(target);
    // Copied through one bounded staging buffer (COPY_BYTES), not a buffer of every live record: a device's RAM holds
    // at most COPY_BYTES of it. Pieces are programmed in order and the commit byte is the last byte programmed, so
    // until it is, mount ignores the sector; a sector's worth that fits the buffer is still one program operation.
    const total = SECTOR_HEADER + baseLen + 1;
    const buf = new Uint8Array(Math.min(COPY_BYTES, total));
    let filled = 0;
    let at = targetStart;
    const put = (src: Uint8Array): void => {
      for (let i = 0; i < src.length; ) {
        const n = Math.min(buf.length - filled, src.length - i);
        buf.set(src.subarray(i, i + n), filled);
        filled += n;
        i += n;
        if (filled === buf.length) {
          this.flash.write(at, buf);
          at += filled;
          filled = 0;
        }
      }
    };
    const head = new Uint8Array(SECTOR_HEADER);
    head.set(MAGIC, 0);
    putU32(head, 4, this.generation + 1);
    putU32(head, 8, baseLen);
    putU32(head, 12, crc32(head, 0, 0, 12));
    put(head);
    const next = new Map<string, Loc>();
    let o = SECTOR_HEADER;
    for (const [id, loc] of keep) {
      const rec = this.flash.read(this.active * this.ss + loc.off, loc.len);
      put(rec);
      rec.fill(0);
      next.set(id, { ...loc, off: o });
      o += loc.len;
    }
    if (pending) {
      put(pending.rec);
      next.set(replace!, { ...pending.loc, off: o });
      o += pending.rec.length;
    }
    put(Uint8Array.of(0x00)); // the commit byte: the last byte of the last program operation
    if (filled > 0) this.flash.write(at, buf.subarray(0, filled));
    const old = this.active;
    this.active = target;
    this.generation++;
    this.writePos = total;
    this.live = next;
    this.mustCompact = false;
    buf.fill(0);
    // Until this erase completes mount still prefers the new sector (higher generation) and erases the old one itself.
    this.flash.eraseSector(old);
  }

  /** True when `length` bytes at `offset` all read 0xff; read ERASE_CHECK_BYTES at a time, never a sector-sized buffer. */
  private erased(offset: number, length: number): boolean {
    for (let o = 0; o < length; o += ERASE_CHECK_BYTES) {
      const n = Math.min(ERASE_CHECK_BYTES, length - o);
      if (!allFf(this.flash.read(offset + o, n), 0, n)) return false;
    }
    return true;
  }

  private readHeader(s: number): { generation: number; baseLen: number } | null {
    const h = this.flash.read(s * this.ss, SECTOR_HEADER);
    for (let i = 0; i < 4; i++) if (h[i] !== MAGIC[i]) return null;
    if (u32(h, 12) !== crc32(h, 0, 0, 12)) return null;
    const baseLen = u32(h, 8);
    if (baseLen > this.ss - SECTOR_HEADER - 1) return null;
    const commit = this.flash.read(s * this.ss + SECTOR_HEADER + baseLen, 1)[0];
    if (commit !== 0x00) return null;
    return { generation: u32(h, 4), baseLen };
  }

  private mount(): void {
    let best = -1;
    let bestHeader: { generation: number; baseLen: number } | null = null;
    for (let s = 0; s < this.sectors; s++) {
      const h = this.readHeader(s);
      if (h && (!bestHeader || h.generation > bestHeader.generation)) {
        best = s;
        bestHeader = h;
      }
    }
    if (!bestHeader) {
      this.format();
      return;
    }
    for (let s = 0; s < this.sectors; s++) {
      if (s === best) continue;
      if (!this.erased(s * this.ss, this.ss)) {
        this.flash.eraseSector(s);
        this.mountReport.erasedSectors++;
      }
    }
    this.active = best;
    this.generation = bestHeader.generation;
    this.mountReport.generation = this.generation;
    this.scan(bestHeader.baseLen);
  }

  /** Blank region, or one whose very first format was cut: anything beyond a torn 17-byte header is not ours to erase. */
  private format(): void {
    for (let s = 0; s < this.sectors; s++) {
      if (!this.erased(s * this.ss + SECTOR_HEADER + 1, this.ss - SECTOR_HEADER - 1)) {
        throw new StoreError('corrupt', `no valid journal sector, and sector ${s} holds data: refusing to format over it`);
      }
    }
    for (let s = 0; s < this.sectors; s++) {
      if (!allFf(this.flash.read(s * this.ss, SECTOR_HEADER + 1), 0, SECTOR_HEADER + 1)) {
        this.flash.eraseSector(s);
        this.mountReport.erasedSectors++;
      }
    }
    const buf = new Uint8Array(SECTOR_HEADER + 1);
    buf.set(MAGIC, 0);
    putU32(buf, 4, 1);
    putU32(buf, 8, 0);
    putU32(buf, 12, crc32(buf, 0, 0, 12));
    buf[SECTOR_HEADER] = 0x00;
    this.flash.write(0, buf);
    this.active = 0;
    this.generation = 1;
    this.writePos = SECTOR_HEADER + 1;
    this.mountReport.formatted = true;
    this.mountReport.generation = 1;
  }

  private scan(baseLen: number): void {
    const d = this.flash.read(this.active * this.ss, this.ss);
    const where = `sector ${this.active}`;
    const corrupt = (off: number, why: string) => new StoreError('corrupt', `${where}, offset ${off}: ${why}`);
    const newestSeq = new Map<string, number>();
    const dead: { id: string; seq: number; off: number }[] = [];
    const toKill: Loc[] = [];
    const consider = (id: string, loc: Loc) => {
      const cur = this.live.get(id);
      if (!cur || loc.seq > cur.seq) {
        this.live.set(id, loc);
        if (cur) toKill.push(cur);
      } else toKill.push(loc);
    };
    let maxSeq = 0;
    const ranges: [number, number, boolean][] = [
      [SECTOR_HEADER, SECTOR_HEADER + baseLen, true],
      [SECTOR_HEADER + baseLen + 1, this.ss, false],
    ];
    this.writePos = this.ss;
    for (const [start, end, isBase] of ranges) {
      let pos = start;
      // Each iteration consumes at least REC_OVERHEAD + 1 bytes or leaves the loop: bounded by the sector size.
      while (pos < end) {
        if (!isBase && d[pos] === 0xff && allFf(d, pos, end)) {
          this.writePos = pos;
          break;
        }
        const headerOk =
          end - pos >= REC_HEADER && (d[pos] === PUT || d[pos] === TOMBSTONE) && u32(d, pos + 8) === crc32(d, 0, pos, pos + 8);
        if (!headerOk) {
          // A write cut inside a header leaves only 0xff after the header; appends cannot continue after it (its length is unknown).
          if (!isBase && allFf(d, Math.min(end, pos + REC_HEADER), end)) {
            this.mountReport.tornRecords++;
            this.mustCompact = true;
            this.writePos = this.ss;
            break;
          }
          throw corrupt(pos, 'record header does not check');
        }
        const keyLen = d[pos + 1];
        const valueLen = (d[pos + 2] << 8) | d[pos + 3];
        const seq = u32(d, pos + 4);
        const tombstone = d[pos] === TOMBSTONE;
        if (keyLen < 1 || keyLen > MAX_KEY_LENGTH || valueLen > MAX_VALUE_LENGTH || (tombstone && valueLen !== 0)) throw corrupt(pos, 'record lengths out of range');
        const len = recordSize(keyLen, valueLen);
        if (pos + len > end) throw corrupt(pos, 'record runs past the end of its area');
        const statusAt = pos + REC_HEADER + keyLen;
        const crcAt = statusAt + 1 + valueLen;
        const id = keyId(d.subarray(pos + REC_HEADER, statusAt));
        const loc: Loc = { off: pos, len, seq, keyLen, valueLen, tombstone };
        if (seq > maxSeq) maxSeq = seq;
        const bodyOk = () => u32(d, crcAt) === crc32(d, crc32(d, 0, pos, statusAt), statusAt + 1, crcAt);
        if (d[pos + len - 1] !== 0x00 && d[statusAt] === LIVE && bodyOk()) {
          // Cut while programming the trailer itself: every byte before it is in place, so finish the record.
          this.flash.write(this.active * this.ss + pos + len - 1, new Uint8Array(1));
          d[pos + len - 1] = 0x00;
        }
        if (d[pos + len - 1] !== 0x00) {
          // Torn append: only possible as the last write before a power cut. Mount kills it (status first)
          // before anything else is appended, so a torn record still marked live must be the last one.
          if (isBase || (d[statusAt] === LIVE && !allFf(d, pos + len, end))) throw corrupt(pos, 'incomplete record followed by data');
          this.mountReport.tornRecords++;
          if (d[statusAt] === LIVE || (this.scrub && !allZero(d, statusAt, pos + len - 1))) toKill.push(loc);
        } else {
          newestSeq.set(id, Math.max(newestSeq.get(id) ?? 0, seq));
          if (d[statusAt] === LIVE) {
            if (!bodyOk()) throw corrupt(pos, 'record CRC does not check');
            consider(id, loc);
          } else {
            dead.push({ id, seq, off: pos });
            if (this.scrub && !allZero(d, statusAt, pos + len - 1)) toKill.push(loc); // finish a kill a power cut interrupted
          }
        }
        pos += len;
      }
    }
    for (const x of dead) {
      if ((newestSeq.get(x.id) ?? 0) <= x.seq) throw new StoreError('tampered', `${where}, offset ${x.off}: record was killed but nothing replaced it`);
    }
    this.nextSeq = maxSeq + 1;
    if (this.mustCompact) {
      this.compact(null, null);
      this.mountReport.compacted = true;
      return;
    }
    for (const loc of toKill) {
      const statusAt = REC_HEADER + loc.keyLen;
      // Torn records keep their trailer as it is, so they still read as torn (exempt from the successor rule).
      const torn = d[loc.off + loc.len - 1] !== 0x00;
      if (!this.scrub && !torn) continue;
      const len = this.scrub ? loc.len - statusAt - 1 : 1;
      this.flash.write(this.active * this.ss + loc.off + statusAt, new Uint8Array(len));
      this.mountReport.scrubbedRecords++;
    }
  }
}
