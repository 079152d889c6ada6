/**
 * A simulated UICC for tests and the demo (a test peer, not product code), reachable in-process as an
 * ApduTransport (and through any AT+CSIM front end via modules/uicc/csim.ts):
 *  - file system: MF 3F00 with EF ICCID 2FE2; DF 7F50 = the PKCS#15 application (AID A0 00 00 00 63
 *    "PKCS-15") with EF(ODF) 5031, EF(DODF-bootstrap) 4401, EF LwM2M_Bootstrap 4402, and the LwM2M SMS
 *    exchange files EF(LwM2M-MT) 6F01 and EF(LwM2M-MO) 6F02 (linear fixed, one 223-byte record);
 *  - logical channels (MANAGE CHANNEL), SELECT by AID / path, READ BINARY, READ RECORD, UPDATE BINARY/RECORD;
 *  - T=0 style answers: data comes back through 61xx + GET RESPONSE, a wrong Le gets 6Cxx;
 *  - GlobalPlatform SCP03 on the application (see scp03-card.ts): the PKCS#15 files are readable only
 *    inside a session, and writable only inside a session opened with the management authority's keys;
 *  - the applet for the LwM2M TAR terminating ETSI TS 102 225 (modules/sms SmsSecurityPolicy), fed by
 *    ENVELOPE SMS-PP download, answering with REFRESH / SEND SHORT MESSAGE proactive commands.
 */
import type { CryptoProvider } from '../../modules/crypto/provider';
import type { Host } from '../../modules/host';
import { concat } from '../../modules/bytes/index';
import { formatAddress } from '../../modules/sms/address';
import { Reassembler } from '../../modules/sms/concat';
import { encodeUdh, findConcat, hasPacketIdentifier, IEI } from '../../modules/sms/udh';
import { decodeDeliver } from '../../modules/sms/tpdu-deliver';
import { SmsSecurityPolicy, routeDeliver, type CounterSource, DCS_8BIT_CLASS2, PID_USIM_DATA_DOWNLOAD } from '../../modules/sms/policy';
import { SecureSmsLink } from '../../modules/sms/link';
import { decodeCommand, encodeResponse, type CommandApdu } from '../../modules/uicc/apdu';
import { tlv, parseOne } from '../../modules/uicc/ber-tlv';
import { encodeIccid } from '../../modules/uicc/files';
import { PKCS15_AID, BOOTSTRAP_LABEL, LWM2M_BOOTSTRAP_OID } from '../../modules/uicc/pkcs15';
import type { ApduTransport } from '../../modules/uicc/transport';
import { EXCHANGE_RECORD } from '../../modules/uicc/sms-card';
import {
  CommandType, Device, encodeProactiveCommand, fileListObject, parseSmsPpDownload, parseTerminalResponse, smsTpduObject,
} from '../../modules/uicc/usat';
import { CardScp03, type CardKeySet } from './scp03-card';

export type { CardKeySet } from './scp03-card';

type Access = 'always' | 'session' | 'admin' | 'never';

interface EfNode {
  kind: 'ef';
  fid: number;
  structure: 'transparent' | 'linear';
  data: Uint8Array;
  recordLength?: number;
  read: Access;
  write: Access;
}
interface DfNode {
  kind: 'df';
  fid: number;
  aid?: Uint8Array;
  children: Map<number, EfNode | DfNode>;
}

interface ChannelState {
  df: DfNode;
  ef?: EfNode;
  scp: CardScp03;
}

