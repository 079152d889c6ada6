/**
 * TS 23.040 §9.2.3.24.1 / .8 concatenated short messages: splitting a long user data body into
 * segments, and a bounded reassembler for received ones. TS 31.115 §4.2 puts the command-packet
 * identifier (IE 70) in the first segment only; callers pass it as `firstElements`.
 *
 * The reassembler is the part a hostile sender talks to, so every resource it holds is capped:
 * partial messages, segments per message, octets buffered, and time (checked against the Host clock
 * on every call; no timers needed).
 */
import { DEVICE_PROFILE } from '../profile';
import { SmsFormatError } from './errors';
import { concatElement, type ConcatInfo, type InformationElement, type UserDataHeader } from './udh';
import { MAX_UD_OCTETS } from './user-data';

export interface SegmentPlan {
  elements: InformationElement[];
  payload: Uint8Array;
}

function ieSize(elements: InformationElement[]): number {
  let n = 0;
  for (const e of elements) n += 2 + e.data.length;
  return n;
}

/**
 * Splits `body` into SMS user data parts. A body that fits one SMS (with `firstElements`) is not
 * concatenated. `reference` must differ from recent messages to the same recipient.
 */
export function splitForConcatenation(
  body: Uint8Array,
  opts: { reference: number; wide?: boolean; firstElements?: InformationElement[] },
): SegmentPlan[] {
  const first = opts.firstElements ?? [];
  const headerFirst = first.length ? 1 + ieSize(first) : 0;
  if (headerFirst + body.length <= MAX_UD_OCTETS) return [{ elements: first, payload: body }];
  const wide = opts.wide ?? false;
  const concatSize = wide ? 6 : 5;
  const capFirst = MAX_UD_OCTETS - 1 - ieSize(first) - concatSize;
  const capRest = MAX_UD_OCTETS - 1 - concatSize;
  if (capFirst <= 0) throw new SmsFormatError('first-segment elements leave no room for data');
  const total = 1 + Math.ceil(Math.max(0, body.length - capFirst) / capRest);
  if (total > 255) throw new SmsFormatError(`body of ${body.length} octets needs ${total} segments, at most 255 allowed`);
  const out: SegmentPlan[] = [];
  let o = 0;
  for (let seq = 1; seq <= total; seq++) {
    const cap = seq === 1 ? capFirst : capRest;
    const concat = concatElement({ reference: opts.reference, wide, total, sequence: seq });
    out.push({ elements: seq === 1 ? [concat, ...first] : [concat], payload: body.subarray(o, o + cap) });
    o += cap;
  }
  return out;
}

export interface ReassemblyOptions {
  /** Messages being reassembled at once; the oldest is evicted for a new one. */
  maxPartials?: number;
  /** Segments a message may announce; larger totals are refused before anything is stored. */
  maxSegments?: number;
  /** Octets buffered across all partial messages. */
  maxBufferedOctets?: number;
  /** A partial message older than this (from its first segment) is discarded. */
  timeoutMs?: number;
}

export const REASSEMBLY_DEFAULTS: Required<ReassemblyOptions> = {
  maxPartials: DEVICE_PROFILE.smsMaxPartials,
  maxSegments: DEVICE_PROFILE.smsMaxSegments,
  maxBufferedOctets: DEVICE_PROFILE.smsMaxBufferedOctets,
  timeoutMs: 5 * 60 * 1000,
};
Object.freeze(REASSEMBLY_DEFAULTS);

export type ReassemblyDrop = 'duplicate' | 'conflict' | 'too-many-segments' | 'too-large' | 'evicted' | 'expired';

export type ReassemblyResult =
  | { kind: 'complete'; body: Uint8Array; firstUdh: UserDataHeader }
  | { kind: 'pending' }
  | { kind: 'dropped'; reason: ReassemblyDrop };

interface Partial {
  key: string;
  started: number;
  parts: (Uint8Array | undefined)[];
  received: number;
  octets: number;
  firstUdh: UserDataHeader | null;
}

export class Reassembler {
  private readonly opts: Required<ReassemblyOptions>;
  // insertion order = age order, which is what eviction needs
  private partials = new Map<string, Partial>();
  private buffered = 0;
  readonly drops: Record<ReassemblyDrop, number> = { duplicate: 0, conflict: 0, 'too-many-segments': 0, 'too-large': 0, evicted: 0, expired: 0 };

  constructor(
    private readonly now: () => number,
    options: ReassemblyOptions = {},
  ) {
    this.opts = { ...REASSEMBLY_DEFAULTS, ...options };
  }

  get pending(): number {
    return this.partials.size;
  }
  get bufferedOctets(): number {
    return this.buffered;
  }

  /** Discards partial messages past their timeout; returns how many. */
  expire(): number {
    const t = this.now();
    let n = 0;
    for (const p of [...this.partials.values()]) {
      if (t - p.started >= this.opts.timeoutMs) {
        this.remove(p);
        this.drops.expired++;
        n++;
      }
    }
    return n;
  }

  /**
   * Adds one segment from `source` (the originator). `body` is the user data after the UDH;
   * `udh` is kept from segment 1 so the caller can see e.g. the command packet identifier.
   */
  add(source: string, c: ConcatInfo, udh: UserDataHeader, body: Uint8Array): ReassemblyResult {
    this.expire();
    if (c.total > this.opts.maxSegments) return this.drop('too-many-segments');
    if (body.length > this.opts.maxBufferedOctets) return this.drop('too-large');
    const key = `${source}\u0000${c.wide ? 16 : 8}\u0000${c.reference}\u0000${c.total}`;
    let p = this.partials.get(key);
    if (!p) {
      while (this.partials.size >= this.opts.maxPartials) this.evictOldest();
      p = { key, started: this.now(), parts: new Array(c.total), received: 0, octets: 0, firstUdh: null };
      this.partials.set(key, p);
    }
    const existing = p.parts[c.sequence - 1];
    if (existing) {
      let same = existing.length === body.length;
      for (let i = 0; same && i < body.length; i++) same = existing[i] === body[i];
      // keep the first copy: a differing one is either corruption or an injection attempt
      return this.drop(same ? 'duplicate' : 'conflict');
    }
    while (this.buffered + body.length > this.opts.maxBufferedOctets) {
      const oldest = this.partials.values().next().value as Partial;
      if (oldest === p) {
        this.remove(p);
        return this.drop('too-large');
      }
      this.remove(oldest);
      this.drops.evicted++;
    }
    p.parts[c.sequence - 1] = body.slice();
    p.received++;
    p.octets += body.length;
    this.buffered += body.length;
    if (c.sequence === 1) p.firstUdh = udh;
    if (p.received < c.total) return { kind: 'pending' };
    const out = new Uint8Array(p.octets);
    let o = 0;
    for (const part of p.parts) {
      out.set(part!, o);
      o += part!.length;
    }
    const firstUdh = p.firstUdh!;
    this.remove(p);
    return { kind: 'complete', body: out, firstUdh };
  }

  /** Forgets everything (e.g. when the security configuration changes). */
  clear(): void {
    for (const p of [...this.partials.values()]) this.remove(p);
  }

  private drop(reason: ReassemblyDrop): ReassemblyResult {
    this.drops[reason]++;
    return { kind: 'dropped', reason };
  }

  private evictOldest(): void {
    const oldest = this.partials.values().next().value as Partial;
    this.remove(oldest);
    this.drops.evicted++;
  }

  private remove(p: Partial): void {
    this.partials.delete(p.key);
    this.buffered -= p.octets;
    for (const part of p.parts) if (part) part.fill(0);
  }
}
