/**
 * A CoAP endpoint over one DatagramChannel, in both roles at once: it sends requests (the LwM2M
 * client registering and sending) and serves them (the LwM2M server reading, writing, executing and
 * observing the device).
 *
 * RFC 7252 §4 message layer: CON retransmission with randomised exponential back-off (§4.2, §4.8),
 * deduplication within EXCHANGE_LIFETIME / NON_LIFETIME (§4.5), Empty ACK/RST handling, CoAP ping,
 * NSTART (§4.7). §5.2 piggybacked and separate responses; §5.3 token matching; §5.4.1 critical options.
 * RFC 7959 Block1/Block2 in both directions; RFC 7641 Observe on the server side and the client side.
 *
 * The endpoint owns no socket and no clock: bytes go through the channel, time and randomness come
 * from the Host, so the same code runs over UDP, DTLS or SMS and in tests on simulated time.
 */
import { DEVICE_PROFILE } from '../profile';
import { toHex, utf8Decode, wipe } from '../bytes/index';
import type { Host, TimerHandle } from '../host';
import type { DatagramChannel } from '../transport/types';
import { blockSize, decodeBlock, encodeBlock, szxForSize, type BlockValue } from './block';
import { Block1Assembler, Block2Cache } from './blockwise';
import { Code, codeClass, codeString, isRequestCode, isResponseCode, Method, MessageType, type MethodName } from './codes';
import { CoapClosedError, CoapFormatError, CoapResetError, CoapTimeoutError } from './errors';
import { decodeMessage, emptyMessage, encodeMessage, type CoapMessage } from './message';
import { isFresher, OBSERVE_DEREGISTER, OBSERVE_MODULO, OBSERVE_REGISTER, pathString, type CancelReason, type Observation } from './observe';
import {
  firstBadCriticalOption,
  getOption,
  getStrings,
  getUint,
  Option,
  pathOptions,
  stringOption,
  uintOption,
  withoutOption,
  type CoapOption,
} from './options';

/** Transmission parameters (RFC 7252 §4.8) and local limits. All times in milliseconds. */
export interface CoapConfig {
  ackTimeoutMs: number;
  ackRandomFactor: number;
  maxRetransmit: number;
  nstart: number;
  /** MAX_LATENCY of §4.8.2; EXCHANGE_LIFETIME and NON_LIFETIME are derived from it. */
  maxLatencyMs: number;
  /** A handler still busy after this long gets an Empty ACK now and a separate response later. */
  separateResponseDelayMs: number;
  /** How long to wait for a separate response after an Empty ACK (or for any response to a NON). */
  responseTimeoutMs: number;
  tokenLength: number;
  /** Largest block we send or ask for (SZX 0..6 = 16..1024 bytes); also capped by the channel's datagram size. */
  maxSzx: number;
  /** Largest request body (Block1) we reassemble and response body (Block2) we collect. */
  maxBodySize: number;
  /** Every Nth notification is confirmable (RFC 7641 §4.5 asks for one at least every 24 h). */
  observeConEvery: number;
  observeConIntervalMs: number;
  /** Bound on remembered incoming message IDs. */
  dedupCapacity: number;
  /**
   * Bound in bytes on the duplicate cache (§4.5): every remembered ID counts DEDUP_ENTRY_BYTES and every cached
   * reply its length. Over it, the oldest cached replies go first (their IDs stay, so a late duplicate is still
   * not processed twice, only left unanswered), then the oldest IDs.
   */
  dedupMaxBytes: number;
  /** Observations held at once (RFC 7641 §4.1 lets a server decline one: it answers without Observe). */
  maxObservations: number;
  /**
   * Zero every request body once handled: the payload bytes of the received datagram (for DTLS, the decrypted
   * record) and the Block1 buffers. For endpoints that receive secrets (an LwM2M client: a PSK in a
   * Bootstrap-Write); the handler must copy what it keeps.
   */
  wipeRequestPayloads: boolean;
}

export const DEFAULT_CONFIG: CoapConfig = {
  ackTimeoutMs: 2000,
  ackRandomFactor: 1.5,
  maxRetransmit: 4,
  nstart: 1,
  maxLatencyMs: 100_000,
  separateResponseDelayMs: 1000,
  responseTimeoutMs: 0, // 0: use EXCHANGE_LIFETIME
  tokenLength: 4,
  maxSzx: 6,
  maxBodySize: DEVICE_PROFILE.coapMaxBodySize,
  observeConEvery: 20,
  observeConIntervalMs: 24 * 3600 * 1000,
  dedupCapacity: DEVICE_PROFILE.coapDedupCapacity,
  dedupMaxBytes: DEVICE_PROFILE.coapDedupMaxBytes,
  maxObservations: DEVICE_PROFILE.coapMaxObservations,
  wipeRequestPayloads: false,
};
Object.freeze(DEFAULT_CONFIG);

/** NON notifications remembered for an RST (RFC 7641 §3.6); beyond this many within NON_LIFETIME they go as CON. */
const MAX_TRACKED_NON_NOTIFICATIONS = 64;

/** §4.8.2 derived times. */
export function derivedTimes(c: CoapConfig): { maxTransmitSpan: number; exchangeLifetime: number; nonLifetime: number } {
  const maxTransmitSpan = c.ackTimeoutMs * ((1 << c.maxRetransmit) - 1) * c.ackRandomFactor;
  return {
    maxTransmitSpan,
    exchangeLifetime: maxTransmitSpan + 2 * c.maxLatencyMs + c.ackTimeoutMs,
    nonLifetime: maxTransmitSpan + c.maxLatencyMs,
  };
}

export interface CoapRequest {
  method: MethodName | number;
  /** "/rd" or ["rd"]; Uri-Path options. */
  path?: string | readonly string[];
  /** Uri-Query options, e.g. ["ep=dev1", "lt=300"]. */
  query?: readonly string[];
  contentFormat?: number;
  accept?: number;
  /** Any further options (they are merged and sorted). */
  options?: readonly CoapOption[];
  payload?: Uint8Array;
  /** Default true. */
  confirmable?: boolean;
  /** Ask for this block size (SZX) for the response from the start (early Block2 negotiation). */
  block2Szx?: number;
  /**
   * Return the response as it came, without following its Block2 option: for a caller that fetches
   * one block at a time (it puts its own Block2 option in `options`), e.g. a firmware download that
   * streams to flash and resumes at a given block.
   */
  singleBlock?: boolean;
}

