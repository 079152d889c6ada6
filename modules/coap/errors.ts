/**
 * Typed errors of the CoAP layer. A parser of untrusted bytes throws only CoapFormatError; the
 * message layer rejects request promises with CoapTimeoutError, CoapResetError or CoapFormatError.
 */

export type CoapFormatErrorCode =
  | 'truncated'
  | 'version'
  | 'token-length'
  | 'code-class'
  | 'empty-not-empty'
  | 'option-delta'
  | 'option-length'
  | 'option-number'
  | 'payload-marker'
  | 'bad-option'
  | 'block'
  | 'too-large'
  | 'encode';

/** The parsed header of a message whose body could not be parsed, so the receiver can reject a CON with RST (RFC 7252 §4.2). */
export interface CoapHeaderInfo {
  type: number;
  code: number;
  messageId: number;
}

export class CoapFormatError extends Error {
  override name = 'CoapFormatError';
  constructor(
    readonly code: CoapFormatErrorCode,
    message: string,
    /** Set when the 4-byte header itself was valid (version 1, readable type and message ID). */
    readonly header: CoapHeaderInfo | null = null,
  ) {
    super(message);
  }
}

/** A Confirmable request went unacknowledged after MAX_RETRANSMIT retransmissions, or no (separate) response came in time. */
export class CoapTimeoutError extends Error {
  override name = 'CoapTimeoutError';
  constructor(
    message: string,
    readonly transmissions: number,
  ) {
    super(message);
  }
}

/** The peer answered our message with RST (RFC 7252 §4.2, §4.3). */
export class CoapResetError extends Error {
  override name = 'CoapResetError';
  constructor(message: string) {
    super(message);
  }
}

/** The endpoint was closed while the request was outstanding. */
export class CoapClosedError extends Error {
  override name = 'CoapClosedError';
  constructor() {
    super('CoAP endpoint closed');
  }
}
