/**
 * SMS security terminated on the UICC (LwM2M TS §7.2 "SMS Payload Security", smartcard case): the
 * device-card interface, built from standard APDUs and USAT only.
 *
 * MT: the class 2 / TP-PID 7F SMS-DELIVER goes to the card in an ENVELOPE (SMS-PP data download, D1).
 * The card's applet for the LwM2M TAR checks and deciphers the TS 102 225 secured packet. When it
 * accepts it, it writes the plaintext to EF(LwM2M-MT) and answers 91xx; the proactive command is a
 * REFRESH with qualifier 01 (file change notification) naming that EF; the terminal reads the record
 * and confirms with TERMINAL RESPONSE. A packet the card refuses ends with 9000 and no proactive
 * command: nothing reaches the client and nothing is sent back.
 *
 * Both records hold the payload as one BER-TLV data object with tag 80, padded with FF to the record
 * length ({@link EXCHANGE_RECORD}), so a payload is at most {@link MAX_CARD_PAYLOAD} bytes.
 *
 * MO: the terminal writes the plaintext with UPDATE RECORD to EF(LwM2M-MO); the applet protects it
 * and issues SEND SHORT MESSAGE proactive commands carrying the SMS-SUBMIT TPDUs; the terminal sends
 * them through the modem and reports the outcome in TERMINAL RESPONSE.
 */
import { equalBytes } from '../bytes/index';
import { SW, swHex } from './apdu';
import { parseBerTlv, tlv } from './ber-tlv';
import { ApduError, BerTlvError, Scp03Error, SmartcardBootstrapError, UsatError } from './errors';
import { plainSender, readRecord, selectPath, updateRecord, type CommandSender } from './files';
import { CardChannel, type ApduTransport } from './transport';
import {
  CommandType, CTag, fetch, parseFileList, parseProactiveCommand, Result, smsPpDownload, terminalProfile, terminalResponse, type ProactiveCommand,
} from './usat';

/** Default full paths of the two exchange files (DF 7F50 is the LwM2M / PKCS#15 application DF). */
export const EF_LWM2M_MT = Object.freeze([0x3f, 0x00, 0x7f, 0x50, 0x6f, 0x01]);
export const EF_LWM2M_MO = Object.freeze([0x3f, 0x00, 0x7f, 0x50, 0x6f, 0x02]);
/**
 * Record length of the exchange files: 223 keeps a record, R-ENC padded (224) plus its R-MAC (8), inside
 * one short response. The largest payload is that minus the tag and a 2-byte length.
 */
export const EXCHANGE_RECORD = 223;
export const MAX_CARD_PAYLOAD = EXCHANGE_RECORD - 3;
/** Proactive commands handled per envelope before the terminal gives up on the card. */
export const MAX_PROACTIVE = 8;

export interface UiccSmsOptions {
  transport: ApduTransport;
  /** Sends an SMS-SUBMIT TPDU the card produced (AT+CMGS). Resolves true when the network accepted it. */
  sendSms(tpdu: Uint8Array): Promise<boolean>;
  mtPath?: Uint8Array;
  moPath?: Uint8Array;
  /**
   * Opens a secure channel for the exchange files (e.g. `() => openBoundSession(...)`): the MT plaintext
   * is then read with R-MAC/R-ENC and the MO payload written with C-MAC/C-DEC, so a device on the card
   * interface can neither inject nor read them. Without it the files are accessed in plain.
   */
  secure?: () => Promise<{ session: CommandSender; close(): Promise<void> }>;
}

export interface CardDelivery {
  /** The plaintext LwM2M payload, or null when the card refused the packet (drop silently). */
  payload: Uint8Array | null;
  /** SMS the card sent while handling it (a PoR, if the server asked for one). */
  sent: number;
}

export class UiccSmsTerminal {
  private readonly basic: CardChannel;
  private readonly sender: CommandSender;
  private readonly mt: Uint8Array;
  private readonly mo: Uint8Array;

  constructor(private readonly o: UiccSmsOptions) {
    this.basic = new CardChannel(o.transport);
    this.sender = plainSender(this.basic);
    this.mt = o.mtPath ?? Uint8Array.from(EF_LWM2M_MT);
    this.mo = o.moPath ?? Uint8Array.from(EF_LWM2M_MO);
  }

  /** TERMINAL PROFILE; runs any proactive command the card has queued. */
  async start(): Promise<void> {
    const r = await this.basic.send(terminalProfile());
    if (r.sw !== SW.OK && r.sw >> 8 !== SW.PROACTIVE) throw new ApduError(`TERMINAL PROFILE: card answered ${swHex(r.sw)}`, r.sw);
    await this.proactive(r.sw);
  }

