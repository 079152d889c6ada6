// SenML CBOR (content format 112) cross-checked against the independent `cbor` npm decoder/encoder.
import cbor from 'cbor';
import { assert } from '../../harness/assert';
import { Prng } from '../../harness/sim';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { decodeSenmlCbor } from '../../../modules/lwm2m/formats/senml-cbor';
import { specDevice } from '../../unit/lwm2m/fixtures';

// The LwM2M 1.1 7.4.5 example is the 7.4.4 /3/0 pack with RFC 8428 integer labels (bn -2, n 0, v 2, vs 3).
const SPEC_PACK: [string, string | number][] = [
  ['0', 'Open Mobile Alliance'], ['1', 'Lightweight M2M Client'], ['2', '345000123'], ['3', '1.0'],
  ['6/0', 1], ['6/1', 5], ['7/0', 3800], ['7/1', 5000], ['8/0', 125], ['8/1', 900], ['9', 100], ['10', 15],
  ['11/0', 0], ['13', 1367491215], ['14', '+02:00'], ['16', 'U'],
];

function specRecords(): Map<number, unknown>[] {
  return SPEC_PACK.map(([n, v], i) => {
    const m = new Map<number, unknown>();
    if (i === 0) m.set(-2, '/3/0/');
    m.set(0, n);
    m.set(typeof v === 'string' ? 3 : 2, v);
    return m;
  });
}

describe('SenML CBOR against the cbor npm package', () => {
  it('our /3/0 read decodes (npm cbor) to the spec pack and equals the npm cbor encoding of it (bn first, as the spec prints it)', () => {
    const dm = new DataModel();
    dm.register(specDevice());
    const r = dm.handle({ kind: 'read', path: '/3/0', accept: 112 }, { kind: 'internal' });
    assert.equal(r.code, 0x45);
    const decoded = cbor.decodeFirstSync(Buffer.from(r.payload!), { preferMap: true }) as Map<number, unknown>[];
    assert.deepEqual(decoded, specRecords());
    assert.hex(r.payload!, (cbor.encode(specRecords()) as Buffer).toString('hex'));
  });
  it('decodes what npm cbor encodes (floats, byte strings, booleans, object links) for 200 random packs', () => {
    const p = new Prng(99);
    const dm = new DataModel();
    for (let i = 0; i < 200; i++) {
      const lifetime = p.int(1 << 30);
      const apn = { objectId: p.int(65536), instanceId: p.int(65536) };
      const pack = [
        new Map<unknown, unknown>([[-2, '/1/0/'], [0, '1'], [2, lifetime]]),
        new Map<unknown, unknown>([[0, '6'], [4, p.int(2) === 1]]),
        new Map<unknown, unknown>([[0, '10'], ['vlo', `${apn.objectId}:${apn.instanceId}`]]),
        new Map<unknown, unknown>([[0, '7'], [3, 'UQ']]),
      ];
      const bytes = new Uint8Array(cbor.encode(pack));
      const e = decodeSenmlCbor([1, 0], bytes, dm.resolve);
      assert.deepEqual(e.map((x) => x.value), [lifetime, pack[1].get(4), apn, 'UQ']);
    }
    // float and opaque through the Security object resolver types
    const f = new Uint8Array(cbor.encode([new Map<unknown, unknown>([[-2, '/0/0/3'], [8, Buffer.from([1, 2, 3])]])]));
    assert.hex(decodeSenmlCbor([0, 0], f, dm.resolve)[0].value as Uint8Array, '010203');
  });
});
