/**
 * RFC 7959 §2.2 Block option value: NUM (up to 20 bits), M (more), SZX (size = 2^(SZX+4), 16..1024;
 * SZX 7 is reserved, and only meaningful for BERT over TCP, so it is an error here).
 */
import { CoapFormatError } from './errors';
import { decodeUint, encodeUint } from './options';

export interface BlockValue {
  num: number;
  more: boolean;
  szx: number;
}

export const MAX_BLOCK_NUM = 0xfffff;

export function blockSize(szx: number): number {
  return 1 << (szx + 4);
}

/** The largest SZX whose block fits `bytes` (at least 0, i.e. 16 bytes; at most 6, i.e. 1024). */
export function szxForSize(bytes: number): number {
  let szx = 6;
  while (szx > 0 && blockSize(szx) > bytes) szx--;
  return szx;
}

export function decodeBlock(value: Uint8Array): BlockValue {
  if (value.length > 3) throw new CoapFormatError('block', `Block option of ${value.length} bytes (at most 3)`);
  const v = decodeUint(value);
  const szx = v & 7;
  if (szx === 7) throw new CoapFormatError('block', 'reserved block SZX 7');
  return { num: v >>> 4, more: (v & 8) !== 0, szx };
}

export function encodeBlock(b: BlockValue): Uint8Array {
  if (b.num < 0 || b.num > MAX_BLOCK_NUM || !Number.isInteger(b.num)) throw new CoapFormatError('block', `block number ${b.num} out of range`);
  if (b.szx < 0 || b.szx > 6) throw new CoapFormatError('block', `block SZX ${b.szx} out of range`);
  return encodeUint(b.num * 16 + (b.more ? 8 : 0) + b.szx);
}
