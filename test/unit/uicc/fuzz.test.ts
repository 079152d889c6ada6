// Seeded fuzzing of the UICC parsers: random and mutated inputs decode or throw the module's own typed
// errors, never anything else. test/fuzz/uicc.ts runs the same loops for a million cases and more.
import { assert } from '../../harness/assert';
import { Prng } from '../../harness/sim';
import { fuzzChannel, fuzzUicc, UICC_TARGETS } from './fuzz-cases';

describe('UICC parsers under fuzzing', () => {
  for (const target of UICC_TARGETS) {
    it(`${target}: 2000 seeded cases throw only typed errors`, () => {
      const r = fuzzUicc(target, new Prng(0x1cc + target.length), 2000);
      assert.equal(r.unexpected, null, `unexpected error: ${r.unexpected}`);
      assert.equal(r.cases, 2000);
    });
  }
  it('status-word procedures against a hostile card: 500 cases', async () => {
    const r = await fuzzChannel(new Prng(77), 500);
    assert.equal(r.unexpected, null, `unexpected error: ${r.unexpected}`);
  });
});
