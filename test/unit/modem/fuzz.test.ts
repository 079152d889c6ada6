// Seeded fuzzing of the AT line parser and URC router (Node and XS); test/fuzz/modem.ts runs it longer.
import { assert } from '../../harness/assert';
import { Prng } from '../../harness/sim';
import { fuzzAt } from './fuzz-cases';

// In XS this run found a +CMT header that made XS's regex engine backtrack for minutes (the parsers now split fields by hand).
const CASES = 3000;

describe('AT engine under fuzzing', () => {
  it(`${CASES} seeded inputs split at random points: no throw, only AtError rejections, no hang, bounded lines`, async () => {
    const r = await fuzzAt(new Prng(0xa7), CASES);
    assert.equal(r.unexpected, null, `unexpected: ${r.unexpected}`);
    assert.ok(r.commands > CASES / 6, `${r.commands} commands`);
    assert.ok(r.urcs > CASES / 60, `${r.urcs} URCs routed`);
  });
});
