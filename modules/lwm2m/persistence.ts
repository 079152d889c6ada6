/**
 * What survives a reboot: Objects 0, 1 and 2. Each instance is one record (TLV of its resources)
 * and each object has an index record listing its instance ids, so deleting an instance removes
 * exactly its record. Every Object 0 record name starts with "lwm2m.0" so the client can route
 * them to the sealed KeyStore and the rest to plain storage.
 */
import { wipe } from '../bytes/index';

/** Satisfied by the KeyStore later; `save` must copy or seal `data` before returning (the caller wipes it). */
export interface ObjectStore {
  load(name: string): Uint8Array | null;
  save(name: string, data: Uint8Array): void;
  remove(name: string): void;
}

export const PERSISTED_OBJECTS = [0, 1, 2] as const;

export function indexRecordName(oid: number): string {
  return `lwm2m.${oid}`;
}
export function instanceRecordName(oid: number, iid: number): string {
  return `lwm2m.${oid}.${iid}`;
}
export function isSecretRecord(name: string): boolean {
  return name === 'lwm2m.0' || name.startsWith('lwm2m.0.');
}

export function encodeIndex(iids: number[]): Uint8Array {
  const out = new Uint8Array(iids.length * 2);
  iids.forEach((iid, i) => {
    out[2 * i] = iid >> 8;
    out[2 * i + 1] = iid & 255;
  });
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
}
