// Long fuzz run of the UICC parsers: `node --import tsx test/fuzz/uicc.ts [cases per target] [seed]`.
import { Prng } from '../harness/sim';
import { fuzzChannel, fuzzUicc, UICC_TARGETS } from '../unit/uicc/fuzz-cases';

const cases = Number(process.argv[2] ?? 200000);
const seed = Number(process.argv[3] ?? 1);
let failed = 0;
let total = 0;
for (const t of UICC_TARGETS) {
  const t0 = performance.now();
  const r = fuzzUicc(t, new Prng(seed), cases);
  total += r.cases;
  console.log(`${t}: ${r.cases} cases, ${r.unexpected ? `FAILED: ${r.unexpected}` : 'ok'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (r.unexpected) failed++;
}
const t0 = performance.now();
const r = await fuzzChannel(new Prng(seed), cases);
total += r.cases;
console.log(`status-word procedures: ${r.cases} cases, ${r.unexpected ? `FAILED: ${r.unexpected}` : 'ok'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
if (r.unexpected) failed++;
console.log(`uicc total: ${total} cases`);
process.exitCode = failed ? 1 : 0;
