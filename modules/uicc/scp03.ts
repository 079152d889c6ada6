/**
 * GlobalPlatform Secure Channel Protocol 03 (GP Card Specification v2.3 Amendment D), host side:
 * INITIALIZE UPDATE / EXTERNAL AUTHENTICATE (§7.1, §7.2), session keys and cryptograms by the
 * NIST SP 800-108 counter-mode KDF with AES-CMAC (§4.1.5, §6.2.1-§6.2.2), C-MAC chaining (§6.2.4),
 * C-DECRYPTION with the counter-derived ICV (§6.2.6), R-MAC (§6.2.5) and R-ENCRYPTION (§6.2.7).
 *
 * After any failure the session is closed: the card resets its own secure channel on a bad MAC, and the
 * host must not keep using keys of a channel it no longer trusts.
 */
import { concat, constantTimeEqual, wipe } from '../bytes/index';
import { cbcDecrypt, cbcEncrypt, cmacWith } from '../crypto/index';
import type { BlockCipher, CryptoProvider } from '../crypto/provider';
import { claForChannel, encodeCommand, swHex, type CommandApdu } from './apdu';
import { Scp03Error } from './errors';
import type { CardChannel } from './transport';

/** §6.2.2.1 derivation constants. */
export const DERIVATION = Object.freeze({
  cardCryptogram: 0x00,
  hostCryptogram: 0x01,
  cardChallenge: 0x02,
  sEnc: 0x04,
  sMac: 0x06,
  sRmac: 0x07,
});

/** §7.1.3 security levels (P1 of EXTERNAL AUTHENTICATE). */
export const SecurityLevel = Object.freeze({
  CMAC: 0x01,
  CMAC_CDEC: 0x03,
  CMAC_RMAC: 0x11,
  CMAC_CDEC_RMAC: 0x13,
  CMAC_CDEC_RMAC_RENC: 0x33,
});

export interface Scp03Keys {
  /** Key Version Number of the key set (P1 of INITIALIZE UPDATE). */
  kvn: number;
  enc: Uint8Array;
  mac: Uint8Array;
}

function aesKey(k: Uint8Array | undefined, what: string): Uint8Array {
  if (!(k instanceof Uint8Array) || (k.length !== 16 && k.length !== 24 && k.length !== 32)) throw new Scp03Error('bad-keys', `${what} must be an AES-128/192/256 key`);
  return k;
}

/**
 * NIST SP 800-108 §5.1 KDF in counter mode with AES-CMAC as the PRF: K(i) = CMAC(KI, before || [i]_r || after),
 * for i = 1..n, output the leftmost `lengthBytes`. `before` empty is CAVP's CTRLOCATION=BEFORE_FIXED;
 * SCP03 puts the counter in the middle (§4.1.5). `counterBytes` is r/8.
 */
export function kdfCounterCmac(crypto: CryptoProvider, key: Uint8Array, before: Uint8Array, after: Uint8Array, lengthBytes: number, counterBytes = 1): Uint8Array {
  const n = Math.ceil(lengthBytes / 16);
  if (!Number.isInteger(lengthBytes) || lengthBytes < 1 || n >= 2 ** (8 * counterBytes)) throw new Scp03Error('bad-keys', 'KDF output length out of range');
  const aes = crypto.aes(aesKey(key, 'KDF key'));
  const out = new Uint8Array(n * 16);
  const input = new Uint8Array(before.length + counterBytes + after.length);
  input.set(before, 0);
  input.set(after, before.length + counterBytes);
  try {
    for (let i = 1; i <= n; i++) {
      for (let k = 0; k < counterBytes; k++) input[before.length + k] = (i >>> (8 * (counterBytes - 1 - k))) & 0xff;
      out.set(cmacWith(aes, input), (i - 1) * 16);
    }
  } finally {
    aes.dispose();
  }
  const r = out.slice(0, lengthBytes);
  wipe(out);
  return r;
}

