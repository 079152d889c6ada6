/**
 * Information Reporting (LwM2M 1.1 Core §6.4, §5.1.2): when an observed value is reported, honouring
 * pmin, pmax, gt, lt and st. The CoAP layer numbers and sends notifications; this decides when.
 */
import type { CoapEndpoint, ResponseSpec } from '../coap/endpoint';
import type { Observation } from '../coap/observe';
import type { Host, TimerHandle } from '../host';
import { MAX_ATTRIBUTE_PERIOD_S, type DataModel } from '../lwm2m/data-model';
import { decodeText } from '../lwm2m/formats/text';
import { formatPath, parsePath, pathStartsWith, type Path } from '../lwm2m/types';
import { equalBytes } from '../bytes/index';
import { crc32 } from '../store/crc32';
import type { SavedObservation } from './sleep-observations';

interface Watched {
  obs: Observation;
  path: Path;
  accept: number | undefined;
  lastSentAt: number;
  /** The payload last notified; null for an observation kept across sleep, compared by `lastLength`/`lastCrc`. */
  lastPayload: Uint8Array | null;
  lastLength: number;
  lastCrc: number;
  lastNumber: number | undefined;
  pending: TimerHandle | null;
  pmaxTimer: TimerHandle | null;
}

export class Observer {
  private readonly watched = new Map<string, Watched>();
  /** Notifications sent, for the demo and tests. */
  sent = 0;

  constructor(
    private readonly host: Host,
    private readonly dm: DataModel,
    private readonly endpoint: CoapEndpoint,
    private readonly ssid: number,
  ) {}

  /** Called after the endpoint accepted an observation (its first response already sent). */
  add(obs: Observation, firstPayload: Uint8Array): void {
    let path: Path;
    try {
      path = parsePath('/' + obs.path.join('/'));
    } catch {
      return;
    }
    const w: Watched = { obs, path, accept: obs.accept, lastSentAt: this.host.now(), lastPayload: firstPayload, lastLength: 0, lastCrc: 0, lastNumber: this.numeric(path, firstPayload), pending: null, pmaxTimer: null };
    this.watched.set(obs.key, w);
    this.armPmax(w);
  }

  /**
   * What deep sleep keeps of each observation (./sleep-observations.ts), at most `max` of them: the attributes in
   * force and what the change logic compares with.
   */
  snapshot(max: number): SavedObservation[] {
    const now = this.host.now();
    const out: SavedObservation[] = [];
    for (const w of this.watched.values()) {
      if (out.length >= max) break;
      out.push({
        token: w.obs.token.slice(),
        path: [...w.obs.path],
        query: [...w.obs.query],
        accept: w.accept,
        sinceSentMs: now - w.lastSentAt,
        lastNumber: w.lastNumber,
        payloadLength: w.lastPayload ? w.lastPayload.length : w.lastLength,
        payloadCrc: w.lastPayload ? crc32(w.lastPayload) : w.lastCrc,
        attributes: this.attrs(w),
      });
    }
    return out;
  }

  /**
   * After a wake: takes back the kept observations on this (new) endpoint, numbering on from `sequence`, and sends
   * what fell due while asleep (LwM2M 1.1 Core §6.5): a changed value (gt/lt/st or a different payload) once pmin
   * has passed, and a notification when pmax passed. `sleptMs` is how long the device slept; undefined (no wall
   * clock) counts as longer than any pmin/pmax. Attributes in force at the sleep that the data model no longer
   * holds (a restart) are written back at the observed path. Returns how many observations were taken back.
   */
  restore(kept: SavedObservation[], sequence: number, sleptMs: number | undefined): number {
    let n = 0;
    for (const k of kept) {
      let path: Path;
      try {
        path = parsePath('/' + k.path.join('/'));
      } catch {
        continue;
      }
      this.restoreAttributes(path, k.attributes);
      const obs = this.endpoint.adoptObservation(k, sequence);
      if (!obs) continue;
      const elapsed = sleptMs === undefined ? Number.MAX_SAFE_INTEGER : Math.min(Number.MAX_SAFE_INTEGER, k.sinceSentMs + Math.max(0, sleptMs));
      const now = this.host.now();
      const w: Watched = { obs, path, accept: k.accept, lastSentAt: now - elapsed, lastPayload: null, lastLength: k.payloadLength, lastCrc: k.payloadCrc, lastNumber: k.lastNumber, pending: null, pmaxTimer: null };
      this.watched.set(obs.key, w);
      n++;
      const pmax = boundPeriod(this.attrs(w).get('pmax'));
      const pmaxPassed = pmax !== undefined && pmax > 0 && elapsed >= pmax * 1000;
      if (!pmaxPassed) this.armPmax(w, elapsed);
      this.evaluate(w, pmaxPassed);
    }
    return n;
  }

  private restoreAttributes(path: Path, kept: Map<string, number>): void {
    const now = this.dm.effectiveAttributes(this.ssid, path);
    const missing = [...kept].filter(([k, v]) => now.get(k) !== v);
    if (missing.length === 0) return;
    const query = missing.map(([k, v]) => `${k}=${v}`).join('&');
    this.dm.handle({ kind: 'write-attributes', path, query }, { kind: 'server', shortServerId: this.ssid });
  }

