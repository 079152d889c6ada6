import { assert } from '../../harness/assert';
import { fromHex } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { ccmSeal, aesCmac } from '../../../modules/crypto/index';

describe('crypto smoke', () => {
  it('RFC 3610 packet vector #1 (CCM, 8-byte tag)', () => {
    const aes = crypto.aes(fromHex('C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF'));
    const nonce = fromHex('00000003020100A0A1A2A3A4A5');
    const msg = fromHex('08090A0B0C0D0E0F101112131415161718191A1B1C1D1E');
    const aad = fromHex('0001020304050607');
    assert.hex(ccmSeal(aes, nonce, aad, msg, 8), '588C979A61C663D2F066D0C2C0F989806D5F6B61DAC38417E8D12CFDF926E0');
  });
  it('RFC 4493 example 2 (CMAC, 16 bytes)', () => {
    assert.hex(aesCmac(crypto, fromHex('2b7e151628aed2a6abf7158809cf4f3c'), fromHex('6bc1bee22e409f96e93d7e117393172a')), '070a16b46b4d4144f79bdd9dd04a287c');
  });
  it('NIST SP 800-67 TDES example', () => {
    const t = crypto.tdes(fromHex('0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123'));
    const out = new Uint8Array(8);
    t.encryptBlock(fromHex('5468652071756663'), out);
    assert.hex(out, 'A826FD8CE53B855F');
  });
});
