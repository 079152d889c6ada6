/**
 * Server-side state of RFC 7959 transfers: reassembly of Block1 request bodies (§2.5) with a size
 * cap, and a short-lived cache of large representations so that the Block2 requests for later blocks
 * (§2.4) are served from the same representation the first block came from.
 */
import { concat } from '../bytes/index';
import type { CoapOption } from './options';

export type Block1Result =
  | { kind: 'continue' }
  | { kind: 'complete'; body: Uint8Array }
  | { kind: 'incomplete' }
  | { kind: 'too-large' };

interface Assembly {
  parts: Uint8Array[];
  received: number;
  expiresAt: number;
}

/** Reassembles request bodies, one per resource key; bounded in count, size and lifetime. */
export class Block1Assembler {
  private readonly assemblies = new Map<string, Assembly>();
  constructor(
    readonly maxBodySize: number,
    private readonly lifetimeMs: number,
    private readonly maxAssemblies = 4,
  ) {}

  /**
   * Adds one block. `offset` is NUM * block size as the client numbered it; a block that does not
   * continue exactly where the body ends (a missing or reordered block) means 4.08.
   */
  add(key: string, offset: number, data: Uint8Array, more: boolean, now: number, announcedSize?: number): Block1Result {
    this.sweep(now);
    if ((announcedSize !== undefined && announcedSize > this.maxBodySize) || offset + data.length > this.maxBodySize) {
      this.assemblies.delete(key);
      return { kind: 'too-large' };
    }
    let a = this.assemblies.get(key);
    if (offset === 0) {
      a = { parts: [], received: 0, expiresAt: 0 };
      this.assemblies.delete(key);
      if (this.assemblies.size >= this.maxAssemblies) {
        const oldest = this.assemblies.keys().next().value;
        if (oldest !== undefined) this.assemblies.delete(oldest);
      }
      this.assemblies.set(key, a);
    }
    if (!a) return { kind: 'incomplete' };
    if (offset !== a.received) {
      // A retransmitted earlier block (same offset as one already taken) is harmless only if the
      // message layer missed it as a duplicate; anything else is a gap.
      this.assemblies.delete(key);
      return { kind: 'incomplete' };
    }
    a.parts.push(data.slice());
    a.received += data.length;
    a.expiresAt = now + this.lifetimeMs;
    if (more) return { kind: 'continue' };
    this.assemblies.delete(key);
    return { kind: 'complete', body: concat(...a.parts) };
  }

  get size(): number {
    return this.assemblies.size;
  }

  private sweep(now: number): void {
    for (const [k, a] of this.assemblies) if (a.expiresAt <= now && a.expiresAt !== 0) this.assemblies.delete(k);
  }
}

export interface CachedRepresentation {
  code: number;
  options: CoapOption[];
  payload: Uint8Array;
  expiresAt: number;
}

/** Keeps the last few large responses by resource key, for the follow-up Block2 requests. */
export class Block2Cache {
  private readonly entries = new Map<string, CachedRepresentation>();
  constructor(
    private readonly lifetimeMs: number,
    private readonly maxEntries = 4,
  ) {}
  put(key: string, code: number, options: CoapOption[], payload: Uint8Array, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { code, options, payload, expiresAt: now + this.lifetimeMs });
  }
  get(key: string, now: number): CachedRepresentation | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}
