/**
 * The LwM2M Firmware Update state machine (OMA LwM2M 1.1 Core §E.6, Object 5 urn:oma:lwm2m:oma:5):
 *
 *   Idle(0) --Package write / Package URI write--> Downloading(1) --all bytes, verified--> Downloaded(2)
 *   Downloaded(2) --Execute Update--> Updating(3) --new image registered--> Idle(0), Update Result 1
 *   any failure --> Idle(0) with the Update Result saying why; empty URI or empty Package --> Idle, Result 0
 *
 * Push (Package written with RFC 7959 Block1): block 0 (re)starts the transfer, a block already taken
 * is acknowledged again without effect, a gap is 4.08 (RFC 7959 §2.5). Each block is acknowledged
 * before it reaches flash: it waits in a one-block queue that a zero-delay timer writes, so the erase
 * a sector needs never delays the ACK the server is timing. Pull (Package URI): Block2 GETs one block
 * at a time (RFC 7959 §2.4); progress is checkpointed at every flash sector boundary, so after a
 * sleep or a power cut the download resumes at the last checkpoint (restarting only if the ETag
 * changed). The image's header is checked (format, size, signature, anti-rollback) as soon as it has
 * arrived, the payload hash once the last byte is on flash; a refused image never becomes bootable.
 *
 * Every state that survives a reboot is one journal record, written before the state is reported,
 * so after any power cut the object reports a state the spec allows and the boot record decides
 * which image runs (see slots.ts).
 */
import { toHex } from '../bytes/index';
import type { FlashRegion, Host, TimerHandle } from '../host';
import { FotaError, type FotaErrorCode } from './errors';
import { HEADER_LENGTH, type ImageHeader } from './image';
import type { FirmwareSlots, SlotIndex } from './slots';
import { parsePackageUri, type PackageUri } from './uri';

export const FwState = Object.freeze({ Idle: 0, Downloading: 1, Downloaded: 2, Updating: 3 });
export const FwResult = Object.freeze({
  Initial: 0,
  Success: 1,
  NotEnoughFlash: 2,
  OutOfRam: 3,
  ConnectionLost: 4,
  IntegrityFailure: 5,
  UnsupportedPackage: 6,
  InvalidUri: 7,
  UpdateFailed: 8,
  UnsupportedProtocol: 9,
});

/** CoAP response codes the push path answers with. */
const CONTINUE = 0x5f; // 2.31
const CHANGED = 0x44; // 2.04
const BAD_REQUEST = 0x80; // 4.00
const METHOD_NOT_ALLOWED = 0x85; // 4.05
const INCOMPLETE = 0x88; // 4.08
const TOO_LARGE = 0x8d; // 4.13

export interface BlockReply {
  /** CoAP response code (0x45 2.05 Content for a block). */
  code: number;
  payload: Uint8Array;
  num: number;
  more: boolean;
  szx: number;
  etag?: Uint8Array;
}

/** How a pull download reaches the Package URI; the client provides it over its own CoAP/DTLS stack. */
export interface PackageSource {
  /** One Block2 block (RFC 7959 §2.4) of the resource; rejects on a timeout or a transport failure. */
  fetchBlock(uri: PackageUri, num: number, szx: number): Promise<BlockReply>;
  /** The download ended (or was abandoned): release the channel. */
  close(): void;
}

/**
 * Where the image goes when the platform's own boot chain runs it (ESP-IDF OTA partitions, XS mods):
 * `install` copies the verified payload there after the boot record switched, `confirm` and `rollback`
 * mirror the trial outcome into the platform's own mechanism. Absent on the Node host, whose launcher
 * runs the slot itself.
 */
export interface FirmwareInstaller {
  install(slot: FlashRegion, header: ImageHeader): void;
  confirm?(): void;
  /** The trial image is being abandoned; `previous` is the slot that runs again (with its header). */
  rollback?(previous: FlashRegion, header: ImageHeader | null): void;
}

