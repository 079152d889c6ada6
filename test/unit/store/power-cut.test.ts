import { assert } from '../../harness/assert';
import { Prng } from '../../harness/sim';
import { SimFlash, PowerCut } from '../../../modules/store/sim-flash';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { KeyModel, CounterModel, keyDevice, counterDevice, reboot, randomCuts, randomKeyOp, randomCounterOp, inNode, type KeyOp, type CounterOp, type Device } from './workload';

/** Scripted workloads: small enough to cut at every operation, and at every byte of every write. */
function keyScript(): KeyOp[] {
  const rng = new Prng(42);
  const ops: KeyOp[] = [];
  for (let i = 0; i < 24; i++) ops.push(randomKeyOp(rng, 60));
  return ops;
}
function counterScript(): CounterOp[] {
  const rng = new Prng(43);
  const base = new Map<string, bigint>();
  const ops: CounterOp[] = [];
  for (let i = 0; i < 60; i++) ops.push(randomCounterOp(rng, base));
  return ops;
}

/**
 * Replays `script` from a blank flash with a cut at operation `op` (byte `byte`), reboots, and checks
 * the model; then finishes the script on the recovered store and checks again.
 */
function sweepOne<S, O>(makeDev: () => Device<S>, makeModel: () => { apply(s: S, op: O): void; verify(s: S, ctx: string): void }, script: O[], op: number, byte: number | undefined): void {
  const dev = makeDev();
  const model = makeModel();
  dev.flash.armCut({ op, byte });
  let i = 0;
  let store: S | null = null;
  try {
    store = dev.mount();
    for (; i < script.length; i++) model.apply(store, script[i]);
    assert.fail(`cut at op ${op} never fired`);
  } catch (e) {
    if (!(e instanceof PowerCut)) throw e;
  }
  store = reboot(dev, () => assert.fail('no second cut was armed'));
  const ctx = `cut at op ${op} byte ${byte ?? '-'}`;
  model.verify(store, ctx);
  for (i = i + 1; i < script.length; i++) model.apply(store, script[i]);
  model.verify(reboot(dev, () => {}), `${ctx}, after finishing the script`);
}

function sweep<S, O>(makeDev: () => Device<S>, makeModel: () => { apply(s: S, op: O): void; verify(s: S, ctx: string): void }, script: O[], byteStep: number): { trials: number; ops: number; erases: number } {
  // A clean run, traced, tells how many flash operations there are and how long each write is.
  const clean = makeDev();
  clean.flash.trace = [];
  const model = makeModel();
  const s = clean.mount();
  for (const op of script) model.apply(s, op);
  const trace = clean.flash.trace;
  let trials = 0;
  for (let op = 0; op < trace.length; op++) {
    const t = trace[op];
    if (!t.write) {
      sweepOne(makeDev, makeModel, script, op, undefined);
      trials++;
      continue;
    }
    for (let b = 0; b <= t.length; b += b === t.length ? 1 : Math.min(byteStep, t.length - b)) {
      sweepOne(makeDev, makeModel, script, op, b);
      trials++;
    }
  }
  return { trials, ops: trace.length, erases: trace.filter((t) => !t.write).length };
}

describe('store: power cut at every write boundary of scripted workloads', () => {
  // Node: every byte of every write; XS: every 16th byte plus both ends of each write.
  const step = inNode ? 1 : 16;
  it(`KeyStore, 24 puts/deletes on 2 x 1024-byte sectors (compactions included), byte step ${step}`, function () {
    this.timeout(120000);
    const r = sweep(() => keyDevice(new SimFlash(2048, 1024, 5), 11), () => new KeyModel(), keyScript(), step);
    assert.ok(r.ops > 20 && r.trials > r.ops, `swept ${r.trials} cuts over ${r.ops} flash operations`);
    assert.ok(r.erases > 0, 'the script must include a compaction');
  });
  it(`CounterStore (K = 4), 60 next/acceptIfHigher on 2 x 512-byte sectors, byte step ${step}`, function () {
    this.timeout(120000);
    const r = sweep(() => counterDevice(new SimFlash(1024, 512, 6), 12, 4), () => new CounterModel(), counterScript(), step);
    assert.ok(r.ops > 20 && r.trials > r.ops, `swept ${r.trials} cuts over ${r.ops} flash operations`);
  });
});

describe('store: random power cuts (seeded)', () => {
  // 10,000 cuts in Node (5,000 per store), 600 in XS, where each crypto call costs far more.
  const perRun = inNode ? 1000 : 100;
  for (const seed of inNode ? [1, 2, 3, 4, 5] : [1, 2, 3]) {
    it(`KeyStore: ${perRun} cuts, seed ${seed}`, function () {
      this.timeout(60000);
      const small = seed % 2 === 1;
      const dev = keyDevice(small ? new SimFlash(2 * 1024, 1024, seed) : new SimFlash(3 * 2048, 2048, seed), seed);
      const rng = new Prng(1000 + seed);
      const r = randomCuts<KeyStore, KeyOp>(dev, new KeyModel(), (g) => randomKeyOp(g, small ? 40 : 120), rng, perRun, 8);
      assert.ok(r.cuts >= perRun && r.ops > 0, `cuts ${r.cuts}`);
    });
    it(`CounterStore: ${perRun} cuts, seed ${seed}`, function () {
      this.timeout(60000);
      const dev = counterDevice(new SimFlash(2 * 512, 512, seed), seed, seed % 2 ? 32 : 3);
      const rng = new Prng(2000 + seed);
      const base = new Map<string, bigint>();
      const model = new CounterModel();
      const r = randomCuts<CounterStore, CounterOp>(dev, model, (g) => randomCounterOp(g, base), rng, perRun, 6);
      assert.ok(r.cuts >= perRun && model.issuedCount > 0, `cuts ${r.cuts}, issued ${model.issuedCount}`);
    });
  }
});
