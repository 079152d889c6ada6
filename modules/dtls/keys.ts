/**
 * Key schedule of TLS 1.2 as DTLS 1.2 uses it: PSK premaster secrets (RFC 4279 §2, RFC 5489 §2),
 * master secret (RFC 5246 §8.1) or extended master secret (RFC 7627 §4), key block (§6.3) and
 * Finished verify_data (§7.4.9), all on the SHA-256 PRF.
 */
import { ByteWriter, concat } from '../bytes/index';
import { tls12Prf } from '../crypto/index';
import type { CryptoProvider } from '../crypto/provider';

/** uint16 N | other_secret (N zeros for plain PSK) | uint16 len(psk) | psk. */
export function pskPremasterSecret(psk: Uint8Array, otherSecret?: Uint8Array): Uint8Array {
  const other = otherSecret ?? new Uint8Array(psk.length);
  const w = new ByteWriter(4 + other.length + psk.length);
  w.vector(2, other).vector(2, psk);
  const out = w.toBytes();
  w.wipe();
  return out;
}

export function masterSecret(crypto: CryptoProvider, premaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
  return tls12Prf(crypto, premaster, 'master secret', concat(clientRandom, serverRandom), 48);
}

/** RFC 7627: session_hash is the hash of the handshake messages up to and including ClientKeyExchange. */
export function extendedMasterSecret(crypto: CryptoProvider, premaster: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return tls12Prf(crypto, premaster, 'extended master secret', sessionHash, 48);
}

export function keyBlock(crypto: CryptoProvider, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, length: number): Uint8Array {
  return tls12Prf(crypto, master, 'key expansion', concat(serverRandom, clientRandom), length);
}

export function verifyData(crypto: CryptoProvider, master: Uint8Array, label: 'client finished' | 'server finished', handshakeHash: Uint8Array): Uint8Array {
  return tls12Prf(crypto, master, label, handshakeHash, 12);
}
