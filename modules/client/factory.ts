/**
 * Factory bootstrap (Core §6.1.2): the manufacturer's pre-configuration, written into the data model
 * once on first boot and from then on kept, sealed, in the KeyStore like anything a Bootstrap-Server
 * writes. Also the adapter that lets the data model persist Objects 0/1/2 in the KeyStore.
 */
import { utf8Decode, utf8Encode, wipe } from '../bytes/index';
import type { DataModel } from '../lwm2m/data-model';
import { encodeTlv } from '../lwm2m/formats/tlv';
import type { ObjectStore } from '../lwm2m/persistence';
import { ContentFormat, type Entry } from '../lwm2m/types';
import type { KeyStore } from '../store/key-store';
import { ClientError } from './errors';
import { SecurityMode } from './accounts';

export interface FactoryAccount {
  uri: string;
  bootstrap?: boolean;
  /** 0 PSK (default when a key is given), 3 NoSec. */
  securityMode?: number;
  pskIdentity?: string;
  /** The PSK. Wiped by applyFactoryConfig once written. */
  pskKey?: Uint8Array;
  /** DM servers: Short Server ID, lifetime (s), binding. */
  shortServerId?: number;
  lifetime?: number;
  binding?: string;
  holdOffS?: number;
  bootstrapAccountTimeoutS?: number;
  defaultPmin?: number;
  defaultPmax?: number;
  /** DTLS suites to offer (0/x/16), e.g. [0xC037] (ECDHE-PSK) for a low-entropy bootstrap secret. */
  cipherSuites?: number[];
  /** Modes 1 (RPK) and 2 (Certificate): 0/x/3 our public key or certificate, 0/x/4 the server's key or certificate. */
  publicKeyOrIdentity?: Uint8Array;
  serverPublicKey?: Uint8Array;
  /** Modes 1 and 2: 0/x/5, our private key (PKCS#8, SEC1 or the raw scalar). Wiped once written. */
  secretKey?: Uint8Array;
  /** Mode 2: 0/x/15 Certificate Usage (default 3, domain-issued certificate). */
  certificateUsage?: number;
  /** SMS binding (0/x/6-9): mode 1 DTLS, 2 secured packets, 3 NoSec; keys (wiped once written) and the server's number. */
  sms?: { mode: number; keyParameters?: Uint8Array; secretKeys?: Uint8Array; number: string };
}

export interface FactoryConfig {
  accounts: FactoryAccount[];
}

/**
 * Writes the accounts as Security (and Server) instances through the Bootstrap interface's own
 * validation, so a bad factory file fails with the same 4.00 diagnostics a Bootstrap-Server would get.
 * Returns how many accounts were written. Does nothing when Object 0 already has instances.
 */
export function applyFactoryConfig(dm: DataModel, config: FactoryConfig): number {
  if (dm.security.instanceIds().length > 0) return 0;
  let written = 0;
  let serverIid = 0;
  // One transaction: a power cut while writing the factory configuration leaves none of it, never half.
  dm.beginTransaction();
  try {
    config.accounts.forEach((a, i) => {
      const payload = securityInstanceTlv(i, a);
      try {
        const r = dm.handle({ kind: 'bootstrap-write', path: [0, i], payload, contentFormat: ContentFormat.Tlv }, { kind: 'internal' });
        if (r.code !== 0x44 && r.code !== 0x41) throw new ClientError('bad-config', `factory account ${i} (${a.uri}) refused: ${diagnosticText(r.payload, r.code)}`);
      } finally {
        wipe(payload);
        if (a.pskKey) wipe(a.pskKey);
        if (a.secretKey) wipe(a.secretKey);
        if (a.sms?.secretKeys) wipe(a.sms.secretKeys);
      }
      if (!a.bootstrap) {
        const iid = serverIid++;
        const r = dm.handle({ kind: 'bootstrap-write', path: [1, iid], payload: serverInstanceTlv(iid, a), contentFormat: ContentFormat.Tlv }, { kind: 'internal' });
        if (r.code !== 0x44 && r.code !== 0x41) throw new ClientError('bad-config', `factory server account ${a.shortServerId ?? 1} refused: ${diagnosticText(r.payload, r.code)}`);
      }
      written++;
    });
    dm.commitTransaction();
  } catch (e) {
    dm.abortTransaction();
    throw e;
  }
  // What Factory Reset (3/0/5) returns to.
  dm.saveFactoryConfiguration();
  return written;
}

