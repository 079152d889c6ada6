/**
 * ETSI TS 102 225 §5.1 command packets and §5.2 response packets (PoR), carried in SMS as
 * 3GPP TS 31.115 §4 describes: user data `02 70 00 <command packet>` and `02 71 00 <response packet>`.
 *
 * Supported: CC with AES-CMAC (first 8 octets) or 3-key 3DES CBC-MAC, RC with CRC-32, ciphering with
 * AES-CBC or 3-key 3DES-CBC (IV = 0), all four counter modes (the receiver's rules are in `checkCounter`).
 * Refused: DS, RC with CRC-16, single DES, 2-key 3DES, proprietary and implicit algorithms.
 */
import { ByteReader, constantTimeEqual, wipe } from '../bytes/index';
import { cbcDecrypt, cbcEncrypt, cbcMac, cmacWith } from '../crypto/index';
import { tdesKeyStrength } from '../crypto/tdes';
import type { BlockCipher, CryptoProvider } from '../crypto/provider';
import { SecuredPacketError, type SecuredPacketReason } from './errors';
import { crc32 } from './crc';
import { decodeUdh, hasPacketIdentifier, IEI } from './udh';

/** spi = SPI1 << 8 | SPI2. */
export interface SecuredHeader {
  spi: number;
  kic: number;
  kid: number;
  tar: Uint8Array;
  counter: bigint;
}

export interface SmsKeys {
  kic: Uint8Array;
  kid: Uint8Array;
}

export interface ResponseFields {
  spi: number;
  kic: number;
  kid: number;
  tar: Uint8Array;
  counter: bigint;
  status: number;
}

/** §5.1.1 SPI1 bits. */
export const SPI1 = {
  integrityMask: 0x03, // b2b1: 00 none, 01 RC, 10 CC, 11 DS
  rc: 0x01,
  cc: 0x02,
  ds: 0x03,
  ciphering: 0x04, // b3
  counterMask: 0x18, // b5b4
  counterNoCheck: 0x08,
  counterHigher: 0x10,
  counterOneHigher: 0x18,
} as const;
Object.freeze(SPI1);

/** §5.1.1 SPI2 bits. */
export const SPI2 = {
  porMask: 0x03, // b2b1: 00 none, 01 required, 10 on error only
  porRequired: 0x01,
  porOnError: 0x02,
  porIntegrityMask: 0x0c, // b4b3: 00 none, 01 RC, 10 CC, 11 DS
  porCc: 0x08,
  porCiphered: 0x10, // b5
  porViaSubmit: 0x20, // b6
} as const;
Object.freeze(SPI2);

export type CounterMode = 'none' | 'no-check' | 'higher' | 'one-higher';
const COUNTER_MODES: CounterMode[] = ['none', 'no-check', 'higher', 'one-higher'];
Object.freeze(COUNTER_MODES);

export function counterMode(spi: number): CounterMode {
  return COUNTER_MODES[((spi >> 8) & SPI1.counterMask) >> 3];
}

/** The largest 5-octet counter; a receiver whose counter has reached it is blocked (status 04). */
export const COUNTER_MAX = (1n << 40n) - 1n;
/** The length of the cryptographic checksum for both AES-CMAC and 3DES CBC-MAC. */
export const CC_LENGTH = 8;
/** The length of the CRC-32 redundancy check. */
export const RC_LENGTH = 4;
/** Command header after CPL up to and including TAR: CHL SPI KIc KID TAR. */
const COMMAND_FIXED = 1 + 2 + 1 + 1 + 3;

/**
 * The receiving entity's counter rule (§5.1.1 SPI1 b5b4, status codes of §5.2). `last` is the
 * highest counter accepted so far (null if none). Returns null when the counter is acceptable.
 */
export function checkCounter(mode: CounterMode, last: bigint | null, received: bigint): SecuredPacketReason | null {
  if (mode === 'none' || mode === 'no-check') return null;
  const prev = last ?? -1n;
  if (prev >= COUNTER_MAX) return 'counter-blocked';
  if (received <= prev) return 'counter-low';
  if (mode === 'one-higher' && received !== prev + 1n) return 'counter-high';
  return null;
}

type Algorithm = 'aes' | 'tdes3';

