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
}

export class AtLineReader {
  private readonly buf: Uint8Array;
  private len = 0;
  private discarding = false;
  /** Lines dropped because they were longer than the buffer. */
  overflows = 0;
  /** When true, `> ` at the start of a line is reported as a prompt (the engine sets it while a command waits for one). */
  promptExpected = false;

  constructor(
    private readonly sink: LineSink,
    readonly maxLineLength = 1024,
  ) {
    this.buf = new Uint8Array(maxLineLength);
  }

  feed(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (b === 0x0d || b === 0x0a) {
        if (this.discarding) {
          this.discarding = false;
        } else if (this.len > 0) {
          const text = this.text();
          this.len = 0;
          this.sink.line(text);
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
  }

  private text(): string {
    // Responses are ASCII (V.250 §5.7); any other octet is kept as a Latin-1 character and left for
    // the parser of that response to refuse.
    let s = '';
    for (let i = 0; i < this.len; i++) s += String.fromCharCode(this.buf[i]);
    return s;
  }
}