/** §4.1.5: label = 11 zero bytes || constant, separator 00, L (2 bytes, bits), counter (1 byte), context. */
export function scp03Derive(crypto: CryptoProvider, key: Uint8Array, constant: number, context: Uint8Array, lengthBits: number): Uint8Array {
  const before = new Uint8Array(15);
  before[11] = constant;
  before[13] = lengthBits >> 8;
  before[14] = lengthBits & 0xff;
  return kdfCounterCmac(crypto, key, before, context, lengthBits / 8, 1);
}

export interface SessionKeys {
  sEnc: Uint8Array;
  sMac: Uint8Array;
  sRmac: Uint8Array;
}

/** §6.2.1 session keys from the static keys and the context host challenge || card challenge. */
export function deriveSessionKeys(crypto: CryptoProvider, keys: Scp03Keys, context: Uint8Array): SessionKeys {
  const bits = keys.enc.length * 8;
  return {
    sEnc: scp03Derive(crypto, aesKey(keys.enc, 'static ENC key'), DERIVATION.sEnc, context, bits),
    sMac: scp03Derive(crypto, aesKey(keys.mac, 'static MAC key'), DERIVATION.sMac, context, keys.mac.length * 8),
    sRmac: scp03Derive(crypto, keys.mac, DERIVATION.sRmac, context, keys.mac.length * 8),
  };
}

/** §6.2.2.2-3 card and host cryptograms (S8 mode: 64 bits). */
export function cryptogram(crypto: CryptoProvider, sMac: Uint8Array, constant: number, context: Uint8Array): Uint8Array {
  return scp03Derive(crypto, sMac, constant, context, 64);
}

/** The parsed INITIALIZE UPDATE response (§7.1.2, table 7-3). */
export interface InitUpdateResponse {
  diversification: Uint8Array;
  kvn: number;
  scpId: number;
  /** The "i" parameter: b1 S16 mode, b5 pseudo-random card challenge, b6 R-MAC, b7 R-ENC supported. */
  i: number;
  cardChallenge: Uint8Array;
  cardCryptogram: Uint8Array;
  sequenceCounter?: Uint8Array;
}

export function parseInitUpdateResponse(d: Uint8Array): InitUpdateResponse {
  if (d.length !== 29 && d.length !== 32) throw new Scp03Error('channel', `INITIALIZE UPDATE response of ${d.length} bytes (S8 mode expects 29 or 32)`);
  const r: InitUpdateResponse = {
    diversification: d.slice(0, 10),
    kvn: d[10],
    scpId: d[11],
    i: d[12],
    cardChallenge: d.slice(13, 21),
    cardCryptogram: d.slice(21, 29),
  };
  if (r.scpId !== 0x03) throw new Scp03Error('channel', `card answered for SCP ${r.scpId.toString(16)}, not SCP03`);
  if (r.i & 0x01) throw new Scp03Error('channel', 'S16 mode is not supported');
  if (r.i & 0x10) {
    if (d.length !== 32) throw new Scp03Error('channel', 'pseudo-random challenge announced without a sequence counter');
    r.sequenceCounter = d.slice(29, 32);
  } else if (d.length !== 29) throw new Scp03Error('channel', 'sequence counter sent with a random challenge');
  return r;
}

/** ISO/IEC 9797-1 padding method 2 to a multiple of 16. */
export function pad80(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / 16) + 1) * 16);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Removes method-2 padding; null if it is not there. */
export function unpad80(data: Uint8Array): Uint8Array | null {
  let i = data.length - 1;
  while (i >= 0 && data[i] === 0) i--;
  if (i < 0 || data[i] !== 0x80 || data.length - i > 16) return null;
  return data.slice(0, i);
}

export interface OpenOptions {
  keys: Scp03Keys;
  level: number;
  crypto: CryptoProvider;
  /** 8 fresh random bytes from the Host (the host challenge). */
  hostChallenge: Uint8Array;
  /**
   * AID of the application the session is opened with. When given and the card announces a
   * pseudo-random challenge (i b5), the challenge is checked against §6.2.2.1:
   * KDF(static ENC, constant 02, 64 bits, context = sequence counter || AID).
   */
  aid?: Uint8Array;
}

