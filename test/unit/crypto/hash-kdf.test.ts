/**
 * SHA-256 (FIPS 180-4 examples), HMAC-SHA256 (RFC 4231), HKDF (RFC 5869 A.1-A.3) and the TLS 1.2
 * PRF (the P_SHA256 vector circulated on the IETF TLS list), through the provider interface.
 * Runs in Node and in XS.
 */
import { assert } from '../../harness/assert';
import { fromHex, utf8Encode } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { tls12Prf, hkdf, hkdfExtract, hkdfExpand, CryptoError } from '../../../modules/crypto/index';

const codeOf = (code: string) => (e: unknown) => e instanceof CryptoError && e.code === code;
const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SHA-256 (FIPS 180-4 examples)', () => {
  it('"abc"', () => assert.hex(crypto.sha256(utf8Encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'));
  it('the empty string', () => assert.hex(crypto.sha256(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'));
  it('the two-block "abcdbcde...nopq" message', () => {
    assert.hex(crypto.sha256(utf8Encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });
});

describe('HMAC-SHA256 (RFC 4231)', () => {
  const longKey = fill(131, 0xaa);
  const cases: [string, Uint8Array, Uint8Array, string][] = [
    ['1', fill(20, 0x0b), utf8Encode('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    ['2', utf8Encode('Jefe'), utf8Encode('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    ['3', fill(20, 0xaa), fill(50, 0xdd), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
    ['4', range(1, 25), fill(50, 0xcd), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
    ['6', longKey, utf8Encode('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
    ['7', longKey, utf8Encode('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'), '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2'],
  ];
  for (const [n, key, data, mac] of cases) it(`test case ${n}`, () => assert.hex(crypto.hmacSha256(key, data), mac));
  it('test case 5 (output truncated to 128 bits)', () => {
    assert.hex(crypto.hmacSha256(fill(20, 0x0c), utf8Encode('Test With Truncation')).subarray(0, 16), 'a3b6167473100ee06e0c796c2955552b');
  });
});

describe('HKDF-SHA256 (RFC 5869 appendix A)', () => {
  it('A.1 basic test case', () => {
    const ikm = fill(22, 0x0b), salt = range(0, 12), info = range(0xf0, 0xf9);
    assert.hex(hkdfExtract(crypto, salt, ikm), '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    assert.hex(hkdf(crypto, ikm, salt, info, 42), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
  it('A.2 longer inputs and outputs', () => {
    const ikm = range(0, 0x4f), salt = range(0x60, 0xaf), info = range(0xb0, 0xff);
    const prk = hkdfExtract(crypto, salt, ikm);
    assert.hex(prk, '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244');
    assert.hex(hkdfExpand(crypto, prk, info, 82),
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87');
  });
  it('A.3 zero-length salt and info', () => {
    const ikm = fill(22, 0x0b);
    assert.hex(hkdfExtract(crypto, new Uint8Array(0), ikm), '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    const okm = '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8';
    assert.hex(hkdf(crypto, ikm, new Uint8Array(0), new Uint8Array(0), 42), okm);
    assert.hex(hkdf(crypto, ikm, undefined, new Uint8Array(0), 42), okm, 'absent salt = HashLen zeros');
  });
  it('output length bounds: 0 and 255 * 32 allowed, more refused with bad-argument', () => {
    const prk = fill(32, 1);
    assert.equal(hkdfExpand(crypto, prk, new Uint8Array(0), 0).length, 0);
    assert.equal(hkdfExpand(crypto, prk, new Uint8Array(0), 255 * 32).length, 8160);
    for (const n of [8161, -1, 1.5, Number.NaN]) assert.throws(() => hkdfExpand(crypto, prk, new Uint8Array(0), n), codeOf('bad-argument'), `${n}`);
  });
});

describe('TLS 1.2 PRF (RFC 5246 section 5, P_SHA256)', () => {
  it('the published 100-byte P_SHA256 test vector', () => {
    const out = tls12Prf(crypto, fromHex('9bbe436ba940f017b17652849a71db35'), 'test label', fromHex('a0ba9f936cda311827a6f796ffd5198c'), 100);
    assert.hex(out,
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab' +
      '4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66');
  });
  it('a shorter output is a prefix of the longer one (48 and 12 bytes, as TLS asks)', () => {
    const args = [fromHex('9bbe436ba940f017b17652849a71db35'), 'test label', fromHex('a0ba9f936cda311827a6f796ffd5198c')] as const;
    assert.hex(tls12Prf(crypto, args[0], args[1], args[2], 12), 'e3f229ba727be17b8d122620');
    assert.hex(tls12Prf(crypto, args[0], args[1], args[2], 48), 'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af');
  });
  it('refuses negative, fractional or oversized lengths with bad-argument', () => {
    for (const n of [-1, 0.5, 8161, Number.POSITIVE_INFINITY]) {
      assert.throws(() => tls12Prf(crypto, fill(16, 1), 'x', new Uint8Array(0), n), codeOf('bad-argument'), `${n}`);
    }
    assert.equal(tls12Prf(crypto, fill(16, 1), 'x', new Uint8Array(0), 0).length, 0);
  });
});
