/**
 * A Journal whose values are sealed with AES-CCM (16-byte tag) under a storage key derived from the
 * device secret. The associated data binds the store's purpose, the record's key and its journal
 * sequence number, so a sealed value cannot be moved to another name, another store, or replayed
 * under a newer version. The nonce is a random salt drawn at each mount followed by the sequence
 * number: the sequence number alone could repeat after a power cut tore a record whose header did
 * not survive (mount then reissues that number), and the salt makes the two nonces differ anyway.
 * The salt is stored in front of each ciphertext; compaction copies ciphertext verbatim, so no
 * value is ever re-encrypted under an old nonce.
 */
import { concat, utf8Encode, wipe } from '../bytes/index';
import { ccmSeal, ccmOpen, hkdf, CryptoError } from '../crypto/index';
import type { BlockCipher } from '../crypto/provider';
import type { FlashRegion, Host } from '../host';
import { StoreError } from './errors';
import { Journal, recordSize, MAX_VALUE_LENGTH, type JournalOptions } from './journal';

const SALT = 8;
const TAG = 16;
/** Reserved key of the key-check record: a sealed empty value that tells a wrong device secret from a tampered record. */
const CHECK_KEY = Uint8Array.of(0x00, 0x63, 0x68, 0x6b); // "\0chk"
const KDF_SALT = 'xs-lwm2m/store/v1';

export class SealedJournal {
  readonly journal: Journal;
  private aes: BlockCipher | null;
  private readonly label: Uint8Array;
  private readonly mountSalt: Uint8Array;

  constructor(host: Host, flash: FlashRegion, purpose: string, options: JournalOptions = {}) {
    this.label = utf8Encode(purpose);
    const secret = host.deviceSecret();
    const key = hkdf(host.crypto, secret, utf8Encode(KDF_SALT), this.label, 16);
    try {
      this.aes = host.crypto.aes(key);
    } finally {
      wipe(secret, key);
    }
    this.mountSalt = host.randomBytes(SALT);
    if (this.mountSalt.length !== SALT) throw new StoreError('bad-argument', 'host.randomBytes returned the wrong length');
    try {
      this.journal = new Journal(flash, options);
      this.checkSecret();
    } catch (e) {
      this.close(); // do not leave the key schedule in memory when mount fails
      throw e;
    }
  }

  private checkSecret(): void {
    if (this.journal.has(CHECK_KEY)) {
      try {
        this.get(CHECK_KEY);
      } catch (e) {
        if (e instanceof StoreError && e.code === 'tampered') throw new StoreError('wrong-secret', 'the store was sealed under another device secret (or its key-check record was altered)');
        throw e;
      }
    } else if (this.journal.keys().length > 0) {
      throw new StoreError('tampered', 'records exist but the key-check record is missing');
    } else {
      this.put(CHECK_KEY, new Uint8Array(0));
    }
  }

  private aad(key: Uint8Array, seq: number): Uint8Array {
    return concat(this.label, Uint8Array.of(0, key.length), key, Uint8Array.of(seq >>> 24, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff));
  }

  private nonce(salt: Uint8Array, seq: number): Uint8Array {
    const n = new Uint8Array(SALT + 4);
    n.set(salt.subarray(0, SALT), 0);
    n[8] = seq >>> 24;
    n[9] = (seq >>> 16) & 0xff;
    n[10] = (seq >>> 8) & 0xff;
    n[11] = seq & 0xff;
    return n;
  }

  private cipher(): BlockCipher {
    if (!this.aes) throw new StoreError('needs-remount', 'the store was closed');
    return this.aes;
  }

  /** Largest plaintext that fits under `key` when nothing else but the key-check record is stored. */
  maxPlaintext(key: Uint8Array): number {
    const room = this.journal.maxValueLength(key.length) - recordSize(CHECK_KEY.length, SALT + TAG);
    return Math.min(room, MAX_VALUE_LENGTH) - SALT - TAG;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const entry = this.journal.get(key);
    if (!entry) return undefined;
    if (entry.value.length < SALT + TAG) throw new StoreError('tampered', 'sealed record is shorter than its salt and tag');
    const salt = entry.value.subarray(0, SALT);
    try {
      return ccmOpen(this.cipher(), this.nonce(salt, entry.seq), this.aad(key, entry.seq), entry.value.subarray(SALT), TAG);
    } catch (e) {
      if (e instanceof CryptoError) throw new StoreError('tampered', `sealed record ${entry.seq} does not authenticate`);
      throw e;
    } finally {
      entry.value.fill(0);
    }
  }

  /** Returns when the sealed record is durable on flash. */
  put(key: Uint8Array, plaintext: Uint8Array): void {
    if (plaintext.length > this.maxPlaintext(key)) throw new StoreError('bad-argument', `value of ${plaintext.length} bytes exceeds the ${this.maxPlaintext(key)}-byte limit`);
    const aes = this.cipher();
    this.journal.put(key, (seq) => concat(this.mountSalt, ccmSeal(aes, this.nonce(this.mountSalt, seq), this.aad(key, seq), plaintext, TAG)));
  }

  remove(key: Uint8Array): boolean {
    return this.journal.remove(key);
  }

  /** Keys of live records, the key-check record excluded. */
  keys(): Uint8Array[] {
    return this.journal.keys().filter((k) => !(k.length === CHECK_KEY.length && k.every((b, i) => b === CHECK_KEY[i])));
  }

  close(): void {
    this.aes?.dispose();
    this.aes = null;
  }
}
