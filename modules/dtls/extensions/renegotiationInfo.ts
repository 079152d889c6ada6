/**
 * renegotiation_info (RFC 5746 §3.2): renegotiated_connection<0..255>. We never renegotiate, so
 * we only ever send, and accept, the empty form (one zero byte).
 */
import { AlertDescription, AlertLevel } from '../constants';
import { DtlsAlert, decodeError } from '../errors';

export function marshalRenegotiationInfo(): Uint8Array {
  return Uint8Array.of(0);
}

export function unmarshalRenegotiationInfo(data: Uint8Array): Uint8Array {
  if (data.length < 1 || data[0] !== data.length - 1) throw decodeError('malformed renegotiation_info');
  if (data[0] !== 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, 'renegotiation_info must be empty in an initial handshake');
  return data.subarray(1);
}
