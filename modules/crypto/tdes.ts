/**
 * DES and Triple DES (FIPS 46-3, NIST SP 800-67) block operations, for TS 102 225 secured packets with
 * 3-key 3DES. No JavaScript library we can run on XS ships DES, so this is ours, pinned by NIST
 * known-answer tests and cross-checked against OpenSSL. It is not constant-time: the S-box, IP/FP and
 * PC-2 lookups are indexed by key- and data-dependent values, as in most software DES (documented in
 * README.md). The FIPS tables are kept as small Uint8Arrays; the lookup tables are built from them on first use (10 KB of Uint32Array in all), which cut the XS cost
 * of a block and of a key schedule several times over the bit-by-bit form.
 */
import { CryptoError } from './errors';
import type { BlockCipher } from './provider';

// Permutations are listed 1-based as in FIPS 46-3.
const PC1 = Uint8Array.of(57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4);
const PC2 = Uint8Array.of(14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32);
const SHIFTS = Uint8Array.of(1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1);
const IP = Uint8Array.of(58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7);
const FP = Uint8Array.of(40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
  36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25);
// E (the expansion) is not tabulated: feistel() computes it with rotations, see there.
const P = Uint8Array.of(16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25);
// The eight S-boxes, 64 entries each, back to back.
const S = Uint8Array.of(
  14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
  4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
  15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
  0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
  10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
  13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
  7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
  10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
  2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
  4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
  12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
  9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
  4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
  1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
  13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
  7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11);

// S-box output already passed through P, for S-box g and 6-bit input x at T[g * 64 + x].
// One flat array: 2 KB, and one index computation per lookup.
function spTable(): Uint32Array {
  const t = new Uint32Array(8 * 64);
  for (let b = 0; b < 8; b++) {
    for (let x = 0; x < 64; x++) {
      const row = ((x & 0x20) >> 4) | (x & 1);
      const col = (x >> 1) & 0xf;
      const v = S[b * 64 + row * 16 + col];
      // place the 4 bits at positions 4b+1..4b+4 (1-based from the MSB), then apply P
      let pre = 0;
      for (let k = 0; k < 4; k++) if (v & (8 >> k)) pre |= 1 << (31 - (4 * b + k));
      let out = 0;
      for (let i = 0; i < 32; i++) if (pre & (1 << (32 - P[i]))) out |= 1 << (31 - i);
      t[b * 64 + x] = out >>> 0;
    }
  }
  return t;
}

function bit(hi: number, lo: number, pos: number): number {
  // pos is 1-based over a 64-bit value split in two 32-bit halves
  return pos <= 32 ? (hi >>> (32 - pos)) & 1 : (lo >>> (64 - pos)) & 1;
}

function permute64(hi: number, lo: number, table: Uint8Array): [number, number] {
  let oh = 0, ol = 0;
  for (let i = 0; i < 32; i++) oh |= bit(hi, lo, table[i]) << (31 - i);
  for (let i = 32; i < 64; i++) ol |= bit(hi, lo, table[i]) << (63 - i);
  return [oh >>> 0, ol >>> 0];
}

/**
 * PC-2 as lookup tables. Its first 24 output bits come only from C (positions 1..28) and the last 24
 * only from D (29..56), so each half maps through four 7-bit chunks: T[chunk * 128 + v] is the 24-bit
 * contribution of chunk value v. Built from the FIPS 46-3 table at load; 2 KB per half.
 */
function pc2Table(half: 0 | 1): Uint32Array {
  const t = new Uint32Array(4 * 128);
  for (let chunk = 0; chunk < 4; chunk++) {
    for (let v = 0; v < 128; v++) {
      let out = 0;
      for (let j = 0; j < 24; j++) {
        const p = PC2[half * 24 + j] - half * 28; // 1..28 within this half
        const idx = p - (7 * chunk + 1);
        if (idx >= 0 && idx < 7 && (v >> (6 - idx)) & 1) out |= 1 << (23 - j);
      }
      t[chunk * 128 + v] = out;
    }
  }
  return t;
}

function pc2Half(t: Uint32Array, x: number): number {
  return t[(x >>> 21) & 127] | t[128 + ((x >>> 14) & 127)] | t[256 + ((x >>> 7) & 127)] | t[384 + (x & 127)];
}

