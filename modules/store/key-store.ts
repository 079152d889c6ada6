/**
 * KeyStore: named secrets (PSKs, SMS binding keys, saved DTLS session state) sealed in flash.
 * Synchronous, because FlashRegion is: a put that returns is durable, and no caller on XS has to
 * thread a promise through its state machine. See README.md for the threat model.
 */
import { utf8Decode, utf8Encode } from '../bytes/index';
import type { FlashRegion, Host } from '../host';
import { StoreError } from './errors';
import { SealedJournal } from './sealed';

export const MAX_NAME_LENGTH = 48;

function nameBytes(name: string): Uint8Array {
  const b = utf8Encode(name);
  if (b.length < 1 || b.length > MAX_NAME_LENGTH || b[0] === 0) throw new StoreError('bad-argument', `key names are 1..${MAX_NAME_LENGTH} UTF-8 bytes and do not start with NUL`);
  return b;
}

export class KeyStore {
  private readonly sealed: SealedJournal;

  /** Mounts (and repairs, or formats when blank) the store on `flash`. Throws StoreError 'wrong-secret', 'corrupt' or 'tampered'. */
  constructor(host: Host, flash: FlashRegion) {
    this.sealed = new SealedJournal(host, flash, 'xs-lwm2m keystore', { scrubSuperseded: true });
  }

  /** Mounts the store on the host's flash region `region` (default "keys"). */
  static open(host: Host, region = 'keys'): KeyStore {
    return new KeyStore(host, host.flash(region));
  }

  /** The secret, a fresh copy the caller should wipe; undefined when absent; StoreError 'tampered' when it does not authenticate. */
  get(name: string): Uint8Array | undefined {
    return this.sealed.get(nameBytes(name));
  }

  has(name: string): boolean {
    return this.sealed.journal.has(nameBytes(name));
  }

  /** Durable when it returns; the previous value's flash copy is zeroed right after. */
  put(name: string, secret: Uint8Array): void {
    this.sealed.put(nameBytes(name), secret);
  }

  /** Removes the secret (its flash copy is zeroed). Returns whether it existed. */
  delete(name: string): boolean {
    return this.sealed.remove(nameBytes(name));
  }

  names(): string[] {
    return this.sealed.keys().map((k) => utf8Decode(k));
  }

  /** Largest secret that fits under `name`. */
  maxSecretLength(name: string): number {
    return this.sealed.maxPlaintext(nameBytes(name));
  }

  /** Wipes the storage key from memory; the object is unusable afterwards. */
  close(): void {
    this.sealed.close();
  }
}
