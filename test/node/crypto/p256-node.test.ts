/**
 * P-256 ECDH and ECDSA of the noble provider against OpenSSL through node:crypto: shared secrets,
 * public key derivation, signatures both ways (raw r || s = dsaEncoding 'ieee-p1363'), tampering,
 * invalid points.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { assert } from '../../harness/assert';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { CryptoError } from '../../../modules/crypto/index';

const p256 = crypto.p256;
const rnd = (n: number) => new Uint8Array(randomBytes(n));
const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const isCode = (code: string) => (e: unknown) => e instanceof CryptoError && e.code === code;

function nodePublicKey(pub: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)) }, format: 'jwk' });
}
function nodePrivateKey(priv: Uint8Array, pub: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64u(priv), x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)) }, format: 'jwk' });
}

describe('P-256 against OpenSSL (node:crypto)', function () {
  this.timeout(120000);

  it('key pairs from 32, 40, 48 and 64 random bytes; public keys match OpenSSL derivation', () => {
    for (const n of [32, 40, 48, 64, 48, 48]) {
      const kp = p256.keyPairFromRandom(rnd(n));
      assert.equal(kp.privateKey.length, 32);
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(kp.privateKey);
      assert.deepEqual(kp.publicKey, u8(ecdh.getPublicKey()), `${n} random bytes`);
      assert.deepEqual(p256.publicKeyOf(kp.privateKey), kp.publicKey);
    }
    assert.throws(() => p256.keyPairFromRandom(rnd(31)), isCode('bad-argument'));
  });

  it('ECDH equals OpenSSL ECDH for 100 random key pairs (uncompressed and compressed peer keys)', () => {
    for (let i = 0; i < 100; i++) {
      const ours = p256.keyPairFromRandom(rnd(48));
      const theirs = createECDH('prime256v1');
      theirs.generateKeys();
      const expected = u8(theirs.computeSecret(ours.publicKey));
      assert.deepEqual(p256.ecdh(ours.privateKey, u8(theirs.getPublicKey())), expected, `pair ${i}`);
      if (i % 10 === 0) assert.deepEqual(p256.ecdh(ours.privateKey, u8(theirs.getPublicKey(null, 'compressed'))), expected, `compressed ${i}`);
    }
  });

  it('our signatures verify with OpenSSL (100 messages), and tampered ones do not', () => {
    for (let i = 0; i < 100; i++) {
      const kp = p256.keyPairFromRandom(rnd(48));
      const msg = rnd(i * 3);
      const digest = u8(createHash('sha256').update(msg).digest());
      const sig = p256.sign(kp.privateKey, digest, rnd(32));
      assert.equal(sig.length, 64);
      const key = nodePublicKey(kp.publicKey);
      assert.ok(nodeVerify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig), `message ${i}`);
      const bad = sig.slice();
      bad[i % 64] ^= 1 << (i % 8);
      assert.ok(!nodeVerify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, bad), `tampered ${i} accepted by OpenSSL`);
    }
  });

  it('OpenSSL signatures verify with ours (100 messages); tampered signature, digest or key fail', () => {
    for (let i = 0; i < 100; i++) {
      const kp = p256.keyPairFromRandom(rnd(48));
      const msg = rnd(i * 3 + 1);
      const digest = u8(createHash('sha256').update(msg).digest());
      const sig = u8(nodeSign('sha256', msg, { key: nodePrivateKey(kp.privateKey, kp.publicKey), dsaEncoding: 'ieee-p1363' }));
      assert.ok(p256.verify(kp.publicKey, digest, sig), `message ${i}`);
      const badSig = sig.slice();
      badSig[(i * 7) % 64] ^= 0x10;
      assert.equal(p256.verify(kp.publicKey, digest, badSig), false, `tampered signature ${i}`);
      const badDigest = digest.slice();
      badDigest[i % 32] ^= 0x01;
      assert.equal(p256.verify(kp.publicKey, badDigest, sig), false, `tampered digest ${i}`);
      const other = p256.keyPairFromRandom(rnd(48));
      assert.equal(p256.verify(other.publicKey, digest, sig), false, `other key ${i}`);
    }
  });

  it('accepts high-S signatures (OpenSSL does not normalise S)', () => {
    // n - s gives the other valid signature for the same (r, digest); OpenSSL accepts both.
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const kp = p256.keyPairFromRandom(rnd(48));
    const msg = rnd(20);
    const digest = u8(createHash('sha256').update(msg).digest());
    const sig = p256.sign(kp.privateKey, digest, rnd(32));
    const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'));
    const flipped = sig.slice();
    flipped.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32);
    assert.notDeepEqual(flipped, sig);
    assert.ok(nodeVerify('sha256', msg, { key: nodePublicKey(kp.publicKey), dsaEncoding: 'ieee-p1363' }, flipped), 'OpenSSL accepts n - s');
    assert.ok(p256.verify(kp.publicKey, digest, flipped));
  });

  it('an off-curve or malformed peer point gives CryptoError bad-point', () => {
    const kp = p256.keyPairFromRandom(rnd(48));
    const peer = p256.keyPairFromRandom(rnd(48)).publicKey;
    const offCurve = peer.slice();
    offCurve[64] ^= 1; // y + 1 (or - 1): no longer on the curve
    assert.throws(() => p256.ecdh(kp.privateKey, offCurve), isCode('bad-point'));
    // OpenSSL agrees that the point is invalid.
    assert.throws(() => createECDH('prime256v1').computeSecret(offCurve));
    const zero = new Uint8Array(65);
    zero[0] = 4;
    assert.throws(() => p256.ecdh(kp.privateKey, zero), isCode('bad-point'));
    const badPrefix = peer.slice();
    badPrefix[0] = 5;
    assert.throws(() => p256.ecdh(kp.privateKey, badPrefix), isCode('bad-point'));
    assert.throws(() => p256.ecdh(kp.privateKey, peer.subarray(0, 64)), isCode('bad-point'));
    assert.throws(() => p256.ecdh(kp.privateKey, new Uint8Array(0)), isCode('bad-point'));
    assert.equal(p256.verify(offCurve, rnd(32), rnd(64)), false);
  });

  it('refuses malformed private keys and digests with typed errors', () => {
    const peer = p256.keyPairFromRandom(rnd(48)).publicKey;
    assert.throws(() => p256.ecdh(rnd(31), peer), isCode('bad-key-length'));
    assert.throws(() => p256.ecdh(new Uint8Array(32), peer), isCode('bad-argument'), 'zero scalar');
    assert.throws(() => p256.ecdh(new Uint8Array(32).fill(0xff), peer), isCode('bad-argument'), 'scalar >= n');
    assert.throws(() => p256.publicKeyOf(new Uint8Array(32)), isCode('bad-key-length'));
    assert.throws(() => p256.sign(rnd(32), rnd(31), rnd(32)), isCode('bad-input-length'));
    assert.throws(() => p256.sign(new Uint8Array(32), rnd(32), rnd(32)), isCode('bad-argument'));
    assert.equal(p256.verify(peer, rnd(32), rnd(63)), false);
  });
});
