/**
 * What client and server share: the record layer (RFC 6347 §4.1: epochs, 48-bit sequence
 * numbers, replay window, silent discard of records that fail authentication, several records
 * per datagram), handshake reassembly, flights with retransmission, alerts, and the
 * DatagramChannel face the layer above uses once the handshake is done.
 */
import { DEVICE_PROFILE } from '../profile';
import { ByteWriter, wipe } from '../bytes/index';
import type { CryptoProvider } from '../crypto/provider';
import type { Host, TimerHandle } from '../host';
import type { DatagramChannel } from '../transport/types';
import { marshalAlert, unmarshalAlert } from './alert';
import type { RecordCipher } from './cipherSuite';
import { AlertDescription, AlertLevel, ContentType, DTLS12, HANDSHAKE_HEADER_LENGTH, HandshakeType, MAX_PLAINTEXT, MAX_SEQUENCE, RECORD_HEADER_LENGTH } from './constants';
import { DtlsAlert, DtlsError } from './errors';
import { type FlightItem, RetransmitTimer, type RetransmitOptions } from './flight';
import { fragmentHandshake, unmarshalHandshakeFragments } from './handshake/header';
import { type HandshakeMessage, Reassembler } from './handshake/reassembler';
import { marshalCidRecord, marshalRecord, parseRecords, type Record } from './record';
import { ReplayWindow } from './replay';

export type ConnectionState = 'handshake' | 'established' | 'closed';

interface WriteState {
  cipher: RecordCipher | null;
  seq: number;
}

export interface ConnectionLimits {
  /** Largest handshake message accepted (bytes); bigger ones are a handshake_failure. */
  maxHandshakeMessage?: number;
  /** Bytes of out-of-order handshake fragments buffered at most. */
  maxHandshakeBuffer?: number;
}

export interface ConnectionStats {
  /** Records dropped: failed authentication, replayed, wrong epoch, unexpected. */
  droppedRecords: number;
  retransmissions: number;
  datagramsSent: number;
  bytesSent: number;
  datagramsReceived: number;
  bytesReceived: number;
}

export abstract class DtlsConnection implements DatagramChannel {
  onReceive: ((data: Uint8Array) => void) | null = null;
  onClose: ((reason: Error | null) => void) | null = null;
  readonly stats: ConnectionStats = { droppedRecords: 0, retransmissions: 0, datagramsSent: 0, bytesSent: 0, datagramsReceived: 0, bytesReceived: 0 };
  protected _state: ConnectionState = 'handshake';
  protected readonly crypto: CryptoProvider;
  protected readonly writeStates: WriteState[] = [{ cipher: null, seq: 0 }];
  protected writeEpoch = 0;
  protected readEpoch = 0;
  protected readCipher: RecordCipher | null = null;
  /** Keys for the next read epoch, installed by the subclass, activated by the peer's ChangeCipherSpec. */
  protected pendingRead: RecordCipher | null = null;
  /** The replay window of the protected read epoch (epoch 0 has no MAC and so no window; see receiveRecord). */
  protected readWindow = new ReplayWindow();
  protected readonly reassembler: Reassembler;
  /** The handshake messages as if unfragmented (RFC 6347 §4.2.6), for the handshake hash. */
  protected readonly transcript = new ByteWriter(512);
  /** message_seq of our next handshake message. */
  protected sendSeq = 0;
  /** Largest record plaintext (2^14, or the negotiated max_fragment_length). */
  protected maxPlaintext = MAX_PLAINTEXT;
  private flight: FlightItem[] | null = null;
  private timer: TimerHandle | null = null;
  /** host.now() at which the current flight's retransmission falls due. */
  private timerDue = 0;
  /** host.now() at which the pending host timer fires (<= timerDue). */
  private timerFires = 0;
  protected readonly retransmit: RetransmitTimer;
  /** Records of the next epoch that arrived before the ChangeCipherSpec (reordering). */
  private ahead: Record[] = [];
  /**
   * RFC 9146 Connection IDs, from epoch 1 on: the CID we put in records we send (the peer's choice; null or
   * empty: plain records) and the one we expect in records we receive (our choice; null or empty: plain records).
   */
  protected writeCid: Uint8Array | null = null;
  protected readCid: Uint8Array | null = null;
  /**
   * True when the last datagram fed in carried an authenticated record of the current epoch newer than any
   * before it: RFC 9146 §6 lets a peer's address change only on such a record.
   */
  advancedByLastDatagram = false;