export interface SimUiccOptions {
  iccid: string;
  crypto: CryptoProvider;
  /** SCP03 key sets: the device's (read) and the management authority's (read + write). */
  keySets: CardKeySet[];
  /** Content of EF LwM2M_Bootstrap (LwM2M Core 1.1.1 Appendix G.3.4 layout, see modules/uicc/pkcs15.ts). */
  bootstrap: Uint8Array;
  /** The LwM2M SMS applet (optional): Security Object resources 7, 8, 9 as the server shares them. */
  sms?: { keyParameters: Uint8Array; secretKeys: Uint8Array; serverNumber: string; host: Pick<Host, 'now' | 'randomBytes'> };
  /** EF(LwM2M-MT)/(LwM2M-MO) reachable without SCP03 (default false: a session with the device keys is needed). */
  plainSmsFiles?: boolean;
  /** Answer data through 61xx / GET RESPONSE (default true). */
  t0?: boolean;
}

/** In-memory monotonic counters for the card's applet. */
export class CardCounters implements CounterSource {
  private readonly v = new Map<string, bigint>();
  next(name: string): bigint {
    const n = (this.v.get(name) ?? 0n) + 1n;
    this.v.set(name, n);
    return n;
  }
  acceptIfHigher(name: string, value: bigint): boolean {
    const last = this.v.get(name);
    if (last !== undefined && value <= last) return false;
    this.v.set(name, value);
    return true;
  }
}

const RECORD = EXCHANGE_RECORD;
const u16 = (v: number) => Uint8Array.of(v >> 8, v & 0xff);

/**
 * The PKCS#15 structures of the simulated card (LwM2M Core 1.1.1 Appendix G.3.1-G.3.2): EF(ODF) with a
 * dataObjects [7] Path to EF(DODF-bootstrap) 4401; in it one oidDO [1] data object: CommonObjectAttributes
 * (label, flags = modifiable), CommonDataObjectAttributes (applicationOID 2.23.43.9.1) and typeAttributes
 * [1] = OidDO { id 2.23.43.9.1, value Path 4402 } pointing to EF LwM2M_Bootstrap.
 */
export function pkcs15Files(): { odf: Uint8Array; dodf: Uint8Array } {
  const path = (fid: number) => tlv(0x30, tlv(0x04, u16(fid)));
  const odf = tlv(0xa7, path(0x4401));
  const label = new Uint8Array([...BOOTSTRAP_LABEL].map((c) => c.charCodeAt(0)));
  const oid = tlv(0x06, Uint8Array.from(LWM2M_BOOTSTRAP_OID));
  const dodf = tlv(0xa1,
    tlv(0x30, tlv(0x0c, label), tlv(0x03, Uint8Array.of(0x06, 0x40))),
    tlv(0x30, oid),
    tlv(0xa1, tlv(0x30, oid, path(0x4402))));
  return { odf, dodf };
}

export class SimUicc implements ApduTransport {
  readonly mf: DfNode;
  readonly app: DfNode;
  private readonly channels = new Map<number, ChannelState>();
  private pendingResponse: Uint8Array | null = null;
  private readonly proactive: Uint8Array[] = [];
  private proactiveNumber = 0;
  private readonly sequence = { value: 0 };
  readonly log: string[] = [];
  readonly policy?: SmsSecurityPolicy;
  private readonly link?: SecureSmsLink;
  /** Secured packets the applet refused, and why. */
  readonly refused: string[] = [];
  /** Last TERMINAL RESPONSE results, for tests. */
  readonly terminalResults: number[] = [];
  profile?: Uint8Array;
  /** Fault injection for tests (see CardScp03). */
  readonly faults: { rencWithoutPadding?: boolean } = {};
  /** Segments of concatenated MT messages held until the rest arrives (tests). */
  segmentsHeld = 0;
  /** The applet's reassembly of concatenated secured packets: 2 messages, 4 segments, 1 KB at most. */
  readonly reassembler: Reassembler;

