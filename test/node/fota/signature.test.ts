/**
 * The image signature checked against OpenSSL (node:crypto) in both directions: images signed by
 * OpenSSL verify on the device's code path (FirmwareSlots with the noble provider), images signed
 * through the CryptoProvider verify in OpenSSL, and what one refuses the other refuses.
 */
import { assert } from '../../harness/assert';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { FirmwareSlots, FotaError, HEADER_LENGTH, parseHeader, signImage, verifyHeaderSignature } from '../../../modules/fota/index';
import { SimFlash } from '../../../modules/store/sim-flash';
import { regionView } from '../../../modules/fota/slots';
import { buildImage, generateSigner, opensslVerify } from '../../../tools/fw-sign';
import { Prng } from '../../harness/sim';

function slotsFor(publicKey: Uint8Array) {
  const chip = new SimFlash(10 * 4096, 4096);
  const slots = new FirmwareSlots({ meta: regionView(chip, 0, 2), slots: [regionView(chip, 2, 4), regionView(chip, 6, 4)], crypto: nobleCrypto, publicKey });
  const put = (img: Uint8Array) => {
    const r = slots.region(1);
    for (let i = 0; i < 4; i++) r.eraseSector(i);
    r.write(0, img);
  };
  return { slots, put };
}

describe('fota: image signatures cross-checked with OpenSSL', () => {
  const rng = new Prng(99);

  it('OpenSSL-signed images verify on the device path; a tampered byte or another key does not', () => {
    for (let i = 0; i < 8; i++) {
      const signer = generateSigner();
      const img = buildImage(signer, rng.bytes(1000 + i * 777), { version: i + 1, name: 'app', versionString: `v${i}` });
      assert.ok(opensslVerify(img, signer.publicKey), 'OpenSSL accepts its own image');
      const { slots, put } = slotsFor(signer.publicKey);
      put(img);
      assert.equal(slots.verify(1).version, i + 1);
      const t = img.slice();
      t[HEADER_LENGTH + rng.int(img.length - HEADER_LENGTH)] ^= 1 << rng.int(8);
      put(t);
      assert.throws(() => slots.verify(1), (e: unknown) => e instanceof FotaError && e.code === 'bad-hash');
      assert.ok(!opensslVerify(t, signer.publicKey));
      const s2 = slotsFor(generateSigner().publicKey);
      s2.put(img);
      assert.throws(() => s2.slots.verify(1), (e: unknown) => e instanceof FotaError && e.code === 'bad-signature');
    }
  });

  it('images signed through the CryptoProvider verify in OpenSSL; a flipped signature bit fails in both', () => {
    for (let i = 0; i < 8; i++) {
      const kp = nobleCrypto.p256.keyPairFromRandom(rng.bytes(32));
      const img = signImage(nobleCrypto, kp.privateKey, rng.bytes(500 + i * 301), { version: 7, name: 'x', versionString: '1' }, rng.bytes(32));
      assert.ok(opensslVerify(img, kp.publicKey), 'OpenSSL accepts the provider-signed image');
      const t = img.slice();
      t[96 + rng.int(64)] ^= 1 << rng.int(8);
      assert.ok(!opensslVerify(t, kp.publicKey));
      assert.ok(!verifyHeaderSignature(nobleCrypto, parseHeader(t, t.length), kp.publicKey));
    }
  });
});
