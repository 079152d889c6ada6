export type CryptoErrorCode =
  | 'bad-key-length'
  | 'bad-nonce-length'
  | 'bad-tag-length'
  | 'bad-input-length'
  | 'bad-tag'
  | 'bad-point'
  | 'bad-signature'
  | 'weak-key'
  | 'bad-argument';

/** Every failure of the crypto layer. `code` is stable for callers; the message never contains secret bytes. */
export class CryptoError extends Error {
  override name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
