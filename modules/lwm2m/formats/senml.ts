/**
 * The SenML record model shared by SenML JSON (110) and SenML CBOR (112), as LwM2M 1.1 (7.4.4,
 * 7.4.5) profiles RFC 8428: names are LwM2M paths built from "bn" + "n"; "v" numbers, "vs" strings,
 * "vb" booleans, "vd" opaque data, "vlo" object links ("3:0").
 */
import { Lwm2mFormatError } from '../errors';
import type { Entry, Path, TypeResolver, Value } from '../types';
import { formatPath, isObjlnk, parsePath, pathStartsWith } from '../types';

export const SENML_MAX_RECORDS = 2048;

export interface SenmlRecord {
  bn?: string;
  n?: string;
  v?: number;
  vs?: string;
  vb?: boolean;
  vd?: Uint8Array;
  vlo?: string;
}

/** Records as the spec's examples print them: the first carries bn = base path + "/". */
export function entriesToRecords(base: Path, entries: Entry[]): SenmlRecord[] {
  const records: SenmlRecord[] = [];
  const single = entries.length === 1 && entries[0].path.length === base.length;
  const bn = single ? formatPath(base) : formatPath(base) === '/' ? '/' : formatPath(base) + '/';
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const r: SenmlRecord = {};
    if (i === 0) r.bn = bn;
    if (!single) r.n = e.path.slice(base.length).join('/');
    setValue(r, e);
    records.push(r);
  }
  return records;
}

function setValue(r: SenmlRecord, e: Entry): void {
  const v = e.value;
  switch (e.type) {
    case 'string':
    case 'corelnk':
      r.vs = v as string;
      break;
    case 'boolean':
      r.vb = v as boolean;
      break;
    case 'opaque':
      r.vd = v as Uint8Array;
      break;
    case 'objlnk':
      if (!isObjlnk(v)) throw new Lwm2mFormatError('type-mismatch', 'object link expected');
      r.vlo = `${v.objectId}:${v.instanceId}`;
      break;
    default:
      r.v = v as number;
  }
}

/** Resolves names, checks every path lies under `base` and converts values to the resource types. */
export function recordsToEntries(base: Path, records: SenmlRecord[], resolve: TypeResolver): Entry[] {
  if (records.length > SENML_MAX_RECORDS) throw new Lwm2mFormatError('too-large', `more than ${SENML_MAX_RECORDS} SenML records`);
  let bn = '';
  const out: Entry[] = [];
  for (const r of records) {
    if (r.bn !== undefined) bn = r.bn;
    const name = bn + (r.n ?? '');
    const path = parsePath(name);
    if (path.length < 3) throw new Lwm2mFormatError('bad-path', 'SenML record name must address a resource');
    if (!pathStartsWith(path, base) && !pathStartsWith(base, path)) throw new Lwm2mFormatError('bad-path', 'SenML record outside the request path');
    const t = resolve(path[0], path[2]);
    if (!t) throw new Lwm2mFormatError('unknown-resource', `object ${path[0]} has no resource ${path[2]}`);
    if (t.multiple !== (path.length === 4)) throw new Lwm2mFormatError('type-mismatch', `resource ${path[2]} is ${t.multiple ? '' : 'not '}multiple-instance`);
    out.push({ path, type: t.type, value: convert(t.type, r) });
  }
  return out;
}

function convert(type: Entry['type'], r: SenmlRecord): Value {
  const present = (r.v !== undefined ? 1 : 0) + (r.vs !== undefined ? 1 : 0) + (r.vb !== undefined ? 1 : 0) + (r.vd !== undefined ? 1 : 0) + (r.vlo !== undefined ? 1 : 0);
  if (present !== 1) throw new Lwm2mFormatError('malformed', 'SenML record must carry exactly one value');
  switch (type) {
    case 'string':
    case 'corelnk':
      if (r.vs === undefined) break;
      return r.vs;
    case 'boolean':
      if (r.vb === undefined) break;
      return r.vb;
    case 'opaque':
      if (r.vd === undefined) break;
      return r.vd;
    case 'objlnk': {
      if (r.vlo === undefined) break;
      const m = /^([0-9]{1,5}):([0-9]{1,5})$/.exec(r.vlo);
      if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) throw new Lwm2mFormatError('malformed', 'object link must be "oid:iid"');
      return { objectId: Number(m[1]), instanceId: Number(m[2]) };
    }
    case 'float':
      if (r.v === undefined) break;
      return r.v;
    case 'integer':
    case 'time':
    case 'unsigned':
      if (r.v === undefined) break;
      if (!Number.isSafeInteger(r.v) || (type === 'unsigned' && r.v < 0)) throw new Lwm2mFormatError('type-mismatch', 'integer resource given a non-integer');
      return r.v;
    case 'none':
      break;
  }
  throw new Lwm2mFormatError('type-mismatch', `SenML value kind does not match a ${type} resource`);
}
