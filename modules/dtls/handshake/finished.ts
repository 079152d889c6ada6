/** Finished (RFC 5246 §7.4.9): verify_data[12] = PRF(master_secret, label, SHA-256(handshake_messages))[0..11]. */
import { decodeError } from '../errors';

export const VERIFY_DATA_LENGTH = 12;

export function marshalFinished(verifyData: Uint8Array): Uint8Array {
  return verifyData.slice();
}

export function unmarshalFinished(body: Uint8Array): Uint8Array {
  if (body.length !== VERIFY_DATA_LENGTH) throw decodeError(`Finished must carry ${VERIFY_DATA_LENGTH} bytes, got ${body.length}`);
  return body;
}
