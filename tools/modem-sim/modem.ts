/**
 * A simulated cellular modem speaking the AT dialect modules/modem uses (ITU-T V.250, 3GPP TS 27.007,
 * TS 27.005 PDU mode) over a byte stream, attached to the VirtualSmsc by its MSISDN. Its answers follow
 * the specs' response formats closely enough that an independent AT client (gammu) drives it.
 * Failure injection: `silent` (stops answering), `garbage()`, `ackTimeoutMs` for +CNMA. Test tooling.
 */
import { fromHex, toHex } from '../../modules/bytes/index';
import { decodeDcs } from '../../modules/sms/dcs';
import { encodeSmscAddress, parseNumber } from '../../modules/sms/address';
import type { ByteStream, UdpSocket } from '../../modules/transport/types';
import { encodeCsimResponse, parseCsimCommand } from '../../modules/uicc/csim';
import { encodeCrsmResponse, parseCrsmCommand } from '../../modules/uicc/crsm';
import { restrictedAccess } from './crsm';
import type { SmsTerminal, VirtualSmsc } from './smsc';

export interface SimModemOptions {
  number: string;
  smsc: VirtualSmsc;
  /** Timer for the modem's own delays (URCs, acknowledgement timeout). */
  schedule?: (ms: number, fn: () => void) => void;
  family?: 'simcom' | 'quectel';
  imsi?: string;
  imei?: string;
  iccid?: string;
  /** AT+CSIM handler (a simulated UICC); default answers 6D00 (instruction not supported). */
  csim?: (apdu: Uint8Array) => Uint8Array;
  /** The card in the slot (tools/uicc-sim SimUicc): AT+CSIM goes to its `process`. Wins over `csim`. */
  uicc?: { process(apdu: Uint8Array): Uint8Array };
  /** Storage slots ("SM"). Default 10. */
  storageSize?: number;
  /** How long a +CMT waits for AT+CNMA before the SC would retry; the message then goes to storage. Default 15 s. */
  ackTimeoutMs?: number;
  /** The packet network behind the modem's IP stack: opens a host UDP socket for AT+CAOPEN / AT+QIOPEN. */
  udp?: (localPort: number) => Promise<UdpSocket>;
}

interface SimSocket {
  socket: UdpSocket | null;
  remote?: { address: string; port: number };
  inbox: { data: Uint8Array; address: string; port: number }[];
}

interface Stored {
  stat: number; // 0 REC UNREAD, 1 REC READ
  pdu: Uint8Array; // SMSC + TPDU
  tpduLength: number;
}

const CTRL_Z = 0x1a;
const ESC = 0x1b;

export class SimModem implements SmsTerminal {
  /** Bytes the modem sends to the DTE. */
  onOutput: ((data: Uint8Array) => void) | null = null;
  /** Stop answering anything (a hung modem). */
  silent = false;
  echo = true;
  readonly commands: string[] = [];
  readonly stats = { submitted: 0, delivered: 0, stored: 0, missedAcks: 0, cnma: 0, storageFull: 0 };
  private line = '';
  private pduMode: { length: number; buf: string } | null = null;
  private rawInput: { want: number; buf: number[]; done: (d: Uint8Array) => void } | null = null;
  private readonly sockets = new Map<number, SimSocket>();
  private pdpActive = false;
  private cmgf = 0;
  private csms = 0;
  private cnmi = [0, 0, 0, 0, 0];
  private cmee = 0;
  /** AT+CRSM commands answered (tests). */
  crsmCount = 0;
  private cereg = 0;
  private readonly storage: (Stored | null)[];
  private awaitingAck: { timer: boolean; stored: Stored } | null = null;
  private readonly schedule: (ms: number, fn: () => void) => void;

  constructor(private readonly o: SimModemOptions) {
    this.storage = new Array(o.storageSize ?? 10).fill(null);
    this.schedule = o.schedule ?? ((ms, fn) => void setTimeout(fn, ms));
    o.smsc.attach(o.number, this);
  }

