// Long fuzz run of the SMS decoders: `node --import tsx test/fuzz/sms.ts [cases] [seed]`.
import { Prng } from '../harness/sim';
import { fuzzSms, type FuzzTarget } from '../unit/sms/fuzz-cases';

const cases = Number(process.argv[2] ?? 100000);
const seed = Number(process.argv[3] ?? 1);
let failed = 0;
for (const t of ['tpdu', 'udh', 'reassembly', 'secured-packet', 'policy'] as FuzzTarget[]) {
  const t0 = performance.now();
  const r = fuzzSms(t, new Prng(seed), cases);
  console.log(`${t}: ${r.cases} cases (${r.accepted} accepted, ${r.rejected} refused), ${r.unexpected ? `FAILED: ${r.unexpected}` : 'ok'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (r.unexpected) failed++;
}
process.exitCode = failed ? 1 : 0;
