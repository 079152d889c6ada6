/**
 * One cellular modem behind the Host's serial ByteStream: the AT engine, SMS in PDU mode, network
 * registration (TS 27.007 §10.1.22 +CEREG), identities for endpoint names (§5.6 +CIMI IMSI, §5.4 +CGSN
 * IMEI, +CCID ICCID), signal quality (§8.5 +CSQ), generic UICC access (§8.17 +CSIM) and restricted
 * UICC access (§8.18 +CRSM).
 */
import type { Host } from '../host';
import type { ByteStream } from '../transport/types';
import { AtEngine, type AtEngineOptions } from './engine';
import { AtError } from './errors';
import { ModemSms, type ModemSmsOptions } from './sms';
import { encodeCsimCommand, parseCsimResponse } from '../uicc/csim';
import { encodeCrsmCommand, parseCrsmResponse, type CrsmRequest, type CrsmResult } from '../uicc/crsm';
import { ApduError } from '../uicc/errors';

/** TS 27.007 §10.1.22 <stat>. */
export type RegistrationState = 'not-registered' | 'home' | 'searching' | 'denied' | 'unknown' | 'roaming' | 'other';
const REG_STATES: readonly RegistrationState[] = Object.freeze(['not-registered', 'home', 'searching', 'denied', 'unknown', 'roaming']);

export interface ModemOptions {
  at?: AtEngineOptions;
  sms?: ModemSmsOptions;
}

export interface SignalQuality {
  /** TS 27.007 §8.5 <rssi> 0-31, 99 unknown. */
  rssi: number;
  /** -113 + 2·rssi dBm, or null when unknown. */
  dbm: number | null;
  ber: number;
}

export class Modem {
  readonly at: AtEngine;
  readonly sms: ModemSms;
  private regHandlers: ((s: RegistrationState) => void)[] = [];

  constructor(host: Pick<Host, 'setTimer' | 'clearTimer'>, stream: ByteStream, o: ModemOptions = {}) {
    this.at = new AtEngine(host, stream, o.at);
    this.sms = new ModemSms(this.at, o.sms);
    this.at.onUrc('+CEREG:', (line) => {
      const s = parseCereg(line, false);
      if (s) for (const h of this.regHandlers) h(s);
    });
  }

  /** Echo off, numeric errors, registration URCs, then SMS set-up. */
  async init(): Promise<void> {
    await this.at.send('ATE0');
    await this.at.send('AT+CMEE=1');
    await this.at.send('AT+CEREG=1');
    await this.sms.init();
  }

  onRegistration(h: (s: RegistrationState) => void): void {
    this.regHandlers.push(h);
  }

  async registration(): Promise<RegistrationState> {
    const r = await this.at.send('AT+CEREG?', { prefix: '+CEREG:' });
    const s = r.lines.length ? parseCereg(r.lines[0], true) : null;
    if (!s) throw new AtError('format', 'AT+CEREG? gave no +CEREG line');
    return s;
  }

  async imsi(): Promise<string> {
    return this.digits('AT+CIMI', '', 6, 15);
  }

  async imei(): Promise<string> {
    return this.digits('AT+CGSN', '+CGSN:', 14, 17);
  }

  async iccid(): Promise<string> {
    return this.digits('AT+CCID', '+CCID:', 18, 22);
  }

  async signal(): Promise<SignalQuality> {
    const r = await this.at.send('AT+CSQ', { prefix: '+CSQ:' });
    const m = r.lines.length ? /^\+CSQ:\s*(\d{1,2}),\s*(\d{1,2})$/.exec(r.lines[0]) : null;
    if (!m) throw new AtError('format', 'AT+CSQ: unexpected answer');
    const rssi = Number(m[1]);
    return { rssi, dbm: rssi <= 31 ? -113 + 2 * rssi : null, ber: Number(m[2]) };
  }

  /**
   * Sends one command APDU to the UICC with AT+CSIM (TS 27.007 §8.17) and returns the response APDU
   * (data followed by SW1 SW2). The command and response text are modules/uicc's encodeCsimCommand /
   * parseCsimResponse, the one AT+CSIM codec of the project; modules/uicc's `csimTransport(modem)` makes
   * this an ApduTransport (bootstrap from smartcard, card-terminated SMS).
   */
  async csim(apdu: Uint8Array): Promise<Uint8Array> {
    let cmd: string;
    try {
      cmd = encodeCsimCommand(apdu);
    } catch (e) {
      throw new AtError('format', e instanceof Error ? e.message : 'bad command APDU');
    }
    const r = await this.at.send(cmd, { prefix: '+CSIM:', timeoutMs: 10_000 });
    if (!r.lines.length) throw new AtError('format', 'AT+CSIM: no +CSIM line');
    try {
      return parseCsimResponse(r.lines[0]);
    } catch (e) {
      if (e instanceof ApduError) throw new AtError('format', `AT+CSIM: ${e.message}`);
      throw e;
    }
  }

  /**
   * Restricted UICC access with AT+CRSM (TS 27.007 §8.18): the modem selects the file and runs the
   * transport procedures; the answer is the card's status word and data. The text is modules/uicc's
   * encodeCrsmCommand / parseCrsmResponse; modules/uicc crsm.ts has the reads built on it (EF ICCID,
   * GET RESPONSE, STATUS). A bad request or a malformed +CRSM line is AtError('format').
   */
  async crsm(request: CrsmRequest): Promise<CrsmResult> {
    let cmd: string;
    try {
      cmd = encodeCrsmCommand(request);
    } catch (e) {
      throw new AtError('format', e instanceof Error ? e.message : 'bad AT+CRSM request');
    }
    const r = await this.at.send(cmd, { prefix: '+CRSM:', timeoutMs: 10_000 });
    if (!r.lines.length) throw new AtError('format', 'AT+CRSM: no +CRSM line');
    try {
      return parseCrsmResponse(r.lines[0]);
    } catch (e) {
      if (e instanceof ApduError) throw new AtError('format', `AT+CRSM: ${e.message}`);
      throw e;
    }
  }

  close(): void {
    this.sms.dispose();
    this.at.close();
  }

  private async digits(cmd: string, prefix: string, min: number, max: number): Promise<string> {
    const r = await this.at.send(cmd, prefix ? { prefix } : {});
    for (const l of r.lines) {
      const v = (prefix && l.startsWith(prefix) ? l.slice(prefix.length) : l).trim().replace(/^"|"$/g, '');
      // ICCIDs may end in F (BCD filler) on some modems
      const clean = v.replace(/[Ff]$/, '');
      if (new RegExp(`^[0-9]{${min},${max}}$`).test(clean)) return clean;
    }
    throw new AtError('format', `${cmd}: no ${min}-${max} digit value in the answer`);
  }
}

/** `+CEREG: <n>,<stat>[,...]` (read) or `+CEREG: <stat>[,...]` (URC). */
export function parseCereg(line: string, read: boolean): RegistrationState | null {
  const m = /^\+CEREG:\s*([0-9,"A-Fa-f ]{1,80})$/.exec(line);
  if (!m) return null;
  const parts = m[1].split(',');
  const stat = Number(parts[read ? 1 : 0]);
  if (!Number.isInteger(stat)) return null;
  return REG_STATES[stat] ?? 'other';
}
