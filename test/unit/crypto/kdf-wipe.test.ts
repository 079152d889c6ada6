/**
 * The key derivations wipe every secret-dependent intermediate (A(i) and the output blocks of the TLS 1.2
 * PRF, RFC 5246 §5; the PRK and T(i) of HKDF, RFC 5869) before returning. A provider that records what its
 * HMAC hands out lets the test look at those buffers afterwards. Found by mutation testing (set crypto).
 */
import { assert } from '../../harness/assert';
import { hkdf, tls12Prf } from '../../../modules/crypto/index';
import { nobleCrypto } from '../../../modules/crypto/noble';
import type { CryptoProvider } from '../../../modules/crypto/provider';

function recording(): { crypto: CryptoProvider; handed: Uint8Array[] } {
  const handed: Uint8Array[] = [];
  const crypto = Object.create(nobleCrypto) as CryptoProvider;
  crypto.hmacSha256 = (key: Uint8Array, data: Uint8Array) => {
    const r = nobleCrypto.hmacSha256(key, data);
    handed.push(r);
    return r;
  };
  return { crypto, handed };
}

describe('key derivation wipes its intermediates', () => {
  it('TLS 1.2 PRF: every HMAC output it used is zero afterwards (100 bytes: 4 blocks)', () => {
    const { crypto, handed } = recording();
    const out = tls12Prf(crypto, new Uint8Array(48).fill(0x0b), 'key expansion', new Uint8Array(64).fill(3), 100);
    assert.equal(out.length, 100);
    assert.ok(out.some((b) => b !== 0));
    assert.equal(handed.length, 8, 'A(1..4) and four output blocks');
    handed.forEach((h, i) => assert.ok(h.every((b) => b === 0), `HMAC output ${i} left in memory`));
  });
  it('HKDF: the PRK and every T(i) are zero afterwards', () => {
    const { crypto, handed } = recording();
    const out = hkdf(crypto, new Uint8Array(22).fill(0x0b), new Uint8Array(13), new Uint8Array(10), 82);
    assert.equal(out.length, 82);
    assert.equal(handed.length, 4, 'PRK and T(1..3)');
    handed.forEach((h, i) => assert.ok(h.every((b) => b === 0), `HMAC output ${i} left in memory`));
  });
});
