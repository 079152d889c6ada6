/**
 * Handshake message header (RFC 6347 §4.2.2): msg_type(1) length(3) message_seq(2)
 * fragment_offset(3) fragment_length(3), and fragmentation of a message over records.
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { HANDSHAKE_HEADER_LENGTH, HandshakeType } from '../constants';
import { decodeError } from '../errors';

export interface HandshakeHeader {
  type: HandshakeType;
  length: number;
  messageSeq: number;
  fragmentOffset: number;
  fragmentLength: number;
}

export interface HandshakeFragment extends HandshakeHeader {
  body: Uint8Array;
}

export function marshalHandshakeFragment(h: HandshakeHeader, body: Uint8Array): Uint8Array {
  const w = new ByteWriter(HANDSHAKE_HEADER_LENGTH + body.length);
  w.u8(h.type).u24(h.length).u16(h.messageSeq).u24(h.fragmentOffset).u24(h.fragmentLength).bytes(body);
  return w.toBytes();
}

/** The whole message as one fragment: also the form that enters the handshake hash (§4.2.6). */
export function marshalHandshake(type: HandshakeType, messageSeq: number, body: Uint8Array): Uint8Array {
  return marshalHandshakeFragment({ type, length: body.length, messageSeq, fragmentOffset: 0, fragmentLength: body.length }, body);
}

/** Splits the handshake records of a record fragment (several may share one record). */
export function unmarshalHandshakeFragments(data: Uint8Array): HandshakeFragment[] {
  const r = new ByteReader(data, decodeError);
  const out: HandshakeFragment[] = [];
  while (r.remaining > 0) {
    const type = r.u8('msg_type');
    const length = r.u24('length');
    const messageSeq = r.u16('message_seq');
    const fragmentOffset = r.u24('fragment_offset');
    const fragmentLength = r.u24('fragment_length');
    if (fragmentOffset + fragmentLength > length) throw decodeError('handshake fragment extends past its message');
    const body = r.bytes(fragmentLength, 'handshake fragment');
    out.push({ type, length, messageSeq, fragmentOffset, fragmentLength, body });
  }
  return out;
}

/** Splits one whole message (with header) into fragments of at most `maxFragment` body bytes. */
export function fragmentHandshake(message: Uint8Array, maxFragment: number): Uint8Array[] {
  const body = message.subarray(HANDSHAKE_HEADER_LENGTH);
  if (body.length <= maxFragment) return [message];
  const type = message[0];
  const seq = (message[4] << 8) | message[5];
  const out: Uint8Array[] = [];
  for (let o = 0; o < body.length; o += maxFragment) {
    const n = Math.min(maxFragment, body.length - o);
    out.push(marshalHandshakeFragment({ type, length: body.length, messageSeq: seq, fragmentOffset: o, fragmentLength: n }, body.subarray(o, o + n)));
  }
  return out;
}