/** 16 round keys, each 48 bits as eight 6-bit groups. */
function keySchedule(key: Uint8Array, off: number): Uint8Array {
  const hi = ((key[off] << 24) | (key[off + 1] << 16) | (key[off + 2] << 8) | key[off + 3]) >>> 0;
  const lo = ((key[off + 4] << 24) | (key[off + 5] << 16) | (key[off + 6] << 8) | key[off + 7]) >>> 0;
  let c = 0, d = 0;
  for (let i = 0; i < 28; i++) c |= bit(hi, lo, PC1[i]) << (27 - i);
  for (let i = 28; i < 56; i++) d |= bit(hi, lo, PC1[i]) << (55 - i);
  const out = new Uint8Array(16 * 8);
  for (let r = 0; r < 16; r++) {
    // Left rotations of the 28-bit halves by 1 or 2 (FIPS 46-3 key schedule).
    const n = SHIFTS[r];
    c = ((c << n) | (c >>> (28 - n))) & 0x0fffffff;
    d = ((d << n) | (d >>> (28 - n))) & 0x0fffffff;
    const kc = pc2Half(PC2_C, c);
    const kd = pc2Half(PC2_D, d);
    for (let g = 0; g < 4; g++) {
      out[r * 8 + g] = (kc >>> (18 - 6 * g)) & 0x3f;
      out[r * 8 + 4 + g] = (kd >>> (18 - 6 * g)) & 0x3f;
    }
  }
  c = d = 0;
  return out;
}

/**
 * IP and FP (= IP^-1) as nibble tables built from the FIPS 46-3 tables above: for input nibble n
 * (0 = most significant) holding value v, T[(n * 16 + v) * 2] and T[... + 1] are the output halves.
 * 2 KB each, 16 lookups per permutation instead of 64 single-bit moves.
 */
function nibbleTable(table: Uint8Array): Uint32Array {
  const t = new Uint32Array(16 * 16 * 2);
  for (let n = 0; n < 16; n++) {
    for (let v = 0; v < 16; v++) {
      const hi = n < 8 ? (v << (28 - 4 * n)) >>> 0 : 0;
      const lo = n < 8 ? 0 : (v << (28 - 4 * (n - 8))) >>> 0;
      const [oh, ol] = permute64(hi, lo, table);
      t[(n * 16 + v) * 2] = oh;
      t[(n * 16 + v) * 2 + 1] = ol;
    }
  }
  return t;
}
// Built on first use, so an application that never meets a 3DES key never pays their 10 KB.
const NO_TABLE: Uint32Array = new Uint32Array(0);
let SP: Uint32Array = NO_TABLE, IP_T: Uint32Array = NO_TABLE, FP_T: Uint32Array = NO_TABLE, PC2_C: Uint32Array = NO_TABLE, PC2_D: Uint32Array = NO_TABLE;
function ensureTables(): void {
  if (SP !== NO_TABLE) return;
  SP = spTable();
  IP_T = nibbleTable(IP);
  FP_T = nibbleTable(FP);
  PC2_C = pc2Table(0);
  PC2_D = pc2Table(1);
}

// Results of permuteT and rounds: two words, kept in module state rather than returned as a fresh
// array on every block (allocation is what costs most on XS).
let outHi = 0;
let outLo = 0;

function permuteT(t: Uint32Array, hi: number, lo: number): void {
  let oh = 0, ol = 0;
  for (let n = 0; n < 8; n++) {
    const a = (n * 16 + ((hi >>> (28 - 4 * n)) & 15)) * 2;
    const b = ((n + 8) * 16 + ((lo >>> (28 - 4 * n)) & 15)) * 2;
    oh |= t[a] | t[b];
    ol |= t[a + 1] | t[b + 1];
  }
  outHi = oh >>> 0;
  outLo = ol >>> 0;
}

/**
 * f(R, K) of FIPS 46-3: E picks, for S-box g, bits 4g..4g+5 of R (1-based, wrapping 0 -> 32, 33 -> 1),
 * which is R rotated left by 4g - 1 and shifted down to its top 6 bits.
 */
function feistel(r: number, ks: Uint8Array, o: number): number {
  return (
    SP[(((r >>> 1) | (r << 31)) >>> 26) ^ ks[o]] |
    SP[64 + ((((r << 3) | (r >>> 29)) >>> 26) ^ ks[o + 1])] |
    SP[128 + ((((r << 7) | (r >>> 25)) >>> 26) ^ ks[o + 2])] |
    SP[192 + ((((r << 11) | (r >>> 21)) >>> 26) ^ ks[o + 3])] |
    SP[256 + ((((r << 15) | (r >>> 17)) >>> 26) ^ ks[o + 4])] |
    SP[320 + ((((r << 19) | (r >>> 13)) >>> 26) ^ ks[o + 5])] |
    SP[384 + ((((r << 23) | (r >>> 9)) >>> 26) ^ ks[o + 6])] |
    SP[448 + ((((r << 27) | (r >>> 5)) >>> 26) ^ ks[o + 7])]
  ) >>> 0;
}