/**
 * §5.1.2 / §5.1.3 KIc and KID coding: b2b1 01 DES family (b4b3 10 = 3-key 3DES), 10 AES (b4b3 00 =
 * CBC for KIc, CMAC for KID). Everything weaker is refused as an insufficient security level.
 */
function algorithmOf(code: number, what: 'KIc' | 'KID'): Algorithm {
  const family = code & 3;
  const mode = (code >> 2) & 3;
  if (family === 2) {
    if (mode !== 0) throw new SecuredPacketError('security-error', `${what} names a reserved AES mode`);
    return 'aes';
  }
  if (family === 1) {
    if (mode === 2) return 'tdes3';
    throw new SecuredPacketError('insufficient-security', `${what} names single DES or 2-key 3DES, which are not allowed`);
  }
  throw new SecuredPacketError('security-error', `${what} names an implicit or proprietary algorithm, which is not supported`);
}

function makeCipher(alg: Algorithm, key: Uint8Array, crypto: CryptoProvider, what: 'KIc' | 'KID'): BlockCipher {
  if (alg === 'aes') {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new SecuredPacketError('security-error', `${what} key has the wrong length for AES`);
    return crypto.aes(key);
  }
  if (key.length !== 24 || tdesKeyStrength(key) !== 'three-key') throw new SecuredPacketError('insufficient-security', `${what} key is not a 3-key 3DES key`);
  return crypto.tdes(key);
}

function blockSizeOf(alg: Algorithm): number {
  return alg === 'aes' ? 16 : 8;
}

/**
 * The RC/CC over `input`: for RC (`ccLen` 4) the CRC-32, big-endian; for CC the first 8 octets of
 * AES-CMAC, or the 3DES CBC-MAC (zero padded, IV 0; one 8-octet block).
 */
function computeCc(kid: number, key: Uint8Array, crypto: CryptoProvider, input: Uint8Array, ccLen: number = CC_LENGTH): Uint8Array {
  if (ccLen === RC_LENGTH) {
    const c = crc32(input);
    return Uint8Array.of(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff);
  }
  const alg = algorithmOf(kid, 'KID');
  const cipher = makeCipher(alg, key, crypto, 'KID');
  try {
    const full = alg === 'aes' ? cmacWith(cipher, input) : cbcMac(cipher, input);
    const cc = full.slice(0, CC_LENGTH);
    wipe(full);
    return cc;
  } finally {
    cipher.dispose();
  }
}

/** §5.1.3.2 KID for RC: b2b1 01 = CRC, b4b3 00 = CRC-16 (not supported here), 01 = CRC-32. */
function integrityLength(bits: number, kid: number, forResponse: boolean): number {
  if (bits === 0) return 0;
  if (bits === 2) return CC_LENGTH;
  const what = forResponse ? 'PoR ' : '';
  if (bits === 1) {
    if ((kid & 0x0f) === 0x05) return RC_LENGTH;
    throw new SecuredPacketError('security-error', `${what}redundancy check other than CRC-32 is not supported`);
  }
  throw new SecuredPacketError('security-error', `${what}digital signature (DS) is not supported`);
}

function checkTar(tar: Uint8Array): void {
  if (!(tar instanceof Uint8Array) || tar.length !== 3) throw new SecuredPacketError('tar-unknown', 'TAR must be 3 octets');
}

function writeCounter(out: Uint8Array, at: number, counter: bigint): void {
  if (typeof counter !== 'bigint' || counter < 0n || counter > COUNTER_MAX) throw new SecuredPacketError('counter-blocked', 'counter does not fit 5 octets');
  let c = counter;
  for (let i = 4; i >= 0; i--) {
    out[at + i] = Number(c & 0xffn);
    c >>= 8n;
  }
}

function readCounter(b: Uint8Array, at: number): bigint {
  let c = 0n;
  for (let i = 0; i < 5; i++) c = (c << 8n) | BigInt(b[at + i]);
  return c;
}

function cipherInPlace(kic: number, key: Uint8Array, crypto: CryptoProvider, buf: Uint8Array, from: number, decrypt: boolean): void {
  const cipher = makeCipher(algorithmOf(kic, 'KIc'), key, crypto, 'KIc');
  try {
    const part = buf.subarray(from);
    const iv = new Uint8Array(cipher.blockSize);
    const out = decrypt ? cbcDecrypt(cipher, iv, part) : cbcEncrypt(cipher, iv, part);
    part.set(out);
    wipe(out);
  } finally {
    cipher.dispose();
  }
}

