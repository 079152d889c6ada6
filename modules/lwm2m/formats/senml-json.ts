/** SenML JSON, content format 110 (LwM2M 1.1 7.4.4, RFC 8428). */
import { utf8Decode, utf8Encode } from '../../bytes/index';
import { Lwm2mFormatError } from '../errors';
import type { Entry, Path, TypeResolver } from '../types';
import { base64Decode, base64Encode } from './base64';
import { entriesToRecords, recordsToEntries, SENML_MAX_RECORDS, type SenmlRecord } from './senml';

export const SENML_JSON_MAX_BYTES = 64 * 1024;

export function encodeSenmlJson(base: Path, entries: Entry[]): Uint8Array {
  const parts: string[] = [];
  for (const r of entriesToRecords(base, entries)) {
    const f: string[] = [];
    if (r.bn !== undefined) f.push(`"bn":${JSON.stringify(r.bn)}`);
    if (r.n !== undefined) f.push(`"n":${JSON.stringify(r.n)}`);
    if (r.v !== undefined) f.push(`"v":${JSON.stringify(r.v)}`);
    if (r.vs !== undefined) f.push(`"vs":${JSON.stringify(r.vs)}`);
    if (r.vb !== undefined) f.push(`"vb":${r.vb}`);
    if (r.vd !== undefined) f.push(`"vd":"${base64Encode(r.vd, true)}"`);
    if (r.vlo !== undefined) f.push(`"vlo":"${r.vlo}"`);
    parts.push(`{${f.join(',')}}`);
  }
  return utf8Encode(`[${parts.join(',')}]`);
}

/**
 * JSON.parse recurses, so nesting is checked first with a flat scan: a SenML pack is an array of
 * flat objects (depth 2); anything deeper is refused before the parser sees it.
 */
function checkShape(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > 2) throw new Lwm2mFormatError('too-deep', 'SenML JSON nests deeper than an array of records');
    } else if (c === 93 || c === 125) depth--;
  }
}

export function decodeSenmlJson(base: Path, data: Uint8Array, resolve: TypeResolver): Entry[] {
  if (data.length > SENML_JSON_MAX_BYTES) throw new Lwm2mFormatError('too-large', 'SenML JSON payload too large');
  let text: string;
  try {
    text = utf8Decode(data);
  } catch {
    throw new Lwm2mFormatError('malformed', 'SenML JSON is not valid UTF-8');
  }
  checkShape(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Lwm2mFormatError('malformed', 'SenML JSON does not parse');
  }
  if (!Array.isArray(parsed)) throw new Lwm2mFormatError('malformed', 'SenML JSON must be an array');
  if (parsed.length > SENML_MAX_RECORDS) throw new Lwm2mFormatError('too-large', 'too many SenML records');
  const records: SenmlRecord[] = [];
  for (const item of parsed) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new Lwm2mFormatError('malformed', 'SenML record must be an object');
    const o = item as Record<string, unknown>;
    const r: SenmlRecord = {};
    for (const k of Object.keys(o)) {
      const v = o[k];
      switch (k) {
        case 'bn':
        case 'n':
        case 'vs':
        case 'vlo':
          if (typeof v !== 'string') throw new Lwm2mFormatError('malformed', `"${k}" must be a string`);
          r[k] = v;
          break;
        case 'v':
          if (typeof v !== 'number') throw new Lwm2mFormatError('malformed', '"v" must be a number');
          r.v = v;
          break;
        case 'vb':
          if (typeof v !== 'boolean') throw new Lwm2mFormatError('malformed', '"vb" must be a boolean');
          r.vb = v;
          break;
        case 'vd':
          if (typeof v !== 'string') throw new Lwm2mFormatError('malformed', '"vd" must be a string');
          r.vd = base64Decode(v);
          break;
        case 'bt':
        case 't':
        case 'bver':
          if (typeof v !== 'number') throw new Lwm2mFormatError('malformed', `"${k}" must be a number`);
          break;
        default:
          // RFC 8428 4.4: labels ending in "_" must be understood; others may be ignored.
          if (k.endsWith('_')) throw new Lwm2mFormatError('unsupported', 'SenML must-understand label');
      }
    }
    records.push(r);
  }
  return recordsToEntries(base, records, resolve);
}
