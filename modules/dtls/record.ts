/**
 * DTLS record header and datagram splitting (RFC 6347 §4.1, §4.1.2.7). A datagram may carry
 * several records; a malformed one ends parsing of that datagram (the rest is silently dropped, as
 * §4.1.2.7 allows), it never throws.
 */
import { ByteWriter } from '../bytes/index';
import { ContentType, DTLS10, DTLS12, MAX_CIPHERTEXT, RECORD_HEADER_LENGTH } from './constants';

export interface RecordHeader {
  type: ContentType;
  version: number;
  epoch: number;
  /** 48-bit sequence number (safe as a JS number). */
  sequence: number;
  length: number;
}

export interface Record extends RecordHeader {
  /** The record's fragment (still protected when epoch > 0). A view into the datagram. */
  fragment: Uint8Array;
  /** The whole record on the wire (header + fragment), a view. */
  raw: Uint8Array;
  /** tls12_cid records (RFC 9146 §4): the CID, a view. */
  cid?: Uint8Array;
}

/**
 * A tls12_cid record (RFC 9146 §4): type 25 | version | epoch | seq48 | cid | length | encrypted DTLSInnerPlaintext.
 */
export function marshalCidRecord(epoch: number, sequence: number, cid: Uint8Array, fragment: Uint8Array): Uint8Array {
  const plain = marshalRecord(ContentType.tls12_cid, epoch, sequence, fragment);
  const out = new Uint8Array(plain.length + cid.length);
  out.set(plain.subarray(0, 11), 0);
  out.set(cid, 11);
  out.set(plain.subarray(11), 11 + cid.length);
  return out;
}

export function marshalRecordHeader(h: RecordHeader, w: ByteWriter): void {
  w.u8(h.type).u16(h.version).u16(h.epoch).u48(h.sequence).u16(h.length);
}

export function marshalRecord(type: ContentType, epoch: number, sequence: number, fragment: Uint8Array, version = DTLS12): Uint8Array {
  // Written in place (one allocation per record): type | version | epoch | seq48 | length | fragment.
  const n = fragment.length;
  const out = new Uint8Array(RECORD_HEADER_LENGTH + n);
  const hi = Math.floor(sequence / 0x100000000);
  const lo = sequence - hi * 0x100000000;
  out[0] = type;
  out[1] = (version >>> 8) & 0xff;
  out[2] = version & 0xff;
  out[3] = (epoch >>> 8) & 0xff;
  out[4] = epoch & 0xff;
  out[5] = (hi >>> 8) & 0xff;
  out[6] = hi & 0xff;
  out[7] = lo >>> 24;
  out[8] = (lo >>> 16) & 0xff;
  out[9] = (lo >>> 8) & 0xff;
  out[10] = lo & 0xff;
  out[11] = (n >>> 8) & 0xff;
  out[12] = n & 0xff;
  out.set(fragment, RECORD_HEADER_LENGTH);
  return out;
}

/** The CID of the first tls12_cid record of a datagram, given the length the receiver assigns, or null. */
export function peekCid(datagram: Uint8Array, cidLength: number): Uint8Array | null {
  if (cidLength <= 0 || datagram.length < RECORD_HEADER_LENGTH + cidLength || datagram[0] !== ContentType.tls12_cid) return null;
  return datagram.subarray(11, 11 + cidLength);
}

function knownType(t: number): boolean {
  return t === ContentType.change_cipher_spec || t === ContentType.alert || t === ContentType.handshake || t === ContentType.application_data;
}

/**
 * Splits a datagram into records. Records of unknown type or version are skipped; a header that
 * claims more bytes than remain, or a fragment over 2^14 + 2048, ends the datagram.
 * Each iteration consumes at least 13 bytes, so the loop is bounded by the datagram length.
 */
export function parseRecords(datagram: Uint8Array, cidLength = 0): Record[] {
  const out: Record[] = [];
  let o = 0;
  const d = datagram;
  while (d.length - o >= RECORD_HEADER_LENGTH) {
    const type = d[o];
    if (type === ContentType.tls12_cid) {
      // RFC 9146 §4: only the receiver knows the CID length; without one assigned the rest is unreadable.
      const h = RECORD_HEADER_LENGTH + cidLength;
      if (cidLength <= 0 || d.length - o < h) break;
      const version = (d[o + 1] << 8) | d[o + 2];
      const epoch = (d[o + 3] << 8) | d[o + 4];
      const sequence = ((d[o + 5] << 8) | d[o + 6]) * 0x100000000 + (((d[o + 7] << 24) >>> 0) + ((d[o + 8] << 16) | (d[o + 9] << 8) | d[o + 10]));
      const length = (d[o + 11 + cidLength] << 8) | d[o + 12 + cidLength];
      const end = o + h + length;
      if (length > MAX_CIPHERTEXT || end > d.length) break;
      if (version === DTLS12) out.push({ type, version, epoch, sequence, length, cid: d.subarray(o + 11, o + 11 + cidLength), fragment: d.subarray(o + h, end), raw: d.subarray(o, end) });
      o = end;
      continue;
    }
    const version = (d[o + 1] << 8) | d[o + 2];
    const epoch = (d[o + 3] << 8) | d[o + 4];
    const sequence = ((d[o + 5] << 8) | d[o + 6]) * 0x100000000 + (((d[o + 7] << 24) >>> 0) + ((d[o + 8] << 16) | (d[o + 9] << 8) | d[o + 10]));
    const length = (d[o + 11] << 8) | d[o + 12];
    const end = o + RECORD_HEADER_LENGTH + length;
    if (length > MAX_CIPHERTEXT || end > d.length) break;
    if (knownType(type) && (version === DTLS12 || version === DTLS10)) {
      out.push({ type, version, epoch, sequence, length, fragment: d.subarray(o + RECORD_HEADER_LENGTH, end), raw: d.subarray(o, end) });
    }
    o = end;
  }
  return out;
}