export interface FirmwareUpdateOptions {
  /** Copies the image to where the platform boots it from (see FirmwareInstaller). */
  installer?: FirmwareInstaller;
  host: Host;
  slots: FirmwareSlots;
  /** Pull delivery; without one, only push is offered. */
  source?: PackageSource;
  /** Reboots into the image the boot record now names (the host's job). */
  restart?: () => void;
  /** A trial image that has not registered within this time rolls back (default 300 s). */
  trialTimeoutMs?: number;
  /** Pull: failed fetches of one block tried again before Update Result 4 (default 3), and the pause between (default 5 s). */
  pullRetries?: number;
  pullRetryDelayMs?: number;
  /** Block size exponent asked for in pull (default 6: 1024 bytes). */
  blockSzx?: number;
  /** State, Update Result or PkgName/PkgVersion changed (for observers). */
  onChange?: () => void;
}

type Mode = '' | 'push' | 'pull';

interface Persisted {
  s: number;
  r: number;
  m: Mode;
  u: string;
  at: number;
  e: string;
  slot: SlotIndex;
}

const RESULT_OF: Readonly<Record<FotaErrorCode, number>> = Object.freeze({
  'bad-format': FwResult.UnsupportedPackage,
  'too-large': FwResult.NotEnoughFlash,
  'bad-hash': FwResult.IntegrityFailure,
  'bad-signature': FwResult.IntegrityFailure,
  downgrade: FwResult.UnsupportedPackage,
  'out-of-order': FwResult.ConnectionLost,
  'bad-state': FwResult.UpdateFailed,
  'bad-uri': FwResult.InvalidUri,
  'unsupported-protocol': FwResult.UnsupportedProtocol,
  corrupt: FwResult.UpdateFailed,
  'bad-argument': FwResult.UpdateFailed,
});

function blockSize(szx: number): number {
  return 1 << (szx + 4);
}

export class FirmwareUpdate {
  private readonly host: Host;
  readonly slots: FirmwareSlots;
  private readonly opts: FirmwareUpdateOptions;
  private rec: Persisted;
  /** Bytes of the current transfer accepted (push: queued or written). */
  private received = 0;
  private readonly headerBuf = new Uint8Array(HEADER_LENGTH);
  private headerChecked = false;
  private incoming: ImageHeader | null = null;
  private pending: { offset: number; data: Uint8Array; more: boolean } | null = null;
  private flushTimer: TimerHandle | null = null;
  private trialTimer: TimerHandle | null = null;
  /** Bumped to abandon a running pull or queued push work. */
  private generation = 0;
  private lastPushNum = -1;
  /** After a refused push, later blocks of that transfer get this code until a new block 0. */
  private refusedCode = 0;
  private pulling: Promise<void> | null = null;
  /** Last failure, for logs and demos (never secret). */
  lastError = '';
  private readonly listeners: (() => void)[] = [];
  /** Diagnostics: where the last pull resumed after a restart (-1: none), and bytes fetched by pull since start. */
  resumedAt = -1;
  pulledBytes = 0;

  constructor(opts: FirmwareUpdateOptions) {
    this.host = opts.host;
    this.slots = opts.slots;
    this.opts = opts;
    this.rec = this.load();
  }

  // ------------------------------------------------------------------ what Object 5 reports

  get state(): number {
    return this.rec.s;
  }
  get result(): number {
    return this.rec.r;
  }
  /** Bytes of the current download taken so far. */
  get progress(): number {
    return this.rec.s === FwState.Downloading ? this.received : 0;
  }
  get packageUri(): string {
    return this.rec.m === 'pull' ? this.rec.u : '';
  }
  /** Protocol Support (resource 8): 0 CoAP, 1 CoAPS when a pull source is wired. */
  get protocols(): number[] {
    return this.opts.source ? [0, 1] : [];
  }
  /** Delivery Method (resource 9): 2 both, 1 push only. */
  get deliveryMethod(): number {
    return this.opts.source ? 2 : 1;
  }
  /** The package the state is about: the downloaded one while Downloaded/Updating, else the running one. */
  private shownHeader(): ImageHeader | null {
    const slot = this.rec.s === FwState.Downloaded ? this.rec.slot : this.slots.active;
    return this.slots.header(slot);
  }
  get pkgName(): string {
    return this.shownHeader()?.name ?? '';
  }
  get pkgVersion(): string {
    return this.shownHeader()?.versionString ?? '';
  }

  /** Also tell `fn` when State or Update Result changes (the client notifies observers of /5/0). */
  onChanged(fn: () => void): void {
    this.listeners.push(fn);
  }

  // ------------------------------------------------------------------ persistence

