/** RFC 7252 §5.4.6 / Table 4 option properties, §3.2 uint format, RFC 7959 §2.2 Block values. */
import { assert } from '../../harness/assert';
import {
  blockSize,
  decodeBlock,
  decodeUint,
  encodeBlock,
  encodeUint,
  firstBadCriticalOption,
  isCritical,
  isNoCacheKey,
  isUnsafe,
  Option,
  pathOptions,
  szxForSize,
  CoapFormatError,
  optionName,
} from '../../../modules/coap/index';
import { utf8Encode } from '../../../modules/bytes/index';

describe('coap options: registry', () => {
  // RFC 7252 Table 4 (C = critical, U = unsafe, N = NoCacheKey) and RFC 7959 Table 1 / RFC 7641 Table 2.
  const table: [number, string, boolean, boolean, boolean][] = [
    [1, 'If-Match', true, false, false],
    [3, 'Uri-Host', true, true, false],
    [4, 'ETag', false, false, false],
    [5, 'If-None-Match', true, false, false],
    [6, 'Observe', false, true, false],
    [7, 'Uri-Port', true, true, false],
    [8, 'Location-Path', false, false, false],
    [11, 'Uri-Path', true, true, false],
    [12, 'Content-Format', false, false, false],
    [14, 'Max-Age', false, true, false],
    [15, 'Uri-Query', true, true, false],
    [17, 'Accept', true, false, false],
    [20, 'Location-Query', false, false, false],
    [23, 'Block2', true, true, false],
    [27, 'Block1', true, true, false],
    [28, 'Size2', false, false, true],
    [35, 'Proxy-Uri', true, true, false],
    [39, 'Proxy-Scheme', true, true, false],
    [60, 'Size1', false, false, true],
  ];
  for (const [n, name, c, u, nck] of table) {
    it(`${n} ${name}: critical=${c} unsafe=${u} NoCacheKey=${nck}`, () => {
      assert.equal(optionName(n), name);
      assert.equal(isCritical(n), c);
      assert.equal(isUnsafe(n), u);
      if (!u) assert.equal(isNoCacheKey(n), nck);
    });
  }

  it('flags unknown critical, repeated non-repeatable and out-of-range lengths; ignores unknown elective', () => {
    const o = (number: number, len = 1) => ({ number, value: new Uint8Array(len) });
    assert.equal(firstBadCriticalOption([o(Option.UriPath), o(Option.UriPath)]), -1);
    assert.equal(firstBadCriticalOption([o(2000)]), -1, 'elective 2000 ignored');
    assert.equal(firstBadCriticalOption([o(2001)]), 2001, 'critical 2001 unknown');
    assert.equal(firstBadCriticalOption([o(Option.Accept, 3)]), Option.Accept, 'Accept longer than 2 bytes');
    assert.equal(firstBadCriticalOption([o(Option.ContentFormat, 3)]), -1, 'elective Content-Format too long is ignored');
    assert.equal(firstBadCriticalOption([o(Option.UriPort), o(Option.UriPort)]), Option.UriPort, 'Uri-Port repeated');
    assert.equal(firstBadCriticalOption([o(Option.IfNoneMatch, 1)]), Option.IfNoneMatch, 'If-None-Match is empty');
    assert.equal(firstBadCriticalOption([o(Option.UriHost, 0)]), Option.UriHost, 'Uri-Host min length 1');
  });

  it('pathOptions splits like a URI path', () => {
    assert.deepEqual(pathOptions('/rd/5a3f').map((o) => o.value), [utf8Encode('rd'), utf8Encode('5a3f')]);
    assert.equal(pathOptions('/').length, 0);
    assert.equal(pathOptions(['3', '0', '0']).length, 3);
  });
});

describe('coap options: uint format (§3.2)', () => {
  it('uses the fewest bytes, zero as the empty string', () => {
    assert.hex(encodeUint(0), '');
    assert.hex(encodeUint(1), '01');
    assert.hex(encodeUint(255), 'ff');
    assert.hex(encodeUint(256), '0100');
    assert.hex(encodeUint(11542), '2d16');
    assert.hex(encodeUint(0x10000), '010000');
    assert.hex(encodeUint(0xffffffff), 'ffffffff');
    assert.throws(() => encodeUint(-1), RangeError);
    assert.throws(() => encodeUint(2 ** 32), RangeError);
  });
  it('decodes leading zeros too', () => {
    assert.equal(decodeUint(Uint8Array.of(0, 0, 1)), 1);
    assert.equal(decodeUint(new Uint8Array(0)), 0);
  });
});

describe('coap block option (RFC 7959 §2.2)', () => {
  it('SZX maps to 16..1024 bytes', () => {
    assert.equal(blockSize(0), 16);
    assert.equal(blockSize(6), 1024);
    assert.equal(szxForSize(1100), 6);
    assert.equal(szxForSize(100), 2);
    assert.equal(szxForSize(3), 0);
  });
  it('packs NUM, M and SZX like the RFC figures (2/0/64 = 0x22, 0/1/128 = 0x0b, 1/1/128 = 0x1b)', () => {
    assert.hex(encodeBlock({ num: 2, more: false, szx: 2 }), '22');
    assert.hex(encodeBlock({ num: 0, more: true, szx: 3 }), '0b');
    assert.hex(encodeBlock({ num: 1, more: true, szx: 3 }), '1b');
    assert.hex(encodeBlock({ num: 0, more: false, szx: 0 }), '', 'zero is the empty uint');
    assert.hex(encodeBlock({ num: 0xfffff, more: true, szx: 6 }), 'fffffe');
    assert.deepEqual(decodeBlock(Uint8Array.of(0x1b)), { num: 1, more: true, szx: 3 });
    assert.deepEqual(decodeBlock(Uint8Array.of(0x01, 0x0e)), { num: 16, more: true, szx: 6 });
  });
  it('rejects SZX 7 and values longer than 3 bytes', () => {
    assert.throws(() => decodeBlock(Uint8Array.of(0x07)), CoapFormatError);
    assert.throws(() => decodeBlock(Uint8Array.of(1, 2, 3, 4)), CoapFormatError);
    assert.throws(() => encodeBlock({ num: 0x100000, more: false, szx: 0 }), CoapFormatError);
  });
});