/** Padding so that `len` octets fill whole cipher blocks (§5.1.1 PCNTR). */
function padFor(kic: number, len: number): number {
  const bs = blockSizeOf(algorithmOf(kic, 'KIc'));
  return (bs - (len % bs)) % bs;
}

/** Rethrows anything that is not already a SecuredPacketError as one, so decoders keep their contract. */
function asPacketError(e: unknown): SecuredPacketError {
  if (e instanceof SecuredPacketError) return e;
  return new SecuredPacketError('security-error', `secured packet rejected (${e instanceof Error ? e.name : 'error'})`);
}

const fmt = (m: string) => new SecuredPacketError('security-error', m);

/** Command packet → SMS user data `02 70 00 CPL CHL SPI KIc KID TAR [CNTR PCNTR CC data padding]`. */
export function encodeCommandPacket(h: SecuredHeader, data: Uint8Array, keys: SmsKeys, crypto: CryptoProvider): Uint8Array {
  const spi1 = (h.spi >> 8) & 0xff;
  checkTar(h.tar);
  const ccLen = integrityLength(spi1 & SPI1.integrityMask, h.kid, false);
  const ciphered = (spi1 & SPI1.ciphering) !== 0;
  const securedLen = 5 + 1 + ccLen + data.length; // CNTR PCNTR CC data
  const pad = ciphered ? padFor(h.kic, securedLen) : 0;
  const chl = 13 + ccLen;
  const cpl = 1 + chl + data.length + pad;
  if (cpl > 0xffff) throw new SecuredPacketError('insufficient-memory', 'command packet longer than 65535 octets');
  const out = new Uint8Array(3 + 2 + cpl);
  out.set([0x02, IEI.commandPacket, 0x00, cpl >> 8, cpl & 0xff, chl, h.spi >> 8, h.spi & 0xff, h.kic & 0xff, h.kid & 0xff]);
  out.set(h.tar, 10);
  const cntrAt = 13;
  writeCounter(out, cntrAt, h.counter);
  out[cntrAt + 5] = pad;
  const ccAt = cntrAt + 6;
  out.set(data, ccAt + ccLen);
  if (ccLen) {
    // §5.1.1: CC over CPL..PCNTR followed by the secured data and padding; the 02 70 00 header is not included
    const input = new Uint8Array(cpl + 2 - ccLen);
    input.set(out.subarray(3, ccAt));
    input.set(out.subarray(ccAt + ccLen), ccAt - 3);
    const cc = computeCc(h.kid, keys.kid, crypto, input, ccLen);
    out.set(cc, ccAt);
    wipe(cc, input);
  }
  if (ciphered) cipherInPlace(h.kic, keys.kic, crypto, out, cntrAt, false);
  return out;
}