  constructor(
    protected readonly host: Host,
    protected readonly lowerMaxDatagram: number,
    retransmit: RetransmitOptions | undefined,
    limits: ConnectionLimits | undefined,
  ) {
    this.crypto = host.crypto;
    this.retransmit = new RetransmitTimer(retransmit);
    this.reassembler = new Reassembler(limits?.maxHandshakeMessage ?? DEVICE_PROFILE.dtlsMaxHandshakeMessage, limits?.maxHandshakeBuffer ?? DEVICE_PROFILE.dtlsMaxHandshakeBuffer);
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** The largest application payload one `send` takes. */
  get maxDatagramSize(): number {
    const overhead = RECORD_HEADER_LENGTH + (this.writeStates[this.writeEpoch].cipher?.overhead ?? 0);
    return Math.max(0, Math.min(this.maxPlaintext, this.lowerMaxDatagram - overhead));
  }

  /** Sends bytes below (to the transport). */
  protected abstract transmit(datagram: Uint8Array): void;
  /** A whole handshake message, in order. */
  protected abstract handleHandshake(msg: HandshakeMessage): void;
  /** The connection failed or closed; subclasses settle their promises. */
  protected abstract onTerminated(reason: Error | null): void;

  // ---- sending ----------------------------------------------------------------------------------

  send(data: Uint8Array): void {
    if (this._state !== 'established') throw new DtlsError('state', `cannot send application data in state ${this._state}`);
    if (data.length > this.maxDatagramSize) throw new DtlsError('bad-config', `payload of ${data.length} bytes exceeds the ${this.maxDatagramSize}-byte limit`);
    this.sendDatagram(this.sealRecord(ContentType.application_data, this.writeEpoch, data));
  }

  protected sealRecord(type: ContentType, epoch: number, plaintext: Uint8Array): Uint8Array {
    const ws = this.writeStates[epoch];
    if (ws.seq > MAX_SEQUENCE) throw new DtlsError('closed', 'record sequence numbers exhausted');
    const seq = this.nextWriteSeq(ws);
    const cid = this.writeCid;
    if (epoch > 0 && ws.cipher && cid && cid.length > 0) {
      // RFC 9146 §4: DTLSInnerPlaintext = content | real_type | zeros (we add no padding).
      const inner = new Uint8Array(plaintext.length + 1);
      inner.set(plaintext);
      inner[plaintext.length] = type;
      const fragment = ws.cipher.seal(ContentType.tls12_cid, epoch, seq, inner, cid);
      inner.fill(0);
      return marshalCidRecord(epoch, seq, cid, fragment);
    }
    const fragment = ws.cipher ? ws.cipher.seal(type, epoch, seq, plaintext) : plaintext;
    return marshalRecord(type, epoch, seq, fragment);
  }

  /** The next write sequence number of an epoch (a hook: a sleeping connection reserves them ahead). */
  protected nextWriteSeq(ws: WriteState): number {
    return ws.seq++;
  }

  private sendDatagram(d: Uint8Array): void {
    this.stats.datagramsSent++;
    this.stats.bytesSent += d.length;
    this.transmit(d);
  }

  protected sendAlert(level: AlertLevel, description: AlertDescription): void {
    try {
      this.sendDatagram(this.sealRecord(ContentType.alert, this.writeEpoch, marshalAlert({ level, description })));
    } catch {
      // the transport may already be gone; an alert is best effort
    }
  }

  /** Adds our own handshake message to the transcript and returns it as a flight item. */
  protected handshakeItem(type: HandshakeType, body: Uint8Array, epoch = this.writeEpoch): FlightItem {
    const msg = new ByteWriter(HANDSHAKE_HEADER_LENGTH + body.length);
    msg.u8(type).u24(body.length).u16(this.sendSeq++).u24(0).u24(body.length).bytes(body);
    const data = msg.toBytes();
    this.transcript.bytes(data);
    return { type: ContentType.handshake, epoch, data };
  }

  protected ccsItem(): FlightItem {
    return { type: ContentType.change_cipher_spec, epoch: this.writeEpoch, data: Uint8Array.of(1) };
  }

  /** Sends a new flight; with `awaitReply` the retransmission timer runs until the next flight. */
  protected sendFlight(items: FlightItem[], awaitReply: boolean): void {
    // A timer that is still pending is reused when it falls due no later than the new flight's (see onTimer).
    if (!awaitReply) this.stopTimer();
    this.flight = items;
    this.retransmit.reset();
    this.transmitFlight();
    if (awaitReply) this.startTimer();
  }

  /** Packs the flight's records into as few datagrams as the path allows. */
  protected transmitFlight(): void {
    if (!this.flight) return;
    const max = this.lowerMaxDatagram;
    const datagrams: Uint8Array[] = [];
    let parts: Uint8Array[] = [];
    let size = 0;
    for (const item of this.flight) {
      const overhead = RECORD_HEADER_LENGTH + (this.writeStates[item.epoch].cipher?.overhead ?? 0);
      const payloads =
        item.type === ContentType.handshake
          ? fragmentHandshake(item.data, Math.max(16, Math.min(this.maxPlaintext, max - overhead) - HANDSHAKE_HEADER_LENGTH))
          : [item.data];
      for (const p of payloads) {
        const rec = this.sealRecord(item.type, item.epoch, p);
        if (size + rec.length > max && parts.length) {
          datagrams.push(joinParts(parts, size));
          parts = [];
          size = 0;
        }
        parts.push(rec);
        size += rec.length;
      }
    }
    if (parts.length) datagrams.push(joinParts(parts, size));
    for (const d of datagrams) this.sendDatagram(d);
  }

  /**
   * Arms the retransmission timer for `retransmit.current` from now. A host timer already pending
   * that fires no later is kept and re-armed for the rest when it fires (onTimer), so a handshake
   * whose flights are answered in time sets one host timer and clears it once.
   */
  private startTimer(): void {
    const now = this.host.now();
    this.timerDue = now + this.retransmit.current;
    if (this.timer !== null && this.timerFires <= this.timerDue) return;
    this.stopTimer();
    this.armTimer(now, this.retransmit.current);
  }

  private armTimer(now: number, ms: number): void {
    this.timerFires = now + ms;
    this.timer = this.host.setTimer(ms, () => this.onTimer());
  }

  protected stopTimer(): void {
    if (this.timer !== null) this.host.clearTimer(this.timer);
    this.timer = null;
  }

  private onTimer(): void {
    this.timer = null;
    const now = this.host.now();
    // Fired for an earlier flight's deadline: wait for the rest of the current one's.
    if (now < this.timerDue) {
      this.armTimer(now, this.timerDue - now);
      return;
    }
    this.onTimeout();
  }

  private onTimeout(): void {
    if (this._state !== 'handshake') return;
    if (!this.retransmit.backoff()) {
      this.fail(new DtlsError('timeout', `handshake timed out: no answer after ${this.retransmit.count} retransmissions`));
      return;
    }
    this.stats.retransmissions++;
    this.transmitFlight();
    this.startTimer();
  }

  /** The peer retransmitted its last flight: ours must have been lost, send it again. */
  protected retransmitFlight(): void {
    if (!this.flight) return;
    this.stats.retransmissions++;
    this.transmitFlight();
  }

  /**
   * The handshake is done and the timer stops. The side that sent the handshake's last flight keeps
   * it (the peer may ask for it again); the other drops its own, or the two would answer each
   * other's retransmissions for ever.
   */
  protected established(keepLastFlight: boolean): void {
    this.stopTimer();
    if (!keepLastFlight) this.flight = null;
    this._state = 'established';
  }

  // ---- receiving --------------------------------------------------------------------------------

  /** Feeds one datagram from below. Never throws. */
  receiveDatagram(datagram: Uint8Array): void {
    if (this._state === 'closed') return;
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += datagram.length;
    this.advancedByLastDatagram = false;
    try {
      for (const rec of parseRecords(datagram, this.readCid?.length ?? 0)) {
        if ((this._state as ConnectionState) === 'closed') return;
        this.receiveRecord(rec);
      }
    } catch (e) {
      this.fail(e instanceof DtlsAlert ? e : new DtlsAlert(AlertLevel.fatal, AlertDescription.internal_error, e instanceof Error ? e.message : String(e)));
    }
  }

  private receiveRecord(rec: Record): void {
    if (rec.epoch !== this.readEpoch) {
      if (rec.epoch === this.readEpoch + 1 && this._state === 'handshake' && this.ahead.length < 8) this.ahead.push({ ...rec, fragment: rec.fragment.slice(), raw: rec.raw });
      else if (rec.epoch === 0 && rec.type === ContentType.handshake) this.receiveOldEpochHandshake(rec.fragment);
      else this.stats.droppedRecords++;
      return;
    }
    // A protected record is DTLS 1.2 only: the AEAD additional data / MAC header carries the negotiated version
    // (RFC 5246 §6.2.3.3 via RFC 6347 §4.1.2.1), so a record that claims another one is not ours to open. DTLS 1.0
    // is tolerated on epoch 0 alone (a ClientHello's record version, RFC 6347 §4.2.1).
    if (rec.epoch > 0 && rec.version !== DTLS12) {
      this.stats.droppedRecords++;
      return;
    }
    // RFC 6347 §4.1.2.6: the window moves only on a record whose MAC verified. Epoch 0 has no MAC, so its records
    // neither consult nor move a window (a forged copy with a far-ahead sequence number would otherwise shut out
    // the real CCS); duplicates there are handled by the handshake's message_seq and by the epoch change.
    const window = rec.epoch > 0 ? this.readWindow : null;
    if (window && !window.check(rec.sequence)) {
      this.stats.droppedRecords++;
      return;
    }
    // RFC 9146 §3/§4: once a non-empty CID of ours is in force, protected records must carry it, and only it.
    const wantCid = rec.epoch > 0 && this.readCid && this.readCid.length > 0 ? this.readCid : null;
    if (rec.type === ContentType.tls12_cid ? !wantCid || !equalCid(rec.cid!, wantCid) : wantCid) {
      this.stats.droppedRecords++;
      return;
    }
    let plaintext = rec.fragment;
    let type: number = rec.type;
    if (this.readCipher) {
      const opened = this.readCipher.open(rec.type, rec.epoch, rec.sequence, rec.fragment, rec.cid);
      if (!opened) {
        this.stats.droppedRecords++;
        return;
      }
      plaintext = opened;
      if (rec.type === ContentType.tls12_cid) {
        // The real type is the last non-zero byte; zeros after it are padding.
        let n = plaintext.length;
        while (n > 0 && plaintext[n - 1] === 0) n--;
        if (n === 0) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.unexpected_message, 'tls12_cid record without a content type');
        type = plaintext[n - 1];
        plaintext = plaintext.subarray(0, n - 1);
      }
    } else if (rec.type === ContentType.tls12_cid) {
      this.stats.droppedRecords++;
      return;
    }
    if (window && rec.epoch === this.readEpoch && rec.sequence > window.highest) {
      this.advancedByLastDatagram = true;
      this.onAuthenticatedNewer();
    }
    if (plaintext.length > this.maxPlaintext && rec.epoch > 0) {
      throw new DtlsAlert(AlertLevel.fatal, AlertDescription.record_overflow, `record of ${plaintext.length} bytes over the ${this.maxPlaintext}-byte limit`);
    }
    window?.accept(rec.sequence);
    switch (type) {
      case ContentType.handshake:
        this.receiveHandshake(plaintext, rec.epoch);
        break;
      case ContentType.change_cipher_spec:
        this.receiveChangeCipherSpec(plaintext);
        break;
      case ContentType.alert:
        this.receiveAlert(plaintext, rec.epoch);
        break;
      case ContentType.application_data:
        if (this._state === 'established' && rec.epoch > 0) this.onReceive?.(plaintext);
        else this.stats.droppedRecords++;
        break;
    }
  }