  constructor(private readonly o: SimUiccOptions) {
    const ef = (fid: number, data: Uint8Array, read: Access, write: Access): EfNode => ({ kind: 'ef', fid, structure: 'transparent', data, read, write });
    const rec = (fid: number, read: Access, write: Access): EfNode => ({ kind: 'ef', fid, structure: 'linear', data: new Uint8Array(RECORD).fill(0xff), recordLength: RECORD, read, write });
    const { odf, dodf } = pkcs15Files();
    this.app = { kind: 'df', fid: 0x7f50, aid: Uint8Array.from(PKCS15_AID), children: new Map() };
    for (const n of [ef(0x5031, odf, 'session', 'admin'), ef(0x4401, dodf, 'session', 'admin'), ef(0x4402, o.bootstrap.slice(), 'session', 'admin'), rec(0x6f01, o.plainSmsFiles ? 'always' : 'session', 'never'), rec(0x6f02, 'never', o.plainSmsFiles ? 'always' : 'session')]) this.app.children.set(n.fid, n);
    this.mf = { kind: 'df', fid: 0x3f00, children: new Map() };
    this.mf.children.set(0x2fe2, ef(0x2fe2, encodeIccid(o.iccid), 'always', 'never'));
    this.mf.children.set(0x7f50, this.app);
    this.channels.set(0, this.newChannel());
    this.reassembler = new Reassembler(() => (o.sms ? o.sms.host.now() : 0), { maxPartials: 2, maxSegments: 4, maxBufferedOctets: 1024, timeoutMs: 60_000 });
    if (o.sms) {
      this.policy = new SmsSecurityPolicy({ keyParameters: o.sms.keyParameters, secretKeys: o.sms.secretKeys, serverNumber: o.sms.serverNumber, counters: new CardCounters(), crypto: o.crypto, counterName: 'card' });
      this.link = new SecureSmsLink({ policy: this.policy, host: o.sms.host, serverNumber: o.sms.serverNumber, pid: PID_USIM_DATA_DOWNLOAD, dcs: DCS_8BIT_CLASS2 });
    }
  }

  private newChannel(): ChannelState {
    return { df: this.mf, scp: new CardScp03(this.o.crypto, this.o.keySets, Uint8Array.from(PKCS15_AID), this.sequence, this.faults) };
  }

  /** Replaces the bootstrap file out of band (what a card issuer's personalisation would do). */
  file(fid: number): EfNode | undefined {
    const n = this.app.children.get(fid) ?? this.mf.children.get(fid);
    return n?.kind === 'ef' ? n : undefined;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    return this.process(apdu);
  }

  process(apdu: Uint8Array): Uint8Array {
    let c: CommandApdu;
    try {
      c = decodeCommand(apdu);
    } catch {
      return encodeResponse(new Uint8Array(0), 0x6700);
    }
    const cla = c.cla;
    const further = (cla & 0x40) !== 0;
    const channel = further ? 4 + (cla & 0x0f) : cla & 0x03;
    const sm = further ? (cla & 0x20) !== 0 : (cla & 0x0c) !== 0;
    this.log.push(`${channel}:${c.ins.toString(16)}`);
    // GET RESPONSE
    if (c.ins === 0xc0 && (cla & 0x80) === 0) {
      const p = this.pendingResponse;
      this.pendingResponse = null;
      if (!p) return encodeResponse(new Uint8Array(0), 0x6f00);
      const want = c.le ?? 256;
      if (want !== p.length - 2) {
        this.pendingResponse = p;
        return encodeResponse(new Uint8Array(0), 0x6c00 | ((p.length - 2) & 0xff));
      }
      return p;
    }
    this.pendingResponse = null;
    const st = this.channels.get(channel);
    if (!st) return encodeResponse(new Uint8Array(0), 0x6881);
    const r = this.dispatch(st, channel, cla, c, sm);
    if (this.o.t0 !== false && r.data.length > 0) {
      this.pendingResponse = encodeResponse(r.data, r.sw);
      return encodeResponse(new Uint8Array(0), 0x6100 | (r.data.length & 0xff));
    }
    return encodeResponse(r.data, r.sw);
  }

