/**
 * Power-cut workloads and their oracles, shared by the store suites. The oracle is a model of what
 * must hold, not our code: every acknowledged put is readable with exactly its value, a delete that
 * returned stays deleted, an interrupted operation leaves the old or the new state and nothing else,
 * no counter value is ever issued twice (each is above every value issued before), and a
 * high-water mark never goes below what acceptIfHigher acknowledged.
 */
import { assert } from '../../harness/assert';
import { Prng, SimHost } from '../../harness/sim';
import { SimFlash, PowerCut } from '../../../modules/store/sim-flash';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { equalBytes, toHex } from '../../../modules/bytes/index';

export type KeyOp = { kind: 'put'; name: string; value: Uint8Array } | { kind: 'delete'; name: string };
export type CounterOp = { kind: 'next'; name: string } | { kind: 'accept'; name: string; value: bigint };

const KEY_NAMES = ['psk/1', 'psk/2', 'sms/kic', 'sms/kid', 'dtls/session/1', 'x'];
const COUNTER_NAMES = ['cntr/out', 'dtls/seq'];

export function randomKeyOp(rng: Prng, maxValue = 80): KeyOp {
  const name = rng.pick(KEY_NAMES);
  if (rng.int(10) < 2) return { kind: 'delete', name };
  return { kind: 'put', name, value: rng.bytes(1 + rng.int(maxValue)) };
}

export function randomCounterOp(rng: Prng, inboundBase: Map<string, bigint>): CounterOp {
  const name = rng.pick(COUNTER_NAMES);
  if (rng.int(10) < 8) return { kind: 'next', name };
  // Inbound values mostly climb, sometimes repeat or go back (replays), sometimes jump.
  const base = inboundBase.get(name) ?? 0n;
  const r = rng.int(10);
  const value = r < 2 ? base - BigInt(rng.int(3)) : r < 9 ? base + 1n + BigInt(rng.int(4)) : base + BigInt(rng.int(1 << 30));
  const v = value < 0n ? 0n : value;
  inboundBase.set(name, v > base ? v : base);
  return { kind: 'accept', name, value: v };
}

/** The key-store model: acknowledged values, plus at most one operation a power cut interrupted. */
export class KeyModel {
  readonly acked = new Map<string, Uint8Array>();
  inflight: KeyOp | null = null;

  apply(ks: KeyStore, op: KeyOp): void {
    this.inflight = op;
    if (op.kind === 'put') {
      ks.put(op.name, op.value);
      this.acked.set(op.name, op.value);
    } else {
      const existed = ks.delete(op.name);
      assert.equal(existed, this.acked.has(op.name), `delete(${op.name}) return value`);
      this.acked.delete(op.name);
    }
    this.inflight = null;
  }

  /** After a reboot: every name holds its acknowledged value, or for the interrupted op the old or the new one. */
  verify(ks: KeyStore, context: string): void {
    const names = new Set<string>(KEY_NAMES);
    const present: string[] = [];
    for (const name of names) {
      const got = ks.get(name);
      const want = this.acked.get(name);
      const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) => (a === undefined ? b === undefined : b !== undefined && equalBytes(a, b));
      let ok = same(got, want);
      const f = this.inflight;
      if (!ok && f && f.name === name) ok = same(got, f.kind === 'put' ? f.value : undefined);
      if (!ok) assert.fail(`${context}: ${name} reads ${got ? toHex(got) : 'absent'}, expected ${want ? toHex(want) : 'absent'}${f && f.name === name ? ' or the interrupted ' + f.kind : ''}`);
      if (got) {
        this.acked.set(name, got);
        present.push(name);
      } else this.acked.delete(name);
    }
    assert.deepEqual(ks.names().sort(), present.sort(), `${context}: names()`);
    this.inflight = null;
  }
}

/** The counter model: the highest value ever issued per counter and the acknowledged inbound marks. */
export class CounterModel {
  readonly issued = new Map<string, bigint>();
  readonly marks = new Map<string, bigint>();
  inflight: CounterOp | null = null;
  issuedCount = 0;

