/**
 * Flights and their retransmission timer (RFC 6347 §4.2.4) with the RFC 7925 §11 values:
 * initial 9 s, doubling on each retransmission, capped at 60 s; the handshake gives up after
 * `maxRetransmissions` retransmissions of one flight (and one more timeout).
 */
import { ContentType } from './constants';

export interface RetransmitOptions {
  /** First timeout (ms). RFC 7925: 9000. */
  initialMs?: number;
  /** Cap of the doubling timeout (ms). RFC 7925: at least 60000. */
  maxMs?: number;
  /** Retransmissions of one flight before the handshake fails with DtlsError('timeout'). */
  maxRetransmissions?: number;
}

export const RFC7925_RETRANSMIT: Required<RetransmitOptions> = { initialMs: 9000, maxMs: 60000, maxRetransmissions: 5 };
Object.freeze(RFC7925_RETRANSMIT);

/** One message of a flight, kept as plaintext so that each retransmission gets fresh record numbers. */
export interface FlightItem {
  type: ContentType.handshake | ContentType.change_cipher_spec;
  epoch: number;
  /** A whole handshake message (header + body), or the CCS byte. */
  data: Uint8Array;
}

export class RetransmitTimer {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly maxRetransmissions: number;
  /** Timeout for the next wait. */
  current: number;
  count = 0;
  constructor(o: RetransmitOptions = {}) {
    this.initialMs = o.initialMs ?? RFC7925_RETRANSMIT.initialMs;
    this.maxMs = o.maxMs ?? RFC7925_RETRANSMIT.maxMs;
    this.maxRetransmissions = o.maxRetransmissions ?? RFC7925_RETRANSMIT.maxRetransmissions;
    this.current = this.initialMs;
  }
  /** A new flight: back to the initial timeout. */
  reset(): void {
    this.current = this.initialMs;
    this.count = 0;
  }
  /** After a timeout: false when the budget is spent, else doubles the timeout (capped). */
  backoff(): boolean {
    if (this.count >= this.maxRetransmissions) return false;
    this.count++;
    this.current = Math.min(this.current * 2, this.maxMs);
    return true;
  }
}