export interface CoapResponse {
  code: number;
  options: CoapOption[];
  /** The whole body, reassembled when the server sent it in Block2 blocks. */
  payload: Uint8Array;
  /** Observe sequence number, when the response is a notification. */
  observe?: number;
}

export interface IncomingRequest {
  method: number;
  path: string[];
  query: string[];
  options: CoapOption[];
  /** The whole body, reassembled from Block1 blocks when it came in several. */
  payload: Uint8Array;
  token: Uint8Array;
  confirmable: boolean;
  /** Value of the Observe option: 0 asks to register, 1 to deregister. */
  observe: number | undefined;
  contentFormat: number | undefined;
  accept: number | undefined;
}

export interface ResponseSpec {
  code: number;
  options?: CoapOption[];
  payload?: Uint8Array;
  contentFormat?: number;
}

export type RequestHandler = (req: IncomingRequest) => ResponseSpec | Promise<ResponseSpec>;

/** A client-side observation (RFC 7641 §3). */
export interface ClientObservation {
  readonly response: CoapResponse;
  cancel(): Promise<CoapResponse | null>;
}

interface Transmission {
  messageId: number;
  bytes: Uint8Array;
  count: number;
  timeoutMs: number;
  timer: TimerHandle | null;
  onAck(msg: CoapMessage): void;
  onReset(): void;
  onGiveUp(): void;
}

interface Exchange {
  tokenKey: string;
  messageId: number;
  confirmable: boolean;
  resolve(m: CoapMessage): void;
  reject(e: Error): void;
  timer: TimerHandle | null;
  settled: boolean;
}

interface ClientObserveState {
  tokenKey: string;
  token: Uint8Array;
  /** The registration's options, for fetching the later blocks of a large notification. */
  base: CoapOption[];
  confirmable: boolean;
  lastSeq: number;
  lastAt: number;
  onNotify: (r: CoapResponse) => void;
}

interface DedupEntry {
  expiresAt: number;
  reply: Uint8Array | null;
}

/** What one remembered message ID costs besides its reply: a Map entry and this record, about six 16-byte XS slots. */
export const DEDUP_ENTRY_BYTES = 96;

interface Queued {
  start(): void;
}

const EMPTY = new Uint8Array(0);

/** Ordinal of a method name or number, as the codes registry has it. */
function methodCode(m: MethodName | number): number {
  return typeof m === 'number' ? m : Method[m];
}

export class CoapEndpoint {
  readonly config: CoapConfig;
  /** Called when a client registers an observation (after the handler answered 2.xx). */
  onObserve: ((obs: Observation) => void) | null = null;
  /** Called when an observation ends, with the reason. */
  onCancel: ((obs: Observation, reason: CancelReason) => void) | null = null;

  private handler: RequestHandler | null = null;
  private nextMessageId: number;
  private readonly transmissions = new Map<number, Transmission>();
  private readonly exchanges = new Map<string, Exchange>();
  private readonly clientObserves = new Map<string, ClientObserveState>();
  private readonly dedup = new Map<number, DedupEntry>();
  /** What `dedup` holds, counted as dedupMaxBytes counts it. */
  private dedupBytes = 0;
  private readonly queue: Queued[] = [];
  private active = 0;
  private readonly observations = new Map<string, Observation>();
  /**
   * NON notifications still within NON_LIFETIME (message ID -> observation key and send time), so an RST to
   * any of them ends its observation (RFC 7641 §3.6, §4.2). Bounded: while it is full, notifications go as
   * CON, whose RST the transmission itself matches.
   */
  private readonly notificationIds = new Map<number, { key: string; at: number }>();
  private readonly obsInFlight = new Map<string, ResponseSpec | null>();
  private observeSeq: number;
  private readonly block1: Block1Assembler;
  /**
   * Optional streaming sink for Block1 requests (RFC 7959 §2.5): called with each block as it comes;
   * a returned response (2.31 Continue for a middle block) is sent with the Block1 option echoed, and
   * undefined leaves the request to the normal reassembly.
   */
  onBlock1: ((req: IncomingRequest, block: BlockValue) => ResponseSpec | undefined) | null = null;
  private readonly block2: Block2Cache;
  private readonly times: ReturnType<typeof derivedTimes>;
  private closed = false;

