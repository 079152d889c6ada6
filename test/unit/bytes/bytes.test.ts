/**
 * modules/bytes: hex, ByteReader/ByteWriter, strict UTF-8 (RFC 3629, Unicode 3.9 table 3-7),
 * constantTimeEqual, wipe. Expected UTF-8 byte sequences are the standard's, written out by hand.
 * Runs in Node and in XS.
 */
import { assert } from '../../harness/assert';
import {
  BytesError, ByteReader, ByteWriter, concat, constantTimeEqual, equalBytes, fromHex, toHex, utf8Decode, utf8Encode, wipe,
} from '../../../modules/bytes/index';

class ParseError extends Error {
  override name = 'ParseError';
  readonly code = 'truncated';
}

describe('hex', () => {
  it('round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const h = toHex(all);
    assert.equal(h.length, 512);
    assert.equal(h.slice(0, 8), '00010203');
    assert.equal(h.slice(-4), 'feff');
    assert.deepEqual(fromHex(h), all);
    assert.deepEqual(fromHex(h.toUpperCase()), all);
  });
  it('ignores white space as printed in specs', () => {
    assert.hex(fromHex(' 0a 0B\n\tcD '), '0a0bcd');
    assert.equal(fromHex('').length, 0);
  });
  it('rejects odd length and non-hex digits with BytesError', () => {
    for (const bad of ['0', 'abc', 'zz', '0x00', '0g', '-1', '1.', 'é0']) assert.throws(() => fromHex(bad), BytesError, bad);
  });
});

describe('ByteReader', () => {
  const data = fromHex('01 0203 040506 0708090a 0b0c0d0e0f10 03 616263 ff');
  it('reads big-endian integers and vectors', () => {
    const r = new ByteReader(data);
    assert.equal(r.u8(), 1);
    assert.equal(r.u16(), 0x0203);
    assert.equal(r.u24(), 0x040506);
    assert.equal(r.u32(), 0x0708090a);
    assert.equal(r.u48(), 0x0b0c0d0e0f10);
    assert.hex(r.vector(1), '616263');
    assert.equal(r.remaining, 1);
    assert.equal(r.u8(), 0xff);
    r.expectEnd();
  });
  it('u32 and u48 are unsigned above 2^31', () => {
    assert.equal(new ByteReader(fromHex('ffffffff')).u32(), 0xffffffff);
    assert.equal(new ByteReader(fromHex('ffffffffffff')).u48(), 0xffffffffffff);
  });
  it('throws the caller\'s own error type on truncation, at every read', () => {
    const make = (m: string) => new ParseError(m);
    const reads: [string, (r: ByteReader) => unknown, number][] = [
      ['u8', (r) => r.u8(), 0], ['u16', (r) => r.u16(), 1], ['u24', (r) => r.u24(), 2], ['u32', (r) => r.u32(), 3],
      ['u48', (r) => r.u48(), 5], ['bytes', (r) => r.bytes(4), 3], ['vector', (r) => r.vector(2), 3],
    ];
    for (const [name, read, have] of reads) {
      const r = new ByteReader(fromHex('0003aabbcc').subarray(0, have), make);
      const e = assert.throws(() => read(r), ParseError, name) as ParseError;
      assert.equal(e.code, 'truncated');
    }
  });
  it('rejects negative, fractional and NaN lengths instead of moving the offset', () => {
    for (const n of [-1, 1.5, Number.NaN]) {
      const r = new ByteReader(fromHex('aabbcc'), (m) => new ParseError(m));
      assert.throws(() => r.bytes(n), ParseError, String(n));
      assert.equal(r.offset, 0);
    }
  });
  it('enforces a vector length cap and trailing bytes with the caller\'s error', () => {
    assert.throws(() => new ByteReader(fromHex('05 0102030405'), (m) => new ParseError(m)).vector(1, 'cookie', 4), ParseError);
    const r = new ByteReader(fromHex('0102'), (m) => new ParseError(m));
    r.u8();
    assert.throws(() => r.expectEnd(), ParseError);
  });
  it('defaults to BytesError and returns views, not copies', () => {
    assert.throws(() => new ByteReader(new Uint8Array(0)).u8(), BytesError);
    const d = fromHex('112233');
    const v = new ByteReader(d).bytes(2);
    d[0] = 0x99;
    assert.equal(v[0], 0x99);
  });
});

describe('ByteWriter', () => {
  it('grows from a tiny (even zero) initial size and keeps what was written', () => {
    for (const initial of [0, 1, 3]) {
      const w = new ByteWriter(initial);
      for (let i = 0; i < 300; i++) w.u8(i);
      w.u16(0xabcd).u24(0x123456).u32(0xdeadbeef).u48(0x010203040506);
      assert.equal(w.length, 300 + 2 + 3 + 4 + 6);
      const b = w.toBytes();
      assert.equal(b[255], 255);
      assert.equal(b[256], 0);
      assert.hex(b.subarray(300), 'abcd' + '123456' + 'deadbeef' + '010203040506');
    }
  });
  it('patches reserved length fields and refuses patches outside what was written', () => {
    const w = new ByteWriter(4);
    const at = w.skip(3);
    w.bytes(fromHex('aabbcc'));
    w.patchU24(at, 3);
    assert.hex(w.view(), '000003aabbcc');
    w.patchU16(4, 0x1234);
    assert.hex(w.view(), '000003aa1234');
    assert.throws(() => w.patchU16(5, 1), BytesError);
    assert.throws(() => w.patchU24(-1, 1), BytesError);
    assert.throws(() => w.patchU8(6, 1), BytesError);
  });
  it('writes TLS vectors and refuses ones too long for their length prefix', () => {
    const w = new ByteWriter();
    w.vector(1, fromHex('0102')).vector(2, fromHex('03')).vector(3, new Uint8Array(0));
    assert.hex(w.toBytes(), '020102' + '000103' + '000000');
    assert.throws(() => w.vector(1, new Uint8Array(256)), BytesError);
  });
  it('toBytes copies, view does not; wipe zeroes the buffer', () => {
    const w = new ByteWriter(8).bytes(fromHex('0102'));
    const copy = w.toBytes();
    const view = w.view();
    w.wipe();
    assert.hex(copy, '0102');
    assert.hex(view, '0000');
    assert.equal(w.length, 0);
  });
});

