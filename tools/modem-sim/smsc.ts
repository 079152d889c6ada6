/**
 * A virtual SMS service centre (TS 23.040 §9.2.2: the SC turns an SMS-SUBMIT from one mobile into an
 * SMS-DELIVER to another). Terminals attach by MSISDN: simulated modems, and the LwM2M Server /
 * Bootstrap-Server gateways in tools/. Every message is logged (for the bench's SMS counts) and
 * a test can tamper with, drop or inject messages. Test tooling, not a product.
 */
import { concat } from '../../modules/bytes/index';
import { encodeAddress, formatAddress, parseNumber, type SmsAddress } from '../../modules/sms/address';
import { encodeTimestamp } from '../../modules/sms/scts';
import { decodeSubmit } from '../../modules/sms/tpdu-submit';

export interface SmsTerminal {
  /** Receives an SMS-DELIVER TPDU (no SMSC prefix) addressed to this terminal. */
  deliver(tpdu: Uint8Array): void;
}

export interface SmscRecord {
  from: string;
  to: string;
  /** The SMS-DELIVER as sent on to the recipient. */
  tpdu: Uint8Array;
  /** TP-UD octets (the SMS payload size the bench counts). */
  udOctets: number;
  at: number;
}

export interface VirtualSmscOptions {
  /** The SC's own address (what +CSCA? reports and the SMSC prefix of delivered PDUs). */
  address?: string;
  latencyMs?: number;
  schedule?: (ms: number, fn: () => void) => void;
}

export class VirtualSmsc {
  readonly address: string;
  readonly log: SmscRecord[] = [];
  private readonly terminals = new Map<string, SmsTerminal>();
  private readonly latencyMs: number;
  private readonly schedule: (ms: number, fn: () => void) => void;
  /**
   * Sees every SMS-DELIVER before it leaves: return it (possibly altered) to deliver, null to drop.
   * Tests flip bits and replay here.
   */
  tamper: ((tpdu: Uint8Array, from: string, to: string) => Uint8Array | null) | null = null;
  /** Messages to numbers nobody attached. */
  undeliverable = 0;

  constructor(o: VirtualSmscOptions = {}) {
    this.address = o.address ?? '+15550000000';
    this.latencyMs = o.latencyMs ?? 5;
    this.schedule = o.schedule ?? ((ms, fn) => void setTimeout(fn, ms));
  }

  attach(number: string, t: SmsTerminal): void {
    this.terminals.set(normal(number), t);
  }

  detach(number: string): void {
    this.terminals.delete(normal(number));
  }

  /** An SMS-SUBMIT from `from`; returns the TP-MR the SC acknowledges with. Throws SmsFormatError on a bad TPDU. */
  submit(from: string, submitTpdu: Uint8Array): number {
    const s = decodeSubmit(submitTpdu);
    const first = 0x04 | (submitTpdu[0] & 0x40); // TP-MMS (no more messages), TP-UDHI copied
    const deliver = concat(
      Uint8Array.of(first),
      encodeAddress(parseNumber(from)),
      Uint8Array.of(s.pid, s.dcs),
      encodeTimestamp(now()),
      Uint8Array.of(s.userData.udl),
      s.userData.raw,
    );
    this.route(from, formatAddress(s.destination), deliver);
    return s.messageReference;
  }

  /** Sends a ready SMS-DELIVER to `to` as if it came through the network (tests: spoofed originators, replays). */
  inject(to: string, deliverTpdu: Uint8Array, from = '?'): void {
    this.route(from, to, deliverTpdu);
  }

  private route(from: string, to: string, tpdu: Uint8Array): void {
    const out = this.tamper ? this.tamper(tpdu, from, to) : tpdu;
    if (!out) return;
    const udOctets = udSize(out);
    this.log.push({ from, to, tpdu: out.slice(), udOctets, at: Date.now() });
    const t = this.terminals.get(normal(to));
    if (!t) {
      this.undeliverable++;
      return;
    }
    this.schedule(this.latencyMs, () => t.deliver(out));
  }
}

function normal(n: string): string {
  return n.startsWith('+') ? n : '+' + n;
}

function now() {
  const d = new Date();
  return { year: d.getUTCFullYear() % 100, month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), tzQuarterHours: 0 };
}

function udSize(deliver: Uint8Array): number {
  // first octet, OA (length in digits), PID, DCS, SCTS(7), UDL
  const oaLen = 2 + Math.ceil(deliver[1] / 2);
  const udlAt = 1 + oaLen + 2 + 7;
  return Math.max(0, deliver.length - udlAt - 1);
}

export type { SmsAddress };
