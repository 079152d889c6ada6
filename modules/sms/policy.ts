/**
 * The receive and send rules of the LwM2M SMS binding security (LwM2M TS §7.2, the seeds' "SMS
 * Payload Security"): which secured packets a device-terminated client accepts, from whom, with which
 * parameters, and the counters that stop replays. The configuration comes from Security Object
 * resources 7 (KIc KID SPI TAR), 8 (keys) and 9 (server MSISDN).
 *
 * Everything not protected exactly as configured is dropped silently: no PoR, no error reply; only
 * a per-reason counter the application can read.
 */
import { equalBytes, toHex, wipe } from '../bytes/index';
import { tdesKeyStrength } from '../crypto/tdes';
import type { CryptoProvider } from '../crypto/provider';
import { TON, type SmsAddress } from './address';
import { SecuredPacketError, SmsConfigError } from './errors';
import {
  counterMode, decodeCommandPacket, encodeCommandPacket, encodeResponsePacket, peekCommandHeader, SPI2,
  type SecuredHeader, type SmsKeys,
} from './secured-packet';
import type { SmsDeliver } from './tpdu-deliver';

/**
 * Monotonic counters that survive reboot (the store's CounterStore satisfies this).
 * `next` returns a value never returned before; `acceptIfHigher` durably records `value` and returns
 * true only if it is higher than every value accepted before under `name`.
 */
export interface CounterSource {
  next(name: string): bigint;
  acceptIfHigher(name: string, value: bigint): boolean;
}

/** LwM2M SMS settings: device-terminated packets are class 1, TP-PID 7D; smartcard-terminated ones class 2, TP-PID 7F. */
export const PID_ME_DATA_DOWNLOAD = 0x7d;
export const PID_USIM_DATA_DOWNLOAD = 0x7f;
export const DCS_8BIT_CLASS1 = 0xf5;
export const DCS_8BIT_CLASS2 = 0xf6;
/** SPI1 the seeds ask for: CC, ciphering, process only if the counter is higher. */
export const REQUIRED_SPI1 = 0x16;
/** The TAR ETSI SCP assigned to LwM2M (accepted alongside the interim BF FF xx range). */
export const LWM2M_TAR = Uint8Array.of(0xb2, 0x02, 0x03);

export type Route = 'device' | 'uicc' | 'other';

/** Routes an SMS-DELIVER by TP-PID and class (TS 23.040 §9.2.3.9, TS 23.038 §4). */
export function routeDeliver(d: SmsDeliver): Route {
  const c = d.coding;
  if (c.alphabet !== '8bit') return 'other';
  if (d.pid === PID_ME_DATA_DOWNLOAD && c.messageClass === 1) return 'device';
  if (d.pid === PID_USIM_DATA_DOWNLOAD && c.messageClass === 2) return 'uicc';
  return 'other';
}

export interface SmsKeyParameters {
  kic: number;
  kid: number;
  /** SPI1 << 8 | SPI2. */
  spi: number;
  tar: Uint8Array;
}

export function isAllowedTar(tar: Uint8Array): boolean {
  if (tar.length !== 3) return false;
  return (tar[0] === 0xbf && tar[1] === 0xff) || equalBytes(tar, LWM2M_TAR);
}

/** Resource 7: `KIc KID SPI1 SPI2 TAR1 TAR2 TAR3`. The object definition says 6 bytes; the content is 7. */
export function parseKeyParameters(res7: Uint8Array): SmsKeyParameters {
  if (!(res7 instanceof Uint8Array) || res7.length !== 7) {
    throw new SmsConfigError(`SMS Binding Key Parameters must be 7 octets (KIc KID SPI1 SPI2 TAR1 TAR2 TAR3), got ${res7?.length}`);
  }
  return { kic: res7[0], kid: res7[1], spi: (res7[2] << 8) | res7[3], tar: res7.slice(4) };
}

type Family = 'aes' | 'tdes3';

function familyOf(code: number, what: string): Family {
  const family = code & 3;
  const mode = (code >> 2) & 3;
  if (family === 2 && mode === 0) return 'aes';
  if (family === 1 && mode === 2) return 'tdes3';
  if (family === 1) throw new SmsConfigError(`${what} 0x${code.toString(16)} selects single DES or 2-key 3DES: only AES or 3-key 3DES may be used`);
  throw new SmsConfigError(`${what} 0x${code.toString(16)} does not select AES-CBC/CMAC or 3-key 3DES`);
}