  apply(cs: CounterStore, op: CounterOp): void {
    this.inflight = op;
    if (op.kind === 'next') {
      const v = cs.next(op.name);
      const last = this.issued.get(op.name);
      if (last !== undefined && v <= last) assert.fail(`counter ${op.name} issued ${v} after ${last}: a value reused or rolled back`);
      this.issued.set(op.name, v);
      this.issuedCount++;
    } else {
      const hw = this.marks.get(op.name);
      const accepted = cs.acceptIfHigher(op.name, op.value);
      assert.equal(accepted, hw === undefined || op.value > hw, `acceptIfHigher(${op.name}, ${op.value}) with mark ${hw}`);
      if (accepted) this.marks.set(op.name, op.value);
    }
    this.inflight = null;
  }

  verify(cs: CounterStore, context: string): void {
    for (const name of COUNTER_NAMES) {
      const last = this.issued.get(name);
      const peek = cs.peek(name);
      if (last !== undefined && peek <= last) assert.fail(`${context}: ${name} would issue ${peek} again after reboot (last issued ${last})`);
      const hw = cs.highWater(name);
      const want = this.marks.get(name);
      const f = this.inflight;
      const okInflight = f !== null && f.kind === 'accept' && f.name === name && hw === f.value && (want === undefined || f.value > want);
      if (hw !== want && !okInflight) assert.fail(`${context}: ${name} high-water ${hw}, acknowledged ${want}`);
      if (hw !== undefined) this.marks.set(name, hw);
    }
    this.inflight = null;
  }
}

export interface Device<S> {
  flash: SimFlash;
  host: SimHost;
  mount(): S;
}

export function keyDevice(flash: SimFlash, seed: number): Device<KeyStore> {
  const host = new SimHost({ seed, deviceSecret: new Uint8Array(32).fill(7) });
  return { flash, host, mount: () => new KeyStore(host, flash) };
}

export function counterDevice(flash: SimFlash, seed: number, reserve = 32): Device<CounterStore> {
  const host = new SimHost({ seed, deviceSecret: new Uint8Array(32).fill(9) });
  return { flash, host, mount: () => new CounterStore(host, flash, { reserve }) };
}

/** Mounts after power returns; a cut during mount itself counts as another cut and the device tries again. */
export function reboot<S>(dev: Device<S>, onCut: () => void): S {
  for (let attempt = 0; attempt < 1000; attempt++) {
    dev.flash.powerOn();
    try {
      return dev.mount();
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
      onCut();
    }
  }
  throw new Error('mount never completed');
}

export interface RandomCutResult {
  cuts: number;
  ops: number;
  mountCuts: number;
}

/**
 * Runs random operations, cutting power at a random upcoming flash operation (and random byte),
 * sometimes again during the recovery mount, and checks the model after every reboot.
 */
export function randomCuts<S, O>(
  dev: Device<S>,
  model: { apply(s: S, op: O): void; verify(s: S, ctx: string): void },
  nextOp: (rng: Prng) => O,
  rng: Prng,
  cuts: number,
  span: number,
): RandomCutResult {
  let store = reboot(dev, () => {});
  const result = { cuts: 0, ops: 0, mountCuts: 0 };
  while (result.cuts < cuts) {
    dev.flash.armCut({ op: dev.flash.ops + rng.int(span) });
    try {
      for (let i = 0; i < 10 * span + 200; i++) {
        model.apply(store, nextOp(rng));
        result.ops++;
      }
      assert.fail('the armed cut never fired');
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
    }
    result.cuts++;
    // A third of the time the power fails again during the recovery mount.
    if (rng.int(3) === 0 && result.cuts < cuts) dev.flash.armCut({ op: dev.flash.ops + rng.int(4) });
    store = reboot(dev, () => {
      result.cuts++;
      result.mountCuts++;
    });
    dev.flash.disarm();
    model.verify(store, `after cut ${result.cuts}`);
  }
  return result;
}

/** True in Node (more iterations there), false inside XS. */
export const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