  private dispatch(st: ChannelState, channel: number, cla: number, c: CommandApdu, sm: boolean): { data: Uint8Array; sw: number } {
    const empty = new Uint8Array(0);
    if (c.ins === 0x50 && (cla & 0x80)) {
      if (st.df !== this.app) return { data: empty, sw: 0x6985 };
      return st.scp.initializeUpdate(c);
    }
    if (c.ins === 0x82 && (cla & 0x80)) return st.scp.externalAuthenticate(cla, c);
    let inner = c;
    let secured = false;
    if (sm) {
      const u = st.scp.unwrapCommand(cla, c);
      if (!u) return { data: empty, sw: 0x6982 };
      inner = u;
      secured = true;
    }
    const r = this.execute(st, channel, inner, secured);
    return secured ? { data: st.scp.wrapResponse(r.data, r.sw), sw: r.sw } : r;
  }

  private allowed(st: ChannelState, a: Access, secured: boolean): boolean {
    if (a === 'always') return true;
    if (a === 'never' || !secured || !st.scp.authenticated) return false;
    return a === 'session' || st.scp.keySet?.role === 'admin';
  }

  private execute(st: ChannelState, channel: number, c: CommandApdu, secured: boolean): { data: Uint8Array; sw: number } {
    const empty = new Uint8Array(0);
    const ok = (data: Uint8Array = empty, sw = 0x9000) => ({ data, sw });
    switch (c.ins) {
      case 0x70: {
        // MANAGE CHANNEL
        if (c.p1 === 0x00) {
          for (let n = 1; n <= 3; n++) {
            if (!this.channels.has(n)) {
              this.channels.set(n, this.newChannel());
              return ok(Uint8Array.of(n));
            }
          }
          return ok(empty, 0x6a81);
        }
        if (c.p1 === 0x80 && c.p2 === channel && channel !== 0) {
          this.channels.delete(channel);
          return ok();
        }
        return ok(empty, 0x6b00);
      }
      case 0xa4:
        return this.select(st, c);
      case 0xb0: {
        const ef = st.ef;
        if (!ef || ef.structure !== 'transparent') return ok(empty, 0x6986);
        if (!this.allowed(st, ef.read, secured)) return ok(empty, 0x6982);
        const off = (c.p1 << 8) | c.p2;
        if (off >= ef.data.length) return ok(empty, 0x6b00);
        return ok(ef.data.slice(off, off + Math.min(c.le ?? 256, ef.data.length - off)));
      }
      case 0xd6: {
        const ef = st.ef;
        if (!ef || ef.structure !== 'transparent' || !c.data) return ok(empty, 0x6986);
        if (!this.allowed(st, ef.write, secured)) return ok(empty, 0x6982);
        const off = (c.p1 << 8) | c.p2;
        const grown = new Uint8Array(Math.max(ef.data.length, off + c.data.length));
        grown.set(ef.data);
        grown.set(c.data, off);
        ef.data = grown;
        return ok();
      }
      case 0xb2: {
        const ef = st.ef;
        if (!ef || ef.structure !== 'linear') return ok(empty, 0x6981);
        if (!this.allowed(st, ef.read, secured)) return ok(empty, 0x6982);
        if (c.p1 !== 1 || c.p2 !== 0x04) return ok(empty, 0x6a83);
        if ((c.le ?? 256) !== RECORD) return ok(empty, 0x6c00 | RECORD);
        return ok(ef.data.slice());
      }
      case 0xdc: {
        const ef = st.ef;
        if (!ef || ef.structure !== 'linear' || !c.data) return ok(empty, 0x6981);
        if (!this.allowed(st, ef.write, secured)) return ok(empty, 0x6982);
        if (c.p1 !== 1 || c.p2 !== 0x04) return ok(empty, 0x6a83);
        ef.data.fill(0xff);
        ef.data.set(c.data.subarray(0, RECORD));
        if (ef.fid === 0x6f02) return this.moWritten(c.data);
        return ok();
      }
      case 0xf2: {
        // STATUS (TS 102 221 §11.1.2): the FCP of the current DF / application
        if ((c.cla & 0x80) === 0) return ok(empty, 0x6e00);
        return ok(tlv(0x62, tlv(0x82, Uint8Array.of(0x78, 0x21)), tlv(0x83, u16(st.df.fid)), ...(st.df.aid ? [tlv(0x84, st.df.aid)] : [])));
      }
      case 0x10:
        if ((c.cla & 0x80) === 0) return ok(empty, 0x6e00);
        this.profile = c.data?.slice();
        return this.withProactive();
      case 0xc2:
        if ((c.cla & 0x80) === 0 || !c.data) return ok(empty, 0x6e00);
        return this.envelope(c.data);
      case 0x12: {
        const p = this.proactive[0];
        if (!p) return ok(empty, 0x6f00);
        if ((c.le ?? 256) !== p.length) return ok(empty, 0x6c00 | p.length);
        return ok(p);
      }
      case 0x14: {
        if (!c.data || this.proactive.length === 0) return ok(empty, 0x6f00);
        try {
          this.terminalResults.push(parseTerminalResponse(c.data).result);
        } catch {
          return ok(empty, 0x6a80);
        }
        this.proactive.shift();
        return this.withProactive();
      }
      default:
        return ok(empty, 0x6d00);
    }
  }