/** Parses and verifies a command packet. Throws only SecuredPacketError; never releases unverified data. */
export function decodeCommandPacket(userData: Uint8Array, keys: SmsKeys, crypto: CryptoProvider): { header: SecuredHeader; data: Uint8Array } {
  let plain: Uint8Array | null = null;
  try {
    const { udh, length: udhLen } = decodeUdh(userData);
    if (!hasPacketIdentifier(udh, IEI.commandPacket)) throw fmt('user data does not announce a command packet (IE 70)');
    const r = new ByteReader(userData.subarray(udhLen), fmt);
    const cpl = r.u16('CPL');
    if (cpl !== r.remaining) throw fmt(`CPL ${cpl} does not match the ${r.remaining} octets present`);
    const chl = r.u8('CHL');
    const spi = r.u16('SPI');
    const kic = r.u8('KIc');
    const kid = r.u8('KID');
    const tar = r.bytes(3, 'TAR').slice();
    const spi1 = spi >> 8;
    const ccLen = integrityLength(spi1 & SPI1.integrityMask, kid, false);
    if (chl !== 13 + ccLen) throw fmt(`CHL ${chl} does not match the SPI (expected ${13 + ccLen})`);
    const ciphered = (spi1 & SPI1.ciphering) !== 0;
    // work on a private copy: the decrypted bytes are secret and must not land in the caller's buffer
    plain = userData.slice(udhLen);
    const secAt = 2 + COMMAND_FIXED; // CNTR after CPL CHL SPI KIc KID TAR
    if (plain.length - secAt < 6 + ccLen) throw fmt('command packet shorter than its header');
    if (ciphered) {
      const bs = blockSizeOf(algorithmOf(kic, 'KIc'));
      if ((plain.length - secAt) % bs !== 0) throw new SecuredPacketError('ciphering-error', 'ciphered part is not a whole number of blocks');
      cipherInPlace(kic, keys.kic, crypto, plain, secAt, true);
    }
    const counter = readCounter(plain, secAt);
    const pcntr = plain[secAt + 5];
    const dataAt = secAt + 6 + ccLen;
    const dataLen = plain.length - dataAt;
    if (pcntr > dataLen || (ciphered && pcntr >= blockSizeOf(algorithmOf(kic, 'KIc'))) || (!ciphered && pcntr !== 0)) {
      throw new SecuredPacketError(ciphered ? 'ciphering-error' : 'security-error', `PCNTR ${pcntr} is not consistent with the packet`);
    }
    if (ccLen) {
      const input = new Uint8Array(plain.length - ccLen);
      input.set(plain.subarray(0, secAt + 6));
      input.set(plain.subarray(dataAt), secAt + 6);
      const cc = computeCc(kid, keys.kid, crypto, input, ccLen);
      const ok = constantTimeEqual(cc, plain.subarray(secAt + 6, dataAt));
      wipe(cc, input);
      if (!ok) throw new SecuredPacketError('rc-cc-ds-failed', 'cryptographic checksum does not match');
    }
    const data = plain.slice(dataAt, plain.length - pcntr);
    return { header: { spi, kic, kid, tar, counter }, data };
  } catch (e) {
    throw asPacketError(e);
  } finally {
    wipe(plain);
  }
}

/** Response packet (PoR) → SMS user data `02 71 00 RPL RHL TAR [CNTR PCNTR STATUS CC data padding]`. */
export function encodeResponsePacket(r: ResponseFields, data: Uint8Array, keys: SmsKeys, crypto: CryptoProvider): Uint8Array {
  const spi2 = r.spi & 0xff;
  checkTar(r.tar);
  if (!Number.isInteger(r.status) || r.status < 0 || r.status > 0xff) throw new SecuredPacketError('security-error', 'status must be one octet');
  const ccLen = integrityLength((spi2 & SPI2.porIntegrityMask) >> 2, r.kid, true);
  const ciphered = (spi2 & SPI2.porCiphered) !== 0;
  const securedLen = 5 + 1 + 1 + ccLen + data.length; // CNTR PCNTR STATUS CC data
  const pad = ciphered ? padFor(r.kic, securedLen) : 0;
  const rhl = 10 + ccLen;
  const rpl = 1 + rhl + data.length + pad;
  if (rpl > 0xffff) throw new SecuredPacketError('insufficient-memory', 'response packet longer than 65535 octets');
  const out = new Uint8Array(3 + 2 + rpl);
  out.set([0x02, IEI.responsePacket, 0x00, rpl >> 8, rpl & 0xff, rhl]);
  out.set(r.tar, 6);
  const cntrAt = 9;
  writeCounter(out, cntrAt, r.counter);
  out[cntrAt + 5] = pad;
  out[cntrAt + 6] = r.status;
  const ccAt = cntrAt + 7;
  out.set(data, ccAt + ccLen);
  if (ccLen) {
    // TS 31.115 §4.2: the response CC covers the UDH (02 71 00) as well
    const input = new Uint8Array(out.length - ccLen);
    input.set(out.subarray(0, ccAt));
    input.set(out.subarray(ccAt + ccLen), ccAt);
    const cc = computeCc(r.kid, keys.kid, crypto, input, ccLen);
    out.set(cc, ccAt);
    wipe(cc, input);
  }
  if (ciphered) cipherInPlace(r.kic, keys.kic, crypto, out, cntrAt, false);
  return out;
}

