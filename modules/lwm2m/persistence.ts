/**
 * What survives a reboot: Objects 0, 1 and 2, kept as one configuration that changes only by whole
 * transactions (old or new after a power cut, never half: a bootstrap is committed at Bootstrap-Finish).
 *
 * Records (format version 1):
 *   lwm2m.cfg                the manifest, the commit point: version(1) generation(4) count(2) then per
 *                            instance oid(2) iid(2) slot(1) generation(4), all big-endian
 *   lwm2m.<oid>.<iid>.<a|b>  one instance: version(1) generation(4) oid(2) iid(2) then the TLV of its resources
 * A transaction writes every changed instance into the slot the manifest does not point at, then the new
 * manifest (one atomic store write), then removes the records it superseded. Restore reads only what the
 * manifest names and checks each record's version, generation, oid and iid against it; leftovers of an
 * interrupted transaction are removed. Every Object 0 record name starts with "lwm2m.0." so a store can route
 * them to sealed storage; the factory snapshot (lwm2m.factory, Objects 0/1/2 as first configured) is secret too.
 *
 * Version 0 (before the manifest): lwm2m.<oid> (index of instance ids) and lwm2m.<oid>.<iid> (bare TLV);
 * restore migrates it into one transaction and then deletes it.
 */
import { readU16 as get16, readU32 as get32, wipe, writeU16 as put16, writeU32 as put32 } from '../bytes/index';
import { Lwm2mFormatError } from './errors';

/** Satisfied by the KeyStore; `save` must copy or seal `data` before returning (the caller wipes it). */
export interface ObjectStore {
  load(name: string): Uint8Array | null;
  save(name: string, data: Uint8Array): void;
  remove(name: string): void;
  /** Names of the stored records (any prefix); lets restore remove what an interrupted transaction left. */
  names?(): string[];
}

export const PERSISTED_OBJECTS = [0, 1, 2] as const;
Object.freeze(PERSISTED_OBJECTS);
export const RECORD_FORMAT_VERSION = 1;
export const MANIFEST_RECORD = 'lwm2m.cfg';
export const FACTORY_RECORD = 'lwm2m.factory';

/** Where one instance of the committed configuration lives. */
export interface ManifestEntry {
  oid: number;
  iid: number;
  slot: 0 | 1;
  generation: number;
}

export interface Manifest {
  generation: number;
  entries: ManifestEntry[];
}

export function recordName(oid: number, iid: number, slot: 0 | 1): string {
  return `lwm2m.${oid}.${iid}.${slot ? 'b' : 'a'}`;
}
/** Version 0 names, read only to migrate. */
export function legacyIndexRecordName(oid: number): string {
  return `lwm2m.${oid}`;
}
export function legacyInstanceRecordName(oid: number, iid: number): string {
  return `lwm2m.${oid}.${iid}`;
}
/** An instance record (any slot) or a version 0 record: what restore may remove when the manifest does not name it. */
export function isConfigurationRecord(name: string): boolean {
  return /^lwm2m\.[0-9]{1,5}(\.[0-9]{1,5}(\.[ab])?)?$/.test(name);
}
export function isSecretRecord(name: string): boolean {
  return name === 'lwm2m.0' || name.startsWith('lwm2m.0.') || name === FACTORY_RECORD;
}

export function encodeManifest(m: Manifest): Uint8Array {
  const out = new Uint8Array(7 + 9 * m.entries.length);
  out[0] = RECORD_FORMAT_VERSION;
  put32(out, 1, m.generation);
  put16(out, 5, m.entries.length);
  m.entries.forEach((e, i) => {
    const o = 7 + 9 * i;
    put16(out, o, e.oid);
    put16(out, o + 2, e.iid);
    out[o + 4] = e.slot;
    put32(out, o + 5, e.generation);
  });
  return out;
}