  private load(): Persisted {
    const r = this.slots.getRecord('fw');
    const n = (v: unknown, max: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : 0);
    if (!r) return { s: 0, r: 0, m: '', u: '', at: 0, e: '', slot: 1 };
    return {
      s: n(r.s, 3),
      r: n(r.r, 9),
      m: r.m === 'push' || r.m === 'pull' ? r.m : '',
      u: typeof r.u === 'string' ? r.u.slice(0, 255) : '',
      at: n(r.at, this.slots.slotSize),
      e: typeof r.e === 'string' && /^[0-9a-f]{0,16}$/.test(r.e) ? r.e : '',
      slot: r.slot === 0 ? 0 : 1,
    };
  }

  private save(patch: Partial<Persisted>): void {
    const next = { ...this.rec, ...patch };
    this.slots.putRecord('fw', next as unknown as Record<string, unknown>);
    const changed = next.s !== this.rec.s || next.r !== this.rec.r;
    this.rec = next;
    if (changed) {
      this.opts.onChange?.();
      for (const fn of this.listeners) fn();
    }
  }

  // ------------------------------------------------------------------ boot-time reconciliation

  /**
   * Call once after the boot decision (FirmwareSlots.boot) and before registering: reconciles what a
   * reboot or power cut left, arms the trial timer of a new image, and resumes a pull download.
   */
  start(): void {
    const b = this.slots.bootRecord();
    if (b.trial) {
      if (this.rec.s !== FwState.Updating || this.rec.slot !== b.active) this.save({ s: FwState.Updating, r: FwResult.Initial, slot: b.active });
      this.trialTimer = this.host.setTimer(this.opts.trialTimeoutMs ?? 300_000, () => {
        this.trialTimer = null;
        this.host.log('warn', 'fota: the new image did not register in time; rolling back');
        this.rollback();
      });
      return;
    }
    if (this.rec.s === FwState.Updating) {
      // The switch was undone (rolled back at boot), never happened (cut before it), or was confirmed (cut before this record).
      this.save({ s: FwState.Idle, r: b.active === this.rec.slot ? FwResult.Success : FwResult.UpdateFailed, m: '', at: 0 });
    } else if (this.rec.s === FwState.Downloading) {
      if (this.rec.m === 'pull' && this.opts.source && this.rec.slot !== b.active) this.resumePull();
      else this.save({ s: FwState.Idle, r: FwResult.ConnectionLost, m: '', at: 0 });
    } else if (this.rec.s === FwState.Downloaded && this.rec.slot === b.active) {
      this.save({ s: FwState.Idle, r: FwResult.Initial, m: '', at: 0 });
    }
  }

  /** The client registered with a server: a trial image is now confirmed. */
  registered(): void {
    if (!this.slots.bootRecord().trial) return;
    if (this.trialTimer) this.host.clearTimer(this.trialTimer);
    this.trialTimer = null;
    this.slots.confirm();
    this.opts.installer?.confirm?.();
    this.save({ s: FwState.Idle, r: FwResult.Success, m: '', at: 0 });
    this.host.log('info', 'fota: new image confirmed', { version: this.pkgVersion });
  }

  /** Rolls a trial image back now and restarts into the previous one. */
  rollback(): void {
    if (!this.slots.rollback()) return;
    const active = this.slots.active;
    this.opts.installer?.rollback?.(this.slots.region(active), this.slots.header(active));
    this.save({ s: FwState.Idle, r: FwResult.UpdateFailed, m: '', at: 0 });
    this.opts.restart?.();
  }

  /** Stops timers and abandons a pull (the device is going down). */
  stop(): void {
    this.generation++;
    for (const t of [this.flushTimer, this.trialTimer]) if (t) this.host.clearTimer(t);
    this.flushTimer = this.trialTimer = null;
    this.pending = null;
    this.opts.source?.close();
  }

  // ------------------------------------------------------------------ common download machinery

  private fail(result: number, why: string): void {
    this.generation++;
    this.pending = null;
    if (this.flushTimer) this.host.clearTimer(this.flushTimer);
    this.flushTimer = null;
    this.lastError = why;
    this.host.log('warn', 'fota: download refused', { result, reason: why });
    this.save({ s: FwState.Idle, r: result, m: '', at: 0, e: '' });
  }

  private failWith(e: unknown): void {
    if (e instanceof FotaError) this.fail(RESULT_OF[e.code], e.message);
    else throw e;
  }

