/**
 * Credentials of the ECDHE_ECDSA suite (RFC 7251): our P-256 key with a raw public key (RFC 7250) or an X.509
 * chain, and the check of the peer's. The check is a function so that the Security Object's rules (pinned raw
 * key, Certificate Usage 0/x/15) live with the LwM2M code and the DTLS layer only turns failures into alerts.
 */
import { constantTimeEqual } from '../bytes/index';
import { parseSpki } from '../x509/keys';
import { X509Error } from '../x509/errors';
import { AlertDescription, AlertLevel, CertificateType } from './constants';
import { DtlsAlert } from './errors';

export interface EcdsaCredentials {
  /** Which certificate type we present (and, for 'rpk', ask the peer for). */
  type: 'rpk' | 'x509';
  /** Our 32-byte P-256 scalar. Copied; the copy is wiped when the connection closes. */
  privateKey: Uint8Array;
  /** Our 65-byte point (RPK); derived from the private key when absent. */
  publicKey?: Uint8Array;
  /** X.509: our chain in DER, our certificate first. */
  chain?: Uint8Array[];
  /**
   * Checks what the peer presented: for RawPublicKey one SubjectPublicKeyInfo, for X.509 the chain (end entity
   * first). Returns the peer's 65-byte point, or throws (X509Error or DtlsAlert).
   */
  verifyPeer(type: CertificateType, certs: Uint8Array[]): Uint8Array;
}

/** A verifyPeer that accepts exactly one raw public key (the 65-byte point), e.g. from 0/x/4. */
export function pinnedRawPublicKey(expected: Uint8Array): EcdsaCredentials['verifyPeer'] {
  const want = expected.slice();
  return (type, certs) => {
    if (type !== CertificateType.RawPublicKey) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unsupported_certificate, 'expected a raw public key');
    const got = parseSpki(certs[0], 'peer raw public key');
    if (got.length !== want.length || !constantTimeEqual(got, want)) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.bad_certificate, 'the peer raw public key is not the configured one');
    return got;
  };
}

/** Turns a failed peer check into the alert RFC 5246 §7.2.2 names for it. */
export function certificateAlert(e: unknown): DtlsAlert {
  if (e instanceof DtlsAlert) return e;
  if (e instanceof X509Error) {
    const d =
      e.code === 'expired' ? AlertDescription.certificate_expired
      : e.code === 'untrusted' ? AlertDescription.unknown_ca
      : e.code === 'unsupported' ? AlertDescription.unsupported_certificate
      : AlertDescription.bad_certificate;
    return new DtlsAlert(AlertLevel.fatal, d, `peer certificate: ${e.message}`);
  }
  return new DtlsAlert(AlertLevel.fatal, AlertDescription.bad_certificate, 'peer certificate check failed');
}
