/**
 * The AT command engine (ITU-T V.250 §5, 3GPP TS 27.007 §4, TS 27.005 §3): one command at a time over
 * the modem's ByteStream, each with its own timeout; the final result codes OK, ERROR, +CME ERROR and
 * +CMS ERROR (plus the V.250 call-failure codes and any a command adds, such as SEND OK); information
 * lines collected per command; the `> ` prompt answered with the command's data; unsolicited result
 * codes (URCs) routed to subscribers by prefix, including those with a second line (+CMT: <PDU>).
 *
 * Nothing here waits forever: a command that gets no final result within its time is failed with
 * AtError('timeout'), a pending prompt is cancelled with ESC, and the next command is preceded by a
 * plain `AT` so stale output from the silent command cannot be taken as the next one's answer. After
 * `unresponsiveAfter` timeouts in a row `onUnresponsive` tells the owner to power-cycle the modem.
 */
import type { Host, TimerHandle } from '../host';
import type { ByteStream } from '../transport/types';
import { AtError } from './errors';
import { AtLineReader } from './line-reader';

export interface AtCommandOptions {
  /** Default: the engine's defaultTimeoutMs. */
  timeoutMs?: number;
  /** Information lines start with this (e.g. '+CMGS:'): they belong to the command even when a URC shares the prefix. */
  prefix?: string;
  /** Sent after the `> ` prompt (TS 27.005 §3.5.1: the PDU in hex followed by Ctrl-Z). */
  data?: Uint8Array;
  /** Put at the head of the queue (AT+CNMA must follow +CMT within the network's timer). */
  urgent?: boolean;
  /** More final result codes meaning success, e.g. 'SEND OK'. */
  finals?: readonly string[];
  /** More final result codes meaning failure, e.g. 'SEND FAIL'. */
  failures?: readonly string[];
  /**
   * The response carries binary data whose length a header announces (capture group 1): after the header
   * line (`afterLine`, Quectel +QIRD) or after the header's comma on the same line (`inline`, SIMCom +CARECV).
   */
  binary?: { afterLine?: RegExp; inline?: RegExp };
}

export interface AtResponse {
  /** Information response lines, in order (echo and the final result code excluded). */
  lines: string[];
  /** The final result code that ended the command. */
  final: string;
  /** Binary data announced by a `binary` header (a copy). */
  data?: Uint8Array;
}

export interface AtEngineOptions {
  defaultTimeoutMs?: number;
  /** Longest line kept; longer lines are dropped and counted. Default 1200 (a +CMGR PDU line is at most ~360). */
  maxLineLength?: number;
  /** Information lines one command may collect. Default 64. */
  maxLines?: number;
  /** Commands waiting behind the active one. Default 16. */
  maxQueued?: number;
  /** Consecutive timeouts before onUnresponsive. Default 3. */
  unresponsiveAfter?: number;
}

export type UrcHandler = (line: string, body: string | null) => void;

interface Pending {
  cmd: string;
  o: AtCommandOptions;
  resolve: (r: AtResponse) => void;
  reject: (e: Error) => void;
  lines: string[];
  echoSeen: boolean;
  internal: boolean;
  data?: Uint8Array;
}

interface Subscriber {
  prefix: string;
  handler: UrcHandler;
  withBody: boolean;
}

const FAILURE_CODES = Object.freeze(['ERROR', 'NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE']);
const ESC = 0x1b;

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

export class AtEngine {
  private readonly reader: AtLineReader;
  private readonly queue: Pending[] = [];
  private active: Pending | null = null;
  private timer: TimerHandle | null = null;
  private readonly subscribers: Subscriber[] = [];
  private bodyFor: { line: string; subs: Subscriber[] } | null = null;
  private needsSync = false;
  private closed = false;
  private readonly defaultTimeoutMs: number;
  private readonly maxLines: number;
  private readonly maxQueued: number;
  private readonly unresponsiveAfter: number;
  /** Counters an application can read for diagnostics. */
  readonly stats = { commands: 0, timeouts: 0, consecutiveTimeouts: 0, urcs: 0, strayLines: 0, handlerErrors: 0 };
  /** Called after `unresponsiveAfter` timeouts in a row; the owner should reset the modem. */
  onUnresponsive: (() => void) | null = null;

