// Long fuzz run of the kept-observations record parser: `node --import tsx test/fuzz/sleep-record.ts [cases] [seed]`.
// Mutates a valid record (modules/client/sleep-observations.ts); every failure must be a SleepRecordError.
import { Prng } from '../harness/sim';
import { fromHex } from '../../modules/bytes/index';
import { decodeObservations, encodeObservations, SleepRecordError } from '../../modules/client/sleep-observations';

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
let accepted = 0;
for (let i = 0; i < cases; i++) {
  let b = seed.slice();
  for (let k = 1 + p.int(4); k > 0; k--) {
    const at = p.int(b.length);
    const op = p.int(4);
    if (op === 0) b[at] ^= 1 << p.int(8);
    else if (op === 1) b[at] = p.pick([0x00, 0x01, 0x08, 0x10, 0x11, 0x7f, 0xff]);
    else if (op === 2) b = b.subarray(0, at);
    else b = Uint8Array.from([...b.subarray(0, at), ...p.bytes(p.int(6)), ...b.subarray(at)]);
  }
  try {
    decodeObservations(b);
    accepted++;
  } catch (e) {
    if (!(e instanceof SleepRecordError)) {
      console.log(`FAILED: ${(e as Error).name}: ${(e as Error).message} on ${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`);
      process.exit(1);
    }
  }
}
console.log(`sleep-record: ${cases} cases, ok (${accepted} accepted) (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
