import { assert } from '../../harness/assert';
import { runFuzz } from './fuzz-core';

describe('coap fuzz (seeded mutations of valid messages)', () => {
  it('10,000 cases: only CoapFormatError or an exact round-trip; the endpoint never fails', () => {
    const s = runFuzz(10_000, 20240601);
    assert.equal(s.decoded + s.rejected, 10_000);
    // Both outcomes must be well represented, or the mutator is not exercising the parser.
    assert.ok(s.decoded > 1000, `decoded ${s.decoded}`);
    assert.ok(s.rejected > 1000, `rejected ${s.rejected}`);
    assert.ok(s.replies > 100, `replies ${s.replies}`);
  });
});
