/**
 * The SMS binding with security terminated on the smartcard, over a modem: LwM2M 1.1 Security Object
 * resource 6 value 2 "Secure Packet Structure mode (smartcard terminated)", ETSI TS 102 225 secured
 * packets checked, deciphered and produced by the UICC (see sms-card.ts for the APDUs).
 *
 * Inbound: every PDU the modem hands up (+CMT, or +CMTI then AT+CMGR: class 2 messages arrive stored,
 * TS 23.038 §4) goes through modules/sms routing (`routeDeliver`, the rule SecureSmsLink applies): only an
 * 8-bit class 2 / TP-PID 7F (USIM data download, TS 23.040 §9.2.3.9) SMS-DELIVER from the server's number
 * (0/x/9) is given to the card as an SMS-PP download ENVELOPE; everything else is left to other channels
 * or dropped, counted, never answered. Outbound: the card's SEND SHORT MESSAGE TPDUs go out with the
 * bearer's AT+CMGS.
 *
 * The card holds the keys and counters, so the device holds none of 0/x/7 and 0/x/8 for this account;
 * the channel reports `security: 'sms-uicc'`.
 */
import type { Host } from '../host';
import type { DataModel } from '../lwm2m/data-model';
import type { ServerAccount } from '../client/accounts';
import type { Connector, OpenedChannel } from '../client/connector';
import { ClientError } from '../client/errors';
import { SMS_COAP } from '../client/sms-connector';
import { parseServerUri } from '../client/uri';
import { formatAddress, parseNumber } from '../sms/address';
import type { SmsPduBearer } from '../sms/channel';
import { SmsFormatError } from '../sms/errors';
import { routeDeliver } from '../sms/policy';
import { splitSmsc } from '../sms/tpdu';
import { decodeDeliver } from '../sms/tpdu-deliver';
import { UiccSmsTerminal, type UiccSmsOptions } from './sms-card';
import { CardSmsChannel } from './sms-channel';
import type { ApduTransport } from './transport';

/** Security Object 0/x/6 value for secured packets terminated on the smartcard. */
export const SMS_MODE_SMARTCARD = 2;

export interface CardSmsConnectorOptions {
  /** The modem's SMS (modules/modem ModemSms): AT+CMGS out, +CMT / +CMTI in. */
  bearer: SmsPduBearer;
  /** The card (csimTransport(modem) on a device). */
  transport: ApduTransport;
  /** Secure channel for the exchange files (e.g. openBoundSession), see UiccSmsOptions.secure. */
  secure?: UiccSmsOptions['secure'];
  host: Pick<Host, 'log'>;
}

export class CardSmsConnector implements Connector {
  readonly terminal: UiccSmsTerminal;
  /** Inbound PDUs not handed to the card: not class 2 / 7F (left to others), from another number, unreadable, no open channel. */
  readonly drops = { notForCard: 0, originator: 0, malformed: 0, noChannel: 0 };
  private current: { channel: CardSmsChannel; peer: string } | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: CardSmsConnectorOptions) {
    this.terminal = new UiccSmsTerminal({
      transport: o.transport,
      secure: o.secure,
      sendSms: async (tpdu) => {
        try {
          await o.bearer.sendTpdu(tpdu);
          return true;
        } catch (e) {
          o.host.log('warn', 'sms-uicc: AT+CMGS of the card\'s message failed', { error: e instanceof Error ? e.message : String(e) });
          return false;
        }
      },
    });
    this.unsubscribe = o.bearer.onPdu((pdu) => this.receive(pdu));
  }

  /** TERMINAL PROFILE to the card (and whatever proactive command it has queued). Call once after the modem's init. */
  start(): Promise<void> {
    return this.terminal.start();
  }

  async open(account: ServerAccount, _dm: DataModel): Promise<OpenedChannel> {
    if (account.smsSecurityMode !== SMS_MODE_SMARTCARD) {
      throw new ClientError('unsupported-security', `${account.uri}: the smartcard SMS binding needs SMS Security Mode 2 (0/${account.securityIid}/6), the account has ${account.smsSecurityMode ?? '(unset)'}`);
    }
    const number = account.smsNumber || (account.uri.startsWith('sms:') ? parseServerUri(account.uri).host : '');
    if (!number) throw new ClientError('bad-config', `${account.uri}: no LwM2M Server SMS Number (0/${account.securityIid}/9)`);
    this.current?.channel.close();
    const channel = new CardSmsChannel(this.terminal);
    const entry = { channel, peer: formatAddress(parseNumber(number)) };
    this.current = entry;
    const close = channel.close.bind(channel);
    channel.close = () => {
      if (this.current === entry) this.current = null;
      close();
    };
    return { channel, security: 'sms-uicc', coap: SMS_COAP };
  }

  /** Stops listening to the modem and closes the open channel. */
  dispose(): void {
    this.unsubscribe();
    this.current?.channel.close();
  }

  private receive(pdu: Uint8Array): void {
    let tpdu: Uint8Array;
    let route: ReturnType<typeof routeDeliver>;
    let originator: string;
    try {
      tpdu = splitSmsc(pdu).tpdu;
      const d = decodeDeliver(tpdu);
      route = routeDeliver(d);
      originator = d.originator.ton === 5 ? '' : formatAddress(d.originator);
    } catch (e) {
      if (!(e instanceof SmsFormatError)) throw e;
      this.drops.malformed++;
      return;
    }
    if (route !== 'uicc') {
      this.drops.notForCard++;
      return;
    }
    const cur = this.current;
    if (!cur) {
      this.drops.noChannel++;
      return;
    }
    if (originator !== cur.peer) {
      this.drops.originator++;
      return;
    }
    // TS 102 223 §7.1.1.2: the Address data object carries the SC address (TON/NPI + BCD) as the PDU had it
    const smsc = pdu[0] > 0 ? pdu.slice(1, 1 + pdu[0]) : undefined;
    void cur.channel.deliver(tpdu.slice(), smsc).catch((e: Error) => this.o.host.log('warn', 'sms-uicc: the card failed on an SMS-PP download', { error: e.message }));
  }
}
