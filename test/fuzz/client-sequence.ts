// Long run of the LwM2M client state-machine fuzzer: `node --import tsx test/fuzz/client-sequence.ts [cases] [seed]`.
// One case is a whole client life of ~40 simulated minutes (about 50 parser cases of work): it runs cases / 50 runs.
// Every case that breaks an invariant is written to test/corpus/client-sequence/ (replayed by the unit suite).
import { fuzzClientSequences } from '../unit/client/sequence-fuzz';
import { saveCorpusCase } from './corpus';

const cases = Math.max(1, Math.ceil(Number(process.argv[2] ?? 200000) / 50));
const seed = Number(process.argv[3] ?? 1);
const t0 = performance.now();
const r = await fuzzClientSequences(seed, cases);
for (const v of r.violations) {
  const file = saveCorpusCase('client-sequence', `seed-${v.c.seed}`, { ...v.c, note: v.o.violation });
  console.log(`VIOLATION ${v.o.violation}\n  kept as ${file}`);
}
console.log(`client-sequence: ${r.cases} runs (${r.recovered} recovered after healing, ${r.stoppedByApp} stopped by the application, at most ${r.maxDatagrams} datagrams), ${r.violations.length} violations (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
process.exitCode = r.violations.length ? 1 : 0;
