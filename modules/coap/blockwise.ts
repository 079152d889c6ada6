/**
 * Server-side state of RFC 7959 transfers: reassembly of Block1 request bodies (§2.5) with a size
 * cap, and a short-lived cache of large representations so that the Block2 requests for later blocks
 * (§2.4) are served from the same representation the first block came from.
 */
import { concat, wipe } from '../bytes/index';
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
      this.drop(key);
      return { kind: 'too-large' };
    }
    let a = this.assemblies.get(key);
    if (offset === 0) {
      a = { parts: [], received: 0, expiresAt: 0 };
      this.drop(key);
      if (this.assemblies.size >= this.maxAssemblies) {
        const oldest = this.assemblies.keys().next().value;
        if (oldest !== undefined) this.drop(oldest);
      }
      this.assemblies.set(key, a);
    }
    if (!a) return { kind: 'incomplete' };
    if (offset !== a.received) {
      // A retransmitted earlier block (same offset as one already taken) is harmless only if the
      // message layer missed it as a duplicate; anything else is a gap.
      this.drop(key);
      return { kind: 'incomplete' };
    }
    a.parts.push(data.slice());
    a.received += data.length;
    a.expiresAt = now + this.lifetimeMs;
    if (more) return { kind: 'continue' };
    this.assemblies.delete(key);
    const body = concat(...a.parts);
    // The parts may hold a secret (a PSK in a Bootstrap-Write): only `body` lives on, for the caller to wipe.
    for (const p of a.parts) wipe(p);
    return { kind: 'complete', body };
  }

  get size(): number {
    return this.assemblies.size;
  }

  private sweep(now: number): void {
    for (const [k, a] of this.assemblies) if (a.expiresAt <= now && a.expiresAt !== 0) this.drop(k);
  }

  /** Forgets an assembly, zeroing what it had collected. */
  private drop(key: string): void {
    const a = this.assemblies.get(key);
    if (!a) return;
    for (const p of a.parts) wipe(p);
    this.assemblies.delete(key);
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
