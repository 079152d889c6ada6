/**
 * The LwM2M client state-machine fuzzer (./sequence-fuzz.ts), CI-sized, plus the replay of the kept
 * corpus (test/corpus/client-sequence). `npm run fuzz` runs it longer.
 */
import { assert } from '../../harness/assert';
import { fuzzClientSequences, runClientSeqCase, type ClientSeqCase } from './sequence-fuzz';
import { CORPUS } from '../../corpus/client-sequence/index';

describe('LwM2M client under message-sequence fuzzing', function () {
  this.timeout(120_000);

  it(`replays the kept corpus (${CORPUS.length} inputs): no invariant broken`, async () => {
    assert.ok(CORPUS.length >= 4, 'corpus present');
    for (const { file, value } of CORPUS) {
      const o = await runClientSeqCase(value as ClientSeqCase);
      assert.equal(o.violation, null, `${file}: ${o.violation}`);
    }
  });

  it('150 seeded runs: typed errors only, registered only after a 2.01, recovers once the server behaves, stop() settles, no storm', async () => {
    const r = await fuzzClientSequences(9, 150);
    assert.equal(r.violations.length, 0, JSON.stringify(r.violations.slice(0, 2)));
    assert.equal(r.cases, 150);
    assert.ok(r.recovered > 100, `only ${r.recovered} runs reached the recovery check`);
    assert.ok(r.maxDatagrams >= 6, 'the runs exchange traffic');
  });
});
