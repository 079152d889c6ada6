/**
 * Cipher suites and their record protection.
 * - TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655): AEAD, nonce = 4-byte implicit IV || 8-byte explicit
 *   nonce (epoch || seq), AAD = seq_num(8) | type | version | length(plaintext); 8 + 8 bytes overhead.
 * - TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (RFC 7251): the same record protection as the PSK CCM_8 suite.
 * - TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 (RFC 5489): MAC-then-encrypt, HMAC-SHA256 over
 *   seq_num(8) | type | version | length | plaintext, explicit 16-byte IV, TLS padding (RFC 5246 §6.2.3.2).
 */
import { constantTimeEqual, wipe } from '../bytes/index';
import { ccmOpen, ccmSeal, cbcDecrypt, cbcEncrypt } from '../crypto/index';
import type { BlockCipher, CryptoProvider } from '../crypto/provider';
import { CipherSuiteId, DTLS12 } from './constants';

export type KeyExchange = 'psk' | 'ecdhe_psk' | 'ecdhe_ecdsa';

export interface RecordCipher {
  /** Bytes a record's fragment grows by at most (explicit nonce/IV, tag/MAC, padding). */
  readonly overhead: number;
  /** With `cid`, a tls12_cid record: `plaintext` is the DTLSInnerPlaintext and the RFC 9146 §5 additional data is used. */
  seal(type: number, epoch: number, seq: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array;
  /** The plaintext, or null when the record does not authenticate (the caller drops it silently). */
  open(type: number, epoch: number, seq: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null;
  /** Whether the suite protects tls12_cid records (the AEAD suites here). */
  readonly supportsCid: boolean;
  dispose(): void;
}

export interface CipherSuite {
  readonly id: CipherSuiteId;
  readonly name: string;
  readonly keyExchange: KeyExchange;
  readonly keyBlockLength: number;
  /** Splits the key block (RFC 5246 §6.3) into the write and read ciphers of one side. */
  ciphers(crypto: CryptoProvider, keyBlock: Uint8Array, isClient: boolean, random: (n: number) => Uint8Array): { write: RecordCipher; read: RecordCipher };
}

function writeSeqNum(out: Uint8Array, o: number, epoch: number, seq: number): void {
  out[o] = epoch >>> 8;
  out[o + 1] = epoch & 0xff;
  const hi = Math.floor(seq / 0x100000000);
  out[o + 2] = hi >>> 8;
  out[o + 3] = hi & 0xff;
  out[o + 4] = seq >>> 24;
  out[o + 5] = (seq >>> 16) & 0xff;
  out[o + 6] = (seq >>> 8) & 0xff;
  out[o + 7] = seq & 0xff;
}

/** seq_num(8) | type | version | length: the AEAD additional data and the MAC header (into `ad` when given). */
function pseudoHeader(epoch: number, seq: number, type: number, length: number, ad = new Uint8Array(13)): Uint8Array {
  writeSeqNum(ad, 0, epoch, seq);
  ad[8] = type;
  ad[9] = DTLS12 >>> 8;
  ad[10] = DTLS12 & 0xff;
  ad[11] = length >>> 8;
  ad[12] = length & 0xff;
  return ad;
}


/**
 * RFC 9146 §5 additional data of a tls12_cid record: seq_num_placeholder (8 × 0xff) | tls12_cid | cid_length |
 * tls12_cid | version | epoch | sequence_number | cid | length_of_DTLSInnerPlaintext.
 */
export function cidAdditionalData(epoch: number, seq: number, cid: Uint8Array, innerLength: number): Uint8Array {
  const ad = new Uint8Array(23 + cid.length);
  ad.fill(0xff, 0, 8);
  ad[8] = 25;
  ad[9] = cid.length;
  ad[10] = 25;
  ad[11] = DTLS12 >>> 8;
  ad[12] = DTLS12 & 0xff;
  writeSeqNum(ad, 13, epoch, seq);
  ad.set(cid, 21);
  ad[21 + cid.length] = innerLength >>> 8;
  ad[22 + cid.length] = innerLength & 0xff;
  return ad;
}

class Ccm8Cipher implements RecordCipher {
  readonly overhead = 16;
  readonly supportsCid = true;
  private readonly nonce = new Uint8Array(12);
  // The AAD, rebuilt for each record (all of it is on the wire). Per connection, not per module: a preloaded
  // module's buffers are read-only on a device.
  private readonly aad = new Uint8Array(13);
  constructor(
    private readonly aes: BlockCipher,
    salt: Uint8Array,
  ) {
    this.nonce.set(salt, 0);
  }
  seal(type: number, epoch: number, seq: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array {
    writeSeqNum(this.nonce, 4, epoch, seq);
    const ad = cid ? cidAdditionalData(epoch, seq, cid, plaintext.length) : pseudoHeader(epoch, seq, type, plaintext.length, this.aad);
    const sealed = ccmSeal(this.aes, this.nonce, ad, plaintext, 8);
    const out = new Uint8Array(8 + sealed.length);
    out.set(this.nonce.subarray(4), 0);
    out.set(sealed, 8);
    return out;
  }
  open(type: number, epoch: number, seq: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null {
    if (fragment.length < 16) return null;
    // The explicit nonce is the sender's choice; RFC 6655 has it equal epoch||seq but we use what it sent.
    this.nonce.set(fragment.subarray(0, 8), 4);
    const ad = cid ? cidAdditionalData(epoch, seq, cid, fragment.length - 16) : pseudoHeader(epoch, seq, type, fragment.length - 16, this.aad);
    try {
      return ccmOpen(this.aes, this.nonce, ad, fragment.subarray(8), 8);
    } catch {
      return null;
    }
  }
  dispose(): void {
    this.aes.dispose();
    this.nonce.fill(0);
  }
}

class CbcSha256Cipher implements RecordCipher {
  readonly overhead = 16 + 32 + 16;
  /** RFC 9146 §5 defines the MAC input for CBC too; not implemented here: CID is not negotiated with this suite. */
  readonly supportsCid = false;
  constructor(
    private readonly crypto: CryptoProvider,
    private readonly aes: BlockCipher,
    private readonly macKey: Uint8Array,
    private readonly random: (n: number) => Uint8Array,
  ) {}
  seal(type: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    const header = pseudoHeader(epoch, seq, type, plaintext.length);
    const macInput = new Uint8Array(13 + plaintext.length);
    macInput.set(header);
    macInput.set(plaintext, 13);
    const mac = this.crypto.hmacSha256(this.macKey, macInput);
    const n = plaintext.length + 32;
    const pad = 16 - ((n + 1) % 16 === 0 ? 16 : (n + 1) % 16);
    const body = new Uint8Array(n + pad + 1);
    body.set(plaintext);
    body.set(mac, plaintext.length);
    body.fill(pad, n);
    const iv = this.random(16);
    const ct = cbcEncrypt(this.aes, iv, body);
    body.fill(0);
    const out = new Uint8Array(16 + ct.length);
    out.set(iv);
    out.set(ct, 16);
    return out;
  }
  open(type: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array | null {
    if (fragment.length < 16 + 48 || fragment.length % 16 !== 0) return null;
    const body = cbcDecrypt(this.aes, fragment.subarray(0, 16), fragment.subarray(16));
    // Padding check without an early exit on the first bad byte (Lucky-13 style leaks stay small:
    // the MAC is always computed over the same length of data).
    const padLen = body[body.length - 1];
    let bad = padLen + 1 + 32 > body.length ? 1 : 0;
    const checkFrom = body.length - 1 - Math.min(255, body.length - 1);
    for (let i = body.length - 2; i >= checkFrom; i--) {
      const inPad = body.length - 1 - i <= padLen ? 1 : 0;
      bad |= inPad & (body[i] !== padLen ? 1 : 0);
    }
    const effectivePad = bad ? 0 : padLen;
    const ptLen = body.length - 1 - effectivePad - 32;
    const macInput = new Uint8Array(13 + ptLen);
    macInput.set(pseudoHeader(epoch, seq, type, ptLen));
    macInput.set(body.subarray(0, ptLen), 13);
    const mac = this.crypto.hmacSha256(this.macKey, macInput);
    const ok = constantTimeEqual(mac, body.subarray(ptLen, ptLen + 32));
    if (!ok || bad) {
      body.fill(0);
      return null;
    }
    const pt = body.slice(0, ptLen);
    body.fill(0);
    return pt;
  }
  dispose(): void {
    this.aes.dispose();
    wipe(this.macKey);
  }
}

export const PSK_AES128_CCM8: CipherSuite = {
  id: CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8,
  name: 'TLS_PSK_WITH_AES_128_CCM_8',
  keyExchange: 'psk',
  keyBlockLength: 40,
  ciphers(crypto, kb, isClient) {
    const cw = new Ccm8Cipher(crypto.aes(kb.subarray(0, 16)), kb.subarray(32, 36));
    const sw = new Ccm8Cipher(crypto.aes(kb.subarray(16, 32)), kb.subarray(36, 40));
    return isClient ? { write: cw, read: sw } : { write: sw, read: cw };
  },
};

/** RFC 7251 §2: the same CCM_8 record protection as RFC 6655, keys from an ECDHE_ECDSA exchange (RFC 8422). */
export const ECDHE_ECDSA_AES128_CCM8: CipherSuite = {
  id: CipherSuiteId.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
  name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8',
  keyExchange: 'ecdhe_ecdsa',
  keyBlockLength: 40,
  ciphers: PSK_AES128_CCM8.ciphers,
};

export const ECDHE_PSK_AES128_CBC_SHA256: CipherSuite = {
  id: CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
  name: 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256',
  keyExchange: 'ecdhe_psk',
  keyBlockLength: 96,
  ciphers(crypto, kb, isClient, random) {
    const cw = new CbcSha256Cipher(crypto, crypto.aes(kb.subarray(64, 80)), kb.slice(0, 32), random);
    const sw = new CbcSha256Cipher(crypto, crypto.aes(kb.subarray(80, 96)), kb.slice(32, 64), random);
    return isClient ? { write: cw, read: sw } : { write: sw, read: cw };
  },
};

export const SUITES: readonly CipherSuite[] = Object.freeze([PSK_AES128_CCM8, ECDHE_PSK_AES128_CBC_SHA256, ECDHE_ECDSA_AES128_CCM8]);
for (const suite of SUITES) Object.freeze(suite);

export function suiteById(id: number): CipherSuite | undefined {
  for (const s of SUITES) if (s.id === id) return s;
  return undefined;
}