  private select(st: ChannelState, c: CommandApdu): { data: Uint8Array; sw: number } {
    const empty = new Uint8Array(0);
    const d = c.data ?? empty;
    let target: EfNode | DfNode | undefined;
    let df = st.df;
    if (c.p1 === 0x04) {
      if (this.app.aid && d.length >= 5 && d.length <= 16 && this.app.aid.subarray(0, d.length).every((b, i) => b === d[i])) target = this.app;
    } else if (c.p1 === 0x08 || c.p1 === 0x09 || c.p1 === 0x00) {
      let node: DfNode | EfNode = c.p1 === 0x08 ? this.mf : st.df;
      if (c.p1 === 0x00 && d.length === 2 && ((d[0] << 8) | d[1]) === 0x3f00) node = this.mf;
      else {
        if (d.length < 2 || d.length % 2) return { data: empty, sw: 0x6700 };
        for (let i = 0; i < d.length; i += 2) {
          if (node.kind !== 'df') return { data: empty, sw: 0x6a82 };
          const next: EfNode | DfNode | undefined = node.children.get((d[i] << 8) | d[i + 1]);
          if (!next) return { data: empty, sw: 0x6a82 };
          if (next.kind === 'df') df = next;
          node = next;
        }
      }
      target = node;
    }
    if (!target) return { data: empty, sw: 0x6a82 };
    if (target.kind === 'df') {
      if (st.df !== target) st.scp.reset();
      st.df = target;
      st.ef = undefined;
      return { data: tlv(0x62, tlv(0x82, Uint8Array.of(0x78, 0x21)), tlv(0x83, u16(target.fid))), sw: 0x9000 };
    }
    if (df !== st.df) st.scp.reset();
    st.df = df;
    st.ef = target;
    const fd = target.structure === 'transparent' ? Uint8Array.of(0x41, 0x21) : Uint8Array.of(0x42, 0x21, 0x00, RECORD, 0x01);
    return { data: tlv(0x62, tlv(0x82, fd), tlv(0x83, u16(target.fid)), tlv(0x80, u16(target.data.length))), sw: 0x9000 };
  }

  private withProactive(): { data: Uint8Array; sw: number } {
    const p = this.proactive[0];
    return { data: new Uint8Array(0), sw: p ? 0x9100 | p.length : 0x9000 };
  }

  private queue(type: number, qualifier: number, destination: number, ...objects: Uint8Array[]): void {
    this.proactiveNumber = (this.proactiveNumber % 254) + 1;
    this.proactive.push(encodeProactiveCommand(this.proactiveNumber, type, qualifier, destination, ...objects));
  }

