// XS side of the crypto benchmark: the same operations as bench/crypto.bench.ts.
import { nobleCrypto as crypto } from '../modules/crypto/noble';
import { ccmSeal, aesCmac } from '../modules/crypto/index';

const key = new Uint8Array(16).map((_, i) => i);
const nonce = new Uint8Array(12).map((_, i) => 0xa0 + i);
const aad = new Uint8Array(13).map((_, i) => i * 3);
const record = new Uint8Array(64).map((_, i) => i * 7);
const sms = new Uint8Array(140).map((_, i) => i * 5);
const aes = crypto.aes(key);

(globalThis as any).benchCases = {
  'ccm8-seal-64B': () => ccmSeal(aes, nonce, aad, record, 8),
  'aes-cmac-140B': () => aesCmac(crypto, key, sms),
};
