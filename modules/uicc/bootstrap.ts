/**
 * Bootstrap from Smartcard (LwM2M 1.1 §5.2.3 and Appendix G) over a GlobalPlatform SCP03 channel
 * (Appendix H; GP Card Specification Amendment D), bound to the card the device was provisioned with.
 *
 * Order matters for "nothing applied": the ICCID binding is checked, the secure channel is opened,
 * every file is read through it (C-MAC and R-MAC checked on every APDU), everything is parsed and
 * validated on a scratch data model, and only then written to the device's data model with the same
 * Bootstrap-Write validation a Bootstrap-Server's writes go through.
 */
import { utf8Decode, utf8Encode, wipe } from '../bytes/index';
import type { CryptoProvider } from '../crypto/provider';
import type { Host } from '../host';
import { DataModel } from '../lwm2m/data-model';
import { ContentFormat } from '../lwm2m/types';
import type { KeyStore } from '../store/key-store';
import { swHex } from './apdu';
import { ApduError, Pkcs15Error, Scp03Error, SmartcardBootstrapError } from './errors';
import { decodeIccid, readBinary, selectAid, selectPath, plainSender, type CommandSender } from './files';
import { EF_ODF, findBootstrapPath, parseBootstrapFile, parseOdf, PKCS15_AID, type BootstrapEntry } from './pkcs15';
import { Scp03Session, SecurityLevel } from './scp03';
import { CardChannel, type ApduTransport } from './transport';

/** KeyStore record names. */
export const KEY_SCP03 = 'uicc/scp03';
export const KEY_ICCID = 'uicc/iccid';
/** The bound card's SCP03 sequence counter (3 bytes) seen in the last session that authenticated. */
export const KEY_SCP03_SEQUENCE = 'uicc/scp03-seq';

export interface SmartcardBinding {
  /** ICCID digits of the card the device was provisioned with. */
  iccid: string;
  kvn: number;
  /** Static SCP03 keys (AES-128): wiped by provisionSmartcardBinding once sealed. */
  enc: Uint8Array;
  mac: Uint8Array;
  /** Security level to require (default C-MAC, C-DEC, R-MAC, R-ENC: 0x33). */
  level?: number;
}

/** Seals the card binding (ICCID and static SCP03 keys) in the KeyStore; done once, on the production line. */
export function provisionSmartcardBinding(keys: KeyStore, b: SmartcardBinding): void {
  if (!/^[0-9]{10,20}$/.test(b.iccid)) throw new SmartcardBootstrapError('not-provisioned', 'ICCID must be 10..20 digits');
  if (b.enc.length !== 16 || b.mac.length !== 16) throw new SmartcardBootstrapError('not-provisioned', 'SCP03 keys must be AES-128');
  const rec = new Uint8Array(2 + 32);
  rec[0] = b.kvn & 0xff;
  rec[1] = b.level ?? SecurityLevel.CMAC_CDEC_RMAC_RENC;
  rec.set(b.enc, 2);
  rec.set(b.mac, 18);
  try {
    keys.put(KEY_SCP03, rec);
    keys.put(KEY_ICCID, utf8Encode(b.iccid));
    keys.delete(KEY_SCP03_SEQUENCE); // a new binding starts with no counter seen
  } finally {
    wipe(rec, b.enc, b.mac);
  }
}

export interface SmartcardBootstrapOptions {
  transport: ApduTransport;
  keys: KeyStore;
  dataModel: DataModel;
  host: Pick<Host, 'randomBytes' | 'log'>;
  crypto: CryptoProvider;
}

export interface SmartcardBootstrapResult {
  iccid: string;
  /** Object IDs written. */
  objects: number[];
}

function fail(code: SmartcardBootstrapError['code'], message: string): never {
  throw new SmartcardBootstrapError(code, message);
}

/** EF ICCID (2FE2 under the MF), read on the basic channel before anything else. */
export async function readIccid(s: CommandSender): Promise<string> {
  await selectPath(s, Uint8Array.of(0x2f, 0xe2));
  return decodeIccid(await readBinary(s, 10));
}

async function readFileAt(s: CommandSender, path: Uint8Array): Promise<Uint8Array> {
  // A path starting with 3F00 is absolute; otherwise relative to the PKCS#15 application DF.
  const absolute = path[0] === 0x3f && path[1] === 0x00;
  const fc = await selectPath(s, absolute ? path.subarray(2) : path, absolute);
  if (fc.size === undefined) throw new Pkcs15Error('file has no size in its FCP');
  return readBinary(s, fc.size);
}

/** Reads and parses the bootstrap information through an open SCP03 session (PKCS#15 app already selected). */
export async function readBootstrapInformation(s: CommandSender): Promise<BootstrapEntry[]> {
  const odf = await readFileAt(s, Uint8Array.of(EF_ODF >> 8, EF_ODF & 0xff));
  const dodfPaths = parseOdf(odf);
  let lastError: Error | undefined;
  for (const p of dodfPaths) {
    const dodf = await readFileAt(s, p);
    let bsPath: Uint8Array;
    try {
      bsPath = findBootstrapPath(dodf);
    } catch (e) {
      if (e instanceof Pkcs15Error) {
        lastError = e;
        continue;
      }
      throw e;
    }
    const file = await readFileAt(s, bsPath);
    try {
      return parseBootstrapFile(file);
    } finally {
      wipe(file);
    }
  }
  throw lastError ?? new Pkcs15Error('no bootstrap information on the card');
}

