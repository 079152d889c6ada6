// Long fuzz run of the AT line parser and URC router: `node --import tsx test/fuzz/modem.ts [cases] [seed]`.
import { Prng } from '../harness/sim';
import { fuzzAt } from '../unit/modem/fuzz-cases';

const cases = Math.max(1_000_000, Number(process.argv[2] ?? 1_000_000));
const seed = Number(process.argv[3] ?? 1);
const t0 = performance.now();
const r = await fuzzAt(new Prng(seed), cases);
const heap = process.memoryUsage().heapUsed;
console.log(`at-engine: ${r.cases} cases, ${r.commands} commands (${r.settled} settled), ${r.urcs} URCs, ${r.unexpected ? `FAILED: ${r.unexpected}` : 'ok'} (${((performance.now() - t0) / 1000).toFixed(1)} s, heap ${(heap / 1e6).toFixed(1)} MB)`);
process.exitCode = r.unexpected ? 1 : 0;
