/**
 * Typed errors of the modem layer. An AT exchange fails only with AtError; a malformed line from the
 * modem (which is untrusted input, like any byte that crosses the UART) with AtFormatError.
 */

export type AtErrorCode =
  | 'error' // final result ERROR (or NO CARRIER, BUSY, NO ANSWER, NO DIALTONE, SEND FAIL)
  | 'cme' // +CME ERROR: <n> (TS 27.007 §9.2)
  | 'cms' // +CMS ERROR: <n> (TS 27.005 §3.2.5)
  | 'timeout' // no final result code within the command's time
  | 'busy' // too many commands queued
  | 'closed' // the engine was closed
  | 'too-long' // the response had more intermediate lines than allowed
  | 'format'; // the response was not what the command expects

export class AtError extends Error {
  override name = 'AtError';
  constructor(
    readonly code: AtErrorCode,
    message: string,
    /** The numeric +CME / +CMS error, when the modem gave one. */
    readonly detail?: number,
  ) {
    super(message);
  }
}

/** A line from the modem that does not parse as the response it claims to be. */
export class AtFormatError extends Error {
  override name = 'AtFormatError';
  constructor(message: string) {
    super(message);
  }
}
