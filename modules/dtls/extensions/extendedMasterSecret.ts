/** extended_master_secret (RFC 7627 §5.1): empty extension_data. */
import { decodeError } from '../errors';

export function marshalExtendedMasterSecret(): Uint8Array {
  return new Uint8Array(0);
}

export function unmarshalExtendedMasterSecret(data: Uint8Array): true {
  if (data.length !== 0) throw decodeError('extended_master_secret must be empty');
  return true;
}
