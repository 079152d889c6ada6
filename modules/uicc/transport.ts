/**
 * The door to the card and the ISO/IEC 7816-4 status word procedures every caller needs:
 * 61xx → GET RESPONSE (§5.3.4 / §11.5.1), 6Cxx → re-issue with Le = xx, 9Fxx → GET RESPONSE with
 * Le = xx (GSM-era cards), bounded so a card cannot keep the terminal looping; MANAGE CHANNEL
 * (§11.1.2) to open and close logical channels.
 */
import { concat } from '../bytes/index';
import { claForChannel, decodeResponse, encodeCommand, SW, swHex, type CommandApdu, type ResponseApdu } from './apdu';
import { ApduError } from './errors';

/** One command APDU in, one response APDU (data + SW1 SW2) out. AT+CSIM, PC/SC or a simulated card. */
export interface ApduTransport {
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
}

/** GET RESPONSE chains and 6Cxx re-issues allowed per command. */
export const MAX_CHAINED = 16;
/** Bytes a chained response may add up to. */
export const MAX_CHAINED_BYTES = 4096;

export interface CardResponse extends ResponseApdu {}

/**
 * A logical channel on a card: sends commands with the channel's CLA and resolves the status word
 * procedures. Channel 0 is the basic channel and always open.
 */
export class CardChannel {
  constructor(readonly transport: ApduTransport, readonly channel = 0) {}

  /** Sends `c` (CLA rewritten for this channel) and returns the final data and status word. */
  async send(c: CommandApdu): Promise<CardResponse> {
    const cmd: CommandApdu = { ...c, cla: claForChannel(c.cla, this.channel) };
    return this.sendRaw(encodeCommand(cmd), cmd);
  }

  /** Sends raw APDU bytes (already carrying this channel's CLA) with the same status word handling. */
  async sendRaw(apdu: Uint8Array, _parsed?: CommandApdu): Promise<CardResponse> {
    let r = decodeResponse(await this.transport.transmit(apdu));
    let rounds = 0;
    // 6Cxx: the card tells us the right Le; re-issue once with it
    if (r.sw >> 8 === SW.WRONG_LE) {
      const fixed = apdu.slice();
      fixed[fixed.length - 1] = r.sw & 0xff;
      r = decodeResponse(await this.transport.transmit(fixed));
      rounds++;
    }
    let data = r.data;
    while (r.sw >> 8 === SW.BYTES_AVAILABLE || r.sw >> 8 === SW.SIM_BYTES_AVAILABLE) {
      if (++rounds > MAX_CHAINED) throw new ApduError(`card chained more than ${MAX_CHAINED} GET RESPONSEs`, r.sw);
      const le = r.sw & 0xff;
      const cla = claForChannel(0, this.channel);
      r = decodeResponse(await this.transport.transmit(encodeCommand({ cla, ins: 0xc0, p1: 0, p2: 0, le: le === 0 ? 256 : le })));
      if (r.sw >> 8 === SW.WRONG_LE) throw new ApduError('card answered GET RESPONSE with 6Cxx', r.sw);
      data = concat(data, r.data);
      if (data.length > MAX_CHAINED_BYTES) throw new ApduError(`chained response exceeds ${MAX_CHAINED_BYTES} bytes`, r.sw);
    }
    return { data, sw: r.sw };
  }

  /** As send, but an error status word becomes an ApduError carrying it. */
  async expectOk(c: CommandApdu, what: string): Promise<CardResponse> {
    const r = await this.send(c);
    if (r.sw !== SW.OK && r.sw >> 8 !== SW.PROACTIVE) throw new ApduError(`${what}: card answered ${swHex(r.sw)}`, r.sw);
    return r;
  }

  /** MANAGE CHANNEL open (P1 00, P2 00: the card assigns the number). Returns the new channel. */
  async openChannel(): Promise<CardChannel> {
    const r = await this.expectOk({ cla: 0x00, ins: 0x70, p1: 0x00, p2: 0x00, le: 1 }, 'MANAGE CHANNEL open');
    if (r.data.length !== 1 || r.data[0] < 1 || r.data[0] > 19) throw new ApduError('MANAGE CHANNEL returned no valid channel number');
    return new CardChannel(this.transport, r.data[0]);
  }

  /** MANAGE CHANNEL close of this channel (sent on the channel itself). */
  async close(): Promise<void> {
    if (this.channel === 0) return;
    await this.expectOk({ cla: 0x00, ins: 0x70, p1: 0x80, p2: this.channel }, 'MANAGE CHANNEL close');
  }
}
