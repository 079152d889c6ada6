// XS side of the crypto benchmark: the same operations, on the same inputs, as bench/crypto.bench.ts.
import { nobleCrypto as crypto } from '../modules/crypto/noble';
import { ccmSeal, aesCmac, cbcEncrypt, tls12Prf } from '../modules/crypto/index';

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

(globalThis as any).benchCases = {
  'ccm8-seal-64B': () => ccmSeal(aes, nonce, aad, record, 8),
  'aes-cmac-140B': () => aesCmac(crypto, key, sms),
  '3des-cbc-140B': () => cbcEncrypt(tdes, tdesIv, smsPadded),
  'hmac-sha256-64B': () => crypto.hmacSha256(hmacKey, record),
  'tls-prf-48B': () => tls12Prf(crypto, record.subarray(0, 48), 'master secret', prfSeed, 48),
};