  constructor(
    private readonly host: Host,
    private readonly channel: DatagramChannel,
    config: Partial<CoapConfig> = {},
  ) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    if (this.config.tokenLength < 0 || this.config.tokenLength > 8) throw new RangeError('tokenLength must be 0..8');
    this.times = derivedTimes(this.config);
    const r = host.randomBytes(5);
    // §4.4: start the message ID at a random value so that a reboot does not replay old IDs.
    this.nextMessageId = (r[0] << 8) | r[1];
    this.observeSeq = (r[2] << 16) | (r[3] << 8) | r[4];
    this.observeSeq &= 0x7fffff; // leave room so early numbers are obviously increasing in logs
    this.block1 = new Block1Assembler(this.config.maxBodySize, this.times.exchangeLifetime);
    this.block2 = new Block2Cache(this.times.exchangeLifetime);
    channel.onReceive = (data) => this.receive(data);
    // When the channel dies underneath (DTLS alert, socket error), fail what is pending rather than let it time out.
    const previous = channel.onClose;
    channel.onClose = (reason) => {
      this.close();
      previous?.(reason);
    };
  }

  get exchangeLifetimeMs(): number {
    return this.times.exchangeLifetime;
  }

  /** Sets the resource handler for incoming requests. Without one, every request gets 4.04. */
  onRequest(handler: RequestHandler | null): void {
    this.handler = handler;
  }

  // ---------------------------------------------------------------- client role

  /**
   * Sends a request and resolves with the response, following Block2 to collect a large body and
   * sending a large payload in Block1 blocks. Rejects with CoapTimeoutError, CoapResetError,
   * CoapFormatError (a response we must reject) or CoapClosedError.
   */
  async request(req: CoapRequest): Promise<CoapResponse> {
    const { response } = await this.requestInternal(req, null);
    return response;
  }

  /**
   * GET with Observe 0 (RFC 7641 §3.1). Resolves with the first response; later notifications go to
   * `onNotify` in freshness order (§3.4). `cancel()` deregisters with a GET carrying Observe 1.
   */
  async observe(req: CoapRequest, onNotify: (r: CoapResponse) => void): Promise<ClientObservation> {
    const { response, token } = await this.requestInternal(req, onNotify);
    const tokenKey = toHex(token);
    return {
      response,
      cancel: async () => {
        if (!this.clientObserves.delete(tokenKey)) return null;
        const { response: r } = await this.requestInternal({ ...req, options: [...(req.options ?? []), uintOption(Option.Observe, OBSERVE_DEREGISTER)] }, null, token);
        return r;
      },
    };
  }

  /** Sends a CoAP ping (an Empty CON, §4.3) and resolves when the peer answers with RST. */
  ping(): Promise<void> {
    return new Promise((resolve, reject) => {
      const mid = this.allocateMessageId();
      this.sendConfirmable(mid, emptyMessage(MessageType.CON, mid), {
        onAck: () => resolve(),
        onReset: () => resolve(),
        onGiveUp: (n) => reject(new CoapTimeoutError('no answer to CoAP ping', n)),
      });
    });
  }

  private async requestInternal(req: CoapRequest, onNotify: ((r: CoapResponse) => void) | null, fixedToken?: Uint8Array): Promise<{ response: CoapResponse; token: Uint8Array }> {
    const method = methodCode(req.method);
    if (!isRequestCode(method)) throw new RangeError(`not a request method: ${req.method}`);
    const base: CoapOption[] = [...pathOptions(req.path), ...(req.query ?? []).map((q) => stringOption(Option.UriQuery, q))];
    if (req.contentFormat !== undefined) base.push(uintOption(Option.ContentFormat, req.contentFormat));
    if (req.accept !== undefined) base.push(uintOption(Option.Accept, req.accept));
    if (onNotify) base.push(uintOption(Option.Observe, OBSERVE_REGISTER));
    for (const o of req.options ?? []) base.push(o);
    const confirmable = req.confirmable !== false;
    const token = fixedToken ?? this.newToken();
    const payload = req.payload ?? EMPTY;
    const szx = this.localMaxSzx();

    let msg: CoapMessage;
    if (payload.length > blockSize(szx)) {
      msg = await this.sendBlock1(method, base, payload, szx, confirmable, token, req.block2Szx);
    } else {
      const opts = base.slice();
      if (req.block2Szx !== undefined) opts.push({ number: Option.Block2, value: encodeBlock({ num: 0, more: false, szx: Math.min(req.block2Szx, szx) }) });
      msg = await this.exchange(method, opts, payload, confirmable, token);
    }
    if (onNotify && getOption(msg.options, Option.Observe) !== undefined && codeClass(msg.code) === 2) {
      const key = toHex(token);
      this.clientObserves.set(key, { tokenKey: key, token, base, confirmable, lastSeq: getUint(msg.options, Option.Observe) ?? 0, lastAt: this.host.now(), onNotify });
    }
    const response = req.singleBlock ? { code: msg.code, options: msg.options, payload: msg.payload } : await this.collectBlock2(method, base, msg, confirmable, token);
    return { response, token };
  }

  private async sendBlock1(method: number, base: CoapOption[], payload: Uint8Array, szx: number, confirmable: boolean, token: Uint8Array, block2Szx?: number): Promise<CoapMessage> {
    let offset = 0;
    let first = true;
    // Bounded: each round sends at least 16 bytes, so at most maxBodySize/16 + a few renegotiations.
    for (;;) {
      const size = blockSize(szx);
      const num = offset / size;
      const chunk = payload.subarray(offset, offset + size);
      const more = offset + chunk.length < payload.length;
      const opts = base.slice();
      opts.push({ number: Option.Block1, value: encodeBlock({ num, more, szx }) });
      if (first) opts.push(uintOption(Option.Size1, payload.length));
      if (!more && block2Szx !== undefined) opts.push({ number: Option.Block2, value: encodeBlock({ num: 0, more: false, szx: Math.min(block2Szx, szx) }) });
      const resp = await this.exchange(method, opts, chunk, confirmable, token);
      first = false;
      const b1raw = getOption(resp.options, Option.Block1);
      if (resp.code === Code.RequestEntityTooLarge && b1raw && offset === 0) {
        // §2.9.3: the server tells us the block size it can take; start again with it.
        const b = decodeBlock(b1raw);
        if (b.szx < szx) {
          szx = b.szx;
          continue;
        }
      }
      if (!more || resp.code !== Code.Continue) return resp;
      // §2.5: the server may ask for smaller blocks in its 2.31; continue at the same byte offset.
      if (b1raw) {
        const b = decodeBlock(b1raw);
        if (b.szx < szx) szx = b.szx;
      }
      offset += chunk.length;
    }
  }

  private async collectBlock2(method: number, base: CoapOption[], first: CoapMessage, confirmable: boolean, token: Uint8Array): Promise<CoapResponse> {
    const observe = getUint(first.options, Option.Observe);
    const b2raw = getOption(first.options, Option.Block2);
    const resp: CoapResponse = { code: first.code, options: first.options, payload: first.payload };
    if (observe !== undefined) resp.observe = observe;
    if (!b2raw) return resp;
    let b = decodeBlock(b2raw);
    if (!b.more) return resp;
    const parts: Uint8Array[] = [first.payload.slice()];
    let total = first.payload.length;
    const etag = getOption(first.options, Option.ETag);
    const baseNoObs = withoutOption(base, Option.Observe, Option.Block1, Option.Size1);
    const follow = method === Method.FETCH ? method : Method.GET;
    while (b.more) {
      const size = blockSize(b.szx);
      const next: BlockValue = { num: total / size, more: false, szx: b.szx };
      if (!Number.isInteger(next.num)) throw new CoapFormatError('block', 'Block2 block size changed mid-transfer at an unaligned offset');
      const opts = baseNoObs.slice();
      opts.push({ number: Option.Block2, value: encodeBlock(next) });
      const m = await this.exchange(follow, opts, EMPTY, confirmable, token);
      if (codeClass(m.code) !== 2) return { code: m.code, options: m.options, payload: m.payload };
      const raw = getOption(m.options, Option.Block2);
      if (!raw) throw new CoapFormatError('block', 'Block2 missing in a follow-up block');
      b = decodeBlock(raw);
      if (b.num * blockSize(b.szx) !== total) throw new CoapFormatError('block', `Block2 block ${b.num} does not continue at offset ${total}`);
      const tag = getOption(m.options, Option.ETag);
      if (etag && (!tag || toHex(tag) !== toHex(etag))) throw new CoapFormatError('block', 'representation changed during a Block2 transfer (ETag)');
      total += m.payload.length;
      if (total > this.config.maxBodySize) throw new CoapFormatError('too-large', `Block2 body exceeds ${this.config.maxBodySize} bytes`);
      if (m.payload.length === 0 && b.more) throw new CoapFormatError('block', 'empty Block2 block with more set');
      parts.push(m.payload.slice());
    }
    let payload = parts[0];
    if (parts.length > 1) {
      payload = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        payload.set(p, o);
        o += p.length;
      }
    }
    resp.payload = payload;
    return resp;
  }

  /** One request/response exchange, queued under NSTART. Resolves with the raw response message. */
  private exchange(method: number, options: CoapOption[], payload: Uint8Array, confirmable: boolean, token: Uint8Array): Promise<CoapMessage> {
    if (this.closed) return Promise.reject(new CoapClosedError());
    return new Promise((resolve, reject) => {
      const start = () => this.startExchange(method, options, payload, confirmable, token, resolve, reject);
      if (this.active < this.config.nstart) start();
      else this.queue.push({ start });
    });
  }

  private startExchange(method: number, options: CoapOption[], payload: Uint8Array, confirmable: boolean, token: Uint8Array, resolve: (m: CoapMessage) => void, reject: (e: Error) => void): void {
    if (this.closed) return reject(new CoapClosedError());
    this.active++;
    const tokenKey = toHex(token);
    const mid = this.allocateMessageId();
    const ex: Exchange = {
      tokenKey,
      messageId: mid,
      confirmable,
      timer: null,
      settled: false,
      resolve: (m) => this.finishExchange(ex, () => resolve(m)),
      reject: (e) => this.finishExchange(ex, () => reject(e)),
    };
    this.exchanges.set(tokenKey, ex);
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage({ type: confirmable ? MessageType.CON : MessageType.NON, code: method, messageId: mid, token, options, payload });
    } catch (e) {
      ex.reject(e as Error);
      return;
    }
    if (confirmable) {
      this.sendConfirmable(mid, bytes, {
        onAck: (m) => {
          if (m.code === 0) this.armResponseTimer(ex); // separate response follows (§5.2.2)
          else if (toHex(m.token) !== tokenKey) ex.reject(new CoapFormatError('bad-option', 'piggybacked response with a foreign token'));
          else this.takeResponse(ex, m);
        },
        onReset: () => ex.reject(new CoapResetError(`request ${codeString(method)} was reset by the peer`)),
        onGiveUp: (n) => ex.reject(new CoapTimeoutError(`no acknowledgement after ${n} transmissions`, n)),
      });
    } else {
      this.transmit(bytes);
      this.armResponseTimer(ex);
    }
  }

  private armResponseTimer(ex: Exchange): void {
    if (ex.settled) return;
    const ms = this.config.responseTimeoutMs || this.times.exchangeLifetime;
    if (ex.timer) this.host.clearTimer(ex.timer);
    ex.timer = this.host.setTimer(ms, () => {
      ex.timer = null;
      ex.reject(new CoapTimeoutError(`no response within ${ms} ms`, 1));
    });
  }

  private finishExchange(ex: Exchange, settle: () => void): void {
    if (ex.settled) return;
    ex.settled = true;
    if (ex.timer) this.host.clearTimer(ex.timer);
    ex.timer = null;
    if (this.exchanges.get(ex.tokenKey) === ex) this.exchanges.delete(ex.tokenKey);
    const t = this.transmissions.get(ex.messageId);
    if (t && t.bytes[1] !== 0) this.stopTransmission(t);
    this.active--;
    settle();
    const next = this.queue.shift();
    if (next) next.start();
  }

  /** A response matched by token; rejects it when it carries a critical option we do not know (§5.4.1). */
  private takeResponse(ex: Exchange, m: CoapMessage): void {
    const bad = firstBadCriticalOption(m.options);
    if (bad >= 0) {
      ex.reject(new CoapFormatError('bad-option', `response carries unrecognized critical option ${bad}`));
      return;
    }
    ex.resolve(m);
  }

  private newToken(): Uint8Array {
    // Random tokens (§5.3.1) make off-path response spoofing harder; retry the rare collision.
    for (let i = 0; i < 8; i++) {
      const t = this.host.randomBytes(this.config.tokenLength);
      const k = toHex(t);
      if (!this.exchanges.has(k) && !this.clientObserves.has(k)) return t;
    }
    return this.host.randomBytes(this.config.tokenLength);
  }

  private localMaxSzx(): number {
    // Leave room for header, token and options: a 1024-byte block needs a datagram of about 1100 bytes.
    return Math.min(this.config.maxSzx, szxForSize(this.channel.maxDatagramSize - 80));
  }

  // ---------------------------------------------------------------- message layer

  private allocateMessageId(): number {
    const id = this.nextMessageId;
    this.nextMessageId = (this.nextMessageId + 1) & 0xffff;
    return id;
  }

  /** The first timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR] (§4.2), from the Host's randomness. */
  private initialTimeout(): number {
    const r = this.host.randomBytes(4);
    const u = (((r[0] << 24) >>> 0) + ((r[1] << 16) | (r[2] << 8) | r[3])) / 0x100000000;
    const c = this.config;
    return Math.floor(c.ackTimeoutMs + u * c.ackTimeoutMs * (c.ackRandomFactor - 1));
  }

  private sendConfirmable(messageId: number, bytes: Uint8Array, h: { onAck(m: CoapMessage): void; onReset(): void; onGiveUp(n: number): void }): void {
    const t: Transmission = {
      messageId,
      bytes,
      count: 1,
      timeoutMs: this.initialTimeout(),
      timer: null,
      onAck: h.onAck,
      onReset: h.onReset,
      onGiveUp: () => h.onGiveUp(t.count),
    };
    this.transmissions.set(messageId, t);
    this.transmit(bytes);
    this.armRetransmit(t);
  }

  private armRetransmit(t: Transmission): void {
    t.timer = this.host.setTimer(t.timeoutMs, () => {
      t.timer = null;
      if (this.transmissions.get(t.messageId) !== t) return;
      if (t.count > this.config.maxRetransmit) {
        this.transmissions.delete(t.messageId);
        t.onGiveUp();
        return;
      }
      t.count++;
      t.timeoutMs *= 2;
      this.transmit(t.bytes);
      this.armRetransmit(t);
    });
  }

  private stopTransmission(t: Transmission): void {
    if (t.timer) this.host.clearTimer(t.timer);
    t.timer = null;
    this.transmissions.delete(t.messageId);
  }

  private send(m: CoapMessage): Uint8Array {
    const bytes = encodeMessage(m);
    this.transmit(bytes);
    return bytes;
  }

  /** Entry point for every datagram from the channel. Never throws. */
  receive(data: Uint8Array): void {
    if (this.closed) return;
    let m: CoapMessage;
    try {
      m = decodeMessage(data);
    } catch (e) {
      if (e instanceof CoapFormatError) {
        // §4.2/§4.3: a CON we cannot process is rejected with RST; anything else is silently ignored.
        if (e.header && e.header.type === MessageType.CON) this.transmit(emptyMessage(MessageType.RST, e.header.messageId));
        this.host.log('debug', 'coap: dropped malformed datagram', { code: e.code });
        return;
      }
      throw e;
    }
    try {
      this.dispatch(m);
    } catch (e) {
      // A bug in a callback must not take the endpoint down with it.
      this.host.log('error', 'coap: error while processing a message', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private dispatch(m: CoapMessage): void {
    switch (m.type) {
      case MessageType.ACK:
      case MessageType.RST:
        return this.receiveAckOrReset(m);
      default:
        if (m.code === 0) {
          // CON Empty is a ping: answer RST (§4.3). NON Empty is ignored.
          if (m.type === MessageType.CON) this.transmit(emptyMessage(MessageType.RST, m.messageId));
          return;
        }
        if (this.isDuplicate(m)) return;
        if (isRequestCode(m.code)) return this.receiveRequest(m);
        if (isResponseCode(m.code)) return this.receiveSeparateResponse(m);
        // Class 3 (signalling is TCP-only) and other unassigned codes: reject a CON, ignore a NON.
        if (m.type === MessageType.CON) this.rememberReply(m.messageId, this.sendRaw(emptyMessage(MessageType.RST, m.messageId)));
    }
  }

  private sendRaw(bytes: Uint8Array): Uint8Array {
    this.transmit(bytes);
    return bytes;
  }

  /** §4.5: a CON or NON seen before within its lifetime is not processed again; a CON gets the same reply. */
  private isDuplicate(m: CoapMessage): boolean {
    const now = this.host.now();
    // Entries are in insertion order; the front ones are the oldest.
    for (const [id, e] of this.dedup) {
      if (e.expiresAt > now && this.dedup.size <= this.config.dedupCapacity) break;
      this.forget(id, e);
    }
    const seen = this.dedup.get(m.messageId);
    if (seen && seen.expiresAt > now) {
      if (m.type === MessageType.CON && seen.reply) this.transmit(seen.reply);
      return true;
    }
    if (seen) this.forget(m.messageId, seen);
    const life = m.type === MessageType.CON ? this.times.exchangeLifetime : this.times.nonLifetime;
    const entry: DedupEntry = { expiresAt: now + life, reply: null };
    this.dedup.set(m.messageId, entry);
    this.dedupBytes += DEDUP_ENTRY_BYTES;
    this.trimDedup(entry);
    return false;
  }

  private rememberReply(messageId: number, reply: Uint8Array): void {
    const e = this.dedup.get(messageId);
    if (!e) return;
    if (e.reply) this.dedupBytes -= e.reply.length;
    e.reply = null;
    // A reply that alone exceeds the bound is not kept: a retransmitted request is then recognised but not answered.
    if (DEDUP_ENTRY_BYTES + reply.length > this.config.dedupMaxBytes) return;
    e.reply = reply;
    this.dedupBytes += reply.length;
    this.trimDedup(e);
  }

  private forget(id: number, e: DedupEntry): void {
    this.dedup.delete(id);
    this.dedupBytes -= DEDUP_ENTRY_BYTES + (e.reply ? e.reply.length : 0);
  }

  /** Brings the duplicate cache within dedupMaxBytes, sparing `keep` (the entry just written). */
  private trimDedup(keep: DedupEntry): void {
    const max = this.config.dedupMaxBytes;
    if (this.dedupBytes <= max) return;
    for (const e of this.dedup.values()) {
      if (this.dedupBytes <= max) return;
      if (e.reply && e !== keep) {
        this.dedupBytes -= e.reply.length;
        e.reply = null;
      }
    }
    for (const [id, e] of this.dedup) {
      if (this.dedupBytes <= max) return;
      if (e !== keep) this.forget(id, e);
    }
  }

  private receiveAckOrReset(m: CoapMessage): void {
    const t = this.transmissions.get(m.messageId);
    if (m.type === MessageType.RST) {
      if (m.code !== 0) return; // an RST must be Empty (§4.1); ignore anything else
      if (t) {
        this.stopTransmission(t);
        t.onReset();
        return;
      }
      const sent = this.notificationIds.get(m.messageId);
      if (sent !== undefined) {
        this.notificationIds.delete(m.messageId);
        if (this.host.now() - sent.at <= this.times.nonLifetime) this.endObservation(sent.key, 'reset');
      }
      return;
    }
    if (!t) return; // a late or duplicated ACK
    if (m.code !== 0 && !isResponseCode(m.code)) return;
    this.stopTransmission(t);
    t.onAck(m);
  }

  private receiveSeparateResponse(m: CoapMessage): void {
    const key = toHex(m.token);
    const ex = this.exchanges.get(key);
    const obs = ex ? undefined : this.clientObserves.get(key);
    if (!ex && !obs) {
      // §5.3.2 / RFC 7641 §3.6: an unexpected response (or a notification we no longer want) is rejected.
      const rst = this.sendRaw(emptyMessage(MessageType.RST, m.messageId));
      if (m.type === MessageType.CON) this.rememberReply(m.messageId, rst);
      return;
    }
    const bad = firstBadCriticalOption(m.options);
    if (bad >= 0) {
      // §5.4.1: an unrecognized critical option in a CON response rejects it; in a NON it is dropped.
      if (m.type === MessageType.CON) this.rememberReply(m.messageId, this.sendRaw(emptyMessage(MessageType.RST, m.messageId)));
      if (ex) ex.reject(new CoapFormatError('bad-option', `response carries unrecognized critical option ${bad}`));
      return;
    }
    if (m.type === MessageType.CON) this.rememberReply(m.messageId, this.sendRaw(emptyMessage(MessageType.ACK, m.messageId)));
    if (ex) {
      ex.resolve(m);
      return;
    }
    if (obs) this.takeNotification(obs, m);
  }

  private takeNotification(obs: ClientObserveState, m: CoapMessage): void {
    const seq = getUint(m.options, Option.Observe);
    const now = this.host.now();
    if (seq === undefined || codeClass(m.code) !== 2) {
      // A final response without Observe ends the observation (RFC 7641 §3.2).
      this.clientObserves.delete(obs.tokenKey);
      obs.onNotify({ code: m.code, options: m.options, payload: m.payload.slice() });
      return;
    }
    if (!isFresher(obs.lastSeq, obs.lastAt, seq, now)) return;
    obs.lastSeq = seq;
    obs.lastAt = now;
    const b2 = getOption(m.options, Option.Block2);
    if (!b2) {
      obs.onNotify({ code: m.code, options: m.options, payload: m.payload.slice(), observe: seq });
      return;
    }
    // RFC 7959 §2.6: a notification carrying block 0 of a large representation; GET the rest
    // (without Observe, under a fresh token so later notifications are not taken for block responses).
    const first: CoapMessage = { ...m, payload: m.payload.slice(), options: m.options.slice() };
    this.collectBlock2(Method.GET, obs.base, first, obs.confirmable, this.newToken()).then(
      (r) => {
        if (this.clientObserves.get(obs.tokenKey) === obs && obs.lastSeq === seq) obs.onNotify({ ...r, observe: seq });
      },
      (e) => this.host.log('warn', 'coap: could not fetch the rest of a block-wise notification', { error: e instanceof Error ? e.message : String(e) }),
    );
  }

  // ---------------------------------------------------------------- server role

  private receiveRequest(m: CoapMessage): void {
    const confirmable = m.type === MessageType.CON;
    const reply = (spec: ResponseSpec): void => this.reply(m, spec, false);
    const bad = firstBadCriticalOption(m.options);
    if (bad >= 0) return reply({ code: Code.BadOption, payload: diagnostic(`unrecognized critical option ${bad}`) });
    // OSCORE (RFC 8613) is not implemented here: its critical option is one we cannot process (RFC 7252 §5.4.1).
    if (getOption(m.options, Option.OSCORE) !== undefined) return reply({ code: Code.BadOption, payload: diagnostic('OSCORE is not supported') });
    // §5.7.2: an endpoint that is not a forward-proxy answers Proxy-Uri / Proxy-Scheme with 5.05.
    if (getOption(m.options, Option.ProxyUri) !== undefined || getOption(m.options, Option.ProxyScheme) !== undefined) return reply({ code: Code.ProxyingNotSupported });
    const path = getStrings(m.options, Option.UriPath);
    const query = getStrings(m.options, Option.UriQuery);
    if (!path || !query) return reply({ code: Code.BadRequest, payload: diagnostic('Uri-Path/Uri-Query is not UTF-8') });
    const resourceKey = `${m.code}|${path.join('/')}?${query.join('&')}`;
    const observe = getUint(m.options, Option.Observe);
    const tokenKey = toHex(m.token);

    // RFC 7641 §3.6: GET with Observe 1 deregisters, then is served like a plain GET.
    if (m.code === Method.GET && observe === OBSERVE_DEREGISTER && this.observations.has(tokenKey)) this.endObservation(tokenKey, 'deregister');

    let block2: BlockValue | null = null;
    let block1: BlockValue | null = null;
    try {
      const b2 = getOption(m.options, Option.Block2);
      if (b2) block2 = decodeBlock(b2);
      const b1 = getOption(m.options, Option.Block1);
      if (b1) block1 = decodeBlock(b1);
    } catch {
      return reply({ code: Code.BadOption, payload: diagnostic('bad Block option') });
    }

    // RFC 7959 §2.4: a request for a later block is served from the representation block 0 came from.
    if (block2 && block2.num > 0 && !block1) {
      const cached = this.block2.get(resourceKey, this.host.now());
      if (cached) return this.reply(m, { code: cached.code, options: cached.options, payload: cached.payload }, false, block2, resourceKey);
    }

    let payload = m.payload;
    let block1Echo: Uint8Array | null = null;
    if (block1 && this.onBlock1) {
      // A resource that streams its body (a firmware Package) takes each block itself instead of the reassembler.
      const spec = this.onBlock1({ method: m.code, path, query, options: m.options, payload: m.payload, token: m.token.slice(), confirmable, observe, contentFormat: getUint(m.options, Option.ContentFormat), accept: getUint(m.options, Option.Accept) }, block1);
      if (spec) {
        const echo = { number: Option.Block1, value: encodeBlock({ num: block1.num, more: block1.more && spec.code === Code.Continue, szx: Math.min(block1.szx, this.localMaxSzx()) }) };
        return reply({ ...spec, options: [...(spec.options ?? []), echo] });
      }
    }
    if (block1) {
      const szx = Math.min(block1.szx, this.localMaxSzx());
      // §2.3: every block but the last has exactly the size SZX says.
      if (block1.more && m.payload.length !== blockSize(block1.szx)) return reply({ code: Code.BadRequest, payload: diagnostic('non-final block of the wrong size') });
      const size1 = getUint(m.options, Option.Size1);
      const r = this.block1.add(resourceKey, block1.num * blockSize(block1.szx), m.payload, block1.more, this.host.now(), size1);
      if (this.config.wipeRequestPayloads) wipe(m.payload); // the assembler keeps its own copy
      if (r.kind === 'too-large') return reply({ code: Code.RequestEntityTooLarge, options: [uintOption(Option.Size1, this.config.maxBodySize)] });
      if (r.kind === 'incomplete') return reply({ code: Code.RequestEntityIncomplete });
      if (r.kind === 'continue') {
        // §2.3: 2.31 acknowledges this block; a smaller SZX asks the client for smaller blocks.
        return reply({ code: Code.Continue, options: [{ number: Option.Block1, value: encodeBlock({ num: block1.num, more: true, szx }) }] });
      }
      payload = r.body;
      block1Echo = encodeBlock({ num: block1.num, more: false, szx: block1.szx });
    }

    const handler = this.handler;
    const req: IncomingRequest = {
      method: m.code,
      path,
      query,
      options: m.options,
      payload,
      token: m.token.slice(),
      confirmable,
      observe,
      contentFormat: getUint(m.options, Option.ContentFormat),
      accept: getUint(m.options, Option.Accept),
    };
    const done = () => {
      if (!this.config.wipeRequestPayloads) return;
      wipe(m.payload);
      wipe(payload);
    };
    let result: ResponseSpec | Promise<ResponseSpec>;
    try {
      result = handler ? handler(req) : { code: Code.NotFound };
    } catch (e) {
      done();
      return reply(internalError(e));
    }
    const finish = (spec: ResponseSpec, separate: boolean) => {
      if (this.closed) return;
      const extra: CoapOption[] = [];
      if (block1Echo) extra.push({ number: Option.Block1, value: block1Echo });
      let s = extra.length ? { ...spec, options: [...(spec.options ?? []), ...extra] } : spec;
      if (m.code === Method.GET && observe === OBSERVE_REGISTER && codeClass(spec.code) === 2) s = this.register(m, path, query, req.accept, s);
      this.reply(m, s, separate, block2, resourceKey);
    };
    if (!isThenable(result)) {
      done();
      return finish(result, false);
    }

    // An asynchronous handler: if it is slow, ACK now so the client stops retransmitting (§5.2.2).
    let acked = false;
    let timer: TimerHandle | null = null;
    if (confirmable) {
      timer = this.host.setTimer(this.config.separateResponseDelayMs, () => {
        timer = null;
        acked = true;
        this.rememberReply(m.messageId, this.sendRaw(emptyMessage(MessageType.ACK, m.messageId)));
      });
    }
    result.then(
      (spec) => {
        if (timer) this.host.clearTimer(timer);
        done();
        finish(spec, acked);
      },
      (e) => {
        if (timer) this.host.clearTimer(timer);
        done();
        if (!this.closed) this.reply(m, internalError(e), acked);
      },
    );
  }

  /**
   * Sends a response to request `m`: piggybacked in the ACK of a CON, as a NON to a NON, or as a
   * separate CON after an Empty ACK. Large payloads go out as Block2 blocks (RFC 7959 §2.4).
   */
  private reply(m: CoapMessage, spec: ResponseSpec, separate: boolean, block2: BlockValue | null = null, resourceKey?: string): void {
    const options: CoapOption[] = spec.options ? spec.options.slice() : [];
    if (spec.contentFormat !== undefined && getOption(options, Option.ContentFormat) === undefined) options.push(uintOption(Option.ContentFormat, spec.contentFormat));
    let payload = spec.payload ?? EMPTY;
    const szx = Math.min(block2 ? block2.szx : 6, this.localMaxSzx());
    const size = blockSize(szx);
    if (payload.length > size || (block2 && block2.num > 0)) {
      const num = block2 ? Math.floor((block2.num * blockSize(block2.szx)) / size) : 0;
      const offset = num * size;
      if (offset >= payload.length && offset !== 0) {
        return this.reply(m, { code: Code.BadOption, payload: diagnostic('Block2 number beyond the end') }, separate);
      }
      if (resourceKey && num === 0 && (m.code === Method.GET || m.code === Method.FETCH)) this.block2.put(resourceKey, spec.code, withoutOption(options, Option.Observe), payload, this.host.now());
      const more = offset + size < payload.length;
      const total = payload.length;
      payload = payload.subarray(offset, offset + size);
      options.push({ number: Option.Block2, value: encodeBlock({ num, more, szx }) });
      if (num === 0) options.push(uintOption(Option.Size2, total));
    }
    if (separate || m.type === MessageType.NON) {
      const mid = this.allocateMessageId();
      const msg: CoapMessage = { type: separate ? MessageType.CON : MessageType.NON, code: spec.code, messageId: mid, token: m.token, options, payload };
      const bytes = encodeMessage(msg);
      if (separate) this.sendConfirmable(mid, bytes, { onAck: () => {}, onReset: () => this.endObservation(toHex(m.token), 'reset'), onGiveUp: () => this.endObservation(toHex(m.token), 'timeout') });
      else this.transmit(bytes);
      return;
    }
    const bytes = this.send({ type: MessageType.ACK, code: spec.code, messageId: m.messageId, token: m.token, options, payload });
    this.rememberReply(m.messageId, bytes);
  }

  private register(m: CoapMessage, path: string[], query: string[], accept: number | undefined, spec: ResponseSpec): ResponseSpec {
    const key = toHex(m.token);
    const now = this.host.now();
    // Re-registration with the same token replaces the entry (RFC 7641 §4.1).
    if (this.observations.has(key)) this.endObservation(key, 'replaced');
    // At the bound, a new observer is declined: the response goes out without Observe (RFC 7641 §4.1).
    else if (this.observations.size >= this.config.maxObservations) return { ...spec, options: withoutOption(spec.options ?? [], Option.Observe) };
    const obs: Observation = {
      key,
      token: m.token.slice(),
      path,
      query,
      accept,
      registeredAt: now,
      notifications: 0,
      sinceConfirmable: 0,
      lastConfirmableAt: now,
    };
    this.observations.set(key, obs);
    this.onObserve?.(obs);
    return { ...spec, options: [...withoutOption(spec.options ?? [], Option.Observe), uintOption(Option.Observe, this.nextObserveSeq())] };
  }

  private nextObserveSeq(): number {
    this.observeSeq = (this.observeSeq + 1) % OBSERVE_MODULO;
    return this.observeSeq;
  }

  /** The Observe number last used (RFC 7641 §4.4), for a device that keeps its observations across deep sleep. */
  get observeSequence(): number {
    return this.observeSeq;
  }

  /**
   * Takes back an observation kept across deep sleep (LwM2M 1.1 Core §6.4.3, §6.5): the server registered it on an
   * earlier endpoint of the same registration. Nothing is sent; numbering goes on after `lastSequence` so the
   * server sees larger Observe numbers than before the sleep (RFC 7641 §4.4). Null at the observation bound, for
   * a token already in use, or once closed.
   */
  adoptObservation(kept: { token: Uint8Array; path: string[]; query: string[]; accept: number | undefined }, lastSequence: number): Observation | null {
    const key = toHex(kept.token);
    if (this.closed || kept.token.length > 8 || this.observations.has(key) || this.observations.size >= this.config.maxObservations) return null;
    this.observeSeq = lastSequence % OBSERVE_MODULO;
    const now = this.host.now();
    const obs: Observation = { key, token: kept.token.slice(), path: kept.path.slice(), query: kept.query.slice(), accept: kept.accept, registeredAt: now, notifications: 0, sinceConfirmable: 0, lastConfirmableAt: now };
    this.observations.set(key, obs);
    return obs;
  }

  /** The current observations (a snapshot). */
  listObservations(): Observation[] {
    return [...this.observations.values()];
  }

  /**
   * Sends a notification to the observation with this key (token hex), or to every observation of
   * this path ("/3/0/1"). Returns the number of observers notified (or queued behind a CON in flight).
   * A non-2.xx response ends the observation (RFC 7641 §3.2). `confirmable` forces a CON.
   */
  notify(target: string | Observation, response: ResponseSpec, confirmable?: boolean): number {
    const list: Observation[] = [];
    if (typeof target !== 'string') {
      if (this.observations.get(target.key) === target) list.push(target);
    } else if (target.startsWith('/')) {
      for (const o of this.observations.values()) if (pathString(o.path) === target) list.push(o);
    } else {
      const o = this.observations.get(target);
      if (o) list.push(o);
    }
    for (const o of list) this.sendNotification(o, response, confirmable === true);
    return list.length;
  }

  /** Ends an observation from our side (no message is sent; the next notification would not come). */
  cancelObservation(key: string): boolean {
    return this.endObservation(key, 'api');
  }

  private sendNotification(obs: Observation, spec: ResponseSpec, forceCon: boolean): void {
    if (this.closed) return;
    if (this.obsInFlight.has(obs.key)) {
      // RFC 7641 §4.5.1: keep order and do not flood; only the newest state is worth sending next.
      this.obsInFlight.set(obs.key, spec);
      return;
    }
    const now = this.host.now();
    const final = codeClass(spec.code) !== 2;
    const c = this.config;
    for (const [id, sent] of this.notificationIds) {
      if (now - sent.at <= this.times.nonLifetime) break; // insertion order is send order
      this.notificationIds.delete(id);
    }
    const con = forceCon || final || obs.sinceConfirmable + 1 >= c.observeConEvery || now - obs.lastConfirmableAt >= c.observeConIntervalMs || this.notificationIds.size >= MAX_TRACKED_NON_NOTIFICATIONS;
    const options = withoutOption(spec.options ?? [], Option.Observe);
    if (!final) options.push(uintOption(Option.Observe, this.nextObserveSeq()));
    if (spec.contentFormat !== undefined && getOption(options, Option.ContentFormat) === undefined) options.push(uintOption(Option.ContentFormat, spec.contentFormat));
    let payload = spec.payload ?? EMPTY;
    const szx = this.localMaxSzx();
    if (payload.length > blockSize(szx)) {
      // RFC 7959 §2.6 (with RFC 7641): the notification carries block 0; the client GETs the rest.
      const rk = `${Method.GET}|${obs.path.join('/')}?${obs.query.join('&')}`;
      this.block2.put(rk, spec.code, withoutOption(options, Option.Observe), payload, now);
      options.push({ number: Option.Block2, value: encodeBlock({ num: 0, more: true, szx }) }, uintOption(Option.Size2, payload.length));
      payload = payload.subarray(0, blockSize(szx));
    }
    const mid = this.allocateMessageId();
    const bytes = encodeMessage({ type: con ? MessageType.CON : MessageType.NON, code: spec.code, messageId: mid, token: obs.token, options, payload });
    obs.notifications++;
    if (final) this.endObservation(obs.key, 'final-response');
    if (!con) {
      this.notificationIds.set(mid, { key: obs.key, at: now });
      obs.sinceConfirmable++;
      this.transmit(bytes);
      return;
    }
    obs.sinceConfirmable = 0;
    obs.lastConfirmableAt = now;
    if (!final) this.obsInFlight.set(obs.key, null);
    const done = () => {
      const next = this.obsInFlight.get(obs.key);
      this.obsInFlight.delete(obs.key);
      if (next && this.observations.get(obs.key) === obs) this.sendNotification(obs, next, false);
    };
    this.sendConfirmable(mid, bytes, {
      onAck: done,
      onReset: () => {
        this.obsInFlight.delete(obs.key);
        this.endObservation(obs.key, 'reset');
      },
      onGiveUp: () => {
        // RFC 7641 §4.5: a CON notification that is never acknowledged ends the observation.
        this.obsInFlight.delete(obs.key);
        this.endObservation(obs.key, 'timeout');
      },
    });
  }

  private endObservation(key: string, reason: CancelReason): boolean {
    const obs = this.observations.get(key);
    if (!obs) return false;
    this.observations.delete(key);
    this.obsInFlight.delete(key);
    this.onCancel?.(obs, reason);
    return true;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Every datagram leaves through here. A channel that has failed (a closed DTLS association, a socket
   * error) throws from send(); that must not escape from a timer callback, so the endpoint shuts down
   * on the next tick instead and every pending request rejects with CoapClosedError.
   */
  private transmit(bytes: Uint8Array): void {
    if (this.closed) return;
    try {
      this.channel.send(bytes);
    } catch (e) {
      this.host.log('warn', 'coap: the channel refused a datagram; closing the endpoint', { error: e instanceof Error ? e.name : 'error' });
      this.host.setTimer(0, () => this.close());
    }
  }

  /** Stops every timer, rejects outstanding requests and ends observations. Does not close the channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.transmissions.values()) if (t.timer) this.host.clearTimer(t.timer);
    this.transmissions.clear();
    const err = new CoapClosedError();
    for (const ex of [...this.exchanges.values()]) ex.reject(err);
    for (const q of this.queue.splice(0)) q.start();
    for (const key of [...this.observations.keys()]) this.endObservation(key, 'closed');
    this.clientObserves.clear();
    this.channel.onReceive = null;
  }
}

function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown })?.then === 'function';
}

function diagnostic(s: string): Uint8Array {
  // §5.5.2: a diagnostic payload is UTF-8 text; these are ASCII.
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

function internalError(e: unknown): ResponseSpec {
  return { code: Code.InternalServerError, payload: diagnostic(e instanceof Error ? e.name : 'error') };
}

/** Convenience for handlers and logs. */
export function payloadText(p: Uint8Array): string {
  try {
    return utf8Decode(p);
  } catch {
    return toHex(p);
  }
}

