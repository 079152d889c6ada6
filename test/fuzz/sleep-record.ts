// Long fuzz run of the kept-observations record parser: `node --import tsx test/fuzz/sleep-record.ts [cases] [seed]`.
// Mutates a valid record (modules/client/sleep-observations.ts); every failure must be a SleepRecordError.
import { Prng } from '../harness/sim';
import { fromHex } from '../../modules/bytes/index';
import { encodeObservations } from '../../modules/client/sleep-observations';
import { fuzzSleepRecord } from '../unit/client/sleep-record-fuzz';

const cases = Number(process.argv[2] ?? 100000);
const p = new Prng(Number(process.argv[3] ?? 1));
const seed = encodeObservations({
  uri: 'coaps://192.0.2.1:5684', sequence: 77, sleptAt: 1_700_000_000_000,
  observations: [
    { token: fromHex('a1b2c3d4'), path: ['3303', '0', '5700'], query: ['pmin=1'], accept: 0, sinceSentMs: 1500, lastNumber: 21.5, payloadLength: 4, payloadCrc: 0x1234, attributes: new Map([['pmin', 10], ['st', 0.5], ['gt', 30]]) },
    { token: new Uint8Array(0), path: ['3'], query: [], accept: undefined, sinceSentMs: 0, lastNumber: undefined, payloadLength: 0, payloadCrc: 0, attributes: new Map() },
  ],
});
const t0 = performance.now();
const { accepted, bad } = fuzzSleepRecord(p, seed, cases);
if (bad) {
  console.log(`FAILED: ${bad.error.name}: ${bad.error.message} on ${Array.from(bad.input, (x) => x.toString(16).padStart(2, '0')).join('')}`);
  process.exit(1);
}
console.log(`sleep-record: ${cases} cases, ok (${accepted} accepted) (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