/** §6.2.2.1 pseudo-random card challenge: what the card must send for `sequenceCounter` and `aid`. */
export function pseudoRandomChallenge(crypto: CryptoProvider, enc: Uint8Array, sequenceCounter: Uint8Array, aid: Uint8Array): Uint8Array {
  return scp03Derive(crypto, aesKey(enc, 'static ENC key'), DERIVATION.cardChallenge, concat(sequenceCounter, aid), 64);
}

/**
 * A secure channel session over a CardChannel. `transmit` wraps a plain command (C-MAC, C-DEC) and
 * unwraps and checks the response (R-MAC, R-ENC).
 */
export class Scp03Session {
  private chain: Uint8Array = new Uint8Array(16);
  private counter = 0;
  private closed = false;
  private readonly mac: BlockCipher;
  private readonly rmac: BlockCipher;
  private readonly enc: BlockCipher;

  private constructor(
    readonly channel: CardChannel,
    readonly level: number,
    keys: SessionKeys,
    crypto: CryptoProvider,
    /** What INITIALIZE UPDATE returned (diversification data, sequence counter). */
    readonly init: InitUpdateResponse,
  ) {
    this.mac = crypto.aes(keys.sMac);
    this.rmac = crypto.aes(keys.sRmac);
    this.enc = crypto.aes(keys.sEnc);
  }

  /** Runs INITIALIZE UPDATE and EXTERNAL AUTHENTICATE. Throws Scp03Error; the static keys are not wiped (the caller owns them). */
  static async open(channel: CardChannel, o: OpenOptions): Promise<Scp03Session> {
    const { keys, level, crypto } = o;
    aesKey(keys.enc, 'static ENC key');
    aesKey(keys.mac, 'static MAC key');
    if (![0x01, 0x03, 0x11, 0x13, 0x33].includes(level)) throw new Scp03Error('security-level', `security level ${level.toString(16)} is not an SCP03 level`);
    if (!(o.hostChallenge instanceof Uint8Array) || o.hostChallenge.length !== 8) throw new Scp03Error('channel', 'host challenge must be 8 bytes');
    const iu = await channel.send({ cla: 0x80, ins: 0x50, p1: keys.kvn, p2: 0x00, data: o.hostChallenge, le: 256 });
    if (iu.sw !== 0x9000) throw new Scp03Error('channel', `INITIALIZE UPDATE refused with ${swHex(iu.sw)}`);
    const init = parseInitUpdateResponse(iu.data);
    if (init.kvn !== keys.kvn) throw new Scp03Error('channel', `card answered with key version ${init.kvn}, expected ${keys.kvn}`);
    if ((level & 0x10) && !(init.i & 0x20)) throw new Scp03Error('security-level', 'card does not support R-MAC');
    if ((level & 0x20) && !(init.i & 0x40)) throw new Scp03Error('security-level', 'card does not support R-ENCRYPTION');
    if (o.aid && init.sequenceCounter) {
      const want = pseudoRandomChallenge(crypto, keys.enc, init.sequenceCounter, o.aid);
      const same = constantTimeEqual(want, init.cardChallenge);
      wipe(want);
      if (!same) throw new Scp03Error('card-challenge', 'pseudo-random card challenge does not match the sequence counter (Amendment D §6.2.2.1)');
    }
    const context = concat(o.hostChallenge, init.cardChallenge);
    const sk = deriveSessionKeys(crypto, keys, context);
    let session: Scp03Session | undefined;
    try {
      const expected = cryptogram(crypto, sk.sMac, DERIVATION.cardCryptogram, context);
      const ok = constantTimeEqual(expected, init.cardCryptogram);
      wipe(expected);
      if (!ok) throw new Scp03Error('card-cryptogram', 'card cryptogram does not verify: wrong card or wrong keys');
      const hostCryptogram = cryptogram(crypto, sk.sMac, DERIVATION.hostCryptogram, context);
      session = new Scp03Session(channel, level, sk, crypto, init);
      const ea = session.wrap({ cla: 0x80, ins: 0x82, p1: level, p2: 0x00, data: hostCryptogram }, false);
      const r = await channel.sendRaw(ea);
      if (r.sw !== 0x9000) throw new Scp03Error('channel', `EXTERNAL AUTHENTICATE refused with ${swHex(r.sw)}`);
      // §6.2.6: the encryption counter starts at 1 for the first command after EXTERNAL AUTHENTICATE
      session.counter = 0;
      return session;
    } catch (e) {
      session?.close();
      throw e;
    } finally {
      wipe(sk.sEnc, sk.sMac, sk.sRmac, context);
    }
  }