export type DropReason =
  | 'not-secured-sms' // TP-PID / class / coding not the LwM2M secured SMS settings
  | 'originator' // not the server's MSISDN
  | 'malformed' // TPDU, UDH or packet structure
  | 'parameters' // SPI, KIc or KID differ from resource 7
  | 'tar' // TAR differs from resource 7
  | 'integrity' // CC failed
  | 'ciphering' // ciphered part malformed
  | 'insufficient-security'
  | 'replay' // counter not higher than the durable high-water mark
  | 'counter-store' // the counter could not be made durable
  | 'reassembly'; // duplicate, conflicting, expired or oversized concatenated parts

export const DROP_REASONS: readonly DropReason[] = [
  'not-secured-sms', 'originator', 'malformed', 'parameters', 'tar', 'integrity', 'ciphering', 'insufficient-security', 'replay', 'counter-store', 'reassembly',
];
Object.freeze(DROP_REASONS);

export type OpenResult =
  | { ok: true; header: SecuredHeader; data: Uint8Array }
  | { ok: false; reason: DropReason };

export interface SmsPolicyConfig {
  /** Security Object resource 7. */
  keyParameters: Uint8Array;
  /** Security Object resource 8: KIc key || KID key. Copied; the caller may wipe its own copy. */
  secretKeys: Uint8Array;
  /** Security Object resource 9, e.g. '+447700900123'. */
  serverNumber: string;
  counters: CounterSource;
  crypto: CryptoProvider;
  /** Prefix of the counter names, one pair per Security instance (default 'sms'). */
  counterName?: string;
}

function digitsOf(number: string): string {
  const v = number.startsWith('+') ? number.slice(1) : number;
  if (!/^[0-9]{1,20}$/.test(v)) throw new SmsConfigError('LwM2M Server SMS Number must be digits with an optional leading +');
  return v;
}

export class SmsSecurityPolicy {
  readonly drops: Record<DropReason, number>;
  readonly parameters: SmsKeyParameters;
  private keys: SmsKeys;
  private readonly serverDigits: string;
  private readonly serverInternational: boolean;
  private readonly counters: CounterSource;
  private readonly crypto: CryptoProvider;
  private readonly rxName: string;
  private readonly txName: string;

  /** Validates the configuration; throws SmsConfigError naming what is wrong (never the key bytes). */
  constructor(cfg: SmsPolicyConfig) {
    const p = parseKeyParameters(cfg.keyParameters);
    const kicFamily = familyOf(p.kic, 'KIc');
    const kidFamily = familyOf(p.kid, 'KID');
    if (kicFamily !== kidFamily) throw new SmsConfigError('KIc and KID must select the same algorithm family (both AES or both 3-key 3DES)');
    const spi1 = p.spi >> 8;
    const spi2 = p.spi & 0xff;
    if (spi1 !== REQUIRED_SPI1) {
      throw new SmsConfigError(`SPI1 0x${spi1.toString(16).padStart(2, '0')} refused: LwM2M requires 0x16 (cryptographic checksum, ciphering, counter must be higher)`);
    }
    const porIntegrity = (spi2 & SPI2.porIntegrityMask) >> 2;
    if (porIntegrity === 1 || porIntegrity === 3) throw new SmsConfigError('SPI2 asks for a PoR with RC or DS, which are not supported');
    if ((spi2 & SPI2.porMask) === 3) throw new SmsConfigError('SPI2 PoR field 11 is reserved');
    if (!isAllowedTar(p.tar)) throw new SmsConfigError(`TAR ${toHex(p.tar)} is outside BF FF 00-BF FF FF and is not the LwM2M TAR B2 02 03`);
    const keyLen = kicFamily === 'aes' ? 16 : 24;
    const k = cfg.secretKeys;
    if (!(k instanceof Uint8Array) || k.length !== 2 * keyLen) {
      throw new SmsConfigError(`SMS Binding Secret Keys must be ${2 * keyLen} octets (KIc key || KID key) for ${kicFamily === 'aes' ? 'AES-128' : '3-key 3DES'}, got ${k?.length}`);
    }
    const kic = k.slice(0, keyLen);
    const kid = k.slice(keyLen);
    if (kicFamily === 'tdes3') {
      for (const [name, key] of [['KIc', kic], ['KID', kid]] as const) {
        const s = tdesKeyStrength(key);
        if (s !== 'three-key') {
          wipe(kic, kid);
          throw new SmsConfigError(`${name} key is ${s === 'single-des' ? 'effectively single DES' : '2-key 3DES'}: 3DES needs three different keys`);
        }
      }
    }
    this.parameters = p;
    this.keys = { kic, kid };
    this.serverDigits = digitsOf(cfg.serverNumber);
    this.serverInternational = cfg.serverNumber.startsWith('+');
    this.counters = cfg.counters;
    this.crypto = cfg.crypto;
    const base = cfg.counterName ?? 'sms';
    this.rxName = `${base}/rx`;
    this.txName = `${base}/tx`;
    this.drops = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  }