  /** Hands an MT SMS-DELIVER TPDU (no SMSC prefix) to the card. */
  async deliver(tpdu: Uint8Array, smscAddress?: Uint8Array): Promise<CardDelivery> {
    const r = await this.basic.send(smsPpDownload(tpdu, smscAddress));
    // 9000 without a proactive command, 6F00, 9300 (busy)...: the card did not release a payload, so the
    // message is dropped; only 91xx starts the proactive session that can hand one over
    return this.proactive(r.sw);
  }

  /** Asks the card to protect and send `payload`. Returns how many SMS were sent. */
  async send(payload: Uint8Array): Promise<number> {
    if (payload.length < 1 || payload.length > MAX_CARD_PAYLOAD) throw new UsatError(`MO payload must be 1..${MAX_CARD_PAYLOAD} bytes`);
    const r = await this.withFiles(async (s) => {
      await selectPath(s, this.mo.subarray(2));
      return updateRecord(s, 1, tlv(0x80, payload));
    });
    const d = await this.proactive(r.sw);
    if (d.sent === 0) throw new UsatError('the card sent no SMS for the MO payload');
    return d.sent;
  }

  private async withFiles<T>(job: (s: CommandSender) => Promise<T>): Promise<T> {
    if (!this.o.secure) return job(this.sender);
    const c = await this.o.secure();
    try {
      return await job(c.session);
    } finally {
      await c.close();
    }
  }

  private async proactive(sw: number): Promise<CardDelivery> {
    let payload: Uint8Array | null = null;
    let sent = 0;
    for (let round = 0; sw >> 8 === SW.PROACTIVE; round++) {
      if (round >= MAX_PROACTIVE) throw new UsatError(`card kept issuing proactive commands (more than ${MAX_PROACTIVE})`);
      const f = await this.basic.send(fetch(sw & 0xff));
      if (f.sw !== SW.OK) throw new ApduError(`FETCH: card answered ${swHex(f.sw)}`, f.sw);
      let cmd: ProactiveCommand;
      try {
        cmd = parseProactiveCommand(f.data);
      } catch (e) {
        if (!(e instanceof UsatError)) throw e;
        // without parseable command details there is nothing to answer; the card times the session out
        throw e;
      }
      let result: number = Result.beyondCapabilities;
      if (cmd.type === CommandType.REFRESH && cmd.qualifier === 0x01) {
        const list = cmd.objects.find((x) => x.tag === CTag.fileList);
        const files = list ? parseFileList(list.value) : [];
        result = Result.ok;
        if (files.some((p) => equalBytes(p, this.mt))) {
          try {
            payload = await this.withFiles(async (s) => {
              // Le from the FCP: a 6Cxx re-issue would break the SCP03 MAC chain
              const fc = await selectPath(s, this.mt.subarray(2));
              return recordPayload(await readRecord(s, 1, fc.recordLength));
            });
          } catch (e) {
            // a record that does not read back intact (MAC failure, card error) releases nothing
            if (!(e instanceof ApduError || e instanceof UsatError || e instanceof Scp03Error || e instanceof SmartcardBootstrapError)) throw e;
            payload = null;
            result = Result.terminalUnable;
          }
        }
      } else if (cmd.type === CommandType.SEND_SHORT_MESSAGE) {
        const tp = cmd.objects.find((x) => x.tag === CTag.smsTpdu);
        if (tp && (await this.o.sendSms(tp.value.slice()))) {
          sent++;
          result = Result.ok;
        } else result = tp ? Result.terminalUnable : Result.dataNotUnderstood;
      }
      const tr = await this.basic.send(terminalResponse(cmd, result));
      sw = tr.sw;
      if (sw !== SW.OK && sw >> 8 !== SW.PROACTIVE) throw new ApduError(`TERMINAL RESPONSE: card answered ${swHex(sw)}`, sw);
    }
    return { payload, sent };
  }
}

/** The payload object (tag 80) of an exchange record; FF padding after it is allowed. */
export function recordPayload(rec: Uint8Array): Uint8Array {
  try {
    const objs = parseBerTlv(rec, { maxDepth: 1, maxElements: 1, maxLength: 255 });
    if (objs.length !== 1 || objs[0].tag !== 0x80) throw new UsatError('exchange record holds no payload object');
    return objs[0].value.slice();
  } catch (e) {
    if (e instanceof BerTlvError) throw new UsatError(`exchange record: ${e.message}`);
    throw e;
  }
}
