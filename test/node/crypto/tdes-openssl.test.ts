import { createCipheriv } from 'node:crypto';
import { assert } from '../../harness/assert';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { cbcEncrypt } from '../../../modules/crypto/index';

describe('3DES-CBC against OpenSSL (smoke)', () => {
  it('matches des-ede3-cbc on 200 random inputs', () => {
    for (let n = 0; n < 200; n++) {
      const key = new Uint8Array(24).map(() => (Math.random() * 256) | 0);
      const iv = new Uint8Array(8).map(() => (Math.random() * 256) | 0);
      const data = new Uint8Array(8 * (1 + (n % 5))).map(() => (Math.random() * 256) | 0);
      const c = createCipheriv('des-ede3-cbc', key, iv).setAutoPadding(false);
      const expected = new Uint8Array(Buffer.concat([c.update(data), c.final()]));
      assert.deepEqual(cbcEncrypt(crypto.tdes(key), iv, data), expected);
    }
  });
});