  constructor(
    private readonly host: Pick<Host, 'setTimer' | 'clearTimer'>,
    private readonly stream: ByteStream,
    opts: AtEngineOptions = {},
  ) {
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 5_000;
    this.maxLines = opts.maxLines ?? 64;
    this.maxQueued = opts.maxQueued ?? 16;
    this.unresponsiveAfter = opts.unresponsiveAfter ?? 3;
    this.reader = new AtLineReader({ line: (t) => this.onLine(t), prompt: () => this.onPrompt(), raw: (d) => this.onRaw(d) }, opts.maxLineLength ?? 1200);
    stream.onData = (d) => this.reader.feed(d);
  }

  /** Lines dropped for being too long. */
  get overflows(): number {
    return this.reader.overflows;
  }

  /** Whether a command is running or queued. */
  get busy(): boolean {
    return this.active !== null || this.queue.length > 0;
  }

  /**
   * Runs `cmd` (without the trailing CR, e.g. 'AT+CSQ') when the commands before it are done.
   * Resolves on a success final result code; rejects with AtError otherwise.
   */
  send(cmd: string, o: AtCommandOptions = {}): Promise<AtResponse> {
    if (this.closed) return Promise.reject(new AtError('closed', 'the AT engine is closed'));
    if (this.queue.length >= this.maxQueued) return Promise.reject(new AtError('busy', `more than ${this.maxQueued} AT commands queued`));
    return new Promise<AtResponse>((resolve, reject) => {
      const p: Pending = { cmd, o, resolve, reject, lines: [], echoSeen: false, internal: false };
      if (o.urgent) this.queue.unshift(p);
      else this.queue.push(p);
      this.pump();
    });
  }

  /**
   * Subscribes to URCs starting with `prefix` (e.g. '+CMTI:'). With `withBody` the line after the
   * URC is delivered with it (TS 27.005 §3.4.1 +CMT: in PDU mode). Returns the unsubscribe function.
   */
  onUrc(prefix: string, handler: UrcHandler, withBody = false): () => void {
    const s: Subscriber = { prefix, handler, withBody };
    this.subscribers.push(s);
    return () => {
      const i = this.subscribers.indexOf(s);
      if (i >= 0) this.subscribers.splice(i, 1);
    };
  }

