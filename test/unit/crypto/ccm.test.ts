/**
 * AES-CCM pinned by published vectors: RFC 3610 section 8 packet vectors and NIST SP 800-38C
 * appendix C, plus a NIST CAVP AES-256 case with a 16-byte tag. Runs in Node and in XS.
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { ccmSeal, ccmOpen, CryptoError } from '../../../modules/crypto/index';

interface Vector {
  name: string;
  key: string;
  nonce: string;
  aad: string;
  plaintext: string;
  ciphertext: string;
  tag: string;
}

const RFC_KEY_A = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf';
const RFC_KEY_B = 'd7828d13b2b0bdc325a76236df93cc6b';
const RFC_AAD_8 = '0001020304050607';
const RFC_AAD_12 = '000102030405060708090a0b';

// RFC 3610 section 8. Packet vectors #1-#6 (M = 8), #7 and #10 (M = 10), #13-#24 (random key and nonce, M = 8 and 10).
const rfc3610: Vector[] = [
  { name: '#1', key: RFC_KEY_A, nonce: '00000003020100a0a1a2a3a4a5', aad: RFC_AAD_8, plaintext: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e', ciphertext: '588c979a61c663d2f066d0c2c0f989806d5f6b61dac384', tag: '17e8d12cfdf926e0' },
  { name: '#2', key: RFC_KEY_A, nonce: '00000004030201a0a1a2a3a4a5', aad: RFC_AAD_8, plaintext: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', ciphertext: '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b', tag: 'a091d56e10400916' },
  { name: '#3', key: RFC_KEY_A, nonce: '00000005040302a0a1a2a3a4a5', aad: RFC_AAD_8, plaintext: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20', ciphertext: '51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da859657', tag: '4adaa76fbd9fb0c5' },
  { name: '#4', key: RFC_KEY_A, nonce: '00000006050403a0a1a2a3a4a5', aad: RFC_AAD_12, plaintext: '0c0d0e0f101112131415161718191a1b1c1d1e', ciphertext: 'a28c6865939a9a79faaa5c4c2a9d4a91cdac8c', tag: '96c861b9c9e61ef1' },
  { name: '#5', key: RFC_KEY_A, nonce: '00000007060504a0a1a2a3a4a5', aad: RFC_AAD_12, plaintext: '0c0d0e0f101112131415161718191a1b1c1d1e1f', ciphertext: 'dcf1fb7b5d9e23fb9d4e131253658ad86ebdca3e', tag: '51e83f077d9c2d93' },
  { name: '#6', key: RFC_KEY_A, nonce: '00000008070605a0a1a2a3a4a5', aad: RFC_AAD_12, plaintext: '0c0d0e0f101112131415161718191a1b1c1d1e1f20', ciphertext: '6fc1b011f006568b5171a42d953d469b2570a4bd87', tag: '405a0443ac91cb94' },
  { name: '#7', key: RFC_KEY_A, nonce: '00000009080706a0a1a2a3a4a5', aad: RFC_AAD_8, plaintext: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e', ciphertext: '0135d1b2c95f41d5d1d4fec185d166b8094e999dfed96c', tag: '048c56602c97acbb7490' },
  { name: '#10', key: RFC_KEY_A, nonce: '0000000c0b0a09a0a1a2a3a4a5', aad: RFC_AAD_12, plaintext: '0c0d0e0f101112131415161718191a1b1c1d1e', ciphertext: '07342594157785152b074098330abb141b947b', tag: '566aa9406b4d999988dd' },
  { name: '#13', key: RFC_KEY_B, nonce: '00412b4ea9cdbe3c9696766cfa', aad: '0be1a88bace018b1', plaintext: '08e8cf97d820ea258460e96ad9cf5289054d895ceac47c', ciphertext: '4cb97f86a2a4689a877947ab8091ef5386a6ffbdd080f8', tag: 'e78cf7cb0cddd7b3' },
  { name: '#16', key: RFC_KEY_B, nonce: '00764c63b8058e3c9696766cfa', aad: 'd0d0735c531e1becf049c244', plaintext: '12daac5630efa5396f770ce1a66b21f7b2101c', ciphertext: '14d253c3967b70609b7cbb7c49916028324526', tag: '9a6f49975bcadeaf' },
  { name: '#18', key: RFC_KEY_B, nonce: '00d560912d3f703c9696766cfa', aad: 'cd9044d2b71fdb8120ea60c0', plaintext: '6435acbafb11a82e2f071d7ca4a5ebd93a803ba87f', ciphertext: '009769ecabdf48625594c59251e6035722675e04c8', tag: '47099e5ae0704551' },
  { name: '#19', key: RFC_KEY_B, nonce: '0042fff8f1951c3c9696766cfa', aad: 'd85bc7e69f944fb8', plaintext: '8a19b950bcf71a018e5e6701c91787659809d67dbedd18', ciphertext: 'bc218daa947427b6db386a99ac1aef23ade0b52939cb6a', tag: '637cf9bec2408897c6ba' },
  { name: '#20', key: RFC_KEY_B, nonce: '00920f40e56cdc3c9696766cfa', aad: '74a0ebc9069f5b37', plaintext: '1761433c37c5a35fc1f39f406302eb907c6163be38c98437', ciphertext: '5810e6fd25874022e80361a478e3e9cf484ab04f447efff6', tag: 'f0a477cc2fc9bf548944' },
  { name: '#21', key: RFC_KEY_B, nonce: '0027ca0c7120bc3c9696766cfa', aad: '44a3aa3aae6475ca', plaintext: 'a434a8e58500c6e41530538862d686ea9e81301b5ae4226bfa', ciphertext: 'f2beed7bc5098e83feb5b31608f8e29c38819a89c8e776f154', tag: '4d4151a4ed3a8b87b9ce' },
  { name: '#22', key: RFC_KEY_B, nonce: '005b8ccbcd9af83c9696766cfa', aad: 'ec46bb63b02520c33c49fd70', plaintext: 'b96b49e21d621741632875db7f6c9243d2d7c2', ciphertext: '31d750a09da3ed7fddd49a2032aabf17ec8ebf', tag: '7d22c8088c666be5c197' },
  { name: '#23', key: RFC_KEY_B, nonce: '003ebe94044b9a3c9696766cfa', aad: '47a65ac78b3d594227e85e71', plaintext: 'e2fcfbb880442c731bf95167c8ffd7895e337076', ciphertext: 'e882f1dbd38ce3eda7c23f04dd65071eb41342ac', tag: 'df7e00dccec7ae52987d' },
  { name: '#24', key: RFC_KEY_B, nonce: '008d493b30ae8b3c9696766cfa', aad: '6e37a6ef546d955d34ab6059', plaintext: 'abf21c0b02feb88f856df4a37381bce3cc128517d4', ciphertext: 'f32905b88a641b04b9c9ffb58cc390900f3da12ab1', tag: '6dce9e82efa16da62059' },
];

const NIST_KEY = '404142434445464748494a4b4c4d4e4f';
// NIST SP 800-38C appendix C: C.1 (4-byte tag, 7-byte nonce), C.2 (6, 8), C.3 (8, 12).
const sp80038c: Vector[] = [
  { name: 'C.1', key: NIST_KEY, nonce: '10111213141516', aad: '0001020304050607', plaintext: '20212223', ciphertext: '7162015b', tag: '4dac255d' },
  { name: 'C.2', key: NIST_KEY, nonce: '1011121314151617', aad: '000102030405060708090a0b0c0d0e0f', plaintext: '202122232425262728292a2b2c2d2e2f', ciphertext: 'd2a1f0e051ea5f62081a7792073d593d', tag: '1fc64fbfaccd' },
  { name: 'C.3', key: NIST_KEY, nonce: '101112131415161718191a1b', aad: '000102030405060708090a0b0c0d0e0f10111213', plaintext: '202122232425262728292a2b2c2d2e2f3031323334353637', ciphertext: 'e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5', tag: '484392fbc1b09951' },
];

// NIST CAVP CCM VNT (AES-256, 13-byte nonce, 32-byte AAD, 16-byte tag).
const cavp16: Vector = {
  name: 'CAVP VNT AES-256 Tlen=16', key: '4a75ff2f66dae2935403cce27e829ad8be98185c73f8bc61d3ce950a83007e11', nonce: '46eb390b175e75da6193d7edb6',
  aad: '282f05f734f249c0535ee396282218b7c4913c39b59ad2a03ffaf5b0e9b0f780', plaintext: '205f2a664a8512e18321a91c13ec13b9e6b633228c57cc1e',
  ciphertext: '58f1584f761983bef4d0060746b5d5ee610ecfda31101a7f', tag: '5460e9b7856d60a5ad9803c0762f8176',
};

function check(v: Vector): void {
  const aes = crypto.aes(fromHex(v.key));
  const tagLength = v.tag.length / 2;
  const sealed = ccmSeal(aes, fromHex(v.nonce), fromHex(v.aad), fromHex(v.plaintext), tagLength);
  assert.hex(sealed, v.ciphertext + v.tag, `${v.name} seal`);
  assert.hex(ccmOpen(aes, fromHex(v.nonce), fromHex(v.aad), fromHex(v.ciphertext + v.tag), tagLength), v.plaintext, `${v.name} open`);
  aes.dispose();
}

function codeOf(code: string): (e: unknown) => boolean {
  return (e) => e instanceof CryptoError && e.code === code;
}

describe('AES-CCM (RFC 3610, SP 800-38C)', () => {
  for (const v of rfc3610) it(`RFC 3610 packet vector ${v.name} (M=${v.tag.length / 2})`, () => check(v));
  for (const v of sp80038c) it(`SP 800-38C example ${v.name} (Tlen=${v.tag.length * 4}, nonce ${v.nonce.length / 2} bytes)`, () => check(v));
  it('NIST CAVP AES-256 vector with a 16-byte tag', () => check(cavp16));

  it('SP 800-38C example C.4: 65536 bytes of AAD use the 0xfffe length form', () => {
    const aad = new Uint8Array(65536);
    for (let i = 0; i < aad.length; i++) aad[i] = i & 0xff;
    const aes = crypto.aes(fromHex(NIST_KEY));
    const nonce = fromHex('101112131415161718191a1b1c');
    const pt = fromHex('202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f');
    const expected = '69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72' + 'b4ac6bec93e8598e7f0dadbcea5b';
    assert.hex(ccmSeal(aes, nonce, aad, pt, 14), expected);
    assert.hex(ccmOpen(aes, nonce, aad, fromHex(expected), 14), toHex(pt));
  });

  it('rejects every single flipped bit of ciphertext, tag, AAD and nonce (RFC 3610 #1)', () => {
    const v = rfc3610[0];
    const aes = crypto.aes(fromHex(v.key));
    const nonce = fromHex(v.nonce);
    const aad = fromHex(v.aad);
    const sealed = fromHex(v.ciphertext + v.tag);
    let rejected = 0;
    const expectReject = (n: Uint8Array, a: Uint8Array, s: Uint8Array, what: string) => {
      assert.throws(() => ccmOpen(aes, n, a, s, 8), codeOf('bad-tag'), what);
      rejected++;
    };
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const s = sealed.slice();
      s[bit >> 3] ^= 0x80 >> (bit & 7);
      expectReject(nonce, aad, s, `sealed bit ${bit}`);
    }
    for (let bit = 0; bit < aad.length * 8; bit++) {
      const a = aad.slice();
      a[bit >> 3] ^= 0x80 >> (bit & 7);
      expectReject(nonce, a, sealed, `aad bit ${bit}`);
    }
    for (let bit = 0; bit < nonce.length * 8; bit++) {
      const n = nonce.slice();
      n[bit >> 3] ^= 0x80 >> (bit & 7);
      expectReject(n, aad, sealed, `nonce bit ${bit}`);
    }
    // Dropping or adding AAD, and truncating the message, must fail too.
    expectReject(nonce, new Uint8Array(0), sealed, 'no aad');
    expectReject(nonce, fromHex(v.aad + '08'), sealed, 'longer aad');
    expectReject(nonce, aad, sealed.subarray(1), 'truncated');
    assert.equal(rejected, 31 * 8 + 8 * 8 + 13 * 8 + 3);
    // The intact packet still opens.
    assert.hex(ccmOpen(aes, nonce, aad, sealed, 8), v.plaintext);
  });

  it('seals and opens an empty message with and without AAD', () => {
    const aes = crypto.aes(fromHex(NIST_KEY));
    const nonce = fromHex('10111213141516');
    for (const aad of [new Uint8Array(0), fromHex('00')]) {
      const sealed = ccmSeal(aes, nonce, aad, new Uint8Array(0), 8);
      assert.equal(sealed.length, 8);
      assert.equal(ccmOpen(aes, nonce, aad, sealed, 8).length, 0);
    }
  });
});

describe('AES-CCM parameter checks', () => {
  const aes = crypto.aes(fromHex(NIST_KEY));
  const n12 = new Uint8Array(12);
  it('refuses nonces outside 7..13 bytes with bad-nonce-length', () => {
    for (const n of [0, 6, 14, 16]) {
      assert.throws(() => ccmSeal(aes, new Uint8Array(n), new Uint8Array(0), new Uint8Array(4), 8), codeOf('bad-nonce-length'), `seal nonce ${n}`);
      assert.throws(() => ccmOpen(aes, new Uint8Array(n), new Uint8Array(0), new Uint8Array(12), 8), codeOf('bad-nonce-length'), `open nonce ${n}`);
    }
  });
  it('refuses tag lengths other than 4, 6, ..., 16 with bad-tag-length', () => {
    for (const t of [0, 2, 3, 5, 7, 15, 17, 18, 32, 8.5, Number.NaN]) {
      assert.throws(() => ccmSeal(aes, n12, new Uint8Array(0), new Uint8Array(4), t), codeOf('bad-tag-length'), `seal tag ${t}`);
      assert.throws(() => ccmOpen(aes, n12, new Uint8Array(0), new Uint8Array(40), t), codeOf('bad-tag-length'), `open tag ${t}`);
    }
    // Tag length is reported before the input length, even on short input.
    assert.throws(() => ccmOpen(aes, n12, new Uint8Array(0), new Uint8Array(2), 5), codeOf('bad-tag-length'));
  });
  it('refuses input shorter than the tag with bad-input-length', () => {
    assert.throws(() => ccmOpen(aes, n12, new Uint8Array(0), new Uint8Array(7), 8), codeOf('bad-input-length'));
    assert.throws(() => ccmOpen(aes, n12, new Uint8Array(0), new Uint8Array(15), 16), codeOf('bad-input-length'));
  });
  it('refuses a message too long for the length field (13-byte nonce: L = 2, below 65536 bytes)', () => {
    const n13 = new Uint8Array(13);
    assert.throws(() => ccmSeal(aes, n13, new Uint8Array(0), new Uint8Array(65536), 8), codeOf('bad-input-length'));
    assert.equal(ccmSeal(aes, n13, new Uint8Array(0), new Uint8Array(65535), 8).length, 65543);
  });
  it('refuses a 64-bit block cipher with bad-argument', () => {
    const tdes = crypto.tdes(fromHex('0123456789abcdef23456789abcdef01456789abcdef0123'));
    assert.throws(() => ccmSeal(tdes, n12, new Uint8Array(0), new Uint8Array(4), 8), codeOf('bad-argument'));
  });
  it('a failed open throws bad-tag whose message carries none of the data', () => {
    const sealed = ccmSeal(aes, n12, new Uint8Array(0), new Uint8Array(32).fill(0x5a), 8);
    sealed[sealed.length - 1] ^= 1;
    const e = assert.throws(() => ccmOpen(aes, n12, new Uint8Array(0), sealed, 8), codeOf('bad-tag')) as CryptoError;
    assert.ok(!/5a5a/.test(e.message), 'error message carries no data');
  });
});