/** Throws Lwm2mFormatError('malformed' | 'unsupported') for anything but a well-formed version 1 manifest. */
export function decodeManifest(data: Uint8Array): Manifest {
  if (data.length < 7) throw new Lwm2mFormatError('malformed', 'configuration manifest too short');
  if (data[0] !== RECORD_FORMAT_VERSION) throw new Lwm2mFormatError('unsupported', `configuration manifest version ${data[0]}`);
  const count = get16(data, 5);
  if (data.length !== 7 + 9 * count) throw new Lwm2mFormatError('malformed', 'configuration manifest length');
  const entries: ManifestEntry[] = [];
  for (let i = 0; i < count; i++) {
    const o = 7 + 9 * i;
    const slot = data[o + 4];
    if (slot > 1) throw new Lwm2mFormatError('malformed', 'configuration manifest slot');
    entries.push({ oid: get16(data, o), iid: get16(data, o + 2), slot: slot as 0 | 1, generation: get32(data, o + 5) });
  }
  return { generation: get32(data, 1), entries };
}

/** An instance record; `tlv` is copied (the caller wipes its own copy). */
export function encodeInstanceRecord(generation: number, oid: number, iid: number, tlv: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + tlv.length);
  out[0] = RECORD_FORMAT_VERSION;
  put32(out, 1, generation);
  put16(out, 5, oid);
  put16(out, 7, iid);
  out.set(tlv, 9);
  return out;
}

/** The TLV inside an instance record (a view into `data`), after checking it is the record `entry` names. */
export function instanceRecordBody(data: Uint8Array, entry: ManifestEntry): Uint8Array {
  if (data.length < 9) throw new Lwm2mFormatError('malformed', 'instance record too short');
  if (data[0] !== RECORD_FORMAT_VERSION) throw new Lwm2mFormatError('unsupported', `instance record version ${data[0]}`);
  if (get32(data, 1) !== entry.generation || get16(data, 5) !== entry.oid || get16(data, 7) !== entry.iid) {
    throw new Lwm2mFormatError('malformed', 'instance record does not match the manifest');
  }
  return data.subarray(9);
}

/** Factory snapshot: count(2) then per instance oid(2) iid(2) length(2) TLV. */
export function encodeSnapshot(instances: { oid: number; iid: number; tlv: Uint8Array }[]): Uint8Array {
  let n = 2;
  for (const i of instances) n += 6 + i.tlv.length;
  const out = new Uint8Array(n);
  put16(out, 0, instances.length);
  let o = 2;
  for (const i of instances) {
    if (i.tlv.length > 0xffff) throw new Lwm2mFormatError('malformed', 'instance too large for the factory snapshot');
    put16(out, o, i.oid);
    put16(out, o + 2, i.iid);
    put16(out, o + 4, i.tlv.length);
    out.set(i.tlv, o + 6);
    o += 6 + i.tlv.length;
  }
  return out;
}

export function decodeSnapshot(data: Uint8Array): { oid: number; iid: number; tlv: Uint8Array }[] {
  if (data.length < 2) throw new Lwm2mFormatError('malformed', 'factory snapshot too short');
  const count = get16(data, 0);
  const out: { oid: number; iid: number; tlv: Uint8Array }[] = [];
  let o = 2;
  for (let i = 0; i < count; i++) {
    if (o + 6 > data.length) throw new Lwm2mFormatError('malformed', 'factory snapshot truncated');
    const len = get16(data, o + 4);
    if (o + 6 + len > data.length) throw new Lwm2mFormatError('malformed', 'factory snapshot truncated');
    out.push({ oid: get16(data, o), iid: get16(data, o + 2), tlv: data.subarray(o + 6, o + 6 + len) });
    o += 6 + len;
  }
  if (o !== data.length) throw new Lwm2mFormatError('malformed', 'factory snapshot length');
  return out;
}

export function decodeIndex(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) out.push((data[i] << 8) | data[i + 1]);
  return out;
}

/** RAM-only store for tests and for devices without persistence; copies on save, wipes on remove. */
export class MemoryObjectStore implements ObjectStore {
  readonly records = new Map<string, Uint8Array>();
  load(name: string): Uint8Array | null {
    const r = this.records.get(name);
    return r ? r.slice() : null;
  }
  save(name: string, data: Uint8Array): void {
    wipe(this.records.get(name));
    this.records.set(name, data.slice());
  }
  remove(name: string): void {
    wipe(this.records.get(name));
    this.records.delete(name);
  }
  names(): string[] {
    return [...this.records.keys()];
  }
}
