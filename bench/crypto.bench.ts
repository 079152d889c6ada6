// Crypto cost: CCM-8 sealing of a 64-byte record (a DTLS record) and AES-CMAC over 140 bytes (one SMS).
import { nobleCrypto as crypto } from '../modules/crypto/noble';
import { ccmSeal, aesCmac } from '../modules/crypto/index';
import { nodeOpsPerSec, table, xsMeters } from './harness';

const key = new Uint8Array(16).map((_, i) => i);
const nonce = new Uint8Array(12).map((_, i) => 0xa0 + i);
const aad = new Uint8Array(13).map((_, i) => i * 3);
const record = new Uint8Array(64).map((_, i) => i * 7);
const sms = new Uint8Array(140).map((_, i) => i * 5);
const aes = crypto.aes(key);

const node = {
  'ccm8-seal-64B': nodeOpsPerSec(() => ccmSeal(aes, nonce, aad, record, 8)),
  'aes-cmac-140B': nodeOpsPerSec(() => aesCmac(crypto, key, sms)),
};
const xs = await xsMeters('bench/crypto.xs.ts', Object.keys(node));
table(
  'crypto (noble provider)',
  Object.keys(node).map((k) => ({
    operation: k,
    'node ops/s (median of 5)': Math.round(node[k as keyof typeof node]).toLocaleString('en-US'),
    'xs compute/op': xs[k].compute.toLocaleString('en-US'),
    'xs heap after (bytes)': xs[k].allocate.toLocaleString('en-US'),
  })),
);
