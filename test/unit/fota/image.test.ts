import { assert } from '../../harness/assert';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { FotaError, HEADER_LENGTH, parseHeader, verifyHeaderSignature } from '../../../modules/fota/index';
import { OTHER_SIGNER, SIGNER, image } from './fixtures';

describe('fota: signed image format', () => {
  it('parses what it signs: version, size, hash, name and version strings', () => {
    const img = image(7, 300);
    const h = parseHeader(img, 1 << 20);
    assert.equal(h.version, 7);
    assert.equal(h.size, 300);
    assert.equal(h.name, 'xs-lwm2m-app');
    assert.equal(h.versionString, '1.7.0');
    assert.equal(img.length, HEADER_LENGTH + 300);
    assert.ok(verifyHeaderSignature(nobleCrypto, h, SIGNER.publicKey));
    assert.ok(!verifyHeaderSignature(nobleCrypto, h, OTHER_SIGNER.publicKey), 'another key must not verify');
  });

  it('a flipped bit anywhere in the signed header or the signature fails the signature', () => {
    const img = image(3, 64);
    for (let i = 0; i < HEADER_LENGTH; i += 5) {
      const t = img.slice();
      t[i] ^= 0x10;
      let ok = false;
      try {
        ok = verifyHeaderSignature(nobleCrypto, parseHeader(t, 1 << 20), SIGNER.publicKey);
      } catch (e) {
        assert.ok(e instanceof FotaError, `byte ${i}: only FotaError`);
      }
      assert.ok(!ok, `byte ${i} flipped still verifies`);
    }
  });

  it('refuses bad magic, format, flags and a size beyond the slot with typed errors', () => {
    const img = image(1, 64);
    const cases: [number, number, string][] = [
      [0, 0x59, 'bad-format'],
      [4, 2, 'bad-format'],
      [5, 128, 'bad-format'],
      [7, 1, 'bad-format'],
    ];
    for (const [at, v, code] of cases) {
      const t = img.slice();
      t[at] = v;
      assert.throws(() => parseHeader(t, 1 << 20), (e: unknown) => e instanceof FotaError && e.code === code);
    }
    assert.throws(() => parseHeader(img, 63), (e: unknown) => e instanceof FotaError && e.code === 'too-large');
    assert.throws(() => parseHeader(img.subarray(0, 100), 1 << 20), (e: unknown) => e instanceof FotaError && e.code === 'bad-format');
  });
});
