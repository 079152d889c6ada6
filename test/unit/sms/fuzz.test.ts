// Seeded fuzzing of every SMS decoder: random and mutated inputs must either decode or throw the
// module's own typed error, never anything else. test/fuzz/sms.ts runs the same loop for longer.
import { assert } from '../../harness/assert';
import { Prng } from '../../harness/sim';
import { fuzzSms } from './fuzz-cases';

describe('SMS decoders under fuzzing', () => {
  for (const target of ['tpdu', 'udh', 'reassembly', 'secured-packet', 'policy'] as const) {
    it(`${target}: 1500 seeded cases throw only typed errors`, () => {
      const r = fuzzSms(target, new Prng(0x5eed + target.length), 1500);
      assert.equal(r.unexpected, null, `unexpected error: ${r.unexpected}`);
      // The fuzzer must reach both outcomes: a mutator that only made garbage (or a decoder that refused
      // everything) would pass the line above while testing nothing.
      assert.ok(r.rejected > 0, `${target}: no input was refused (${r.accepted} accepted)`);
      assert.ok(r.accepted > 0, `${target}: no input was accepted (${r.rejected} refused)`);
    });
  }
});
