// Software 3DES (./tdes) is not re-exported: only secured SMS needs it, and a barrel that carried it would
// load its tables into every DTLS or store user. Import '../crypto/tdes' where 3DES is used.
export type { BlockCipher, CryptoProvider, P256, P256KeyPair } from './provider';
export { CryptoError, type CryptoErrorCode } from './errors';
export { cbcEncrypt, cbcDecrypt, cbcMac } from './cbc';
export { cmacWith } from './cmac';
export { ccmSeal, ccmOpen } from './ccm';
export { tls12Prf, hkdf, hkdfExtract, hkdfExpand } from './kdf';

import type { CryptoProvider } from './provider';
import { cmacWith } from './cmac';
import { CryptoError } from './errors';

/** AES-CMAC (RFC 4493): `aesCmac(crypto, key, message)` — key first, unlike noble's `cmac(message, key)`. */
export function aesCmac(crypto: CryptoProvider, key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new CryptoError('bad-key-length', `AES-CMAC key must be 16, 24 or 32 bytes, got ${key.length}`);
  const aes = crypto.aes(key);
  try {
    return cmacWith(aes, message);
  } finally {
    aes.dispose();
  }
}
