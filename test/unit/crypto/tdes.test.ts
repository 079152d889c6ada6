/**
 * Triple DES (NIST SP 800-67) pinned by known answers: the SP 800-67 worked example, NIST SP 800-20
 * variable-plaintext and variable-key tables (K1 = K2 = K3, so they pin the DES core), and NIST CAVP
 * TECBMMT3 (three distinct keys). Plus tdesKeyStrength. Runs in Node and in XS.
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { CryptoError } from '../../../modules/crypto/index';
import { tdesKeyStrength } from '../../../modules/crypto/tdes';
import type { BlockCipher } from '../../../modules/crypto/index';

const codeOf = (code: string) => (e: unknown) => e instanceof CryptoError && e.code === code;

function ecb(t: BlockCipher, data: Uint8Array, decrypt: boolean): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += 8) {
    if (decrypt) t.decryptBlock(data, out, o, o);
    else t.encryptBlock(data, out, o, o);
  }
  return out;
}

function kat(key: string, plaintext: string, ciphertext: string): void {
  const t = crypto.tdes(fromHex(key));
  assert.hex(ecb(t, fromHex(plaintext), false), ciphertext, `encrypt under ${key}`);
  assert.hex(ecb(t, fromHex(ciphertext), true), plaintext, `decrypt under ${key}`);
  t.dispose();
}

const triple = (k: string) => k + k + k;

describe('Triple DES known answers', () => {
  it('SP 800-67 example: "The qufck brown fox jump"', () => {
    kat('0123456789abcdef 23456789abcdef01 456789abcdef0123',
      '5468652071756663 6b2062726f776e20 666f78206a756d70',
      'a826fd8ce53b855f cce21c8112256fe6 68d5c05dd9b6b900');
  });

  // SP 800-20 table A.1 (variable plaintext), key 01..01: the first eight rows.
  const varText: [string, string][] = [
    ['8000000000000000', '95f8a5e5dd31d900'],
    ['4000000000000000', 'dd7f121ca5015619'],
    ['2000000000000000', '2e8653104f3834ea'],
    ['1000000000000000', '4bd388ff6cd81d4f'],
    ['0800000000000000', '20b9e767b2fb1456'],
    ['0400000000000000', '55579380d77138ef'],
    ['0200000000000000', '6cc5defaaf04512f'],
    ['0100000000000000', '0d9f279ba5d87260'],
  ];
  it('SP 800-20 variable-plaintext KAT (8 rows)', () => {
    for (const [p, c] of varText) kat(triple('0101010101010101'), p, c);
  });

  // SP 800-20 table A.2 (variable key), plaintext 0: the first rows.
  const varKey: [string, string][] = [
    ['8001010101010101', '95a8d72813daa94d'],
    ['4001010101010101', '0eec1487dd8c26d5'],
    ['2001010101010101', '7ad16ffb79c45926'],
    ['1001010101010101', 'd3746294ca6a6cf3'],
  ];
  it('SP 800-20 variable-key KAT (4 rows)', () => {
    for (const [k, c] of varKey) kat(triple(k), '0000000000000000', c);
  });

  it('NIST CAVP TECBMMT3 (three distinct keys) encrypt and decrypt', () => {
    kat('e97c8313ba265d43 254cbf9e8f7c2aa8 a754d65e8ae997e3', '4656ed81a8bc58a9', '426a0ac26586bf6c');
    kat('2c29202c10797985 efc252b3da378a89 e9a7f88c98c73b1c',
      '4058771b9c808e6935650f97db27e9e69641fcc5e7bc7fa551a29f0918b669dc',
      '9438d7b8b2057a624a4071de46c986a3393da868a29647041418cb946a51d368');
  });

  it('encrypts in place (input and output aliasing)', () => {
    const t = crypto.tdes(fromHex('e97c8313ba265d43254cbf9e8f7c2aa8a754d65e8ae997e3'));
    const b = fromHex('004656ed81a8bc58a900');
    t.encryptBlock(b, b, 1, 1);
    assert.hex(b, '00426a0ac26586bf6c00');
  });

  it('ignores parity bits, as DES does', () => {
    const key = fromHex('e97c8313ba265d43254cbf9e8f7c2aa8a754d65e8ae997e3');
    for (let i = 0; i < 24; i++) key[i] ^= 1;
    const t = crypto.tdes(key);
    const out = new Uint8Array(8);
    t.encryptBlock(fromHex('4656ed81a8bc58a9'), out);
    assert.hex(out, '426a0ac26586bf6c');
  });

  it('a disposed 3DES cipher refuses to run (bad-argument)', () => {
    const t = crypto.tdes(fromHex('e97c8313ba265d43254cbf9e8f7c2aa8a754d65e8ae997e3'));
    t.dispose();
    assert.throws(() => t.encryptBlock(new Uint8Array(8), new Uint8Array(8)), codeOf('bad-argument'));
    assert.throws(() => t.decryptBlock(new Uint8Array(8), new Uint8Array(8)), codeOf('bad-argument'));
  });

  it('refuses keys that are not 24 bytes with bad-key-length', () => {
    for (const n of [0, 8, 16, 23, 25, 32]) assert.throws(() => crypto.tdes(new Uint8Array(n)), codeOf('bad-key-length'), `${n}`);
  });
});

describe('tdesKeyStrength', () => {
  const k1 = '0123456789abcdef', k2 = '23456789abcdef01', k3 = '456789abcdef0123';
  // Same key with every parity (low) bit flipped: the same DES key.
  const flipParity = (hex: string) => { const b = fromHex(hex); for (let i = 0; i < b.length; i++) b[i] ^= 1; return toHex(b); };
  const cases: [string, string, string][] = [
    ['three distinct keys', k1 + k2 + k3, 'three-key'],
    ['K1 = K3 (2-key 3DES)', k1 + k2 + k1, 'two-key'],
    ['K1 = K3 up to parity', k1 + k2 + flipParity(k1), 'two-key'],
    ['K1 = K2 (degenerates to single DES under K3)', k1 + k1 + k3, 'single-des'],
    ['K2 = K3 (degenerates to single DES under K1)', k1 + k2 + k2, 'single-des'],
    ['K1 = K2 up to parity', k1 + flipParity(k1) + k3, 'single-des'],
    ['K2 = K3 up to parity', k1 + k2 + flipParity(k2), 'single-des'],
    ['K1 = K2 = K3', k1 + k1 + k1, 'single-des'],
  ];
  for (const [name, key, strength] of cases) it(`${name} -> ${strength}`, () => assert.equal(tdesKeyStrength(fromHex(key)), strength));
  it('classifies 16-byte and 8-byte keys by their length', () => {
    assert.equal(tdesKeyStrength(fromHex(k1 + k2)), 'two-key');
    assert.equal(tdesKeyStrength(fromHex(k1)), 'single-des');
  });
  it('a key differing from K1 only in a non-parity bit is a different key', () => {
    // 0x01 -> 0x03 changes bit 1, which DES uses: K1 != K2 here, so three distinct keys.
    const b = fromHex(k1 + k1 + k3);
    b[8] ^= 0x02;
    assert.equal(tdesKeyStrength(b), 'three-key');
  });
  it('refuses other lengths with bad-key-length', () => {
    for (const n of [0, 7, 9, 15, 17, 23, 25, 48]) assert.throws(() => tdesKeyStrength(new Uint8Array(n)), codeOf('bad-key-length'), `${n}`);
  });
});
