/**
 * P-256 through the provider interface, pinned by published vectors: NIST CAVS 14.1 ECC CDH
 * (SP 800-56A) counts 0 and 1, and the RFC 6979 A.2.5 ECDSA signature over "sample" with SHA-256.
 * Runs in Node and XS (noble P-256 needs a large XS heap; xsnap has it, an ESP32 does not).
 * The randomised cross-checks against OpenSSL are in test/node/crypto/p256-node.test.ts.
 */
import { assert } from '../../harness/assert';
import { fromHex, utf8Encode } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { CryptoError } from '../../../modules/crypto/index';
import { Prng } from '../../harness/sim';

const p256 = crypto.p256;
const isCode = (code: string) => (e: unknown) => e instanceof CryptoError && e.code === code;

describe('P-256 (CAVS ECC CDH, RFC 6979 A.2.5)', () => {
  it('CAVS ECC CDH P-256 count 0: public key and shared secret', () => {
    const d = fromHex('7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534');
    assert.hex(p256.publicKeyOf(d), '04' + 'ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230' + '28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141');
    const peer = fromHex('04' + '700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287' + 'db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac');
    assert.hex(p256.ecdh(d, peer), '46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b');
  });
  it('CAVS ECC CDH P-256 count 1', () => {
    const d = fromHex('38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5caf5');
    const peer = fromHex('04' + '809f04289c64348c01515eb03d5ce7ac1a8cb9498f5caa50197e58d43a86a7ae' + 'b29d84e811197f25eba8f5194092cb6ff440e26d4421011372461f579271cda3');
    assert.hex(p256.ecdh(d, peer), '057d636096cb80b67a8c038c890e887d1adfa4195e9b3ce241c8a778c59cda67');
  });
  it('the count 0 peer point with y changed is off the curve: bad-point', () => {
    const d = fromHex('7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534');
    const peer = fromHex('04' + '700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287' + 'db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ad');
    assert.throws(() => p256.ecdh(d, peer), isCode('bad-point'));
  });

  const rfc6979Key = fromHex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
  const rfc6979Pub = '04' + '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6' + '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299';
  const sampleSig = 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716' + 'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8';

  it('RFC 6979 A.2.5: key pair, and the published SHA-256 "sample" signature verifies', () => {
    assert.hex(p256.publicKeyOf(rfc6979Key), rfc6979Pub);
    const digest = crypto.sha256(utf8Encode('sample'));
    assert.ok(p256.verify(fromHex(rfc6979Pub), digest, fromHex(sampleSig)));
    // Any flipped bit of the signature or the digest breaks it.
    for (const bit of [0, 7, 255, 256, 511]) {
      const s = fromHex(sampleSig);
      s[bit >> 3] ^= 0x80 >> (bit & 7);
      assert.equal(p256.verify(fromHex(rfc6979Pub), digest, s), false, `signature bit ${bit}`);
    }
    const other = crypto.sha256(utf8Encode('test'));
    assert.equal(p256.verify(fromHex(rfc6979Pub), other, fromHex(sampleSig)), false);
  });

  it('our hedged signatures verify under the RFC 6979 key and differ with fresh entropy', () => {
    const rng = new Prng(6979);
    const digest = crypto.sha256(utf8Encode('sample'));
    const a = p256.sign(rfc6979Key, digest, rng.bytes(32));
    const b = p256.sign(rfc6979Key, digest, rng.bytes(32));
    assert.notDeepEqual(a, b);
    assert.ok(p256.verify(fromHex(rfc6979Pub), digest, a));
    assert.ok(p256.verify(fromHex(rfc6979Pub), digest, b));
  });
});
