/**
 * connection_id (RFC 9146 §3, extension type 54): opaque cid<0..2^8-1>, the CID the sender wants to receive
 * in records addressed to it (zero length: "send me none, but I will send yours"). The draft code point 53
 * (draft-ietf-tls-dtls-connection-id before RFC 9146, with another record format) is never sent and a
 * server that answers with it is refused like any extension we did not offer.
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { decodeError } from '../errors';

export const CONNECTION_ID = 54;
export const CONNECTION_ID_DRAFT = 53;
/** Longest CID we accept or send (RFC 9146 allows 255; records would lose that much payload). */
export const MAX_CID = 32;

export function marshalConnectionId(cid: Uint8Array): Uint8Array {
  return new ByteWriter(1 + cid.length).vector(1, cid).toBytes();
}

export function unmarshalConnectionId(data: Uint8Array): Uint8Array {
  const r = new ByteReader(data, decodeError);
  const cid = r.vector(1, 'cid', MAX_CID);
  r.expectEnd('connection_id');
  return cid.slice();
}
