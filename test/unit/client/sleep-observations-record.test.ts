/**
 * The observations kept across deep sleep (modules/client/sleep-observations.ts): the bytes against a record built
 * by hand from the layout in that file's header (IEEE 754 binary64 values written out in hex), and the ways a
 * damaged or forged record is refused, always with SleepRecordError.
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex, utf8Encode } from '../../../modules/bytes/index';
import { decodeObservations, encodeObservations, observationsName, saveObservations, takeObservations, SleepRecordError, MAX_OBSERVATIONS_RECORD, type SavedObservations } from '../../../modules/client/sleep-observations';
import { DEVICE_PROFILE } from '../../../modules/profile';
import { Prng } from '../../harness/sim';
import { fuzzSleepRecord } from './sleep-record-fuzz';

function memoryStore() {
  const map = new Map<string, Uint8Array>();
  return { map, get: (n: string) => map.get(n)?.slice(), put: (n: string, d: Uint8Array) => void map.set(n, d.slice()), delete: (n: string) => map.delete(n) };
}

const uri = 'coaps://192.0.2.1:5684';
const sample = (): SavedObservations => ({
  uri,
  sequence: 0x123456,
  sleptAt: 1_700_000_000_000,
  observations: [
    { token: fromHex('a1b2'), path: ['3303', '0', '5700'], query: [], accept: 0, sinceSentMs: 1500, lastNumber: 21.5, payloadLength: 4, payloadCrc: 0xdeadbeef, attributes: new Map([['pmin', 10], ['st', 0.5]]) },
    { token: new Uint8Array(0), path: ['3'], query: ['x=1'], accept: undefined, sinceSentMs: 0, lastNumber: undefined, payloadLength: 0, payloadCrc: 0, attributes: new Map() },
  ],
});
// 21.5 = 0x4035800000000000, 10 = 0x4024000000000000, 0.5 = 0x3fe0000000000000; 1.7e12 ms = 0x018bcfe56800
const expected =
  '01' + '16' + toHex(utf8Encode(uri)) + '123456' + '01' + '018bcfe56800' + '02' +
  '02a1b2' + '0b' + toHex(utf8Encode('3303/0/5700')) + '00' + '0000' + '000005dc' + '01' + '4035800000000000' + '0004' + 'deadbeef' + '02' + '00' + '4024000000000000' + '04' + '3fe0000000000000' +
  '00' + '0133' + '03' + toHex(utf8Encode('x=1')) + 'ffff' + '00000000' + '00' + '0000' + '00000000' + '00';

describe('client/sleep-observations: the observations kept across deep sleep', () => {
  it('encodes as documented and decodes back', () => {
    const bytes = encodeObservations(sample());
    assert.equal(toHex(bytes), expected);
    const back = decodeObservations(bytes);
    assert.equal(back.sequence, 0x123456);
    assert.equal(back.sleptAt, 1_700_000_000_000);
    assert.deepEqual(back.observations[0].path, ['3303', '0', '5700']);
    assert.equal(back.observations[0].lastNumber, 21.5);
    assert.deepEqual([...back.observations[0].attributes], [['pmin', 10], ['st', 0.5]]);
    assert.equal(back.observations[1].accept, undefined);
    assert.deepEqual(back.observations[1].query, ['x=1']);
  });

  it('is taken once, for the same server URI only', () => {
    const s = memoryStore();
    saveObservations(s, 2, sample());
    assert.equal(takeObservations(s, 2, uri)!.observations.length, 2);
    assert.equal(takeObservations(s, 2, uri), null, 'consumed');
    saveObservations(s, 2, sample());
    assert.throws(() => takeObservations(s, 2, 'coaps://192.0.2.2:5684'), (e: unknown) => e instanceof SleepRecordError && e.code === 'other-server');
    assert.equal(s.map.has(observationsName(2)), false, 'and not kept');
  });

  it('refuses every truncation, extra bytes and forged fields with SleepRecordError', () => {
    const full = fromHex(expected);
    const refused = (b: Uint8Array, why: string) => assert.throws(() => decodeObservations(b), (e: unknown) => e instanceof SleepRecordError, why);
    for (let n = 0; n < full.length; n++) refused(full.subarray(0, n), `truncated to ${n}`);
    refused(Uint8Array.of(...full, 0), 'extra byte');
    const at = (hexOffset: number) => hexOffset / 2;
    decodeObservations(full);
    const forge = (offset: number, v: number, why: string, was: number) => {
      assert.equal(full[offset], was, `offset of ${why}`);
      const b = full.slice();
      b[offset] = v;
      refused(b, why);
    };
    forge(0, 2, 'version', 1);
    const clockAt = at(2 + 2 + toHex(utf8Encode(uri)).length + 6);
    forge(clockAt, 2, 'clock flag', 1);
    forge(clockAt + 7, DEVICE_PROFILE.coapMaxObservations + 1, 'count above the limit', 2);
    const tokenLenAt = clockAt + 8;
    forge(tokenLenAt, 9, 'token longer than 8', 2);
    const attrsAt = tokenLenAt + 3 + 12 + 1 + 2 + 4 + 1 + 8 + 2 + 4; // token, path, query, accept, since, flags, value, length, crc
    forge(attrsAt, 8, 'more attributes than exist', 2);
    forge(attrsAt + 1, 7, 'unknown attribute id', 0);
    forge(attrsAt + 10, 0, 'attribute repeated', 4);
    // A NaN value and a repeated token.
    const nan = full.slice();
    assert.equal(toHex(nan.subarray(attrsAt + 2, attrsAt + 10)), '4024000000000000');
    nan.set(fromHex('7ff8000000000000'), attrsAt + 2);
    refused(nan, 'NaN attribute');
    const twice = encodeObservations({ ...sample(), observations: [sample().observations[0], { ...sample().observations[1], token: fromHex('a1b2') }] });
    refused(twice, 'token repeated');
    const badPath = encodeObservations(sample());
    assert.equal(badPath[tokenLenAt + 3 + 2], 0x33);
    badPath[tokenLenAt + 3 + 2] = 0x78; // '3303' -> '3x03'
    refused(badPath, 'path not numeric');
    refused(new Uint8Array(MAX_OBSERVATIONS_RECORD + 1), 'too large');
    // Well-formed but one observation more than the device holds.
    const over = DEVICE_PROFILE.coapMaxObservations + 1;
    const entry = (i: number) => '01' + toHex(Uint8Array.of(i)) + '0133' + '00' + 'ffff' + '00000000' + '00' + '0000' + '00000000' + '00';
    const head = '01' + '16' + toHex(utf8Encode(uri)) + '000001' + '00';
    decodeObservations(fromHex(head + toHex(Uint8Array.of(over - 1)) + Array.from({ length: over - 1 }, (_, i) => entry(i)).join('')));
    refused(fromHex(head + toHex(Uint8Array.of(over)) + Array.from({ length: over }, (_, i) => entry(i)).join('')), 'count above the limit, well formed');
  });

  it('fuzz (CI-sized; test/fuzz/sleep-record.ts is the long run): mutated records fail only with SleepRecordError', () => {
    const { accepted, bad } = fuzzSleepRecord(new Prng(5), encodeObservations(sample()), 3000);
    assert.equal(bad, null, bad ? `${bad.error.name}: ${bad.error.message} on ${toHex(bad.input)}` : '');
    assert.ok(accepted > 0 && accepted < 3000, `${accepted} accepted`);
  });

  it('refuses to write more observations than the device holds', () => {
    const one = sample().observations[0];
    const many = Array.from({ length: DEVICE_PROFILE.coapMaxObservations + 1 }, (_, i) => ({ ...one, token: Uint8Array.of(i) }));
    assert.throws(() => encodeObservations({ ...sample(), observations: many }), (e: unknown) => e instanceof SleepRecordError && e.code === 'too-large');
    const full = Array.from({ length: DEVICE_PROFILE.coapMaxObservations }, (_, i) => ({ ...one, token: Uint8Array.of(i, i, i, i, i, i, i, i) }));
    assert.ok(encodeObservations({ ...sample(), observations: full }).length <= MAX_OBSERVATIONS_RECORD, 'the device limit fits in one KeyStore value');
  });
});
