/**
 * Seeded fuzzing of the DTLS parsers and of live connections: whatever the bytes, parsers throw
 * only DtlsAlert, and a connection never throws out of receiveDatagram. test/fuzz/dtls.ts runs the
 * same cases longer.
 */
import { assert } from '../../harness/assert';
import { fuzzParsers, fuzzConnections } from './fuzzCases';

describe('DTLS fuzz (seeded)', () => {
  it('parsers: 3000 mutated messages throw only DtlsAlert', () => {
    const r = fuzzParsers(1, 3000);
    assert.equal(r.foreign, 0, `non-DtlsAlert errors: ${r.examples.join('; ')}`);
    assert.ok(r.alerts > 1000, `only ${r.alerts} of 3000 cases were rejected: the mutations are too gentle`);
    assert.ok(r.accepted > 10, 'some mutations stay valid');
  });
  it('connections: 300 mutated datagrams into a client and a server mid-handshake and established', async () => {
    const r = await fuzzConnections(2, 300);
    assert.equal(r.thrown, 0, r.examples.join('; '));
    assert.ok(r.handshakesCompleted > 0, 'the unmutated runs still complete');
  });
});
