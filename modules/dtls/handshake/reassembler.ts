/**
 * Handshake reassembly (RFC 6347 §4.2.3): fragments of messages with message_seq >= next are
 * buffered until whole, then handed out in order. Memory is capped: a message longer than
 * `maxMessage`, or buffering beyond `maxBuffered` bytes, is refused (the fragment is dropped).
 */
import { AlertDescription, AlertLevel } from '../constants';
import { DtlsAlert } from '../errors';
import type { HandshakeFragment } from './header';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeType } from '../constants';

interface Pending {
  type: HandshakeType;
  /** The message as if unfragmented: header (offset 0, fragment_length = length) then the body. */
  raw: Uint8Array;
  body: Uint8Array; // a view of raw
  /** One flag per byte (simple, bounded by maxMessage); null while every byte is known (whole fragment). */
  have: Uint8Array | null;
  filled: number;
}

export interface HandshakeMessage {
  type: HandshakeType;
  messageSeq: number;
  body: Uint8Array;
  /** The message as if unfragmented (header + body), what enters the handshake hash. */
  raw: Uint8Array;
}

export class Reassembler {
  next = 0;
  private pending = new Map<number, Pending>();
  private buffered = 0;
  constructor(
    readonly maxMessage = 8192,
    readonly maxBuffered = 16384,
    /** How far ahead of `next` a message_seq may be and still be buffered. */
    readonly window = 8,
  ) {}

  /** Adds a fragment; returns false when it is old (message_seq < next), true otherwise. */
  push(f: HandshakeFragment): boolean {
    if (f.messageSeq < this.next) return false;
    if (f.messageSeq >= this.next + this.window) return true;
    if (f.length > this.maxMessage) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.handshake_failure, `handshake message of ${f.length} bytes exceeds the ${this.maxMessage}-byte limit`);
    let p = this.pending.get(f.messageSeq);
    if (!p) {
      // The next message is always taken (it is capped by maxMessage); later ones only while they fit.
      if (f.messageSeq !== this.next && this.buffered + f.length > this.maxBuffered) return true;
      // The message is kept in its hashed form (§4.2.6) from the start: pop() hands it out without a copy.
      const raw = new Uint8Array(HANDSHAKE_HEADER_LENGTH + f.length);
      raw[0] = f.type;
      raw[1] = raw[9] = (f.length >>> 16) & 0xff;
      raw[2] = raw[10] = (f.length >>> 8) & 0xff;
      raw[3] = raw[11] = f.length & 0xff;
      raw[4] = (f.messageSeq >>> 8) & 0xff;
      raw[5] = f.messageSeq & 0xff;
      const body = raw.subarray(HANDSHAKE_HEADER_LENGTH);
      if (f.fragmentOffset === 0 && f.fragmentLength === f.length) {
        // The common case, an unfragmented message: no per-byte bookkeeping.
        body.set(f.body.subarray(0, f.length));
        p = { type: f.type, raw, body, have: null, filled: f.length };
        this.pending.set(f.messageSeq, p);
        this.buffered += f.length;
        return true;
      }
      p = { type: f.type, raw, body, have: new Uint8Array(f.length), filled: 0 };
      this.pending.set(f.messageSeq, p);
      this.buffered += f.length;
    } else if (p.type !== f.type || p.body.length !== f.length) {
      throw new DtlsAlert(AlertLevel.fatal, AlertDescription.illegal_parameter, 'handshake fragments of one message disagree on type or length');
    }
    const have = p.have;
    for (let i = 0; i < f.fragmentLength; i++) {
      const at = f.fragmentOffset + i;
      if (have && !have[at]) {
        have[at] = 1;
        p.filled++;
      }
      p.body[at] = f.body[i];
    }
    return true;
  }

  /** The next whole message in order, or null. */
  pop(): HandshakeMessage | null {
    const p = this.pending.get(this.next);
    if (!p || p.filled !== p.body.length) return null;
    this.pending.delete(this.next);
    this.buffered -= p.body.length;
    const m = { type: p.type, messageSeq: this.next, body: p.body, raw: p.raw };
    this.next++;
    return m;
  }

  clear(): void {
    this.pending.clear();
    this.buffered = 0;
  }
}