  /** A plaintext handshake record after we moved on to epoch 1: only a retransmission can be useful. */
  private receiveOldEpochHandshake(fragment: Uint8Array): void {
    let frags;
    try {
      frags = unmarshalHandshakeFragments(fragment);
    } catch {
      this.stats.droppedRecords++;
      return;
    }
    for (const f of frags) if (f.messageSeq < this.reassembler.next) this.onPeerRetransmission(f.type);
  }

  private receiveHandshake(data: Uint8Array, epoch: number): void {
    for (const f of unmarshalHandshakeFragments(data)) {
      if (!this.reassembler.push(f)) {
        this.onPeerRetransmission(f.type);
        continue;
      }
      for (;;) {
        const msg = this.reassembler.pop();
        if (!msg) break;
        this.handshakeEpoch = epoch;
        this.handleHandshake(msg);
        if ((this._state as ConnectionState) === 'closed') return;
      }
    }
  }

  /** An authenticated record newer than any before arrived (before its content is handled): RFC 9146 §6 hook. */
  protected onAuthenticatedNewer(): void {}

  /** The epoch of the record that carried the message being handled. */
  protected handshakeEpoch = 0;

  /**
   * An old handshake message arrived again: when it ends the peer's previous flight, the peer
   * did not get our last flight (RFC 6347 §4.2.4), so we send it again.
   */
  protected onPeerRetransmission(type: HandshakeType): void {
    if (this.isEndOfPeerFlight(type)) this.retransmitFlight();
  }