  /**
   * Only the configured MSISDN. An international originator matches a configured '+digits' or bare
   * digits; other number types must match the configured digits exactly. Alphanumeric never matches.
   */
  acceptsOriginator(a: SmsAddress): boolean {
    if (a.ton === TON.alphanumeric) return false;
    if (this.serverInternational && a.ton !== TON.international) return false;
    return a.value === this.serverDigits;
  }

  /** Counts a drop decided elsewhere on the receive path (routing, reassembly, TPDU format). */
  count(reason: DropReason): { ok: false; reason: DropReason } {
    this.drops[reason]++;
    return { ok: false, reason };
  }

  /**
   * Checks a complete command packet (user data `02 70 00 ...`) from `originator`. On success the
   * counter has already been durably accepted, so the data can be acted on.
   */
  open(userData: Uint8Array, originator: SmsAddress): OpenResult {
    if (!this.acceptsOriginator(originator)) return this.count('originator');
    let decoded: { header: SecuredHeader; data: Uint8Array };
    try {
      const h = peekCommandHeader(userData);
      const p = this.parameters;
      if (h.spi !== p.spi || h.kic !== p.kic || h.kid !== p.kid) return this.count('parameters');
      if (!equalBytes(h.tar, p.tar)) return this.count('tar');
      decoded = decodeCommandPacket(userData, this.keys, this.crypto);
    } catch (e) {
      return this.count(dropReasonOf(e));
    }
    if (counterMode(decoded.header.spi) !== 'higher') {
      wipe(decoded.data);
      return this.count('parameters');
    }
    let accepted: boolean;
    try {
      accepted = this.counters.acceptIfHigher(this.rxName, decoded.header.counter);
    } catch {
      wipe(decoded.data);
      return this.count('counter-store');
    }
    if (!accepted) {
      wipe(decoded.data);
      return this.count('replay');
    }
    return { ok: true, header: decoded.header, data: decoded.data };
  }

  /** Protects `data` as a command packet with the next outbound counter: SMS user data `02 70 00 ...`. */
  seal(data: Uint8Array): Uint8Array {
    const p = this.parameters;
    const counter = this.counters.next(this.txName);
    return encodeCommandPacket({ spi: p.spi, kic: p.kic, kid: p.kid, tar: p.tar, counter }, data, this.keys, this.crypto);
  }

  /**
   * The PoR for an accepted packet when its SPI2 asks for one (b2b1 = 01), else null. Errors never get
   * a PoR: the seeds forbid answering a badly protected message. The response repeats the command's counter.
   */
  proofOfReceipt(header: SecuredHeader, data: Uint8Array = new Uint8Array(0)): Uint8Array | null {
    if ((header.spi & SPI2.porMask) !== SPI2.porRequired) return null;
    return encodeResponsePacket({ spi: header.spi, kic: header.kic, kid: header.kid, tar: header.tar, counter: header.counter, status: 0 }, data, this.keys, this.crypto);
  }

  /** Wipes the keys; the policy is unusable afterwards. */
  dispose(): void {
    wipe(this.keys.kic, this.keys.kid);
  }
}

function dropReasonOf(e: unknown): DropReason {
  if (!(e instanceof SecuredPacketError)) return 'malformed';
  switch (e.reason) {
    case 'rc-cc-ds-failed': return 'integrity';
    case 'ciphering-error': return 'ciphering';
    case 'insufficient-security': return 'insufficient-security';
    case 'tar-unknown': return 'tar';
    case 'counter-low': case 'counter-high': case 'counter-blocked': return 'replay';
    default: return 'malformed';
  }
}
