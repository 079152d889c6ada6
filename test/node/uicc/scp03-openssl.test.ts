/**
 * SCP03 cross-checked with OpenSSL (node:crypto): the C-DECRYPTION and R-ENCRYPTION of the pySim level-33
 * exchange are undone with OpenSSL's AES-ECB (for the counter ICV) and AES-CBC, independently of our
 * crypto provider, and the session keys come out of an AES-CMAC built on OpenSSL's AES-CBC (RFC 4493).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';

const ENC = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const MAC = Buffer.from('101112131415161718191a1b1c1d1e1f', 'hex');

function ecb(key: Buffer, block: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** RFC 4493 AES-CMAC on OpenSSL AES-CBC (IV 0); subkeys by doubling in GF(2^128). */
function cmac(key: Buffer, msg: Buffer): Buffer {
  const dbl = (b: Buffer) => {
    const out = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) out[i] = ((b[i] << 1) | (i < 15 ? b[i + 1] >> 7 : 0)) & 0xff;
    if (b[0] & 0x80) out[15] ^= 0x87;
    return out;
  };
  const k1 = dbl(ecb(key, Buffer.alloc(16)));
  const k2 = dbl(k1);
  const n = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const last = Buffer.alloc(16);
  msg.copy(last, 0, (n - 1) * 16);
  if (!complete) last[msg.length - (n - 1) * 16] = 0x80;
  const k = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i] ^= k[i];
  const c = createCipheriv('aes-128-cbc', key, Buffer.alloc(16));
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(Buffer.concat([msg.subarray(0, (n - 1) * 16), last])), c.final()]);
  return out.subarray(out.length - 16);
}

function derive(key: Buffer, constant: number, context: Buffer, bits: number): Buffer {
  const d = Buffer.concat([Buffer.alloc(11), Buffer.from([constant, 0, bits >> 8, bits & 0xff, 1]), context]);
  return cmac(key, d).subarray(0, bits / 8);
}

describe('SCP03 cross-checked with OpenSSL (pySim level 33 exchange)', () => {
  const hostChallenge = Buffer.from('fdf38259a1e0de44', 'hex');
  const initRsp = Buffer.from('000000000000000000003003703b1aca81e821f219081cdc01c26b372d000003', 'hex');
  const cardChallenge = initRsp.subarray(13, 21);
  const context = Buffer.concat([hostChallenge, cardChallenge]);
  const sEnc = derive(ENC, 0x04, context, 128);
  const sMac = derive(MAC, 0x06, context, 128);

  it('card cryptogram from OpenSSL-derived S-MAC matches the card', () => {
    assert.equal(derive(sMac, 0x00, context, 64).toString('hex'), toHex(initRsp.subarray(21, 29)));
  });

  it('C-DEC of GET EID (counter 1) deciphers with OpenSSL AES-CBC, ICV = AES(S-ENC, counter)', () => {
    const wrapped = fromHex('84e2910018267a85dfe4a98fca6fb0527e0dfecce4914e40401433c87f00');
    const enc = Buffer.from(wrapped.subarray(5, 5 + 16));
    const icv = ecb(sEnc, Buffer.from('00000000000000000000000000000001', 'hex'));
    const d = createDecipheriv('aes-128-cbc', sEnc, icv);
    d.setAutoPadding(false);
    const plain = Buffer.concat([d.update(enc), d.final()]);
    assert.equal(plain.toString('hex'), 'bf3e035c015a80000000000000000000');
  });

  it('R-ENC of the GET EID response deciphers with ICV = AES(S-ENC, 80 || counter)', () => {
    const rsp = Buffer.from('f3ba2b1013aa6224f5e1c138d71805c569e5439b47576260b75fc021b25097cb2e68f8a0144975b9', 'hex');
    const icv = ecb(sEnc, Buffer.from('80000000000000000000000000000001', 'hex'));
    const d = createDecipheriv('aes-128-cbc', sEnc, icv);
    d.setAutoPadding(false);
    const plain = Buffer.concat([d.update(rsp.subarray(0, 32)), d.final()]);
    assert.equal(plain.toString('hex').slice(0, 42), 'bf3e125a1089882119900000000000000000000005');
    assert.equal(plain[21], 0x80);
  });
});