  protected abstract isEndOfPeerFlight(type: HandshakeType): boolean;

  private receiveChangeCipherSpec(data: Uint8Array): void {
    if (data.length !== 1 || data[0] !== 1) throw new DtlsAlert(AlertLevel.fatal, AlertDescription.decode_error, 'malformed ChangeCipherSpec');
    if (!this.pendingRead || this.readEpoch !== 0) {
      // Early or repeated CCS (reordering, retransmission): drop; the flight timer recovers.
      this.stats.droppedRecords++;
      return;
    }
    this.readCipher = this.pendingRead;
    this.pendingRead = null;
    this.readEpoch = 1;
    this.readWindow = new ReplayWindow();
    const ahead = this.ahead;
    this.ahead = [];
    for (const r of ahead) if (this._state !== 'closed') this.receiveRecord(r);
  }

  private receiveAlert(data: Uint8Array, epoch: number): void {
    const alert = unmarshalAlert(data);
    // Once keys are in use, unprotected alerts are forgeable by anyone on the path: ignore them.
    if (epoch === 0 && this._state === 'established') return;
    if (alert.description === AlertDescription.close_notify) {
      this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      this.terminate(this._state === 'handshake' ? new DtlsAlert(alert.level, alert.description, 'peer closed during the handshake', true) : null);
      return;
    }
    if (alert.level === AlertLevel.fatal) {
      this.terminate(new DtlsAlert(alert.level, alert.description, 'received from peer', true));
    }
    // Other warnings (no_renegotiation, user_canceled, ...) change nothing.
  }