/** Parses and verifies a PoR for a command sent with `spi`, `kic`, `kid`. Throws only SecuredPacketError. */
export function decodeResponsePacket(
  userData: Uint8Array, spi: number, kic: number, kid: number, keys: SmsKeys, crypto: CryptoProvider,
): { tar: Uint8Array; counter: bigint; status: number; data: Uint8Array } {
  let plain: Uint8Array | null = null;
  try {
    const { udh, length: udhLen } = decodeUdh(userData);
    if (!hasPacketIdentifier(udh, IEI.responsePacket)) throw fmt('user data does not announce a response packet (IE 71)');
    const r = new ByteReader(userData.subarray(udhLen), fmt);
    const rpl = r.u16('RPL');
    if (rpl !== r.remaining) throw fmt(`RPL ${rpl} does not match the ${r.remaining} octets present`);
    const rhl = r.u8('RHL');
    const spi2 = spi & 0xff;
    const ccLen = integrityLength((spi2 & SPI2.porIntegrityMask) >> 2, kid, true);
    if (rhl !== 10 + ccLen) throw fmt(`RHL ${rhl} does not match the SPI (expected ${10 + ccLen})`);
    const ciphered = (spi2 & SPI2.porCiphered) !== 0;
    plain = userData.slice();
    const secAt = udhLen + 2 + 1 + 3; // CNTR after UDH RPL RHL TAR
    if (plain.length - secAt < 7 + ccLen) throw fmt('response packet shorter than its header');
    if (ciphered) {
      const bs = blockSizeOf(algorithmOf(kic, 'KIc'));
      if ((plain.length - secAt) % bs !== 0) throw new SecuredPacketError('ciphering-error', 'ciphered part is not a whole number of blocks');
      cipherInPlace(kic, keys.kic, crypto, plain, secAt, true);
    }
    const tar = plain.slice(secAt - 3, secAt);
    const counter = readCounter(plain, secAt);
    const pcntr = plain[secAt + 5];
    const status = plain[secAt + 6];
    const ccAt = secAt + 7;
    const dataAt = ccAt + ccLen;
    const dataLen = plain.length - dataAt;
    if (pcntr > dataLen || (ciphered && pcntr >= blockSizeOf(algorithmOf(kic, 'KIc'))) || (!ciphered && pcntr !== 0)) {
      throw new SecuredPacketError(ciphered ? 'ciphering-error' : 'security-error', `PCNTR ${pcntr} is not consistent with the packet`);
    }
    if (ccLen) {
      const input = new Uint8Array(plain.length - ccLen);
      input.set(plain.subarray(0, ccAt));
      input.set(plain.subarray(dataAt), ccAt);
      const cc = computeCc(kid, keys.kid, crypto, input, ccLen);
      const ok = constantTimeEqual(cc, plain.subarray(ccAt, dataAt));
      wipe(cc, input);
      if (!ok) throw new SecuredPacketError('rc-cc-ds-failed', 'cryptographic checksum does not match');
    }
    return { tar, counter, status, data: plain.slice(dataAt, plain.length - pcntr) };
  } catch (e) {
    throw asPacketError(e);
  } finally {
    wipe(plain);
  }
}

/** Octets a command packet adds around `dataLength` octets of data, UDH included. */
export function commandOverhead(spi: number, kic: number, dataLength: number, kid = kic): number {
  const spi1 = spi >> 8;
  const ccLen = integrityLength(spi1 & SPI1.integrityMask, kid, false);
  const pad = spi1 & SPI1.ciphering ? padFor(kic, 6 + ccLen + dataLength) : 0;
  return 3 + 2 + COMMAND_FIXED + 6 + ccLen + pad;
}

/**
 * The clear part of a command packet (SPI, KIc, KID, TAR) without touching keys, so a receiver can
 * refuse packets with unexpected parameters before spending any cryptography on them.
 */
export function peekCommandHeader(userData: Uint8Array): { spi: number; kic: number; kid: number; tar: Uint8Array } {
  try {
    const { udh, length } = decodeUdh(userData);
    if (!hasPacketIdentifier(udh, IEI.commandPacket)) throw fmt('user data does not announce a command packet (IE 70)');
    const r = new ByteReader(userData.subarray(length), fmt);
    r.u16('CPL');
    r.u8('CHL');
    const spi = r.u16('SPI');
    const kic = r.u8('KIc');
    const kid = r.u8('KID');
    return { spi, kic, kid, tar: r.bytes(3, 'TAR').slice() };
  } catch (e) {
    throw asPacketError(e);
  }
}
