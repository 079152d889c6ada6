import { assert } from '../../harness/assert';
import { Prng } from '../../harness/sim';
import { fromHex, utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { Lwm2mFormatError } from '../../../modules/lwm2m/errors';
import { decodeTlv, encodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { decodeSenmlJson, encodeSenmlJson } from '../../../modules/lwm2m/formats/senml-json';
import { decodeSenmlCbor, encodeSenmlCbor } from '../../../modules/lwm2m/formats/senml-cbor';
import { decodeText, encodeText } from '../../../modules/lwm2m/formats/text';
import { base64Decode, base64Encode } from '../../../modules/lwm2m/formats/base64';
import type { Entry, ResourceType, TypeResolver, Value } from '../../../modules/lwm2m/types';
import { specDevice, TemperatureObject } from './fixtures';

// OMA-TS-LightweightM2M-Core 1.1, 7.4.3: TLV read of the single-instance Device object /3/0.
const SPEC_DEVICE_TLV = `
C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65
C8 01 16 4C 69 67 68 74 77 65 69 67 68 74 20 4D 32 4D 20 43 6C 69 65 6E 74
C8 02 09 33 34 35 30 30 30 31 32 33
C3 03 31 2E 30
86 06 41 00 01 41 01 05
88 07 08 42 00 0E D8 42 01 13 88
87 08 41 00 7D 42 01 03 84
C1 09 64
C1 0A 0F
83 0B 41 00 00
C4 0D 51 82 42 8F
C6 0E 2B 30 32 3A 30 30
C1 10 55`;

// 7.4.3 multiple Object Instances: Access Control /2 (the spec prints 86 02 for the 7-byte ACL; 87 02 is the consistent form).
const SPEC_ACL_TLV = `08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F
08 02 12 C1 00 03 C1 01 00 87 02 41 7F 07 61 01 36 01 C1 03 7F`;
// 7.4.3 Server object instance (the spec prints length 0D; the instance body is 15 = 0x0F bytes).
const SPEC_SERVER_TLV = '08 00 0F C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55';

// 7.4.4: SenML JSON read of /3/0.
const SPEC_DEVICE_SENML = `[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"1","vs":"Lightweight M2M Client"},
{"n":"2","vs":"345000123"},{"n":"3","vs":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},
{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},
{"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]`;

function deviceModel(): DataModel {
  const dm = new DataModel();
  dm.register(specDevice());
  dm.register(new TemperatureObject());
  return dm;
}
const internal = { kind: 'internal' } as const;

describe('lwm2m content formats: specification examples', () => {
  it('TLV read of /3/0 is byte-exact with the spec example', () => {
    const r = deviceModel().handle({ kind: 'read', path: '/3/0', accept: 11542 }, internal);
    assert.equal(r.code, 0x45);
    assert.equal(r.contentFormat, 11542);
    assert.hex(r.payload!, SPEC_DEVICE_TLV);
  });
  it('TLV read of /3 wraps the instance (08 00 79)', () => {
    const r = deviceModel().handle({ kind: 'read', path: '/3' }, internal);
    assert.hex(r.payload!, '080079' + SPEC_DEVICE_TLV);
  });
  it('decodes the spec Device TLV to the documented values', () => {
    const dm = deviceModel();
    const e = decodeTlv([3, 0], fromHex(SPEC_DEVICE_TLV), dm.resolve);
    const get = (p: string) => e.find((x) => x.path.join('/') === p)?.value;
    assert.equal(get('3/0/0'), 'Open Mobile Alliance');
    assert.equal(get('3/0/7/0'), 3800);
    assert.equal(get('3/0/8/1'), 900);
    assert.equal(get('3/0/13'), 1367491215);
    assert.equal(get('3/0/16'), 'U');
    assert.equal(e.length, 16);
  });
  it('decodes the spec multiple-instance Access Control example (ACL 127=7, 310=1, owner 127)', () => {
    const dm = new DataModel();
    const e = decodeTlv([2], fromHex(SPEC_ACL_TLV), dm.resolve);
    assert.deepEqual(
      e.map((x) => [x.path.join('/'), x.value]),
      [['2/0/0', 1], ['2/0/1', 0], ['2/0/2/127', 7], ['2/0/3', 127], ['2/2/0', 3], ['2/2/1', 0], ['2/2/2/127', 7], ['2/2/2/310', 1], ['2/2/3', 127]],
    );
    // and re-encodes to the same bytes
    assert.hex(encodeTlv([2], e, (o, r) => dm.resourceDef(o, r)!.multiple), SPEC_ACL_TLV);
  });
  it('decodes and re-encodes the spec Server instance (lifetime 86400 in 4 bytes)', () => {
    const dm = new DataModel();
    const e = decodeTlv([1], fromHex(SPEC_SERVER_TLV), dm.resolve);
    assert.deepEqual(e.map((x) => x.value), [1, 86400, true, 'U']);
    assert.hex(encodeTlv([1], e, () => false), SPEC_SERVER_TLV);
  });
  it('SenML JSON read of /3/0 matches the spec example character for character', () => {
    const r = deviceModel().handle({ kind: 'read', path: '/3/0', accept: 110 }, internal);
    assert.equal(r.contentFormat, 110);
    assert.equal(utf8Decode(r.payload!), SPEC_DEVICE_SENML.replace(/\n/g, ''));
  });
  it('plain text and opaque single-resource reads', () => {
    const dm = deviceModel();
    const t = dm.handle({ kind: 'read', path: '/3/0/13' }, internal);
    assert.equal(t.contentFormat, 0);
    assert.equal(utf8Decode(t.payload!), '1367491215');
    assert.equal(dm.handle({ kind: 'read', path: '/3/0/6', accept: 0 }, internal).code, 0x86, 'text cannot carry a multiple resource');
    assert.equal(dm.handle({ kind: 'read', path: '/3/0/0', accept: 42 }, internal).code, 0x86, 'opaque only for Opaque resources');
  });
  it('registration payload lists every object but Security, with no ct on the root link (Core §6.2.1)', () => {
    const dm = deviceModel();
    assert.equal(dm.registerPayload(), '</>;rt="oma.lwm2m",</1>;ver=1.1,</2>,</3>;ver=1.1,</3/0>,</3303>');
  });
  it('base64 follows RFC 4648 test vectors', () => {
    assert.equal(base64Encode(utf8Encode('foobar')), 'Zm9vYmFy');
    assert.equal(base64Encode(utf8Encode('fo')), 'Zm8=');
    assert.equal(base64Encode(Uint8Array.of(0xfb, 0xff), true), '-_8');
    assert.hex(base64Decode('-_8'), 'fbff');
    assert.hex(base64Decode('+/8='), 'fbff');
  });
});

describe('lwm2m content formats: hostile input', () => {
  const dm = new DataModel();
  const bad = (fn: () => unknown) => assert.throws(fn, Lwm2mFormatError);
  it('TLV: truncation, wrong kinds, bad integer widths, unknown resources', () => {
    bad(() => decodeTlv([1, 0], fromHex('C4 01 00 01 51'), dm.resolve));
    bad(() => decodeTlv([1, 0], fromHex('C3 01 00 01 51'), dm.resolve)); // 3-byte integer
    bad(() => decodeTlv([1, 0], fromHex('C1 63 00'), dm.resolve)); // no resource 99
    bad(() => decodeTlv([1], fromHex('C1 00 01'), dm.resolve)); // resource where instance expected
    bad(() => decodeTlv([2, 0], fromHex('88 02 03 08 00 00'), dm.resolve)); // instance inside multiple
    bad(() => decodeTlv([1, 0], fromHex('C1 06 02'), dm.resolve)); // boolean 2
    bad(() => decodeTlv([1, 0], fromHex('F8 00 FF FF FF'), dm.resolve)); // 24-bit length beyond payload
    bad(() => decodeTlv([1, 0], fromHex('C8 07 02 C3 28'), dm.resolve)); // invalid UTF-8
    bad(() => decodeTlv([1, 0], fromHex('C8 01 08 7F FF FF FF FF FF FF FF'), dm.resolve)); // beyond 2^53
  });
  it('TLV: entry count is capped', () => {
    const many = new Uint8Array(3 * 5000);
    for (let i = 0; i < 5000; i++) many.set([0x41, 0, 0], i * 3);
    bad(() => decodeTlv([2, 0, 2], many, dm.resolve));
  });
  it('SenML JSON: depth, shape, types and paths', () => {
    const j = (s: string) => utf8Encode(s);
    bad(() => decodeSenmlJson([1, 0], j('[[[[1]]]]'), dm.resolve));
    bad(() => decodeSenmlJson([1, 0], j('{"bn":"/1/0/1"}'), dm.resolve));
    bad(() => decodeSenmlJson([1, 0], j('[{"bn":"/1/0/1","vs":"x"}]'), dm.resolve));
    bad(() => decodeSenmlJson([1, 0], j('[{"bn":"/1/0/1","v":1.5}]'), dm.resolve));
    bad(() => decodeSenmlJson([1, 0], j('[{"bn":"/3/0/1","v":1}]'), dm.resolve));
    bad(() => decodeSenmlJson([1, 0], j('[{"bn":"/1/0/1","v":1,"x_":1}]'), dm.resolve));
    bad(() => decodeSenmlJson([1, 0], j('[{"bn":"/1/0/1","v":1'), dm.resolve));
    bad(() => decodeSenmlJson([1, 0], j('[' + '{"n":"/1/0/1","v":1},'.repeat(3000) + '{}]'), dm.resolve));
  });
  it('SenML CBOR: tags, indefinite lengths, lying lengths, depth', () => {
    bad(() => decodeSenmlCbor([1, 0], fromHex('9f ff'), dm.resolve));
    bad(() => decodeSenmlCbor([1, 0], fromHex('9a ff ff ff ff'), dm.resolve));
    bad(() => decodeSenmlCbor([1, 0], fromHex('81 a1 00 c1 00'), dm.resolve));
    bad(() => decodeSenmlCbor([1, 0], fromHex('81 81 81 00'), dm.resolve));
    bad(() => decodeSenmlCbor([1, 0], fromHex('81 a1 21'), dm.resolve));
  });
  it('plain text: strict numbers and booleans', () => {
    bad(() => decodeText('integer', utf8Encode('12a')));
    bad(() => decodeText('boolean', utf8Encode('true')));
    bad(() => decodeText('unsigned', utf8Encode('-1')));
    bad(() => decodeText('objlnk', utf8Encode('70000:1')));
  });
});

// ---------------- property tests: random entries survive every format ----------------

const TYPES: ResourceType[] = ['string', 'integer', 'unsigned', 'float', 'boolean', 'opaque', 'time', 'objlnk'];

function randomValue(p: Prng, t: ResourceType): Value {
  switch (t) {
    case 'string': {
      let s = '';
      const n = p.int(12);
      for (let i = 0; i < n; i++) s += p.pick(['a', 'Z', '0', ' ', '"', '\\', 'é', '€', '𝄞', '/']);
      return s;
    }
    case 'integer':
    case 'time':
      return p.pick([0, -1, 127, -128, 128, 32767, -32769, 2147483647, -2147483649, 9007199254740991, -9007199254740991, p.int(1e9) - 5e8]);
    case 'unsigned':
      return p.pick([0, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991, p.int(1e9)]);
    case 'float':
      return p.pick([0, 1.5, -273.15, 3.4028234663852886e38, 1e-300, Math.PI, p.float() * 1e6 - 5e5]);
    case 'boolean':
      return p.int(2) === 1;
    case 'opaque':
      return p.bytes(p.int(300));
    case 'objlnk':
      return { objectId: p.int(65536), instanceId: p.int(65536) };
    default:
      throw new Error('unexpected');
  }
}

/** A synthetic object 9000 with one single and one multiple resource per type (ids 0..15). */
const resolver: TypeResolver = (_oid, rid) => (rid < 16 ? { type: TYPES[rid % 8], multiple: rid >= 8 } : undefined);

function randomEntries(p: Prng, instances: number[]): Entry[] {
  const out: Entry[] = [];
  for (const iid of instances) {
    for (let rid = 0; rid < 16; rid++) {
      if (p.int(3) === 0) continue;
      const type = TYPES[rid % 8];
      if (rid >= 8) {
        const n = 1 + p.int(3);
        for (let k = 0; k < n; k++) out.push({ path: [9000, iid, rid, k * 7 + p.int(7)], type, value: randomValue(p, type) });
      } else out.push({ path: [9000, iid, rid], type, value: randomValue(p, type) });
    }
  }
  return out;
}

function canon(e: Entry[]): unknown[] {
  return e.map((x) => [x.path.join('/'), x.type, x.type === 'float' ? Math.fround(x.value as number) === x.value ? x.value : x.value : x.value]);
}

describe('lwm2m content formats: seeded round-trip properties', () => {
  it('TLV, SenML JSON and SenML CBOR round-trip 200 random instances', () => {
    const p = new Prng(7);
    for (let round = 0; round < 200; round++) {
      const iids = round % 2 ? [p.int(70000) % 65535] : [1, 300];
      const entries = randomEntries(p, iids);
      if (entries.length === 0) continue;
      const base = iids.length === 1 ? [9000, iids[0]] : [9000];
      const multiple = (_o: number, r: number) => r >= 8;
      assert.deepEqual(canon(decodeTlv(base, encodeTlv(base, entries, multiple), resolver)), canon(entries), `TLV round ${round}`);
      assert.deepEqual(canon(decodeSenmlJson(base, encodeSenmlJson(base, entries), resolver)), canon(entries), `SenML JSON round ${round}`);
      assert.deepEqual(canon(decodeSenmlCbor(base, encodeSenmlCbor(base, entries), resolver)), canon(entries), `SenML CBOR round ${round}`);
    }
  });
  it('plain text round-trips every type', () => {
    const p = new Prng(11);
    for (let i = 0; i < 400; i++) {
      const t = TYPES[i % 8];
      const v = randomValue(p, t);
      assert.deepEqual(decodeText(t, encodeText(t, v)), v, `text ${t}`);
    }
  });
  it('random bytes never make a decoder throw anything but Lwm2mFormatError', () => {
    const p = new Prng(13);
    for (let i = 0; i < 1500; i++) {
      const data = p.bytes(p.int(40));
      for (const f of [() => decodeTlv([9000, 0], data, resolver), () => decodeSenmlCbor([9000, 0], data, resolver), () => decodeSenmlJson([9000, 0], data, resolver)]) {
        try {
          f();
        } catch (e) {
          assert.ok(e instanceof Lwm2mFormatError, `unexpected ${String(e)}`);
        }
      }
    }
  });
});
