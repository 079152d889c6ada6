// Crypto cost: CCM-8 sealing of a 64-byte record (a DTLS record), AES-CMAC over 140 bytes (one SMS),
// 3DES-CBC over 140 bytes (zero-padded to 144, as TS 102 225 pads), HMAC-SHA256 over
// 64 bytes and a 48-byte TLS 1.2 PRF output (a master secret). Inputs match bench/crypto.xs.ts.
// For context, node:crypto's native (OpenSSL) AES-128-CCM-8 on the same record.
import { createCipheriv } from 'node:crypto';
import { nobleCrypto as crypto } from '../modules/crypto/noble';
import { ccmSeal, aesCmac, cbcEncrypt, tls12Prf } from '../modules/crypto/index';
import { nodeOpsPerSec, table, xsMeters } from './harness';

const key = new Uint8Array(16).map((_, i) => i);
const nonce = new Uint8Array(12).map((_, i) => 0xa0 + i);
const aad = new Uint8Array(13).map((_, i) => i * 3);
const record = new Uint8Array(64).map((_, i) => i * 7);
const sms = new Uint8Array(140).map((_, i) => i * 5);
const tdesKey = new Uint8Array(24).map((_, i) => 0x11 * (i % 8) + i);
const tdesIv = new Uint8Array(8);
const hmacKey = new Uint8Array(32).map((_, i) => 0x40 + i);
const prfSeed = new Uint8Array(64).map((_, i) => i ^ 0x5c);
const aes = crypto.aes(key);
const tdes = crypto.tdes(tdesKey);
// TS 102 225 zero-pads to the cipher's block: 140 bytes become 18 blocks of 8.
const smsPadded = new Uint8Array(144);
smsPadded.set(sms);

const node = {
  'ccm8-seal-64B': nodeOpsPerSec(() => ccmSeal(aes, nonce, aad, record, 8)),
  'aes-cmac-140B': nodeOpsPerSec(() => aesCmac(crypto, key, sms)),
  '3des-cbc-140B': nodeOpsPerSec(() => cbcEncrypt(tdes, tdesIv, smsPadded)),
  'hmac-sha256-64B': nodeOpsPerSec(() => crypto.hmacSha256(hmacKey, record)),
  'tls-prf-48B': nodeOpsPerSec(() => tls12Prf(crypto, record.subarray(0, 48), 'master secret', prfSeed, 48)),
};

// The same CCM-8 seal through OpenSSL, so the JavaScript figure has a native yardstick.
function opensslCcm8(): Uint8Array {
  const c = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: 8 });
  c.setAAD(aad, { plaintextLength: record.length });
  const ct = c.update(record);
  c.final();
  return Buffer.concat([ct, c.getAuthTag()]);
}
if (Buffer.compare(Buffer.from(opensslCcm8()), Buffer.from(ccmSeal(aes, nonce, aad, record, 8))) !== 0) {
  throw new Error('bench inputs: OpenSSL and ccmSeal disagree');
}
const nativeCcm = nodeOpsPerSec(() => opensslCcm8());

const xs = await xsMeters('bench/crypto.xs.ts', Object.keys(node));
table(
  'crypto (noble provider)',
  Object.keys(node).map((k) => ({
    operation: k,
    'node ops/s (median of 5)': Math.round(node[k as keyof typeof node]).toLocaleString('en-US'),
    'node:crypto native ops/s': k === 'ccm8-seal-64B' ? Math.round(nativeCcm).toLocaleString('en-US') : '-',
    'xs compute/op': xs[k].compute.toLocaleString('en-US'),
    'xs live slots after gc': xs[k].slotsAfterGc.toLocaleString('en-US'),
  })),
);
