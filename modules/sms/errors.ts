/**
 * The typed errors of the SMS layer. Parsers of untrusted bytes throw only these, so a caller can
 * drop a bad message without guessing what went wrong, and none of them carries key material.
 */

/** A TPDU, address, UDH or timestamp that does not follow TS 23.040 / TS 23.038. */
export class SmsFormatError extends Error {
  override name = 'SmsFormatError';
  constructor(message: string) {
    super(message);
  }
}

/** A configuration that the LwM2M SMS security rules refuse (raised at configuration time). */
export class SmsConfigError extends Error {
  override name = 'SmsConfigError';
  constructor(message: string) {
    super(message);
  }
}

/**
 * Reasons a secured packet is refused, named after the TS 102 225 §5.2 response status codes they map to.
 * Format problems (lengths, truncation) map to 06 "unidentified security error" because the spec has no
 * better code for them and a PoR must never tell an attacker more than that.
 */
export type SecuredPacketReason =
  | 'rc-cc-ds-failed' // 01
  | 'counter-low' // 02
  | 'counter-high' // 03
  | 'counter-blocked' // 04
  | 'ciphering-error' // 05
  | 'security-error' // 06
  | 'insufficient-memory' // 07
  | 'tar-unknown' // 09
  | 'insufficient-security'; // 0A

export const POR_STATUS: Readonly<Record<SecuredPacketReason, number>> = {
  'rc-cc-ds-failed': 0x01,
  'counter-low': 0x02,
  'counter-high': 0x03,
  'counter-blocked': 0x04,
  'ciphering-error': 0x05,
  'security-error': 0x06,
  'insufficient-memory': 0x07,
  'tar-unknown': 0x09,
  'insufficient-security': 0x0a,
};
Object.freeze(POR_STATUS);

export class SecuredPacketError extends Error {
  override name = 'SecuredPacketError';
  /** The TS 102 225 response status code (01..0A) this failure corresponds to. */
  readonly status: number;
  constructor(
    readonly reason: SecuredPacketReason,
    message: string,
  ) {
    super(message);
    this.status = POR_STATUS[reason];
  }
}
