import type { CounterSource } from '../../../modules/sms/policy';

/** In-memory stand-in for the CounterStore; records the order of calls to prove durability comes first. */
export class MemoryCounters implements CounterSource {
  values = new Map<string, bigint>();
  log: string[] = [];
  failNext = false;
  next(name: string): bigint {
    const v = (this.values.get(name) ?? 0n) + 1n;
    this.values.set(name, v);
    return v;
  }
  acceptIfHigher(name: string, value: bigint): boolean {
    if (this.failNext) throw new Error('flash write failed');
    const cur = this.values.get(name);
    if (cur !== undefined && value <= cur) return false;
    this.values.set(name, value);
    this.log.push(`${name}=${value}`);
    return true;
  }
}

