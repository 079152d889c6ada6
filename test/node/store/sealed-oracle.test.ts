/**
 * The sealed record format checked by an independent implementation: OpenSSL (node:crypto) derives the
 * storage key with HKDF-SHA256 (RFC 5869) and opens a record read straight from flash with AES-128-CCM
 * (RFC 3610, 16-byte tag), using the layout modules/store/sealed.ts documents: nonce = mount salt (8) ||
 * journal sequence number (4); additional data = purpose || 00 keyLen || key name || sequence number.
 */
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { SimFlash } from '../../../modules/store/sim-flash';
import { KeyStore } from '../../../modules/store/key-store';

const SECRET = new Uint8Array(32).fill(0x42);
const PURPOSE = 'xs-lwm2m keystore';

function findLive(data: Uint8Array, name: string): { seq: number; value: Uint8Array } {
  const key = Buffer.from(name);
  for (let p = 0; p + 12 + key.length < data.length; p++) {
    if (data[p] !== 0xa5 || data[p + 1] !== key.length || !key.equals(Buffer.from(data.subarray(p + 12, p + 12 + key.length)))) continue;
    const statusAt = p + 12 + key.length;
    if (data[statusAt] !== 0xff) continue;
    const valueLen = (data[p + 2] << 8) | data[p + 3];
    const seq = ((data[p + 4] << 24) | (data[p + 5] << 16) | (data[p + 6] << 8) | data[p + 7]) >>> 0;
    return { seq, value: data.slice(statusAt + 1, statusAt + 1 + valueLen) };
  }
  throw new Error(`no live record ${name}`);
}

function openWithOpenSsl(value: Uint8Array, seq: number, name: string): Buffer {
  const key = Buffer.from(hkdfSync('sha256', SECRET, Buffer.from('xs-lwm2m/store/v1'), Buffer.from(PURPOSE), 16));
  const seqBytes = Buffer.from([seq >>> 24, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff]);
  const nonce = Buffer.concat([Buffer.from(value.subarray(0, 8)), seqBytes]);
  const nameBytes = Buffer.from(name);
  const aad = Buffer.concat([Buffer.from(PURPOSE), Buffer.from([0, nameBytes.length]), nameBytes, seqBytes]);
  const body = value.subarray(8, value.length - 16);
  const d = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: 16 });
  d.setAuthTag(Buffer.from(value.subarray(value.length - 16)));
  d.setAAD(aad, { plaintextLength: body.length });
  return Buffer.concat([d.update(body), d.final()]);
}

describe('store: sealed records opened by OpenSSL (node:crypto)', () => {
  it('a KeyStore record decrypts with the documented key derivation, nonce and additional data', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const ks = new KeyStore(new SimHost({ seed: 3, deviceSecret: SECRET }), flash);
    const psk = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
    ks.put('psk/1', psk);
    ks.put('psk/2', new Uint8Array(32).fill(5));
    const r = findLive(flash.data, 'psk/1');
    assert.deepEqual(new Uint8Array(openWithOpenSsl(r.value, r.seq, 'psk/1')), psk);
    const r2 = findLive(flash.data, 'psk/2');
    assert.deepEqual(new Uint8Array(openWithOpenSsl(r2.value, r2.seq, 'psk/2')), new Uint8Array(32).fill(5));
  });
  it('the same bytes do not open under another record name or sequence number', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    new KeyStore(new SimHost({ seed: 4, deviceSecret: SECRET }), flash).put('psk/1', new Uint8Array(16).fill(1));
    const r = findLive(flash.data, 'psk/1');
    assert.throws(() => openWithOpenSsl(r.value, r.seq, 'psk/2'));
    assert.throws(() => openWithOpenSsl(r.value, r.seq + 1, 'psk/1'));
  });
});