  private beginTransfer(mode: Mode, uri: string, at: number): void {
    this.generation++;
    this.pending = null;
    if (this.flushTimer) this.host.clearTimer(this.flushTimer);
    this.flushTimer = null;
    this.headerChecked = false;
    this.incoming = null;
    this.refusedCode = 0;
    this.lastError = '';
    const slot = this.slots.inactive;
    this.slots.beginWrite(slot, at);
    this.received = at;
    if (at > 0) this.headerBuf.set(this.slots.region(slot).read(0, HEADER_LENGTH));
    this.save({ s: FwState.Downloading, r: FwResult.Initial, m: mode, u: uri, at, e: at > 0 ? this.rec.e : '', slot });
  }

  /** Puts bytes on flash at `offset`, checkpoints sector boundaries, checks the header once it is whole. Throws FotaError. */
  private writeBlock(offset: number, data: Uint8Array): void {
    if (offset < HEADER_LENGTH) this.headerBuf.set(data.subarray(0, HEADER_LENGTH - offset), offset);
    const end = offset + data.length;
    if (this.incoming && end > HEADER_LENGTH + this.incoming.size) throw new FotaError('bad-hash', `more bytes than the ${this.incoming.size}-byte payload the header declares`);
    this.slots.writeAt(offset, data);
    const ss = this.slots.sectorSize;
    if (Math.floor(end / ss) > Math.floor(offset / ss)) this.save({ at: Math.floor(end / ss) * ss });
    if (!this.headerChecked && end >= HEADER_LENGTH) {
      this.headerChecked = true;
      const h = this.slots.checkHeader(this.headerBuf);
      const floor = this.slots.floor();
      if (h.version < floor) throw new FotaError('downgrade', `image version ${h.version} is older than the running ${floor}`);
      if (end > HEADER_LENGTH + h.size) throw new FotaError('bad-hash', `more bytes than the ${h.size}-byte payload the header declares`);
      this.incoming = h;
    }
  }

  /** All bytes are on flash: verify the whole image as stored, then report Downloaded. Throws FotaError. */
  private finish(length: number): void {
    const h = this.slots.verify(this.rec.slot, length);
    const floor = this.slots.floor();
    if (h.version < floor) throw new FotaError('downgrade', `image version ${h.version} is older than the running ${floor}`);
    this.incoming = h;
    this.save({ s: FwState.Downloaded, r: FwResult.Initial, at: 0 });
    this.host.log('info', 'fota: image downloaded and verified', { name: h.name, version: h.versionString, size: h.size });
  }

  // ------------------------------------------------------------------ push (resource 0 written)

  /**
   * One Block1 block of a Package write (RFC 7959 §2.5). Returns the CoAP code to answer with:
   * 2.31 for a block taken (or taken before), 2.04 for the last one, 4.08 for a gap, 4.13 when the
   * image cannot fit, 4.00 after the image was refused, 4.05 while an image waits or is installing.
   */
  pushBlock(num: number, szx: number, more: boolean, data: Uint8Array, size1?: number): number {
    const size = blockSize(szx);
    const offset = num * size;
    if (this.rec.s === FwState.Updating) return METHOD_NOT_ALLOWED;
    if (this.rec.s === FwState.Downloaded) {
      // The final block's retransmission (a new request, not a CoAP duplicate) after we finished.
      return this.rec.m === 'push' && !more && num === this.lastPushNum ? CHANGED : METHOD_NOT_ALLOWED;
    }
    if (num === 0) {
      if (this.rec.s === FwState.Downloading && this.rec.m === 'pull') this.opts.source?.close();
      this.beginTransfer('push', '', 0);
      if (size1 !== undefined && size1 > this.slots.slotSize) {
        this.fail(FwResult.NotEnoughFlash, `Size1 ${size1} exceeds the ${this.slots.slotSize}-byte slot`);
        this.refusedCode = TOO_LARGE;
        return TOO_LARGE;
      }
    } else {
      if (this.refusedCode) return this.refusedCode;
      if (this.rec.s !== FwState.Downloading || this.rec.m !== 'push') return INCOMPLETE;
      if (offset + data.length <= this.received && offset < this.received) return more ? CONTINUE : CHANGED; // already taken
      if (offset !== this.received) return INCOMPLETE;
    }
    if (offset + data.length > this.slots.slotSize) {
      this.fail(FwResult.NotEnoughFlash, `image exceeds the ${this.slots.slotSize}-byte slot`);
      this.refusedCode = TOO_LARGE;
      return TOO_LARGE;
    }
    this.received = offset + data.length;
    this.lastPushNum = num;
    if (this.pending) this.flush();
    if (this.rec.s !== FwState.Downloading) return this.refusedCode || BAD_REQUEST;
    this.pending = { offset, data: data.slice(), more };
    if (!this.flushTimer) {
      const gen = this.generation;
      this.flushTimer = this.host.setTimer(0, () => {
        this.flushTimer = null;
        if (gen === this.generation) this.flush();
      });
    }
    return more ? CONTINUE : CHANGED;
  }

