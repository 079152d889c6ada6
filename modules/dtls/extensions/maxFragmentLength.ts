/** max_fragment_length (RFC 6066 §4): one byte, 1 = 2^9, 2 = 2^10, 3 = 2^11, 4 = 2^12. */
import { illegalParameter } from '../errors';

export type MaxFragmentLength = 1 | 2 | 3 | 4;

export function mflBytes(code: MaxFragmentLength): number {
  return 1 << (8 + code);
}

export function mflFromBytes(bytes: 512 | 1024 | 2048 | 4096): MaxFragmentLength {
  return ({ 512: 1, 1024: 2, 2048: 3, 4096: 4 } as const)[bytes];
}

export function marshalMaxFragmentLength(code: MaxFragmentLength): Uint8Array {
  return Uint8Array.of(code);
}

export function unmarshalMaxFragmentLength(data: Uint8Array): MaxFragmentLength {
  if (data.length !== 1 || data[0] < 1 || data[0] > 4) throw illegalParameter('max_fragment_length must be one byte in 1..4');
  return data[0] as MaxFragmentLength;
}
