/**
 * ITU-T V.250 §5.7 / 3GPP TS 27.007 §4 response framing: the modem sends `<CR><LF>text<CR><LF>` lines
 * and, after AT+CMGS (TS 27.005 §3.5.1) or a socket send, the prompt `<CR><LF>> ` with no line end.
 * Bytes arrive in arbitrary pieces (partial lines, several lines in one read); this class cuts them
 * into lines in one fixed buffer. A line longer than the buffer is discarded up to its end and counted,
 * so a modem spewing garbage cannot grow memory.
 */

export interface LineSink {
  line(text: string): void;
  prompt(): void;
  /** Binary payload announced by a response header (socket reads); a view into a reused buffer. */
  raw?(data: Uint8Array): void;
}

/**
 * Socket reads carry binary data inside the response: after a header line (Quectel `+QIRD: <len>,...`)
 * or right after the header's comma on the same line (SIMCom `+CARECV: <len>,<data>`). The engine sets
 * these hooks while such a command runs; they return the announced length or null.
 */
export interface RawHooks {
  afterLine?: (line: string) => number | null;
  inline?: (partial: string) => number | null;
}

export class AtLineReader {
  private readonly buf: Uint8Array;
  private len = 0;
  private discarding = false;
  /** Lines dropped because they were longer than the buffer. */
  overflows = 0;
  /** When true, `> ` at the start of a line is reported as a prompt (the engine sets it while a command waits for one). */
  promptExpected = false;
  rawHooks: RawHooks | null = null;
  private rawBuf: Uint8Array | null = null;
  private rawLen = 0;
  private rawWant = 0;

  constructor(
    private readonly sink: LineSink,
    readonly maxLineLength = 1024,
    /** Largest binary payload a socket read may announce (bigger ones are refused: the line is kept as text). */
    readonly maxRaw = 1500,
  ) {
    this.buf = new Uint8Array(maxLineLength);
  }

  feed(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (this.skipLf) {
        this.skipLf = false;
        if (b === 0x0a) continue;
      }
      if (this.rawWant > 0) {
        this.rawBuf![this.rawLen++] = b;
        if (this.rawLen === this.rawWant) {
          this.rawWant = 0;
          this.sink.raw?.(this.rawBuf!.subarray(0, this.rawLen));
        }
        continue;
      }
      if (b === 0x0d || b === 0x0a) {
        if (this.discarding) {
          this.discarding = false;
        } else if (this.len > 0) {
          const text = this.text();
          this.len = 0;
          this.sink.line(text);
          const n = this.rawHooks?.afterLine?.(text);
          // the binary part starts after this line's CR LF
          if (n && b === 0x0d && i + 1 < data.length && data[i + 1] === 0x0a) i++;
          else if (n && b === 0x0d) this.skipLf = true;
          if (n) this.startRaw(n);
        }
        continue;
      }
      if (this.discarding) continue;
      if (this.len === this.buf.length) {
        this.len = 0;
        this.discarding = true;
        this.overflows++;
        continue;
      }
      this.buf[this.len++] = b;
      if (b === 0x2c && this.rawHooks?.inline) {
        const text = this.text();
        const n = this.rawHooks.inline(text);
        if (n !== null && n !== undefined) {
          this.len = 0;
          this.sink.line(text);
          if (n === 0) this.sink.raw?.(new Uint8Array(0));
          else this.startRaw(n);
          continue;
        }
      }
      if (this.promptExpected && this.len === 2 && this.buf[0] === 0x3e && this.buf[1] === 0x20) {
        this.len = 0;
        this.promptExpected = false;
        this.sink.prompt();
      }
    }
  }

  /** Forgets a partial line (after a timeout the modem's state is unknown). */
  reset(): void {
    this.len = 0;
    this.discarding = false;
    this.rawWant = 0;
    this.skipLf = false;
  }

  private skipLf = false;

  private startRaw(n: number): void {
    if (n < 0 || n > this.maxRaw) return; // refused: what follows is read as text and fails its own parser
    this.rawBuf ??= new Uint8Array(this.maxRaw);
    this.rawLen = 0;
    this.rawWant = n;
  }

  private text(): string {
    // Responses are ASCII (V.250 §5.7); any other octet is kept as a Latin-1 character and left for
    // the parser of that response to refuse.
    let s = '';
    for (let i = 0; i < this.len; i++) s += String.fromCharCode(this.buf[i]);
    return s;
  }
}