/**
 * The 16 rounds of one DES operation on (L, R) after IP, including the final swap, leaving
 * (R16, L16) in outHi/outLo. Between the three operations of TDEA, FP and the next IP cancel
 * (SP 800-67 builds TDEA from whole DEA operations, and IP(FP(x)) = x), so they are skipped.
 */
function rounds(l: number, r: number, ks: Uint8Array, decrypt: boolean): void {
  for (let i = 0; i < 16; i++) {
    const t = r;
    r = (l ^ feistel(r, ks, (decrypt ? 15 - i : i) * 8)) >>> 0;
    l = t;
  }
  outHi = r;
  outLo = l;
}

export type TdesKeyStrength = 'single-des' | 'two-key' | 'three-key';

/** Classifies a 24-byte EDE key by which of its parts are equal (parity bits ignored). */
export function tdesKeyStrength(key: Uint8Array): TdesKeyStrength {
  if (key.length === 8) return 'single-des';
  if (key.length === 16) return 'two-key';
  if (key.length !== 24) throw new CryptoError('bad-key-length', `3DES key must be 24 bytes, got ${key.length}`);
  const eq = (a: number, b: number) => {
    for (let i = 0; i < 8; i++) if ((key[a + i] & 0xfe) !== (key[b + i] & 0xfe)) return false;
    return true;
  };
  if (eq(0, 8) || eq(8, 16)) return 'single-des';
  if (eq(0, 16)) return 'two-key';
  return 'three-key';
}

class TripleDes implements BlockCipher {
  readonly blockSize = 8;
  private k1: Uint8Array;
  private k2: Uint8Array;
  private k3: Uint8Array;
  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.length !== 24) throw new CryptoError('bad-key-length', `3DES key must be 24 bytes (K1 || K2 || K3), got ${key?.length}`);
    ensureTables();
    this.k1 = keySchedule(key, 0);
    this.k2 = keySchedule(key, 8);
    this.k3 = keySchedule(key, 16);
  }
  private disposed = false;
  private run(input: Uint8Array, output: Uint8Array, inOff: number, outOff: number, decrypt: boolean): void {
    // A disposed cipher has all-zero round keys: refusing to run beats encrypting under a known key.
    if (this.disposed) throw new CryptoError('bad-argument', '3DES cipher used after dispose()');
    const hi = ((input[inOff] << 24) | (input[inOff + 1] << 16) | (input[inOff + 2] << 8) | input[inOff + 3]) >>> 0;
    const lo = ((input[inOff + 4] << 24) | (input[inOff + 5] << 16) | (input[inOff + 6] << 8) | input[inOff + 7]) >>> 0;
    permuteT(IP_T, hi, lo);
    // EDE: E(K1) D(K2) E(K3) to encrypt, D(K3) E(K2) D(K1) to decrypt.
    if (!decrypt) {
      rounds(outHi, outLo, this.k1, false);
      rounds(outHi, outLo, this.k2, true);
      rounds(outHi, outLo, this.k3, false);
    } else {
      rounds(outHi, outLo, this.k3, true);
      rounds(outHi, outLo, this.k2, false);
      rounds(outHi, outLo, this.k1, true);
    }
    permuteT(FP_T, outHi, outLo);
    const oh = outHi, ol = outLo;
    outHi = outLo = 0;
    output[outOff] = oh >>> 24; output[outOff + 1] = oh >>> 16; output[outOff + 2] = oh >>> 8; output[outOff + 3] = oh;
    output[outOff + 4] = ol >>> 24; output[outOff + 5] = ol >>> 16; output[outOff + 6] = ol >>> 8; output[outOff + 7] = ol;
  }
  encryptBlock(input: Uint8Array, output: Uint8Array, inOff = 0, outOff = 0): void {
    this.run(input, output, inOff, outOff, false);
  }
  decryptBlock(input: Uint8Array, output: Uint8Array, inOff = 0, outOff = 0): void {
    this.run(input, output, inOff, outOff, true);
  }
  dispose(): void {
    this.disposed = true;
    this.k1.fill(0);
    this.k2.fill(0);
    this.k3.fill(0);
  }
}

export function createTdes(key: Uint8Array): BlockCipher {
  return new TripleDes(key);
}
