import { assert } from '../../harness/assert';
import { Sha256 } from '../../../modules/fota/sha256';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { toHex, utf8Encode } from '../../../modules/bytes/index';
import { Prng } from '../../harness/sim';

describe('fota: incremental SHA-256', () => {
  it('matches the FIPS 180-2 Appendix B examples', () => {
    assert.equal(toHex(new Sha256().update(utf8Encode('abc')).digest()), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(toHex(new Sha256().update(new Uint8Array(0)).digest()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(
      toHex(new Sha256().update(utf8Encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).digest()),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('gives the same digest as the provider for every split of random data (noble as the oracle)', () => {
    const rng = new Prng(7);
    for (let n = 0; n < 200; n += 7) {
      const data = rng.bytes(n);
      const cut = rng.int(n + 1);
      const h = new Sha256().update(data.subarray(0, cut)).update(data.subarray(cut)).digest();
      assert.equal(toHex(h), toHex(nobleCrypto.sha256(data)), `n=${n} cut=${cut}`);
    }
  });
});
