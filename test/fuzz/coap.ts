// Long fuzz run of the CoAP codec and endpoint: node --import tsx test/fuzz/coap.ts [cases] [seed]
import { runFuzz } from '../unit/coap/fuzz-core';

const cases = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff);
const chunk = 100_000;
const t0 = Date.now();
let decoded = 0;
let rejected = 0;
for (let done = 0, i = 0; done < cases; done += chunk, i++) {
  const n = Math.min(chunk, cases - done);
  const s = runFuzz(n, seed + i);
  decoded += s.decoded;
  rejected += s.rejected;
}
console.log(`coap fuzz: ${cases} cases from seed ${seed}: ${decoded} decoded and round-tripped, ${rejected} rejected with CoapFormatError, ${Date.now() - t0} ms`);