  private icv(responseSide: boolean): Uint8Array {
    const block = new Uint8Array(16);
    let c = this.counter;
    for (let k = 15; k >= 1 && c > 0; k--) {
      block[k] = c & 0xff;
      c = Math.floor(c / 256);
    }
    if (responseSide) block[0] = 0x80;
    this.enc.encryptBlock(block, block);
    return block;
  }

  /** Wraps a plain command (C-DEC when the level asks and there is data, then C-MAC). */
  wrap(c: CommandApdu, countCommand = true): Uint8Array {
    if (this.closed) throw new Scp03Error('closed', 'secure channel is closed');
    if (countCommand) this.counter++;
    let data = c.data ?? new Uint8Array(0);
    if ((this.level & 0x02) && data.length > 0 && countCommand) {
      const padded = pad80(data);
      data = cbcEncrypt(this.enc, this.icv(false), padded);
      wipe(padded);
    }
    if (data.length + 8 > 255) throw new Scp03Error('channel', 'wrapped command exceeds a short APDU');
    const cla = claForChannel(c.cla | 0x04, this.channel.channel);
    const header = Uint8Array.of(cla, c.ins, c.p1, c.p2, data.length + 8);
    const mac = cmacWith(this.mac, concat(this.chain, header, data));
    this.chain = mac;
    return encodeCommand({ cla, ins: c.ins, p1: c.p1, p2: c.p2, data: concat(data, mac.subarray(0, 8)), le: c.le });
  }

  /** Checks (R-MAC) and deciphers (R-ENC) a response; throws Scp03Error and closes the session on failure. */
  unwrap(data: Uint8Array, sw: number): Uint8Array {
    if (this.closed) throw new Scp03Error('closed', 'secure channel is closed');
    try {
      let body = data;
      if (this.level & 0x10) {
        // §6.2.5: a response without data and with an error status carries no R-MAC
        if (body.length === 0 && sw !== 0x9000 && sw >> 8 !== 0x62 && sw >> 8 !== 0x63) return body;
        if (body.length < 8) throw new Scp03Error('response-mac', 'response is missing its R-MAC');
        body = data.subarray(0, data.length - 8);
        const expect = cmacWith(this.rmac, concat(this.chain, body, Uint8Array.of(sw >> 8, sw & 0xff)));
        const ok = constantTimeEqual(expect.subarray(0, 8), data.subarray(data.length - 8));
        wipe(expect);
        if (!ok) throw new Scp03Error('response-mac', 'R-MAC does not verify');
      }
      if ((this.level & 0x20) && body.length > 0) {
        if (body.length % 16 !== 0) throw new Scp03Error('response-format', 'R-ENC data is not a whole number of blocks');
        const plain = cbcDecrypt(this.enc, this.icv(true), body);
        const out = unpad80(plain);
        wipe(plain);
        if (!out) throw new Scp03Error('response-format', 'R-ENC padding is wrong');
        return out;
      }
      return body.slice();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Sends a command through the channel; returns the plain response data and status word. */
  async transmit(c: CommandApdu): Promise<{ data: Uint8Array; sw: number }> {
    const wrapped = this.wrap(c);
    const r = await this.channel.sendRaw(wrapped);
    return { data: this.unwrap(r.data, r.sw), sw: r.sw };
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Wipes the session keys; the session cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.mac.dispose();
    this.rmac.dispose();
    this.enc.dispose();
    wipe(this.chain);
  }
}
