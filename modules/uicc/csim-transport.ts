/**
 * The UICC behind a cellular modem: an ApduTransport over AT+CSIM (3GPP TS 27.007 §8.17). The modem's
 * `csim()` (modules/modem Modem) already speaks the command/response text with this folder's
 * encodeCsimCommand / parseCsimResponse; this only turns its AT failures (ERROR, +CME ERROR, timeout,
 * a malformed +CSIM line) into ApduError, so bootstrapFromSmartcard and the card-terminated SMS binding
 * keep failing with this folder's typed errors whatever carries the APDUs.
 */
import { AtError } from '../modem/errors';
import { ApduError } from './errors';
import type { ApduTransport } from './transport';

/** What a modem must offer: one command APDU in, the response APDU (data + SW1 SW2) out. */
export interface CsimModem {
  csim(apdu: Uint8Array): Promise<Uint8Array>;
}

export function csimTransport(modem: CsimModem): ApduTransport {
  return {
    async transmit(apdu: Uint8Array): Promise<Uint8Array> {
      try {
        return await modem.csim(apdu);
      } catch (e) {
        if (e instanceof AtError) throw new ApduError(`AT+CSIM failed (${e.code}): ${e.message}`);
        throw e;
      }
    },
  };
}
