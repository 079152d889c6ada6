/** AES-CMAC (RFC 4493 / NIST SP 800-38B) over the provider's block cipher. */
import type { BlockCipher } from './provider';
import { CryptoError } from './errors';

function dbl(block: Uint8Array, rb: number): Uint8Array {
  const out = new Uint8Array(block.length);
  let carry = 0;
  for (let i = block.length - 1; i >= 0; i--) {
    const b = block[i];
    out[i] = ((b << 1) | carry) & 0xff;
    carry = b >> 7;
  }
  // Constant time: the reduction is applied by mask, not by branch.
  out[block.length - 1] ^= rb & -carry;
  return out;
}

/** CMAC with any block cipher (Rb 0x87 for 128-bit blocks, 0x1b for 64-bit ones). Returns the full block. */
export function cmacWith(cipher: BlockCipher, message: Uint8Array): Uint8Array {
  const bs = cipher.blockSize;
  const rb = bs === 16 ? 0x87 : bs === 8 ? 0x1b : -1;
  if (rb < 0) throw new CryptoError('bad-argument', `CMAC needs a 64 or 128-bit block cipher, got ${bs * 8}-bit`);
  const l = new Uint8Array(bs);
  cipher.encryptBlock(l, l);
  const k1 = dbl(l, rb);
  const k2 = dbl(k1, rb);
  const n = Math.max(1, Math.ceil(message.length / bs));
  const complete = message.length > 0 && message.length % bs === 0;
  const x = new Uint8Array(bs);
  for (let b = 0; b < n - 1; b++) {
    for (let i = 0; i < bs; i++) x[i] ^= message[b * bs + i];
    cipher.encryptBlock(x, x);
  }
  const lastStart = (n - 1) * bs;
  for (let i = 0; i < bs; i++) {
    const j = lastStart + i;
    let m: number;
    if (complete) m = message[j] ^ k1[i];
    else m = (j < message.length ? message[j] : j === message.length ? 0x80 : 0) ^ k2[i];
    x[i] ^= m;
  }
  cipher.encryptBlock(x, x);
  l.fill(0);
  k1.fill(0);
  k2.fill(0);
  return x;
}