  // ---- ending -----------------------------------------------------------------------------------

  /** Fails the connection; a locally raised alert goes to the peer first. */
  protected fail(err: DtlsError): void {
    if (this._state === 'closed') return;
    if (err instanceof DtlsAlert && !err.sentByPeer) this.sendAlert(AlertLevel.fatal, err.description);
    this.terminate(err);
  }

  protected terminate(reason: Error | null): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this.stopTimer();
    this.flight = null;
    this.dispose();
    this.onTerminated(reason);
    this.onClose?.(reason);
  }

  /** Wipes keys and handshake secrets. Subclasses extend it for their own secrets. */
  protected dispose(): void {
    for (const ws of this.writeStates) ws.cipher?.dispose();
    this.readCipher?.dispose();
    this.pendingRead?.dispose();
    this.readCipher = null;
    this.pendingRead = null;
    this.transcript.wipe();
    this.reassembler.clear();
    this.ahead = [];
  }

  /** Sends close_notify and closes. */
  close(): void {
    if (this._state === 'closed') return;
    if (this._state === 'established') this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this.terminate(this._state === 'handshake' ? new DtlsError('closed', 'closed before the handshake completed') : null);
  }

  protected handshakeHash(): Uint8Array {
    return this.crypto.sha256(this.transcript.view());
  }

  protected static wipeAll(...a: (Uint8Array | undefined | null)[]): void {
    wipe(...a);
  }
}

function joinParts(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function equalCid(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
