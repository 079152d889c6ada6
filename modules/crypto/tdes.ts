/**
 * DES and Triple DES (FIPS 46-3, NIST SP 800-67) block operations, for TS 102 225 secured packets with
 * 3-key 3DES. No JavaScript library we can run on XS ships DES, so this is ours, pinned by NIST
 * known-answer tests and cross-checked against OpenSSL. It is not constant-time with respect to the
 * S-box lookups (table indices depend on the key); that matches most software DES and is documented.
 */
import { CryptoError } from './errors';
import type { BlockCipher } from './provider';

// Permutations are listed 1-based as in FIPS 46-3.
const PC1 = [57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4];
const PC2 = [14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const IP = [58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7];
const FP = [40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
  36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25];
const E = [32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
  16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const S = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];

// Precomputed at module load: S-box output already passed through P, per S-box and 6-bit input.
const SP: Uint32Array[] = S.map((box, b) => {
  const t = new Uint32Array(64);
  for (let x = 0; x < 64; x++) {
    const row = ((x & 0x20) >> 4) | (x & 1);
    const col = (x >> 1) & 0xf;
    const v = box[row * 16 + col];
    // place the 4 bits at positions 4b+1..4b+4 (1-based from the MSB), then apply P
    let pre = 0;
    for (let k = 0; k < 4; k++) if (v & (8 >> k)) pre |= 1 << (31 - (4 * b + k));
    let out = 0;
    for (let i = 0; i < 32; i++) if (pre & (1 << (32 - P[i]))) out |= 1 << (31 - i);
    t[x] = out >>> 0;
  }
  return t;
});

function bit(hi: number, lo: number, pos: number): number {
  // pos is 1-based over a 64-bit value split in two 32-bit halves
  return pos <= 32 ? (hi >>> (32 - pos)) & 1 : (lo >>> (64 - pos)) & 1;
}

function permute64(hi: number, lo: number, table: number[]): [number, number] {
  let oh = 0, ol = 0;
  for (let i = 0; i < 32; i++) oh |= bit(hi, lo, table[i]) << (31 - i);
  for (let i = 32; i < 64; i++) ol |= bit(hi, lo, table[i]) << (63 - i);
  return [oh >>> 0, ol >>> 0];
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
    for (let s = 0; s < SHIFTS[r]; s++) {
      c = ((c << 1) | (c >>> 27)) & 0x0fffffff;
      d = ((d << 1) | (d >>> 27)) & 0x0fffffff;
    }
    for (let g = 0; g < 8; g++) {
      let v = 0;
      for (let k = 0; k < 6; k++) {
        const p = PC2[g * 6 + k];
        const b = p <= 28 ? (c >>> (28 - p)) & 1 : (d >>> (56 - p)) & 1;
        v = (v << 1) | b;
      }
      out[r * 8 + g] = v;
    }
  }
  return out;
}

function feistel(r: number, ks: Uint8Array, round: number): number {
  let out = 0;
  for (let g = 0; g < 8; g++) {
    let v = 0;
    for (let k = 0; k < 6; k++) v = (v << 1) | ((r >>> (32 - E[g * 6 + k])) & 1);
    out |= SP[g][v ^ ks[round * 8 + g]];
  }
  return out >>> 0;
}

function desBlock(hi: number, lo: number, ks: Uint8Array, decrypt: boolean): [number, number] {
  let [l, r] = permute64(hi, lo, IP);
  for (let i = 0; i < 16; i++) {
    const round = decrypt ? 15 - i : i;
    const t = r;
    r = (l ^ feistel(r, ks, round)) >>> 0;
    l = t;
  }
  return permute64(r, l, FP);
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
    this.k1 = keySchedule(key, 0);
    this.k2 = keySchedule(key, 8);
    this.k3 = keySchedule(key, 16);
  }
  private run(input: Uint8Array, output: Uint8Array, inOff: number, outOff: number, decrypt: boolean): void {
    let hi = ((input[inOff] << 24) | (input[inOff + 1] << 16) | (input[inOff + 2] << 8) | input[inOff + 3]) >>> 0;
    let lo = ((input[inOff + 4] << 24) | (input[inOff + 5] << 16) | (input[inOff + 6] << 8) | input[inOff + 7]) >>> 0;
    if (!decrypt) {
      [hi, lo] = desBlock(hi, lo, this.k1, false);
      [hi, lo] = desBlock(hi, lo, this.k2, true);
      [hi, lo] = desBlock(hi, lo, this.k3, false);
    } else {
      [hi, lo] = desBlock(hi, lo, this.k3, true);
      [hi, lo] = desBlock(hi, lo, this.k2, false);
      [hi, lo] = desBlock(hi, lo, this.k1, true);
    }
    output[outOff] = hi >>> 24; output[outOff + 1] = hi >>> 16; output[outOff + 2] = hi >>> 8; output[outOff + 3] = hi;
    output[outOff + 4] = lo >>> 24; output[outOff + 5] = lo >>> 16; output[outOff + 6] = lo >>> 8; output[outOff + 7] = lo;
  }
  encryptBlock(input: Uint8Array, output: Uint8Array, inOff = 0, outOff = 0): void {
    this.run(input, output, inOff, outOff, false);
  }
  decryptBlock(input: Uint8Array, output: Uint8Array, inOff = 0, outOff = 0): void {
    this.run(input, output, inOff, outOff, true);
  }
  dispose(): void {
    this.k1.fill(0);
    this.k2.fill(0);
    this.k3.fill(0);
  }
}

export function createTdes(key: Uint8Array): BlockCipher {
  return new TripleDes(key);
}
