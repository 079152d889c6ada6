// Long fuzz run of the DTLS parsers and connections: node --import tsx test/fuzz/dtls.ts [cases] [seed]
// Exits non-zero when a parser throws anything but DtlsAlert, or a connection throws out of receiveDatagram.
import { fuzzParsers, fuzzConnections } from '../unit/dtls/fuzzCases';

const cases = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff);
const t0 = Date.now();
const p = fuzzParsers(seed, cases);
const conns = Math.max(100, Math.floor(cases / 200));
const c = await fuzzConnections(seed, conns);
console.log(
  `dtls fuzz: ${cases} parser cases from seed ${seed}: ${p.accepted} accepted, ${p.alerts} rejected with DtlsAlert, ${p.foreign} other errors; ` +
    `${conns} mutated handshakes: ${c.handshakesCompleted} completed, ${c.thrown} exceptions escaped; ${Date.now() - t0} ms`,
);
for (const e of [...p.examples, ...c.examples]) console.log('  ' + e);
if (p.foreign || c.thrown) process.exit(1);
