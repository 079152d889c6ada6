/**
 * The card side of GlobalPlatform SCP03 (GP Card Specification Amendment D) for the simulated UICC: a
 * test peer, not product code. Pseudo-random card challenge (§6.2.2.1), cryptograms, C-MAC check,
 * C-DECRYPTION, R-MAC and R-ENCRYPTION. A failed check ends the session (§6.2.4: 6982, channel reset).
 */
import { concat, constantTimeEqual } from '../../modules/bytes/index';
import { cbcDecrypt, cbcEncrypt, cmacWith } from '../../modules/crypto/index';
import type { CryptoProvider } from '../../modules/crypto/provider';
import type { CommandApdu } from '../../modules/uicc/apdu';
import { cryptogram, deriveSessionKeys, DERIVATION, pad80, scp03Derive, unpad80, type Scp03Keys, type SessionKeys } from '../../modules/uicc/scp03';

export interface CardKeySet extends Scp03Keys {
  /** What a session opened with this key set may do. */
  role: 'device' | 'admin';
}

export class CardScp03 {
  private sk?: SessionKeys;
  private context?: Uint8Array;
  private chain: Uint8Array = new Uint8Array(16);
  private counter = 0;
  level = 0;
  authenticated = false;
  keySet?: CardKeySet;

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly keySets: CardKeySet[],
    private readonly aid: Uint8Array,
    private readonly sequence: { value: number },
    /** Fault injection for tests: R-ENC zero-padded instead of method 2 (the R-MAC is still right). */
    private readonly faults: { rencWithoutPadding?: boolean } = {},
  ) {}

  reset(): void {
    this.sk = undefined;
    this.context = undefined;
    this.authenticated = false;
    this.keySet = undefined;
    this.chain = new Uint8Array(16);
    this.counter = 0;
  }

  initializeUpdate(c: CommandApdu): { data: Uint8Array; sw: number } {
    this.reset();
    if (!c.data || c.data.length !== 8) return { data: new Uint8Array(0), sw: 0x6700 };
    const ks = this.keySets.find((k) => k.kvn === c.p1 || (c.p1 === 0 && k.role === 'device'));
    if (!ks) return { data: new Uint8Array(0), sw: 0x6a88 };
    this.sequence.value++;
    const seq = Uint8Array.of((this.sequence.value >> 16) & 0xff, (this.sequence.value >> 8) & 0xff, this.sequence.value & 0xff);
    const cardChallenge = scp03Derive(this.crypto, ks.enc, DERIVATION.cardChallenge, concat(seq, this.aid), 64);
    const context = concat(c.data, cardChallenge);
    this.sk = deriveSessionKeys(this.crypto, ks, context);
    this.context = context;
    this.keySet = ks;
    const cc = cryptogram(this.crypto, this.sk.sMac, DERIVATION.cardCryptogram, context);
    return { data: concat(new Uint8Array(10), Uint8Array.of(ks.kvn, 0x03, 0x70), cardChallenge, cc, seq), sw: 0x9000 };
  }

  private macOf(cla: number, c: CommandApdu, body: Uint8Array): Uint8Array {
    return cmacWith(this.crypto.aes(this.sk!.sMac), concat(this.chain, Uint8Array.of(cla, c.ins, c.p1, c.p2, body.length + 8), body));
  }

  externalAuthenticate(cla: number, c: CommandApdu): { data: Uint8Array; sw: number } {
    if (!this.sk || !this.context || !c.data || c.data.length !== 16) {
      this.reset();
      return { data: new Uint8Array(0), sw: 0x6985 };
    }
    const host = cryptogram(this.crypto, this.sk.sMac, DERIVATION.hostCryptogram, this.context);
    const mac = this.macOf(cla, c, c.data.subarray(0, 8));
    if (!constantTimeEqual(host, c.data.subarray(0, 8)) || !constantTimeEqual(mac.subarray(0, 8), c.data.subarray(8))) {
      this.reset();
      return { data: new Uint8Array(0), sw: 0x6300 };
    }
    if (![0x01, 0x03, 0x11, 0x13, 0x33].includes(c.p1)) {
      this.reset();
      return { data: new Uint8Array(0), sw: 0x6a86 };
    }
    this.chain = mac;
    this.level = c.p1;
    this.authenticated = true;
    this.counter = 0;
    return { data: new Uint8Array(0), sw: 0x9000 };
  }

  private icv(response: boolean): Uint8Array {
    const b = new Uint8Array(16);
    let v = this.counter;
    for (let k = 15; k >= 1 && v > 0; k--) {
      b[k] = v & 0xff;
      v = Math.floor(v / 256);
    }
    if (response) b[0] = 0x80;
    const aes = this.crypto.aes(this.sk!.sEnc);
    aes.encryptBlock(b, b);
    return b;
  }

  /** Checks and unwraps a command with secure messaging; null (session reset) when the MAC or padding fails. */
  unwrapCommand(cla: number, c: CommandApdu): CommandApdu | null {
    if (!this.authenticated || !this.sk || !c.data || c.data.length < 8) {
      this.reset();
      return null;
    }
    const body = c.data.subarray(0, c.data.length - 8);
    const mac = this.macOf(cla, c, body);
    if (!constantTimeEqual(mac.subarray(0, 8), c.data.subarray(c.data.length - 8))) {
      this.reset();
      return null;
    }
    this.chain = mac;
    this.counter++;
    let data: Uint8Array = body.slice();
    if ((this.level & 0x02) && data.length > 0) {
      if (data.length % 16 !== 0) {
        this.reset();
        return null;
      }
      const plain = unpad80(cbcDecrypt(this.crypto.aes(this.sk.sEnc), this.icv(false), data));
      if (!plain) {
        this.reset();
        return null;
      }
      data = plain;
    }
    return { cla: cla & ~0x04, ins: c.ins, p1: c.p1, p2: c.p2, data: data.length ? data : undefined, le: c.le };
  }

  wrapResponse(data: Uint8Array, sw: number): Uint8Array {
    let body = data;
    if ((this.level & 0x20) && body.length > 0) {
      const padded = this.faults.rencWithoutPadding ? new Uint8Array(Math.ceil(body.length / 16) * 16) : pad80(body);
      if (this.faults.rencWithoutPadding) padded.set(body);
      body = cbcEncrypt(this.crypto.aes(this.sk!.sEnc), this.icv(true), padded);
    }
    if (this.level & 0x10) {
      const error = sw !== 0x9000 && sw >> 8 !== 0x62 && sw >> 8 !== 0x63;
      if (!(error && body.length === 0)) {
        const rmac = cmacWith(this.crypto.aes(this.sk!.sRmac), concat(this.chain, body, Uint8Array.of(sw >> 8, sw & 0xff)));
        body = concat(body, rmac.subarray(0, 8));
      }
    }
    return body;
  }
}