  /** Fails every command and stops listening. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    const all = this.active ? [this.active, ...this.queue] : [...this.queue];
    this.active = null;
    this.queue.length = 0;
    for (const p of all) p.reject(new AtError('closed', 'the AT engine was closed'));
    this.stream.onData = null;
  }

  private pump(): void {
    if (this.active || this.closed) return;
    if (this.needsSync && this.queue.length > 0) {
      // After a timeout: make the modem answer something harmless first so its late output is consumed.
      this.needsSync = false;
      const sync: Pending = { cmd: 'AT', o: { timeoutMs: Math.min(2_000, this.defaultTimeoutMs) }, resolve: () => {}, reject: () => {}, lines: [], echoSeen: false, internal: true };
      this.start(sync);
      return;
    }
    const next = this.queue.shift();
    if (next) this.start(next);
  }

  private start(p: Pending): void {
    this.active = p;
    if (!p.internal) this.stats.commands++;
    this.reader.promptExpected = p.o.data !== undefined;
    const bin = p.o.binary;
    this.reader.rawHooks = bin ? { afterLine: bin.afterLine ? (l) => lengthOf(bin.afterLine!, l) : undefined, inline: bin.inline ? (l) => lengthOf(bin.inline!, l) : undefined } : null;
    this.timer = this.host.setTimer(p.o.timeoutMs ?? this.defaultTimeoutMs, () => this.onTimeout(p));
    this.stream.write(ascii(p.cmd + '\r'));
  }

  private stopTimer(): void {
    if (this.timer !== null) this.host.clearTimer(this.timer);
    this.timer = null;
  }

  private finish(p: Pending, result: AtResponse | Error): void {
    if (this.active !== p) return;
    this.stopTimer();
    this.active = null;
    this.reader.promptExpected = false;
    this.reader.rawHooks = null;
    if (result instanceof Error) p.reject(result);
    else {
      this.stats.consecutiveTimeouts = 0;
      p.resolve(result);
    }
    this.pump();
  }

  private onTimeout(p: Pending): void {
    if (this.active !== p) return;
    this.timer = null;
    if (this.reader.promptExpected || p.o.data !== undefined) this.stream.write(Uint8Array.of(ESC));
    this.reader.reset();
    this.bodyFor = null;
    // A silent resync is not resynced again: the queued command goes next and gets its own timeout.
    if (!p.internal) this.needsSync = true;
    this.stats.timeouts++;
    this.stats.consecutiveTimeouts++;
    const unresponsive = this.stats.consecutiveTimeouts >= this.unresponsiveAfter;
    this.finish(p, new AtError('timeout', `no final result code for ${p.internal ? 'the resync AT' : commandName(p.cmd)} within ${p.o.timeoutMs ?? this.defaultTimeoutMs} ms`));
    if (unresponsive) {
      this.stats.consecutiveTimeouts = 0;
      try {
        this.onUnresponsive?.();
      } catch {
        this.stats.handlerErrors++;
      }
    }
  }

  private onRaw(d: Uint8Array): void {
    const p = this.active;
    if (p && !p.internal) p.data = d.slice();
  }

  private onPrompt(): void {
    const p = this.active;
    if (!p) return;
    // A prompt nobody asked for is cancelled rather than left open (the modem would swallow the next command).
    this.stream.write(p.o.data ?? Uint8Array.of(ESC));
  }

  private onLine(text: string): void {
    if (this.bodyFor) {
      const { line, subs } = this.bodyFor;
      this.bodyFor = null;
      this.deliver(subs, line, text);
      return;
    }
    const p = this.active;
    if (p) {
      if (!p.echoSeen && text === p.cmd) {
        p.echoSeen = true; // V.250 §6.2.4 echo (ATE1)
        return;
      }
      const final = this.finalOf(p, text);
      if (final) {
        this.finish(p, final === 'ok' ? { lines: p.lines, final: text, ...(p.data ? { data: p.data } : {}) } : errorOf(p.cmd, text));
        return;
      }
      if (p.o.prefix && text.startsWith(p.o.prefix)) {
        this.collect(p, text);
        return;
      }
      if (this.urc(text)) return;
      this.collect(p, text);
      return;
    }
    if (!this.urc(text)) this.stats.strayLines++;
  }

  private collect(p: Pending, text: string): void {
    if (p.internal) return;
    if (p.lines.length >= this.maxLines) {
      this.finish(p, new AtError('too-long', `${commandName(p.cmd)}: more than ${this.maxLines} response lines`));
      this.needsSync = true;
      return;
    }
    p.lines.push(text);
  }

  private finalOf(p: Pending, text: string): 'ok' | 'fail' | null {
    if (text === 'OK' || p.o.finals?.includes(text)) return 'ok';
    if (FAILURE_CODES.includes(text) || text.startsWith('+CME ERROR:') || text.startsWith('+CMS ERROR:') || p.o.failures?.includes(text)) return 'fail';
    return null;
  }

  private urc(text: string): boolean {
    let subs: Subscriber[] | null = null;
    for (const s of this.subscribers) if (text.startsWith(s.prefix)) (subs ??= []).push(s);
    if (!subs) return false;
    this.stats.urcs++;
    if (subs.some((s) => s.withBody)) {
      this.bodyFor = { line: text, subs };
      return true;
    }
    this.deliver(subs, text, null);
    return true;
  }

  private deliver(subs: Subscriber[], line: string, body: string | null): void {
    for (const s of subs) {
      try {
        s.handler(line, s.withBody ? body : null);
      } catch {
        // A subscriber's bug must not stop the engine.
        this.stats.handlerErrors++;
      }
    }
  }
}

function lengthOf(re: RegExp, line: string): number | null {
  const m = re.exec(line);
  return m ? Number(m[1]) : null;
}

function commandName(cmd: string): string {
  const m = /^AT[+^&%$#*]?[A-Z0-9]*/i.exec(cmd);
  return m ? m[0] : 'AT command';
}

function errorOf(cmd: string, text: string): AtError {
  const m = /^\+(CME|CMS) ERROR:\s*(\d{1,5})\s*$/.exec(text);
  if (m) return new AtError(m[1] === 'CME' ? 'cme' : 'cms', `${commandName(cmd)}: ${text}`, Number(m[2]));
  if (text.startsWith('+CME ERROR:') || text.startsWith('+CMS ERROR:')) return new AtError(text.startsWith('+CME') ? 'cme' : 'cms', `${commandName(cmd)}: ${text.slice(0, 80)}`);
  return new AtError('error', `${commandName(cmd)}: ${text.slice(0, 40)}`);
}