  remove(key: string): void {
    const w = this.watched.get(key);
    if (!w) return;
    if (w.pending) this.host.clearTimer(w.pending);
    if (w.pmaxTimer) this.host.clearTimer(w.pmaxTimer);
    this.watched.delete(key);
  }

  /** Unbootstrapping step 3 and shutdown: forget every observation of this server. */
  cancelAll(): void {
    for (const key of [...this.watched.keys()]) {
      this.remove(key);
      this.endpoint.cancelObservation(key);
    }
  }

  get count(): number {
    return this.watched.size;
  }

  paths(): string[] {
    return [...this.watched.values()].map((w) => formatPath(w.path));
  }

  /** The application (or an object) says the value at `path` may have changed. */
  changed(path: Path): void {
    for (const w of this.watched.values()) {
      if (pathStartsWith(path, w.path) || pathStartsWith(w.path, path)) this.evaluate(w, false);
    }
  }

  private attrs(w: Watched): Map<string, number> {
    return this.dm.effectiveAttributes(this.ssid, w.path);
  }

  private read(w: Watched) {
    return this.dm.handle({ kind: 'read', path: w.path, accept: w.accept }, { kind: 'server', shortServerId: this.ssid });
  }

  /** A single numeric resource's value, for gt/lt/st (read as plain text so every format agrees). */
  private numeric(path: Path, _payload: Uint8Array): number | undefined {
    if (path.length < 3) return undefined;
    const r = this.dm.handle({ kind: 'read', path, accept: 0 }, { kind: 'internal' });
    if (r.code !== 0x45 || !r.payload) return undefined;
    try {
      const v = decodeText('float', r.payload);
      return typeof v === 'number' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private evaluate(w: Watched, pmaxDue: boolean): void {
    const r = this.read(w);
    if (r.code !== 0x45) {
      // The resource went away or access was revoked: an error notification ends the observation (RFC 7641 §3.2).
      this.endpoint.notify(w.obs, { code: r.code });
      this.remove(w.obs.key);
      return;
    }
    const payload = r.payload ?? new Uint8Array(0);
    const a = this.attrs(w);
    const value = this.numeric(w.path, payload);
    let due = pmaxDue;
    if (!due) {
      const gt = a.get('gt');
      const lt = a.get('lt');
      const st = a.get('st');
      if (value !== undefined && (gt !== undefined || lt !== undefined || st !== undefined)) {
        const prev = w.lastNumber;
        // gt/lt: the value moved from one side of the threshold to the other; st: it moved by at least st.
        const crossedGt = gt !== undefined && prev !== undefined && prev > gt !== value > gt;
        const crossedLt = lt !== undefined && prev !== undefined && prev < lt !== value < lt;
        due = crossedGt || crossedLt || (st !== undefined && prev !== undefined && Math.abs(value - prev) >= st);
      } else {
        due = w.lastPayload ? !equalBytes(payload, w.lastPayload) : payload.length !== w.lastLength || crc32(payload) !== w.lastCrc;
      }
    }
    if (!due) return;
    const pmin = boundPeriod(a.get('pmin')) ?? 0;
    const wait = w.lastSentAt + pmin * 1000 - this.host.now();
    if (wait > 0 && !pmaxDue) {
      if (!w.pending) w.pending = this.host.setTimer(wait, () => {
        w.pending = null;
        this.send(w);
      });
      return;
    }
    this.send(w);
  }

  private send(w: Watched): void {
    if (!this.watched.has(w.obs.key)) return;
    const r = this.read(w);
    const spec: ResponseSpec = { code: r.code, payload: r.payload, contentFormat: r.contentFormat };
    this.endpoint.notify(w.obs, spec);
    this.sent++;
    w.lastSentAt = this.host.now();
    w.lastPayload = r.payload ?? new Uint8Array(0);
    w.lastNumber = this.numeric(w.path, w.lastPayload);
    if (r.code !== 0x45) this.remove(w.obs.key);
    else this.armPmax(w);
  }

  private armPmax(w: Watched, elapsedMs = 0): void {
    if (w.pmaxTimer) this.host.clearTimer(w.pmaxTimer);
    w.pmaxTimer = null;
    const a = this.attrs(w);
    const pmax = boundPeriod(a.get('pmax'));
    const pmin = boundPeriod(a.get('pmin')) ?? 0;
    if (pmax === undefined || pmax <= 0 || pmax < pmin) return;
    w.pmaxTimer = this.host.setTimer(Math.max(0, pmax * 1000 - elapsedMs), () => {
      w.pmaxTimer = null;
      if (w.pending) {
        this.host.clearTimer(w.pending);
        w.pending = null;
      }
      this.evaluate(w, true);
    });
  }
}

/**
 * pmin/pmax in seconds as a timer can use them: Write-Attributes and the Server object already refuse values
 * outside 0..2^32-1, this keeps any other source (an application object, a stored default) in that range too.
 */
function boundPeriod(v: number | undefined): number | undefined {
  if (v === undefined || !Number.isFinite(v)) return undefined;
  return Math.min(MAX_ATTRIBUTE_PERIOD_S, Math.max(0, Math.floor(v)));
}
