/**
 * CounterStore: named monotonic counters that never hand out a value twice, across power loss at
 * any instant, and inbound high-water marks that never go backwards.
 *
 * Outbound counters reserve ahead: before handing out value v, the store makes "values below L
 * may have been issued" durable with L = v + K, then hands out v..L-1 from RAM. After a reboot
 * counting resumes at the last durable L, skipping at most K-1 unused values, so flash is
 * programmed once per K increments. Inbound marks are written before acceptIfHigher returns true,
 * so a message is acted on only once its counter is durable.
 * Synchronous, like FlashRegion. Values are bigint (TS 102 225 CNTR is 40 bits, DTLS 48).
 */
import { utf8Encode } from '../bytes/index';
import type { FlashRegion, Host } from '../host';
import { StoreError } from './errors';
import { SealedJournal } from './sealed';

const OUT = 0x6f; // 'o'
const IN = 0x69; // 'i'
export const MAX_COUNTER_NAME = 48;
const U64_MAX = (1n << 64n) - 1n;

export interface CounterStoreOptions {
  /** Values reserved per flash write (K). Default 32. */
  reserve?: number;
  /** Largest value `next` hands out; default 2^48 - 1 (DTLS). Use 2^40 - 1 for a TS 102 225 CNTR. */
  max?: bigint;
}

function encodeU64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function decodeU64(b: Uint8Array): bigint {
  if (b.length !== 8) throw new StoreError('corrupt', `counter record holds ${b.length} bytes, not 8`);
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[i]);
  return v;
}

interface Outbound {
  next: bigint;
  limit: bigint;
}

export class CounterStore {
  private readonly sealed: SealedJournal;
  private readonly reserve: bigint;
  private readonly max: bigint;
  private readonly out = new Map<string, Outbound>();
  private readonly marks = new Map<string, bigint>();

  /** Mounts the store on `flash`, reading every counter (each must authenticate). */
  constructor(host: Host, flash: FlashRegion, options: CounterStoreOptions = {}) {
    const k = options.reserve ?? 32;
    if (!Number.isInteger(k) || k < 1 || k > 1 << 20) throw new StoreError('bad-argument', 'reserve must be an integer in 1..2^20');
    this.reserve = BigInt(k);
    this.max = options.max ?? (1n << 48n) - 1n;
    if (this.max < 0n || this.max >= U64_MAX) throw new StoreError('bad-argument', 'max must be in 0..2^64-2');
    // Not scrubbed: counter values are not secret, and scrubbing would double the programs per reservation.
    this.sealed = new SealedJournal(host, flash, 'xs-lwm2m counters', { scrubSuperseded: false });
    for (const key of this.sealed.keys()) {
      const name = String.fromCharCode(...key.subarray(1));
      const v = decodeU64(this.sealed.get(key)!);
      if (key[0] === OUT) this.out.set(name, { next: v, limit: v });
      else if (key[0] === IN) this.marks.set(name, v);
      else throw new StoreError('corrupt', 'unknown counter record kind');
    }
  }

  static open(host: Host, region = 'counters', options: CounterStoreOptions = {}): CounterStore {
    return new CounterStore(host, host.flash(region), options);
  }

  private key(kind: number, name: string): { key: Uint8Array; id: string } {
    const b = utf8Encode(name);
    if (b.length < 1 || b.length > MAX_COUNTER_NAME) throw new StoreError('bad-argument', `counter names are 1..${MAX_COUNTER_NAME} UTF-8 bytes`);
    const key = new Uint8Array(b.length + 1);
    key[0] = kind;
    key.set(b, 1);
    // The map id is the byte string, the same form mount rebuilds from flash.
    return { key, id: String.fromCharCode(...b) };
  }

  /** The value `next(name)` would return. Counters start at 0. */
  peek(name: string): bigint {
    const { id } = this.key(OUT, name);
    return this.out.get(id)?.next ?? 0n;
  }

  /** A value never returned before for `name`, greater than every earlier one, even across power loss. */
  next(name: string): bigint {
    const { key, id } = this.key(OUT, name);
    const st = this.out.get(id) ?? { next: 0n, limit: 0n };
    const v = st.next;
    if (v > this.max) throw new StoreError('exhausted', `counter ${JSON.stringify(name)} passed its maximum`);
    if (v >= st.limit) {
      let limit = v + this.reserve;
      if (limit > this.max + 1n) limit = this.max + 1n;
      this.sealed.put(key, encodeU64(limit));
      st.limit = limit;
    }
    st.next = v + 1n;
    this.out.set(id, st);
    return v;
  }

  /** Makes every later `next(name)` return at least `floor` (durable before it returns), e.g. a restored DTLS sequence number. */
  raiseTo(name: string, floor: bigint): void {
    const { key, id } = this.key(OUT, name);
    if (floor < 0n || floor > this.max + 1n) throw new StoreError('bad-argument', 'floor out of range');
    const st = this.out.get(id) ?? { next: 0n, limit: 0n };
    if (floor <= st.next) return;
    if (floor > st.limit) {
      // Reserve ahead from the floor too, so the next() that follows does not write again.
      let limit = floor + this.reserve;
      if (limit > this.max + 1n) limit = this.max + 1n;
      this.sealed.put(key, encodeU64(limit));
      st.limit = limit;
    }
    st.next = floor;
    this.out.set(id, st);
  }

  /** Accepts `value` only if it is above the mark for `name`; the new mark is durable before this returns true. */
  acceptIfHigher(name: string, value: bigint): boolean {
    const { key, id } = this.key(IN, name);
    if (value < 0n || value > U64_MAX) throw new StoreError('bad-argument', 'value out of range');
    const hw = this.marks.get(id);
    if (hw !== undefined && value <= hw) return false;
    this.sealed.put(key, encodeU64(value));
    this.marks.set(id, value);
    return true;
  }

  /** The highest accepted inbound value, or undefined if none was accepted yet. */
  highWater(name: string): bigint | undefined {
    return this.marks.get(this.key(IN, name).id);
  }

  close(): void {
    this.sealed.close();
  }
}
