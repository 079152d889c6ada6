/**
 * What a device keeps of a registration across deep sleep (OMA LwM2M 1.1 Core §6.2.2, §6.5 queue mode): the
 * registration location, the lifetime it was registered with and whether the object links changed, so the
 * first message after a wake is a Registration Update rather than a Register. Kept in the KeyStore next to the
 * sealed DTLS connection (modules/dtls/sleep.ts); not secret, but sealed there it is also authenticated.
 *
 * Record: version(1)=1 | lifetime(4) | flags(1, bit 0: object links changed) | uri<1> | location<1> ("rd/abc").
 * A record that does not parse, or that belongs to another URI, is ignored: the client registers afresh.
 */
import { ByteReader, ByteWriter, utf8Decode, utf8Encode } from '../bytes/index';
import { ClientError } from './errors';

export interface SavedRegistration {
  /** The server URI the registration belongs to (0/x/0). */
  uri: string;
  /** Location-Path segments, e.g. ['rd', '5a3f']. */
  location: string[];
  lifetimeS: number;
  objectsChanged: boolean;
}

/** What the record needs from a KeyStore. */
export interface RegistrationStore {
  get(name: string): Uint8Array | undefined;
  put(name: string, data: Uint8Array): void;
  delete(name: string): boolean;
}

/** KeyStore name of a DM server's saved registration (KeyStore names are at most 48 bytes). */
export function registrationName(ssid: number): string {
  return `lwm2m.reg.${ssid}`;
}

const bad = (m: string) => new ClientError('bad-config', `bad saved registration: ${m}`);

export function encodeRegistration(r: SavedRegistration): Uint8Array {
  const uri = utf8Encode(r.uri);
  const location = utf8Encode(r.location.join('/'));
  if (uri.length > 255 || location.length > 255) throw bad('too long');
  const w = new ByteWriter(16 + uri.length + location.length);
  w.u8(1).u32(r.lifetimeS >>> 0).u8(r.objectsChanged ? 1 : 0).vector(1, uri).vector(1, location);
  return w.toBytes();
}

export function decodeRegistration(data: Uint8Array): SavedRegistration {
  const r = new ByteReader(data, bad);
  if (r.u8('version') !== 1) throw bad('unknown version');
  const lifetimeS = r.u32('lifetime');
  const flags = r.u8('flags');
  const uri = utf8Decode(r.vector(1, 'uri', 255));
  const location = utf8Decode(r.vector(1, 'location', 255)).split('/').filter((s) => s.length > 0);
  r.expectEnd('saved registration');
  if (location.length === 0) throw bad('empty location');
  return { uri, location, lifetimeS, objectsChanged: (flags & 1) !== 0 };
}

export function saveRegistration(store: RegistrationStore, ssid: number, r: SavedRegistration): void {
  store.put(registrationName(ssid), encodeRegistration(r));
}

/** The saved registration of `ssid` for `uri`, consumed (deleted) so that a stale one is used at most once. */
export function takeRegistration(store: RegistrationStore, ssid: number, uri: string): SavedRegistration | null {
  const name = registrationName(ssid);
  const blob = store.get(name);
  if (!blob) return null;
  store.delete(name);
  try {
    const r = decodeRegistration(blob);
    return r.uri === uri ? r : null;
  } catch {
    return null;
  }
}
