/**
 * The typed errors of the UICC layer. Parsers of card bytes throw only these; none carries key
 * material or the bytes of a secured exchange.
 */

/** An APDU, status word, AT+CSIM line or card response that does not follow ISO/IEC 7816-4 / TS 27.007. */
export class ApduError extends Error {
  override name = 'ApduError';
  constructor(message: string, readonly sw = 0) {
    super(message);
  }
}

/** A BER-TLV (ISO/IEC 8825-1 as ISO/IEC 7816-4 §5.2 and ETSI TS 101 220 §7 use it) that is malformed or too big. */
export class BerTlvError extends Error {
  override name = 'BerTlvError';
  constructor(message: string) {
    super(message);
  }
}

/** A PKCS#15 directory file or LwM2M bootstrap file that does not parse (PKCS#15 v1.1 §6, LwM2M 1.1 Appendix G). */
export class Pkcs15Error extends Error {
  override name = 'Pkcs15Error';
  constructor(message: string) {
    super(message);
  }
}

export type Scp03ErrorCode =
  | 'bad-keys' // static keys missing or of the wrong size
  | 'channel' // INITIALIZE UPDATE / EXTERNAL AUTHENTICATE refused or malformed
  | 'card-cryptogram' // the card did not prove it holds the keys
  | 'card-challenge' // a pseudo-random card challenge that is not KDF(ENC, sequence counter || AID)
  | 'sequence-counter' // the card's SCP03 sequence counter did not advance since the last session
  | 'response-mac' // an R-MAC did not verify
  | 'response-format' // a secured response is malformed (length, padding)
  | 'security-level' // the card offers less than the configured level
  | 'closed'; // the channel was closed after a failure

/** GlobalPlatform Card Specification Amendment D (SCP03) failures; after any of them the session is unusable. */
export class Scp03Error extends Error {
  override name = 'Scp03Error';
  constructor(readonly code: Scp03ErrorCode, message: string) {
    super(message);
  }
}

export type SmartcardBootstrapErrorCode =
  | 'not-provisioned' // no SCP03 keys or ICCID binding in the KeyStore
  | 'wrong-card' // ICCID differs from the one the device was provisioned with
  | 'secure-channel' // SCP03 could not be opened or a MAC failed
  | 'card' // the card answered with an error status word
  | 'format' // the PKCS#15 structure or bootstrap file is malformed
  | 'refused'; // the data model refused the bootstrap data (Bootstrap-Write validation)

/** Bootstrap from Smartcard failed; nothing from the card was applied. */
export class SmartcardBootstrapError extends Error {
  override name = 'SmartcardBootstrapError';
  constructor(readonly code: SmartcardBootstrapErrorCode, message: string) {
    super(message);
  }
}

/** A USAT (ETSI TS 102 223) proactive command or envelope response that is malformed. */
export class UsatError extends Error {
  override name = 'UsatError';
  constructor(message: string) {
    super(message);
  }
}
