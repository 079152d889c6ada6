/**
 * SMS in PDU mode over the AT engine (3GPP TS 27.005 §3, PDU mode §4):
 * - send: `AT+CMGS=<TPDU length>`, prompt, `<SMSC+TPDU hex><Ctrl-Z>`, `+CMGS: <mr>` (§3.5.1, §4.3);
 * - receive routed: `+CMT: [<alpha>],<length>` + PDU line (§3.4.1, CNMI mt=2), acknowledged with
 *   `AT+CNMA` (§4.6) when AT+CSMS=1 selected phase 2+ acknowledgement;
 * - receive stored: `+CMTI: <mem>,<index>` (CNMI mt=1, and always for class 2 messages, which the ME
 *   stores in the (U)SIM, TS 23.038 §4), read with `AT+CMGR=<index>` (§3.4.3, §4.4) and deleted with
 *   `AT+CMGD=<index>` (§3.5.4); messages left in storage are read at start with `AT+CMGL=4` (§4.1).
 * Every PDU handed up carries its SMSC address prefix, as the modem gives it. The PDU's length is
 * checked against the URC's <length>; anything else is dropped and counted, never answered.
 */
import { fromHex, toHex } from '../bytes/index';
import type { AtEngine } from './engine';
import { AtError } from './errors';

/** What the SMS binding needs from a modem (or from the simulator's SMSC in tests). */
export interface SmsBearer {
  /** Sends one SMS-SUBMIT TPDU (no SMSC prefix: the modem's default SMSC is used). Resolves with TP-MR. */
  sendTpdu(tpdu: Uint8Array): Promise<number>;
  /** Subscribes to received PDUs (SMSC address + SMS-DELIVER TPDU). Returns the unsubscribe function. */
  onPdu(handler: (pdu: Uint8Array) => void): () => void;
}

export interface ModemSmsOptions {
  /** 'routed': +CMT URCs (CNMI 2,2); 'stored': +CMTI then AT+CMGR (CNMI 2,1). Default 'routed'. */
  delivery?: 'routed' | 'stored';
  /** Timeout for AT+CMGS (the network round trip). Default 60 s (TS 27.005 leaves it to the ME; modems document 60-120 s). */
  sendTimeoutMs?: number;
  /** Longest TPDU accepted (TS 23.040: 164 octets for SMS-SUBMIT, 163 for SMS-DELIVER... plus slack). Default 176. */
  maxTpdu?: number;
}