  /** Writes the queued block (after its ACK went out). */
  private flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    try {
      this.writeBlock(p.offset, p.data);
      if (!p.more) this.finish(p.offset + p.data.length);
    } catch (e) {
      this.failWith(e);
      this.refusedCode = e instanceof FotaError && e.code === 'too-large' ? TOO_LARGE : BAD_REQUEST;
    }
  }

  /** A Package written in one piece (no Block1), or through a content format other than opaque. */
  writePackage(pkg: Uint8Array): number {
    if (pkg.length === 0 || (pkg.length === 1 && pkg[0] === 0)) return this.reset();
    const szx = 6;
    const size = blockSize(szx);
    let code = CHANGED;
    for (let o = 0, num = 0; o < pkg.length; o += size, num++) {
      const more = o + size < pkg.length;
      code = this.pushBlock(num, szx, more, pkg.subarray(o, Math.min(pkg.length, o + size)), num === 0 ? pkg.length : undefined);
      if (code !== CONTINUE && code !== CHANGED) return code;
    }
    this.flush();
    return this.rec.s === FwState.Idle ? (this.refusedCode || BAD_REQUEST) : code;
  }

  /** Empty Package or Package URI: back to Idle, Update Result 0 (not while an image is installing). */
  reset(): number {
    if (this.rec.s === FwState.Updating) return METHOD_NOT_ALLOWED;
    if (this.rec.m === 'pull') this.opts.source?.close();
    this.generation++;
    this.pending = null;
    this.refusedCode = 0;
    this.save({ s: FwState.Idle, r: FwResult.Initial, m: '', u: '', at: 0, e: '' });
    return CHANGED;
  }

  // ------------------------------------------------------------------ pull (resource 1 written)

  /** Package URI written. Returns 2.04 when accepted (failures surface as Update Result), 4.05 when not Idle. */
  writeUri(uri: string): number {
    if (uri === '') return this.reset();
    if (this.rec.s !== FwState.Idle) return METHOD_NOT_ALLOWED;
    let parsed: PackageUri;
    try {
      parsed = parsePackageUri(uri);
      if (!this.opts.source) throw new FotaError('unsupported-protocol', 'this device has no pull download');
    } catch (e) {
      this.failWith(e);
      this.rec = { ...this.rec, u: uri };
      return CHANGED;
    }
    this.beginTransfer('pull', uri, 0);
    this.runPull(parsed);
    return CHANGED;
  }

  private resumePull(): void {
    let parsed: PackageUri;
    try {
      parsed = parsePackageUri(this.rec.u);
      this.beginTransfer('pull', this.rec.u, this.rec.at);
      if (this.rec.at >= HEADER_LENGTH) {
        this.headerChecked = true;
        this.incoming = this.slots.checkHeader(this.headerBuf);
      }
    } catch (e) {
      this.failWith(e);
      return;
    }
    this.resumedAt = this.rec.at;
    this.host.log('info', 'fota: resuming the download', { at: this.rec.at });
    this.runPull(parsed);
  }

  /** Resolves when the running pull has ended (for tests and tools). */
  whenIdle(): Promise<void> {
    return this.pulling ?? Promise.resolve();
  }

  private runPull(uri: PackageUri): void {
    const gen = this.generation;
    const run = this.pull(uri, gen).catch((e) => {
      if (gen === this.generation) this.failWith(e);
    });
    this.pulling = run.finally(() => {
      if (this.pulling === p) this.pulling = null;
    });
    const p = this.pulling;
  }

  private async pull(uri: PackageUri, gen: number): Promise<void> {
    const source = this.opts.source!;
    let szx = Math.max(0, Math.min(6, this.opts.blockSzx ?? 6));
    let offset = this.received;
    let failures = 0;
    const retries = Math.max(0, Math.min(10, this.opts.pullRetries ?? 3));
    try {
      // Bounded: each round either moves forward by at least one byte (the slot is finite) or counts a failure.
      for (;;) {
        if (gen !== this.generation) return;
        let reply: BlockReply;
        try {
          reply = await source.fetchBlock(uri, Math.floor(offset / blockSize(szx)), szx);
        } catch (e) {
          if (gen !== this.generation) return;
          if (e instanceof FotaError) return this.failWith(e);
          if (++failures > retries) return this.fail(FwResult.ConnectionLost, `download failed: ${e instanceof Error ? e.message : String(e)}`);
          await this.delay(this.opts.pullRetryDelayMs ?? 5_000);
          continue;
        }
        if (gen !== this.generation) return;
        if (reply.code >= 0xa0) {
          if (++failures > retries) return this.fail(FwResult.ConnectionLost, `server answered ${reply.code >> 5}.${String(reply.code & 31).padStart(2, '0')}`);
          await this.delay(this.opts.pullRetryDelayMs ?? 5_000);
          continue;
        }
        if (reply.code !== 0x45) return this.fail(FwResult.InvalidUri, `server answered ${reply.code >> 5}.${String(reply.code & 31).padStart(2, '0')} for the Package URI`);
        failures = 0;
        const tag = reply.etag ? toHex(reply.etag).slice(0, 16) : '';
        if (offset > 0 && this.rec.e !== tag) {
          // RFC 7959 §2.4 / RFC 7252 §5.10.6: a different representation; the bytes so far are from another image.
          this.host.log('info', 'fota: the package changed (ETag); downloading again from the start');
          this.beginTransfer('pull', this.rec.u, 0);
          offset = 0;
          continue;
        }
        if (offset === 0 && this.rec.e !== tag) this.save({ e: tag });
        const at = reply.num * blockSize(reply.szx);
        if (at !== offset || (reply.more && reply.payload.length !== blockSize(reply.szx)) || (reply.more && reply.payload.length === 0)) {
          return this.fail(FwResult.ConnectionLost, `server sent block ${reply.num} (szx ${reply.szx}) for offset ${offset}`);
        }
        szx = reply.szx;
        if (offset + reply.payload.length > this.slots.slotSize) return this.fail(FwResult.NotEnoughFlash, 'package exceeds the slot');
        this.writeBlock(offset, reply.payload);
        this.pulledBytes += reply.payload.length;
        offset += reply.payload.length;
        this.received = offset;
        if (!reply.more) {
          this.finish(offset);
          return;
        }
      }
    } finally {
      if (gen === this.generation || this.rec.s !== FwState.Downloading) source.close();
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.host.setTimer(ms, resolve));
  }

  // ------------------------------------------------------------------ Update (resource 2 executed)

  /** Execute Update: only from Downloaded (4.05 otherwise). Installs right after the 2.04 goes out. */
  executeUpdate(): number {
    if (this.rec.s !== FwState.Downloaded) return METHOD_NOT_ALLOWED;
    this.save({ s: FwState.Updating, r: FwResult.Initial });
    const gen = this.generation;
    this.host.setTimer(0, () => {
      if (gen === this.generation) this.install();
    });
    return CHANGED;
  }

  /** Re-verifies the stored image (flash may have changed since the download), switches, restarts. */
  install(): void {
    if (this.rec.s !== FwState.Updating || this.slots.bootRecord().trial) return;
    let header: ImageHeader;
    try {
      const h = this.slots.verify(this.rec.slot);
      if (h.version < this.slots.floor()) throw new FotaError('downgrade', 'image older than the running one');
      this.slots.switchTo(this.rec.slot);
      header = h;
    } catch (e) {
      if (e instanceof FotaError) return this.fail(e.code === 'downgrade' ? FwResult.UnsupportedPackage : FwResult.IntegrityFailure, e.message);
      throw e;
    }
    try {
      this.opts.installer?.install(this.slots.region(this.rec.slot), header);
    } catch (e) {
      // The platform refused the image (its own checks, a write error): undo the switch.
      this.slots.rollback();
      return this.fail(FwResult.UpdateFailed, `installer: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.host.log('info', 'fota: switched to the new image; restarting', { slot: this.rec.slot });
    this.opts.restart?.();
  }
}
