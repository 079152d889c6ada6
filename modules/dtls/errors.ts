/**
 * Typed errors of the DTLS layer. Parsers of untrusted bytes throw only DtlsAlert (a fatal alert
 * we would send, e.g. decode_error); the connection turns it into an alert on the wire.
 */
import { AlertDescription, AlertLevel, alertName } from './constants';

export type DtlsErrorCode =
  | 'alert' // a TLS alert, sent or received (see DtlsAlert)
  | 'timeout' // the handshake gave up after its retransmission budget
  | 'closed' // the connection was closed locally or by the transport
  | 'bad-config' // the caller's options are unusable
  | 'state'; // an API call in the wrong state (send before connect, ...)

export class DtlsError extends Error {
  override name = 'DtlsError';
  constructor(
    readonly code: DtlsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A TLS alert. `sentByPeer` tells whether the peer sent it (true) or we raise it (false). */
export class DtlsAlert extends DtlsError {
  override name = 'DtlsAlert';
  constructor(
    readonly level: AlertLevel,
    readonly description: AlertDescription,
    message: string,
    readonly sentByPeer = false,
  ) {
    super('alert', `${sentByPeer ? 'peer sent' : 'DTLS'} ${level === AlertLevel.fatal ? 'fatal' : 'warning'} alert ${alertName(description)}: ${message}`);
  }
}

/** Error factory for ByteReader: truncation inside a message is a decode_error. */
export const decodeError = (message: string): DtlsAlert => new DtlsAlert(AlertLevel.fatal, AlertDescription.decode_error, message);
export const illegalParameter = (message: string): DtlsAlert => new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, message);