function applyAll(dm: DataModel, entries: BootstrapEntry[]): void {
  for (const e of entries) {
    const r = dm.handle({ kind: 'bootstrap-write', path: [e.objectId], payload: e.tlv, contentFormat: ContentFormat.Tlv }, { kind: 'smartcard' });
    if (r.code !== 0x44) {
      let why = '';
      try {
        why = r.payload ? ` ${utf8Decode(r.payload)}` : '';
      } catch {
        why = '';
      }
      fail('refused', `bootstrap data for /${e.objectId} refused (${r.code >> 5}.${String(r.code & 31).padStart(2, '0')})${why}`);
    }
  }
}

export interface BoundSession {
  iccid: string;
  session: Scp03Session;
  channel: CardChannel;
  /** Wipes the session keys and closes the logical channel. */
  close(): Promise<void>;
}

/**
 * GP Amendment D §6.2.2.1: a card using pseudo-random challenges sends its sequence counter with
 * INITIALIZE UPDATE and increments it for every session. The device is the off-card entity of that
 * protocol, so it keeps the last value of the bound card (only after the card cryptogram verified, so
 * a forged answer cannot push it up) and refuses a counter that did not advance: a copy of the card
 * made earlier, or a card that went back to random challenges, is not the card it saw last time.
 */
function checkSequence(keys: KeyStore, counter: Uint8Array | undefined): void {
  const last = keys.get(KEY_SCP03_SEQUENCE);
  if (!counter) {
    if (last) throw new Scp03Error('sequence-counter', 'the card stopped sending its sequence counter');
    return;
  }
  const value = (counter[0] << 16) | (counter[1] << 8) | counter[2];
  if (last && last.length === 3) {
    const before = (last[0] << 16) | (last[1] << 8) | last[2];
    if (value <= before) throw new Scp03Error('sequence-counter', `card sequence counter ${value} did not advance past ${before}`);
  }
  keys.put(KEY_SCP03_SEQUENCE, counter.slice());
}

/**
 * Opens an SCP03 session with the PKCS#15 / LwM2M application of the card this device was provisioned
 * with: ICCID binding checked on the basic channel, then a logical channel, SELECT by AID, INITIALIZE
 * UPDATE / EXTERNAL AUTHENTICATE with the sealed static keys. Throws SmartcardBootstrapError.
 */
export async function openBoundSession(o: Omit<SmartcardBootstrapOptions, 'dataModel'>): Promise<BoundSession> {
  const rec = o.keys.get(KEY_SCP03);
  const iccidRec = o.keys.get(KEY_ICCID);
  if (!rec || rec.length !== 34 || !iccidRec) {
    if (rec) wipe(rec);
    fail('not-provisioned', 'no smartcard binding (SCP03 keys and ICCID) in the KeyStore');
  }
  const expectedIccid = utf8Decode(iccidRec);
  const keys = { kvn: rec[0], enc: rec.slice(2, 18), mac: rec.slice(18, 34) };
  const level = rec[1];
  wipe(rec);
  const basic = new CardChannel(o.transport);
  let channel: CardChannel | undefined;
  let session: Scp03Session | undefined;
  try {
    let iccid: string;
    try {
      iccid = await readIccid(plainSender(basic));
    } catch (e) {
      if (e instanceof ApduError) fail('card', `cannot read EF ICCID: ${e.message}`);
      throw e;
    }
    if (iccid !== expectedIccid) fail('wrong-card', 'the card is not the one this device was provisioned with');
    try {
      channel = await basic.openChannel();
      await selectAid(plainSender(channel), Uint8Array.from(PKCS15_AID));
      session = await Scp03Session.open(channel, { keys, level, crypto: o.crypto, hostChallenge: o.host.randomBytes(8), aid: Uint8Array.from(PKCS15_AID) });
      checkSequence(o.keys, session.init.sequenceCounter);
    } catch (e) {
      if (e instanceof Scp03Error) fail('secure-channel', `SCP03: ${e.message}`);
      if (e instanceof ApduError) fail('card', `${e.message}${e.sw ? ` (${swHex(e.sw)})` : ''}`);
      throw e;
    }
    const s = session;
    const ch = channel;
    return {
      iccid,
      session: s,
      channel: ch,
      close: async () => {
        s.close();
        await ch.close().catch(() => undefined);
      },
    };
  } catch (e) {
    session?.close();
    if (channel) await channel.close().catch(() => undefined);
    throw e;
  } finally {
    wipe(keys.enc, keys.mac);
  }
}

/**
 * Reads the bootstrap information from the card and applies it. Throws SmartcardBootstrapError with
 * nothing applied when the card is not the provisioned one, the channel cannot be opened, a MAC fails,
 * the files do not parse, or the data model's Bootstrap-Write validation refuses the content.
 */
export async function bootstrapFromSmartcard(o: SmartcardBootstrapOptions): Promise<SmartcardBootstrapResult> {
  const bound = await openBoundSession(o);
  let entries: BootstrapEntry[] = [];
  try {
    try {
      entries = await readBootstrapInformation(bound.session);
    } catch (e) {
      if (e instanceof Scp03Error) fail('secure-channel', `SCP03: ${e.message}`);
      if (e instanceof Pkcs15Error) fail('format', e.message);
      // a card that rejects our C-MAC answers 6982 and drops the channel (Amendment D §6.2.4)
      if (e instanceof ApduError) fail('secure-channel', `${e.message}${e.sw ? ` (${swHex(e.sw)})` : ''}`);
      throw e;
    }
    // Validate the whole set on a scratch model first, so a refusal leaves the device untouched.
    applyAll(new DataModel(), entries);
    applyAll(o.dataModel, entries);
    o.host.log('info', 'uicc: bootstrap from smartcard applied', { objects: entries.map((e) => e.objectId) });
    return { iccid: bound.iccid, objects: entries.map((e) => e.objectId) };
  } finally {
    for (const e of entries) wipe(e.tlv);
    await bound.close();
  }
}
