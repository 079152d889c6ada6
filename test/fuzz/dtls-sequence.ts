// Long run of the DTLS message-sequence fuzzer: `node --import tsx test/fuzz/dtls-sequence.ts [cases] [seed]`.
// One case is a whole handshake (about 20 parser cases of work): it runs cases / 20 sequences.
// Every case that breaks an invariant is written to test/corpus/dtls-sequence/ (replayed by the unit suite).
import { fuzzDtlsSequences } from '../unit/dtls/sequence-fuzz';
import { saveCorpusCase } from './corpus';

const cases = Math.max(1, Math.ceil(Number(process.argv[2] ?? 200000) / 20));
const seed = Number(process.argv[3] ?? 1);
const t0 = performance.now();
const r = await fuzzDtlsSequences(seed, cases);
for (const v of r.violations) {
  const file = saveCorpusCase('dtls-sequence', `seed-${v.c.seed}`, { ...v.c, note: v.o.violation });
  console.log(`VIOLATION ${v.o.violation}\n  kept as ${file}`);
}
console.log(`dtls-sequence: ${r.cases} cases (${r.established} established, ${r.failedTyped} failed with a typed error, ${r.skipped} with a step removed), ${r.violations.length} violations (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
process.exitCode = r.violations.length ? 1 : 0;
