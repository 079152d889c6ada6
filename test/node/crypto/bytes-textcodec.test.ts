/**
 * modules/bytes UTF-8 and hex against independent implementations in Node: WHATWG TextEncoder,
 * TextDecoder with { fatal: true } (strict: rejects overlong forms, surrogates, truncation) and
 * Buffer's hex codec. Lives here because test/node/bytes is not in this suite owner's paths; it
 * belongs with test/unit/bytes and can move to test/node/bytes unchanged.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { assert } from '../../harness/assert';
import { BytesError, fromHex, toHex, utf8Decode, utf8Encode } from '../../../modules/bytes/index';

const CASES = 5000;

function randomString(): string {
  // Mix of ASCII, 2-, 3- and 4-byte code points and lone surrogates (as JS strings may hold).
  let s = '';
  const n = randomInt(0, 40);
  for (let i = 0; i < n; i++) {
    const kind = randomInt(6);
    if (kind === 0) s += String.fromCharCode(randomInt(0, 0x80));
    else if (kind === 1) s += String.fromCharCode(randomInt(0x80, 0x800));
    else if (kind === 2) s += String.fromCharCode(randomInt(0x800, 0xd800));
    else if (kind === 3) s += String.fromCodePoint(randomInt(0x10000, 0x110000));
    else if (kind === 4) s += String.fromCharCode(randomInt(0xd800, 0xe000)); // lone surrogate
    else s += String.fromCharCode(randomInt(0xe000, 0x10000));
  }
  return s;
}

describe('bytes against WHATWG TextEncoder/TextDecoder and Buffer', () => {
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  it(`utf8Encode equals TextEncoder on ${CASES} random strings (lone surrogates included)`, () => {
    for (let i = 0; i < CASES; i++) {
      const s = randomString();
      assert.deepEqual(utf8Encode(s), enc.encode(s), JSON.stringify(s));
    }
  });

  it(`utf8Decode accepts exactly what a fatal TextDecoder accepts, with the same result, on ${CASES} random byte strings`, () => {
    let accepted = 0;
    for (let i = 0; i < CASES; i++) {
      // Biased towards bytes that form (and break) multi-byte sequences.
      const b = new Uint8Array(randomInt(0, 12));
      for (let k = 0; k < b.length; k++) {
        const r = randomInt(4);
        b[k] = r === 0 ? randomInt(0, 0x80) : r === 1 ? randomInt(0x80, 0xc0) : r === 2 ? randomInt(0xc0, 0xf8) : randomBytes(1)[0];
      }
      let expected: string | null;
      try {
        expected = dec.decode(b);
      } catch {
        expected = null;
      }
      if (expected === null) {
        assert.throws(() => utf8Decode(b), BytesError, `should reject <${toHex(b)}>`);
      } else {
        assert.equal(utf8Decode(b), expected, `<${toHex(b)}>`);
        accepted++;
      }
    }
    assert.ok(accepted > CASES / 20, `only ${accepted} valid samples: the generator is not exercising the decoder`);
  });

  it(`toHex/fromHex equal Buffer's hex codec on ${CASES} random inputs`, () => {
    for (let i = 0; i < CASES; i++) {
      const b = new Uint8Array(randomBytes(randomInt(0, 64)));
      const h = Buffer.from(b).toString('hex');
      assert.equal(toHex(b), h);
      assert.deepEqual(fromHex(h.toUpperCase()), b);
    }
  });
});