export class ModemSms implements SmsBearer {
  private readonly handlers: ((pdu: Uint8Array) => void)[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly maxTpdu: number;
  /** Diagnostics: PDUs dropped for a bad length or bad hex, acknowledgements that failed. */
  readonly stats = { received: 0, malformed: 0, ackFailures: 0, sent: 0 };

  constructor(
    private readonly at: AtEngine,
    private readonly o: ModemSmsOptions = {},
  ) {
    this.maxTpdu = o.maxTpdu ?? 176;
    this.unsubscribe.push(
      at.onUrc('+CMT:', (line, body) => this.onCmt(line, body), true),
      at.onUrc('+CMTI:', (line) => this.onCmti(line)),
    );
  }

  /** PDU mode, new-message indications and phase 2+ acknowledgement; then reads what the storage holds. */
  async init(): Promise<void> {
    await this.at.send('AT+CMGF=0');
    let ack = true;
    try {
      await this.at.send('AT+CSMS=1', { prefix: '+CSMS:' });
    } catch (e) {
      if (!(e instanceof AtError) || e.code === 'timeout') throw e;
      ack = false; // phase 2 only: the ME acknowledges +CMT itself
    }
    this.ackWithCnma = ack;
    await this.at.send(this.o.delivery === 'stored' ? 'AT+CNMI=2,1,0,0,0' : 'AT+CNMI=2,2,0,0,0');
    await this.readStored();
  }

  private ackWithCnma = true;

  onPdu(handler: (pdu: Uint8Array) => void): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  async sendTpdu(tpdu: Uint8Array): Promise<number> {
    if (tpdu.length < 7 || tpdu.length > this.maxTpdu) throw new AtError('format', `SMS-SUBMIT TPDU of ${tpdu.length} octets is out of range`);
    // "00": no SMSC address in the PDU, the modem uses its configured one (AT+CSCA).
    const hex = '00' + toHex(tpdu).toUpperCase();
    const data = new Uint8Array(hex.length + 1);
    for (let i = 0; i < hex.length; i++) data[i] = hex.charCodeAt(i);
    data[hex.length] = 0x1a;
    const r = await this.at.send(`AT+CMGS=${tpdu.length}`, { data, prefix: '+CMGS:', timeoutMs: this.o.sendTimeoutMs ?? 60_000 });
    const m = r.lines.map((l) => /^\+CMGS:\s*(\d{1,3})/.exec(l)).find((x) => x);
    this.stats.sent++;
    return m ? Number(m[1]) & 0xff : -1;
  }

  /** Reads and deletes every message left in the preferred storage (received while the host was off). */
  async readStored(): Promise<void> {
    let r;
    try {
      r = await this.at.send('AT+CMGL=4', { prefix: '+CMGL:', timeoutMs: 20_000 });
    } catch (e) {
      if (e instanceof AtError && (e.code === 'cms' || e.code === 'error')) return; // empty storage on some modems
      throw e;
    }
    const indexes: number[] = [];
    for (let i = 0; i < r.lines.length; i++) {
      const f = fields(r.lines[i], '+CMGL:');
      if (!f || f.length !== 4 || !isUint(f[0], 5) || !isUint(f[1], 1) || !isUint(f[3], 3)) continue;
      indexes.push(Number(f[0]));
      const stat = Number(f[1]);
      const body = r.lines[i + 1];
      i++;
      if (stat <= 1 && body !== undefined) this.deliverHex(body, Number(f[3]));
    }
    for (const idx of indexes) await this.at.send(`AT+CMGD=${idx}`).catch(() => {});
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
    this.handlers.length = 0;
  }

  private onCmt(line: string, body: string | null): void {
    // +CMT: [<alpha>],<length>: the length is the last field (an <alpha> may itself hold commas)
    const f = fields(line, '+CMT:');
    const length = f && f.length >= 2 && isUint(f[f.length - 1], 3) ? Number(f[f.length - 1]) : null;
    if (this.ackWithCnma) {
      // Acknowledge at once, before the payload is looked at: the network retransmits otherwise (TS 27.005 §3.4.4).
      this.at.send('AT+CNMA', { urgent: true, timeoutMs: 5_000 }).catch(() => this.stats.ackFailures++);
    }
    if (length === null || body === null) {
      this.stats.malformed++;
      return;
    }
    this.deliverHex(body, length);
  }

  private onCmti(line: string): void {
    const f = fields(line, '+CMTI:');
    if (!f || f.length !== 2 || !/^"[A-Z]{2}"$/.test(f[0]) || !isUint(f[1], 5)) {
      this.stats.malformed++;
      return;
    }
    const index = Number(f[1]);
    void this.readIndex(index).catch(() => this.stats.ackFailures++);
  }

  private async readIndex(index: number): Promise<void> {
    const r = await this.at.send(`AT+CMGR=${index}`, { prefix: '+CMGR:', timeoutMs: 10_000 });
    const h = r.lines.findIndex((l) => l.startsWith('+CMGR:'));
    const f = h >= 0 ? fields(r.lines[h], '+CMGR:') : null;
    const length = f && f.length === 3 && isUint(f[0], 1) && isUint(f[2], 3) ? Number(f[2]) : null;
    // Delete first: a message that makes the reader fail must not be read again at every start.
    await this.at.send(`AT+CMGD=${index}`);
    if (length === null || r.lines[h + 1] === undefined) {
      this.stats.malformed++;
      return;
    }
    this.deliverHex(r.lines[h + 1], length);
  }

  private deliverHex(hex: string, tpduLength: number): void {
    if (hex.length % 2 !== 0 || hex.length > 2 * (this.maxTpdu + 12) || !isHex(hex)) {
      this.stats.malformed++;
      return;
    }
    const pdu = fromHex(hex);
    // TS 27.005 §3.1: <length> counts the TPDU only; the SMSC address (its own length octet + that many) precedes it.
    if (pdu.length < 1 || pdu.length !== 1 + pdu[0] + tpduLength) {
      this.stats.malformed++;
      return;
    }
    this.stats.received++;
    for (const h of [...this.handlers]) {
      try {
        h(pdu);
      } catch {
        this.stats.malformed++;
      }
    }
  }
}

/*
 * Response fields are split by hand, not with backtracking regular expressions: a malformed line from
 * the modem must cost time linear in its length on every engine (XS's regex engine backtracked for
 * minutes on a fuzzed +CMT header that an alternation with bounded repeats did not match).
 */

/** The comma-separated fields after `prefix` (trimmed), or null when the line does not start with it. */
function fields(line: string, prefix: string): string[] | null {
  if (!line.startsWith(prefix) || line.length > 200) return null;
  return line.slice(prefix.length).split(',').map((x) => x.trim());
}

function isUint(s: string, maxDigits: number): boolean {
  if (s.length < 1 || s.length > maxDigits) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return s.length > 0;
}