  /** Swaps the card in the slot (null: no card, AT+CSIM answers 6D00 or the `csim` handler). */
  plug(uicc: { process(apdu: Uint8Array): Uint8Array } | null): void {
    this.o.uicc = uicc ?? undefined;
  }

  get number(): string {
    return this.o.number;
  }

  /** Messages in storage (index, stat). */
  storedCount(): number {
    return this.storage.filter((s) => s).length;
  }

  /** The DTE side as a ByteStream (what Host.serial returns in tests). */
  stream(): ByteStream {
    const s: ByteStream = {
      onData: null,
      write: (d) => this.input(d),
      close: () => {
        this.onOutput = null;
      },
    };
    this.onOutput = (d) => this.schedule(0, () => s.onData?.(d));
    return s;
  }

  /** Sends raw bytes to the DTE (line noise, stray output). */
  garbage(bytes: Uint8Array): void {
    this.onOutput?.(bytes);
  }

  input(data: Uint8Array): void {
    if (this.silent) return;
    for (const b of data) {
      if (this.rawInput) {
        const r = this.rawInput;
        r.buf.push(b);
        if (r.buf.length === r.want) {
          this.rawInput = null;
          r.done(Uint8Array.from(r.buf));
        }
        continue;
      }
      if (this.pduMode) {
        if (b === CTRL_Z) {
          const m = this.pduMode;
          this.pduMode = null;
          if (this.echo) this.out(m.buf + '\x1a');
          this.finishCmgs(m.length, m.buf);
        } else if (b === ESC) {
          this.pduMode = null;
          this.final('OK');
        } else if (b !== 0x0d && b !== 0x0a && m16(this.pduMode.buf.length)) {
          this.pduMode.buf += String.fromCharCode(b);
        }
        continue;
      }
      if (b === 0x0d) {
        const cmd = this.line;
        this.line = '';
        if (this.echo) this.out(cmd + '\r');
        if (cmd.trim().length) this.command(cmd.trim());
      } else if (b === 0x0a) {
        // V.250: LF after CR is ignored
      } else if (this.line.length < 600) {
        this.line += String.fromCharCode(b);
      }
    }
  }

  // ------------------------------------------------------------------ SMS terminal side

  deliver(tpdu: Uint8Array): void {
    const smsc = encodeSmscAddress(parseNumber(this.o.smsc.address));
    const pdu = new Uint8Array(smsc.length + tpdu.length);
    pdu.set(smsc);
    pdu.set(tpdu, smsc.length);
    const stored: Stored = { stat: 0, pdu, tpduLength: tpdu.length };
    this.stats.delivered++;
    const cls = classOf(tpdu);
    const mt = this.cnmi[1];
    if (this.silent) {
      this.store(stored, false);
      return;
    }
    if (mt === 2 && cls !== 2 && this.cmgf === 0 && !this.awaitingAck) {
      // TS 27.005 §3.4.1: route directly; with +CSMS=1 the DTE must acknowledge with +CNMA.
      this.urc(`+CMT: ,${tpdu.length}`, toHex(pdu).toUpperCase());
      if (this.csms === 1) {
        const pending = { timer: true, stored };
        this.awaitingAck = pending;
        this.schedule(this.o.ackTimeoutMs ?? 15_000, () => {
          if (this.awaitingAck !== pending) return;
          this.awaitingAck = null;
          this.stats.missedAcks++;
          this.store(stored, true); // the network retries; here: keep it in storage and say so
        });
      }
      return;
    }
    this.store(stored, mt === 1 || mt === 2 || cls === 2);
  }

  private store(s: Stored, indicate: boolean): void {
    const i = this.storage.indexOf(null);
    if (i < 0) {
      this.stats.storageFull++;
      return;
    }
    this.storage[i] = s;
    this.stats.stored++;
    if (indicate) this.urc(`+CMTI: "SM",${i}`);
  }

