/** SenML CBOR, content format 112 (LwM2M 1.1 7.4.5, RFC 8428 6): integer labels bn -2, n 0, v 2, vs 3, vb 4, vd 8; "vlo" stays a text label. */
import { ByteWriter } from '../../bytes/index';
import { Lwm2mFormatError } from '../errors';
import type { Entry, Path, TypeResolver } from '../types';
import { decodeCbor, encodeCbor, type CborValue } from './cbor';
import { entriesToRecords, recordsToEntries, SENML_MAX_RECORDS, type SenmlRecord } from './senml';

const BN = -2;
const BT = -3;
const BVER = -1;
const N = 0;
const V = 2;
const VS = 3;
const VB = 4;
const T = 6;
const VD = 8;

export function encodeSenmlCbor(base: Path, entries: Entry[]): Uint8Array {
  const arr: CborValue[] = [];
  for (const r of entriesToRecords(base, entries)) {
    const m = new Map<CborValue, CborValue>();
    if (r.bn !== undefined) m.set(BN, r.bn);
    if (r.n !== undefined) m.set(N, r.n);
    if (r.v !== undefined) m.set(V, r.v);
    if (r.vs !== undefined) m.set(VS, r.vs);
    if (r.vb !== undefined) m.set(VB, r.vb);
    if (r.vd !== undefined) m.set(VD, r.vd);
    if (r.vlo !== undefined) m.set('vlo', r.vlo);
    arr.push(m);
  }
  return encodeCbor(arr, new ByteWriter(256)).toBytes();
}

export function decodeSenmlCbor(base: Path, data: Uint8Array, resolve: TypeResolver): Entry[] {
  const top = decodeCbor(data, { maxDepth: 2, maxItems: SENML_MAX_RECORDS * 16 });
  if (!Array.isArray(top)) throw new Lwm2mFormatError('malformed', 'SenML CBOR must be an array');
  const records: SenmlRecord[] = [];
  for (const item of top) {
    if (!(item instanceof Map)) throw new Lwm2mFormatError('malformed', 'SenML record must be a map');
    const r: SenmlRecord = {};
    for (const [k, v] of item) {
      const bad = (what: string): never => {
        throw new Lwm2mFormatError('malformed', `SenML label ${String(k)} must be ${what}`);
      };
      if (k === BN) r.bn = typeof v === 'string' ? v : bad('a text string');
      else if (k === N) r.n = typeof v === 'string' ? v : bad('a text string');
      else if (k === V) r.v = typeof v === 'number' ? v : bad('a number');
      else if (k === VS) r.vs = typeof v === 'string' ? v : bad('a text string');
      else if (k === VB) r.vb = typeof v === 'boolean' ? v : bad('a boolean');
      else if (k === VD) r.vd = v instanceof Uint8Array ? v : bad('a byte string');
      else if (k === 'vlo') r.vlo = typeof v === 'string' ? v : bad('a text string');
      else if (k === BT || k === T || k === BVER) {
        if (typeof v !== 'number') bad('a number');
      } else if (typeof k === 'number' && k < 0 && k < -3) {
        throw new Lwm2mFormatError('unsupported', 'SenML must-understand label');
      }
    }
    records.push(r);
  }
  return recordsToEntries(base, records, resolve);
}