/**
 * The TLV of a Security Object instance (/0/iid) for an account: what a Bootstrap-Server writes, and what
 * applyFactoryConfig writes on first boot. The payload holds the PSK: wipe it after use.
 */
export function securityInstanceTlv(iid: number, a: FactoryAccount): Uint8Array {
  const mode = a.securityMode ?? (a.pskKey ? SecurityMode.PSK : SecurityMode.NoSec);
  const entries: Entry[] = [
    { path: [0, iid, 0], type: 'string', value: a.uri },
    { path: [0, iid, 1], type: 'boolean', value: !!a.bootstrap },
    { path: [0, iid, 2], type: 'integer', value: mode },
    { path: [0, iid, 3], type: 'opaque', value: a.publicKeyOrIdentity ?? utf8Encode(a.pskIdentity ?? '') },
    { path: [0, iid, 4], type: 'opaque', value: a.serverPublicKey ?? new Uint8Array(0) },
    { path: [0, iid, 5], type: 'opaque', value: a.secretKey ?? a.pskKey ?? new Uint8Array(0) },
    { path: [0, iid, 6], type: 'integer', value: a.sms?.mode ?? 3 },
    { path: [0, iid, 11], type: 'integer', value: a.holdOffS ?? 0 },
    { path: [0, iid, 12], type: 'integer', value: a.bootstrapAccountTimeoutS ?? 0 },
  ];
  if (a.sms?.keyParameters) entries.push({ path: [0, iid, 7], type: 'opaque', value: a.sms.keyParameters });
  if (a.sms?.secretKeys) entries.push({ path: [0, iid, 8], type: 'opaque', value: a.sms.secretKeys });
  if (a.sms) entries.push({ path: [0, iid, 9], type: 'string', value: a.sms.number });
  if (!a.bootstrap) entries.push({ path: [0, iid, 10], type: 'integer', value: a.shortServerId ?? 1 });
  if (a.certificateUsage !== undefined) entries.push({ path: [0, iid, 15], type: 'integer', value: a.certificateUsage });
  (a.cipherSuites ?? []).forEach((id, k) => entries.push({ path: [0, iid, 16, k], type: 'unsigned', value: id }));
  return encodeTlv([0, iid], entries, (_o, r) => r === 16);
}

/** The TLV of the Server Object instance (/1/iid) of a DM account. */
export function serverInstanceTlv(iid: number, a: FactoryAccount): Uint8Array {
  const srv: Entry[] = [
    { path: [1, iid, 0], type: 'integer', value: a.shortServerId ?? 1 },
    { path: [1, iid, 1], type: 'integer', value: a.lifetime ?? 300 },
    { path: [1, iid, 6], type: 'boolean', value: false },
    { path: [1, iid, 7], type: 'string', value: a.binding ?? 'U' },
  ];
  if (a.defaultPmin !== undefined) srv.push({ path: [1, iid, 2], type: 'integer', value: a.defaultPmin });
  if (a.defaultPmax !== undefined) srv.push({ path: [1, iid, 3], type: 'integer', value: a.defaultPmax });
  return encodeTlv([1, iid], srv, () => false);
}

function diagnosticText(payload: Uint8Array | undefined, code: number): string {
  const c = `${code >> 5}.${String(code & 31).padStart(2, '0')}`;
  if (!payload) return c;
  try {
    return `${c} ${utf8Decode(payload)}`;
  } catch {
    return c;
  }
}

/** Persists the data model's Objects 0, 1 and 2 sealed in the KeyStore (all three carry configuration worth protecting). */
export class KeyStoreObjectStore implements ObjectStore {
  constructor(private readonly keys: KeyStore) {}
  load(name: string): Uint8Array | null {
    return this.keys.get(name) ?? null;
  }
  save(name: string, data: Uint8Array): void {
    this.keys.put(name, data);
  }
  remove(name: string): void {
    this.keys.delete(name);
  }
  names(): string[] {
    return this.keys.names().filter((n) => n.startsWith('lwm2m.'));
  }
}
