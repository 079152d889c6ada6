export type FotaErrorCode =
  /** Not an image this device understands: wrong magic, format or header length (Update Result 6). */
  | 'bad-format'
  /** Declared or received size does not fit the slot (Update Result 2). */
  | 'too-large'
  /** Received bytes do not match the header's size or SHA-256 (Update Result 5). */
  | 'bad-hash'
  /** The ECDSA P-256 signature does not verify under the provisioned key (Update Result 5). */
  | 'bad-signature'
  /** The image's version is older than the running one (anti-rollback, Update Result 6). */
  | 'downgrade'
  /** A block that does not continue the transfer (RFC 7959 §2.5: 4.08). */
  | 'out-of-order'
  /** An operation the Object 5 state machine does not allow in its current state. */
  | 'bad-state'
  /** A Package URI the device cannot use (Update Result 7) or whose scheme it does not speak (Result 9). */
  | 'bad-uri'
  | 'unsupported-protocol'
  /** The slot metadata on flash is unreadable in a way no power cut produces. */
  | 'corrupt'
  | 'bad-argument';

/** The only error modules/fota throws itself; the message names sizes and versions, never key bytes. */
export class FotaError extends Error {
  override name = 'FotaError';
  constructor(
    readonly code: FotaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
