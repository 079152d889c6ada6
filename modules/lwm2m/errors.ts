/**
 * The only error the LwM2M content-format decoders throw. `code` is machine-readable so the data
 * model can map it to a CoAP response; `message` never carries payload bytes (they may be secrets).
 */
export type FormatErrorCode =
  | 'truncated'
  | 'malformed'
  | 'too-large'
  | 'too-deep'
  | 'type-mismatch'
  | 'out-of-range'
  | 'bad-path'
  | 'unknown-resource'
  | 'unsupported';

export class Lwm2mFormatError extends Error {
  override name = 'Lwm2mFormatError';
  constructor(
    readonly code: FormatErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Factory for ByteReader so truncation inside a decoder surfaces as our typed error. */
export const truncatedError = (m: string): Error => new Lwm2mFormatError('truncated', m);