describe('UTF-8', () => {
  // Encodings from RFC 3629 section 7 and the Unicode standard's table 3-7 boundaries.
  const valid: [string, string][] = [
    ['', ''],
    ['A', '41'],
    ['\u007f', '7f'],
    ['\u0080', 'c280'],
    ['\u07ff', 'dfbf'],
    ['\u0800', 'e0a080'],
    ['\ud7ff', 'ed9fbf'],
    ['\ue000', 'ee8080'],
    ['\uffff', 'efbfbf'],
    ['\ud800\udc00', 'f0908080'], // U+10000
    ['\udbff\udfff', 'f48fbfbf'], // U+10FFFF
    ['A\u2262\u0391.', '41e289a2ce912e'], // RFC 3629 example
    ['\ud55c\uad6d\uc5b4', 'ed959ceab5adec96b4'], // RFC 3629 example (Korean)
    ['\u65e5\u672c\u8a9e', 'e697a5e69cace8aa9e'], // RFC 3629 example (Japanese)
    ['\ufeff\ud84c\udfb4', 'efbbbff0a38eb4'], // RFC 3629 example (BOM, U+233B4)
  ];
  for (const [s, hex] of valid) {
    it(`encodes and decodes <${hex}>`, () => {
      assert.hex(utf8Encode(s), hex);
      assert.equal(utf8Decode(fromHex(hex)), s);
    });
  }
  it('encodes lone surrogates as U+FFFD (as TextEncoder does), never as CESU-8', () => {
    assert.hex(utf8Encode('a\ud800b'), '61efbfbd62');
    assert.hex(utf8Encode('\udc00'), 'efbfbd');
    assert.hex(utf8Encode('\ud800'), 'efbfbd');
    assert.hex(utf8Encode('\udc00\ud800'), 'efbfbdefbfbd');
  });
  const invalid: [string, string][] = [
    ['c0af', 'overlong "/" (2 bytes)'],
    ['e080af', 'overlong "/" (3 bytes)'],
    ['f08080af', 'overlong "/" (4 bytes)'],
    ['c1bf', 'overlong U+007F'],
    ['e09fbf', 'overlong U+07FF'],
    ['f08fbfbf', 'overlong U+FFFF'],
    ['eda080', 'surrogate U+D800'],
    ['edbfbf', 'surrogate U+DFFF'],
    ['eda080edb080', 'CESU-8 surrogate pair'],
    ['f4908080', 'above U+10FFFF'],
    ['f5808080', 'lead byte F5'],
    ['ff', 'byte FF'],
    ['80', 'lone continuation'],
    ['c2', 'truncated 2-byte'],
    ['e282', 'truncated 3-byte'],
    ['f09f98', 'truncated 4-byte'],
    ['41c3', 'truncated at the end after ASCII'],
    ['c241', 'bad continuation'],
    ['e28241', 'bad third byte'],
  ];
  for (const [hex, why] of invalid) it(`rejects ${why} <${hex}> with BytesError`, () => assert.throws(() => utf8Decode(fromHex(hex)), BytesError));
});

describe('compare, concat, wipe', () => {
  it('constantTimeEqual agrees with equality, including length mismatch and each single differing byte', () => {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    assert.equal(constantTimeEqual(a, a.slice()), true);
    assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)), true);
    assert.equal(constantTimeEqual(a, a.subarray(0, 31)), false);
    for (let i = 0; i < 32; i++) {
      for (const bit of [1, 0x80]) {
        const b = a.slice();
        b[i] ^= bit;
        assert.equal(constantTimeEqual(a, b), false, `byte ${i} bit ${bit}`);
        assert.equal(equalBytes(a, b), false);
      }
    }
  });
  it('wipe leaves an empty array alone (a preloaded empty constant is read-only on a Moddable device)', () => {
    class ReadOnly extends Uint8Array {
      override fill(): this {
        throw new TypeError('read-only buffer');
      }
    }
    wipe(new ReadOnly(0)); // a zero-length fill on a preloaded buffer throws on XS devices
    assert.throws(() => wipe(new ReadOnly(1)));
  });
  it('concat joins in order; wipe zeroes every array and skips undefined', () => {
    assert.hex(concat(fromHex('01'), new Uint8Array(0), fromHex('0203')), '010203');
    const x = fromHex('ffff'), y = fromHex('aa');
    wipe(x, undefined, null, y);
    assert.hex(x, '0000');
    assert.hex(y, '00');
  });
});