  /** ENVELOPE: the SMS-PP data download of the LwM2M TAR applet. */
  private envelope(data: Uint8Array): { data: Uint8Array; sw: number } {
    const empty = new Uint8Array(0);
    if (data[0] !== 0xd1 || !this.policy) return { data: empty, sw: 0x6a80 };
    let tpdu: Uint8Array;
    try {
      tpdu = parseSmsPpDownload(data).tpdu;
    } catch {
      return { data: empty, sw: 0x6a80 };
    }
    let d;
    try {
      d = decodeDeliver(tpdu);
    } catch {
      this.refused.push('malformed');
      return { data: empty, sw: 0x9000 };
    }
    const udh = d.userData.udh;
    if (routeDeliver(d) !== 'uicc' || !udh) {
      this.refused.push('not-secured-sms');
      return { data: empty, sw: 0x9000 };
    }
    // TS 31.111 §7.1.1: the ME hands every SMS-PP download to the card as it comes, one ENVELOPE per
    // short message; a command packet sent as concatenated SMS (TS 23.040 §9.2.3.24.1, IE 70 in the
    // first segment only, TS 31.115) is put together here, on the card, with bounded resources.
    let userData = d.userData.raw;
    const c = findConcat(udh);
    if (c) {
      const part = this.reassembler.add(formatAddress(d.originator), c, udh, d.userData.payload);
      if (part.kind === 'pending') {
        this.segmentsHeld++;
        return { data: empty, sw: 0x9000 };
      }
      if (part.kind === 'dropped') {
        this.refused.push(`reassembly-${part.reason}`);
        return { data: empty, sw: 0x9000 };
      }
      if (!hasPacketIdentifier(part.firstUdh, IEI.commandPacket)) {
        this.refused.push('not-secured-sms');
        return { data: empty, sw: 0x9000 };
      }
      userData = concat(encodeUdh([{ iei: IEI.commandPacket, data: new Uint8Array(0) }]), part.body);
    }
    const r = this.policy.open(userData, d.originator);
    if (!r.ok) {
      // LwM2M §7.2: a badly protected message is discarded with no reply at all
      this.refused.push(r.reason);
      return { data: empty, sw: 0x9000 };
    }
    if (r.data.length > RECORD - 3) {
      // the plaintext does not fit EF(LwM2M-MT): never hand over a truncated message
      r.data.fill(0);
      this.refused.push('too-large');
      return { data: empty, sw: 0x9000 };
    }
    const mt = this.app.children.get(0x6f01) as EfNode;
    mt.data.fill(0xff);
    mt.data.set(tlv(0x80, r.data).subarray(0, RECORD));
    this.queue(CommandType.REFRESH, 0x01, Device.terminal, fileListObject([Uint8Array.of(0x3f, 0x00, 0x7f, 0x50, 0x6f, 0x01)]));
    return this.withProactive();
  }

  /** UPDATE RECORD on EF(LwM2M-MO): protect the payload and ask the terminal to send it. */
  private moWritten(record: Uint8Array): { data: Uint8Array; sw: number } {
    if (!this.link) return { data: new Uint8Array(0), sw: 0x9000 };
    let payload: Uint8Array;
    try {
      const t = parseOne(record.subarray(0, record.length));
      if (t.tag !== 0x80) throw new Error('no payload object');
      payload = t.value;
    } catch {
      return { data: new Uint8Array(0), sw: 0x6a80 };
    }
    for (const tp of this.link.send(payload)) this.queue(CommandType.SEND_SHORT_MESSAGE, 0x00, Device.network, smsTpduObject(tp));
    return this.withProactive();
  }

  /** Number of proactive commands not yet fetched and answered. */
  get pendingProactive(): number {
    return this.proactive.length;
  }
}