  private finishCmgs(length: number, hex: string): void {
    if (!/^[0-9A-Fa-f]*$/.test(hex) || hex.length % 2 || hex.length < 4) return this.cmsError(304);
    const pdu = fromHex(hex);
    const smscLen = pdu[0];
    const tpdu = pdu.subarray(1 + smscLen);
    if (tpdu.length !== length) return this.cmsError(304);
    try {
      const mr = this.o.smsc.submit(this.o.number, tpdu.slice());
      this.stats.submitted++;
      this.info(`+CMGS: ${mr}`);
      this.final('OK');
    } catch {
      this.cmsError(304);
    }
  }

  // ------------------------------------------------------------------ AT commands

  private command(raw: string): void {
    this.commands.push(raw);
    const up = raw.toUpperCase();
    if (!up.startsWith('AT')) return this.final('ERROR');
    const cmd = up.slice(2);
    const arg = raw.slice(2);
    const m = /^([+^&#$%]?[A-Z]*\d*)(.*)$/.exec(cmd);
    const name = m ? m[1] : cmd;
    const rest = m ? arg.slice(name.length) : '';
    const fam = this.o.family ?? 'simcom';
    switch (name) {
      case '':
      case 'Z':
      case '&F':
      case 'V1':
      case 'Q0':
      case '&D2':
      case '&C1':
      case 'X4':
        return this.final('OK');
      case 'E0':
        this.echo = false;
        return this.final('OK');
      case 'E1':
      case 'E':
        this.echo = name === 'E1';
        return this.final('OK');
      case 'I':
        this.info(fam === 'quectel' ? 'Quectel' : 'SIMCOM INCORPORATED');
        this.info(fam === 'quectel' ? 'BG96' : 'SIM7080');
        this.info('Revision: SIM-1.0');
        return this.final('OK');
      case '+CGMI':
      case '+GMI':
        this.info(fam === 'quectel' ? 'Quectel' : 'SIMCOM INCORPORATED');
        return this.final('OK');
      case '+CGMM':
      case '+GMM':
        this.info(fam === 'quectel' ? 'BG96' : 'SIMCOM_SIM7080');
        return this.final('OK');
      case '+CGMR':
      case '+GMR':
        this.info('Revision:SIM-1.0');
        return this.final('OK');
      case '+CGSN':
      case '+GSN':
        if (rest.startsWith('=?')) return this.final('OK');
        this.info(this.o.imei ?? '869951030000011');
        return this.final('OK');
      case '+CIMI':
        this.info(this.o.imsi ?? '001010123456789');
        return this.final('OK');
      case '+CCID':
      case '+QCCID':
      case '+ICCID':
        this.info(`${name}: ${this.o.iccid ?? '8988211000000000019'}`);
        return this.final('OK');
      case '+CPIN':
        if (rest === '?') this.info('+CPIN: READY');
        return this.final('OK');
      case '+CMEE':
        return this.setOrRead(rest, '+CMEE', () => String(this.cmee), (v) => (this.cmee = Number(v[0] ?? 0)));
      case '+CSCS':
        if (rest === '?') this.info('+CSCS: "GSM"');
        else if (rest === '=?') this.info('+CSCS: ("GSM","IRA","UCS2")');
        return this.final('OK');
      case '+CMGF':
        if (rest === '=?') {
          this.info('+CMGF: (0,1)');
          return this.final('OK');
        }
        return this.setOrRead(rest, '+CMGF', () => String(this.cmgf), (v) => (this.cmgf = Number(v[0] ?? 0)));
      case '+CSMS':
        if (rest === '?') {
          this.info(`+CSMS: ${this.csms},1,1,1`);
          return this.final('OK');
        }
        if (rest === '=?') {
          this.info('+CSMS: (0,1)');
          return this.final('OK');
        }
        this.csms = Number(rest.slice(1)) === 1 ? 1 : 0;
        this.info('+CSMS: 1,1,1');
        return this.final('OK');
      case '+CNMI':
        if (rest === '=?') {
          this.info('+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)');
          return this.final('OK');
        }
        return this.setOrRead(rest, '+CNMI', () => this.cnmi.join(','), (v) => {
          for (let i = 0; i < 5; i++) this.cnmi[i] = Number(v[i] ?? 0) || 0;
        });
      case '+CNMA': {
        if (!this.awaitingAck) return this.cmsError(340);
        this.awaitingAck = null;
        this.stats.cnma++;
        return this.final('OK');
      }
      case '+CMGS': {
        const len = Number(rest.slice(1));
        if (this.cmgf !== 0) return this.cmsError(302);
        if (!Number.isInteger(len) || len < 7 || len > 176) return this.cmsError(304);
        this.pduMode = { length: len, buf: '' };
        this.out('\r\n> ');
        return;
      }
      case '+CMGR': {
        const i = Number(rest.slice(1));
        const s = this.storage[i];
        if (!s) return this.cmsError(321);
        this.info(`+CMGR: ${s.stat},,${s.tpduLength}`);
        this.info(toHex(s.pdu).toUpperCase());
        s.stat = 1;
        return this.final('OK');
      }
      case '+CMGD': {
        const args = rest.slice(1).split(',').map(Number);
        if (rest === '=?') {
          this.info('+CMGD: (0-9),(0-4)');
          return this.final('OK');
        }
        if (args[1] && args[1] > 0) {
          for (let i = 0; i < this.storage.length; i++) if (this.storage[i] && (args[1] === 4 || this.storage[i]!.stat === 1)) this.storage[i] = null;
          return this.final('OK');
        }
        if (!(args[0] >= 0 && args[0] < this.storage.length)) return this.cmsError(321);
        this.storage[args[0]] = null;
        return this.final('OK');
      }
      case '+CMGL': {
        if (rest === '=?') {
          this.info('+CMGL: (0-4)');
          return this.final('OK');
        }
        const want = rest.startsWith('=') ? Number(rest.slice(1)) : 0;
        this.storage.forEach((s, i) => {
          if (!s || (want !== 4 && s.stat !== want)) return;
          this.info(`+CMGL: ${i},${s.stat},,${s.tpduLength}`);
          this.info(toHex(s.pdu).toUpperCase());
          s.stat = 1;
        });
        return this.final('OK');
      }
      case '+CPMS': {
        const used = this.storedCount();
        const n = this.storage.length;
        if (rest === '=?') this.info('+CPMS: ("SM"),("SM"),("SM")');
        else if (rest === '?') this.info(`+CPMS: "SM",${used},${n},"SM",${used},${n},"SM",${used},${n}`);
        else this.info(`+CPMS: ${used},${n},${used},${n},${used},${n}`);
        return this.final('OK');
      }
      case '+CSCA':
        if (rest === '?') this.info(`+CSCA: "${this.o.smsc.address}",145`);
        return this.final('OK');
      case '+CSQ':
        this.info('+CSQ: 20,99');
        return this.final('OK');
      case '+CREG':
      case '+CGREG':
      case '+CEREG':
        if (rest === '?') this.info(`${name}: ${name === '+CEREG' ? this.cereg : 0},1`);
        else if (rest === '=?') this.info(`${name}: (0-2)`);
        else if (name === '+CEREG') this.cereg = Number(rest.slice(1)) || 0;
        return this.final('OK');
      // ---- SIMCom SIM7080 "CA" socket commands
      case '+CNACT':
        if (fam !== 'simcom') break;
        if (rest === '?') {
          this.info(`+CNACT: 0,${this.pdpActive ? 1 : 0},"${this.pdpActive ? '10.64.0.2' : '0.0.0.0'}"`);
          return this.final('OK');
        }
        this.pdpActive = /^=0,1/.test(rest);
        this.final('OK');
        if (this.pdpActive) this.urc('+APP PDP: 0,ACTIVE');
        return;
      case '+CAOPEN': {
        if (fam !== 'simcom') break;
        const mm = /^=(\d+),(\d+),"UDP","([^"]+)",(\d+)$/i.exec(rest);
        if (!mm || !this.pdpActive || !this.o.udp) return this.final('ERROR');
        const cid = Number(mm[1]);
        const entry: SimSocket = { socket: null, remote: { address: mm[3], port: Number(mm[4]) }, inbox: [] };
        this.sockets.set(cid, entry);
        void this.o.udp(0).then(
          (sock) => {
            entry.socket = sock;
            sock.onMessage = (d, address, port) => {
              if (address !== entry.remote!.address || port !== entry.remote!.port) return;
              entry.inbox.push({ data: d.slice(), address, port });
              this.urc(`+CAURC: "recv",${cid}`);
            };
            this.info(`+CAOPEN: ${cid},0`);
            this.final('OK');
          },
          () => {
            this.info(`+CAOPEN: ${cid},1`);
            this.final('OK');
          },
        );
        return;
      }
      case '+CASEND': {
        if (fam !== 'simcom') break;
        const mm = /^=(\d+),(\d+)/.exec(rest);
        const entry = mm ? this.sockets.get(Number(mm[1])) : undefined;
        if (!mm || !entry?.socket || Number(mm[2]) < 1 || Number(mm[2]) > 1460) return this.final('ERROR');
        this.out('\r\n> ');
        this.rawInput = { want: Number(mm[2]), buf: [], done: (d) => {
          entry.socket!.send(d, entry.remote!.address, entry.remote!.port);
          this.final('OK');
        } };
        return;
      }
      case '+CARECV': {
        if (fam !== 'simcom') break;
        const mm = /^=(\d+),(\d+)$/.exec(rest);
        const entry = mm ? this.sockets.get(Number(mm[1])) : undefined;
        if (!mm || !entry) return this.final('ERROR');
        const next = entry.inbox.shift();
        if (!next) this.info('+CARECV: 0');
        else {
          const d = next.data.subarray(0, Number(mm[2]));
          this.out(`\r\n+CARECV: ${d.length},`);
          this.onOutput?.(d.slice());
          this.out('\r\n');
        }
        return this.final('OK');
      }
      case '+CACLOSE': {
        if (fam !== 'simcom') break;
        const cid = Number(rest.slice(1));
        this.sockets.get(cid)?.socket?.close();
        this.sockets.delete(cid);
        return this.final('OK');
      }
      // ---- Quectel BG96 TCP/IP commands
      case '+QIACT':
        if (fam !== 'quectel') break;
        if (rest === '?') {
          if (this.pdpActive) this.info('+QIACT: 1,1,1,"10.64.0.3"');
          return this.final('OK');
        }
        this.pdpActive = true;
        return this.final('OK');
      case '+QIOPEN': {
        if (fam !== 'quectel') break;
        const mm = /^=(\d+),(\d+),"UDP SERVICE","[^"]*",\d+,(\d+),\d$/i.exec(rest);
        if (!mm || !this.pdpActive || !this.o.udp) return this.final('ERROR');
        const id = Number(mm[2]);
        const entry: SimSocket = { socket: null, inbox: [] };
        this.sockets.set(id, entry);
        this.final('OK');
        void this.o.udp(Number(mm[3])).then(
          (sock) => {
            entry.socket = sock;
            sock.onMessage = (d, address, port) => {
              entry.inbox.push({ data: d.slice(), address, port });
              this.urc(`+QIURC: "recv",${id}`);
            };
            this.urc(`+QIOPEN: ${id},0`);
          },
          () => this.urc(`+QIOPEN: ${id},565`),
        );
        return;
      }
      case '+QISEND': {
        if (fam !== 'quectel') break;
        const mm = /^=(\d+),(\d+),"([^"]+)",(\d+)$/.exec(rest);
        const entry = mm ? this.sockets.get(Number(mm[1])) : undefined;
        if (!mm || !entry?.socket || Number(mm[2]) < 1 || Number(mm[2]) > 1460) return this.final('ERROR');
        this.out('\r\n> ');
        this.rawInput = { want: Number(mm[2]), buf: [], done: (d) => {
          entry.socket!.send(d, mm[3], Number(mm[4]));
          this.final('SEND OK');
        } };
        return;
      }
      case '+QIRD': {
        if (fam !== 'quectel') break;
        const entry = this.sockets.get(Number(rest.slice(1).split(',')[0]));
        if (!entry) return this.final('ERROR');
        const next = entry.inbox.shift();
        if (!next) this.info('+QIRD: 0');
        else {
          this.out(`\r\n+QIRD: ${next.data.length},"${next.address}",${next.port}\r\n`);
          this.onOutput?.(next.data.slice());
          this.out('\r\n');
        }
        return this.final('OK');
      }
      case '+QICLOSE': {
        if (fam !== 'quectel') break;
        const id = Number(rest.slice(1));
        this.sockets.get(id)?.socket?.close();
        this.sockets.delete(id);
        return this.final('OK');
      }
      case '+CSIM': {
        // TS 27.007 §8.17, with modules/uicc's text pair (the card side of encodeCsimCommand / parseCsimResponse)
        let apdu: Uint8Array;
        try {
          apdu = parseCsimCommand(raw);
        } catch {
          return this.cmeError(50);
        }
        const card = this.o.uicc;
        const resp = card ? card.process(apdu) : this.o.csim ? this.o.csim(apdu) : Uint8Array.of(0x6d, 0x00);
        this.info(encodeCsimResponse(resp));
        return this.final('OK');
      }
      case '+CRSM': {
        // TS 27.007 §8.18: the modem selects the file and runs 61xx / 6Cxx itself (./crsm.ts)
        let req;
        try {
          req = parseCrsmCommand(raw);
        } catch {
          return this.cmeError(50);
        }
        const card = this.o.uicc;
        if (!card) return this.cmeError(10);
        this.crsmCount++;
        const r = restrictedAccess(card, req);
        this.info(encodeCrsmResponse(r.sw, r.data));
        return this.final('OK');
      }
      default:
        break;
    }
    return this.cmee ? this.cmeError(4) : this.final('ERROR');
  }

  private setOrRead(rest: string, name: string, read: () => string, set: (v: string[]) => void): void {
    if (rest === '?') {
      this.info(`${name}: ${read()}`);
      return this.final('OK');
    }
    if (rest === '=?') return this.final('OK');
    if (!rest.startsWith('=')) return this.final('ERROR');
    set(rest.slice(1).split(','));
    this.final('OK');
  }

  private out(s: string): void {
    const b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
    this.onOutput?.(b);
  }
  private info(line: string): void {
    this.out(`\r\n${line}\r\n`);
  }
  private final(code: string): void {
    this.out(`\r\n${code}\r\n`);
  }
  private cmsError(n: number): void {
    this.final(`+CMS ERROR: ${n}`);
  }
  private cmeError(n: number): void {
    this.final(this.cmee ? `+CME ERROR: ${n}` : 'ERROR');
  }
  private urc(line: string, body?: string): void {
    this.out(body === undefined ? `\r\n${line}\r\n` : `\r\n${line}\r\n${body}\r\n`);
  }
}

function m16(n: number): boolean {
  return n < 2 * 200;
}

function classOf(tpdu: Uint8Array): number | null | undefined {
  // first octet, OA, PID, DCS
  const oaLen = 2 + Math.ceil(tpdu[1] / 2);
  const dcs = tpdu[1 + oaLen + 1];
  try {
    return decodeDcs(dcs).messageClass;
  } catch {
    return undefined;
  }
}
