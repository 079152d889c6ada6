/**
 * Record protection checked against OpenSSL through node:crypto, an independent implementation:
 * what our CCM_8 and CBC-SHA256 ciphers seal, node:crypto opens with the RFC 6655 / RFC 5246 layout,
 * and the other way round.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { assert } from '../../harness/assert';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { PSK_AES128_CCM8, ECDHE_PSK_AES128_CBC_SHA256 } from '../../../modules/dtls/cipherSuite';
import { keyBlock, masterSecret, pskPremasterSecret, verifyData } from '../../../modules/dtls/keys';

const kb = new Uint8Array(96).map((_, i) => (i * 37 + 11) & 0xff);
const seqNum = (epoch: number, seq: number) => Buffer.from([epoch >> 8, epoch & 255, 0, 0, (seq >>> 24) & 255, (seq >>> 16) & 255, (seq >>> 8) & 255, seq & 255]);

/** RFC 5246 §5 P_SHA256, written here from node:crypto HMAC. */
function pSha256(secret: Uint8Array, label: string, seed: Uint8Array, len: number): Buffer {
  const ls = Buffer.concat([Buffer.from(label), seed]);
  let a: Buffer = ls;
  const out: Buffer[] = [];
  while (Buffer.concat(out).length < len) {
    a = createHmac('sha256', secret).update(a).digest();
    out.push(createHmac('sha256', secret).update(Buffer.concat([a, ls])).digest());
  }
  return Buffer.concat(out).subarray(0, len);
}

describe('DTLS record protection vs node:crypto (OpenSSL)', () => {
  it('CCM_8: our sealed record opens with aes-128-ccm, nonce = client_write_IV || epoch || seq, AAD = seq|type|ver|len', () => {
    const { write } = PSK_AES128_CCM8.ciphers(nobleCrypto, kb, true, () => new Uint8Array(0));
    const pt = Buffer.from('twenty bytes payload');
    const frag = write.seal(23, 1, 5, pt);
    assert.equal(frag.length, 8 + 20 + 8);
    assert.deepEqual(new Uint8Array(frag.subarray(0, 8)), new Uint8Array(seqNum(1, 5)));
    const nonce = Buffer.concat([Buffer.from(kb.subarray(32, 36)), frag.subarray(0, 8)]);
    const d = createDecipheriv('aes-128-ccm', Buffer.from(kb.subarray(0, 16)), nonce, { authTagLength: 8 });
    d.setAuthTag(Buffer.from(frag.subarray(28)));
    d.setAAD(Buffer.concat([seqNum(1, 5), Buffer.from([23, 0xfe, 0xfd, 0, 20])]), { plaintextLength: 20 });
    const out = Buffer.concat([d.update(Buffer.from(frag.subarray(8, 28))), d.final()]);
    assert.equal(out.toString(), 'twenty bytes payload');
  });
  it('CCM_8: a record sealed by aes-128-ccm with the server keys opens with our client read cipher', () => {
    const { read } = PSK_AES128_CCM8.ciphers(nobleCrypto, kb, true, () => new Uint8Array(0));
    const explicit = seqNum(1, 9);
    const nonce = Buffer.concat([Buffer.from(kb.subarray(36, 40)), explicit]);
    const c = createCipheriv('aes-128-ccm', Buffer.from(kb.subarray(16, 32)), nonce, { authTagLength: 8 });
    c.setAAD(Buffer.concat([seqNum(1, 9), Buffer.from([23, 0xfe, 0xfd, 0, 3])]), { plaintextLength: 3 });
    const ct = Buffer.concat([c.update(Buffer.from('abc')), c.final(), c.getAuthTag()]);
    const opened = read.open(23, 1, 9, new Uint8Array(Buffer.concat([explicit, ct])));
    assert.equal(Buffer.from(opened!).toString(), 'abc');
    assert.equal(read.open(23, 1, 10, new Uint8Array(Buffer.concat([explicit, ct]))), null, 'wrong sequence number in the AAD');
  });
  it('CBC-SHA256: our record decrypts with aes-128-cbc and its HMAC-SHA256 and padding verify', () => {
    const { write } = ECDHE_PSK_AES128_CBC_SHA256.ciphers(nobleCrypto, kb, true, (n) => new Uint8Array(n).fill(0x5a));
    const pt = Buffer.from('hello cbc');
    const frag = write.seal(23, 1, 2, pt);
    const d = createDecipheriv('aes-128-cbc', Buffer.from(kb.subarray(64, 80)), Buffer.from(frag.subarray(0, 16)));
    d.setAutoPadding(false);
    const body = Buffer.concat([d.update(Buffer.from(frag.subarray(16))), d.final()]);
    const pad = body[body.length - 1];
    for (let i = 1; i <= pad + 1; i++) assert.equal(body[body.length - i], pad);
    const content = body.subarray(0, body.length - pad - 1 - 32);
    assert.equal(content.toString(), 'hello cbc');
    const mac = createHmac('sha256', Buffer.from(kb.subarray(0, 32))).update(Buffer.concat([seqNum(1, 2), Buffer.from([23, 0xfe, 0xfd, 0, content.length]), content])).digest();
    assert.deepEqual(new Uint8Array(body.subarray(content.length, content.length + 32)), new Uint8Array(mac));
  });
  it('key schedule: master secret, key block and verify_data agree with P_SHA256 built on node:crypto', () => {
    const psk = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const cr = new Uint8Array(32).fill(1);
    const sr = new Uint8Array(32).fill(2);
    const pms = pskPremasterSecret(new Uint8Array(psk));
    assert.deepEqual(pms, new Uint8Array(Buffer.concat([Buffer.from([0, 16]), Buffer.alloc(16), Buffer.from([0, 16]), psk])));
    const ms = masterSecret(nobleCrypto, pms, cr, sr);
    assert.deepEqual(ms, new Uint8Array(pSha256(pms, 'master secret', Buffer.concat([cr, sr]), 48)));
    assert.deepEqual(keyBlock(nobleCrypto, ms, cr, sr, 40), new Uint8Array(pSha256(ms, 'key expansion', Buffer.concat([sr, cr]), 40)));
    const h = new Uint8Array(32).fill(3);
    assert.deepEqual(verifyData(nobleCrypto, ms, 'client finished', h), new Uint8Array(pSha256(ms, 'client finished', h, 12)));
  });
});
