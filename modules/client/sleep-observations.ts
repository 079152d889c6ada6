/**
 * What a device keeps of a server's observations across deep sleep. An observation lives as long as the
 * registration (OMA LwM2M 1.1 Core §6.4.3 with RFC 7641 §4.1), and in queue mode the notifications that fell due
 * while the device slept are sent once it is online again (Core §6.5); so, next to the kept registration
 * (./sleep.ts), the client keeps for each observation its token, path, query and Accept, the attributes in force
 * (Core §5.1.2: pmin, pmax, gt, lt, st, epmin, epmax), what the attribute logic compares with (the last notified
 * numeric value, and the length and CRC-32 of the last notified payload), how long before the sleep the last
 * notification went out, and the endpoint's Observe sequence number, so numbering goes on upwards (RFC 7641 §4.4).
 *
 * Record (KeyStore name `lwm2m.obs.<ssid>`, sealed and authenticated there like the registration):
 *   version(1)=1 | uri<1> | observe sequence(3) | clock(1): 1 when the wall-clock time of the sleep follows |
 *   [slept at, ms since 1970 (6)] | count(1) | count × observation
 * observation:
 *   token<1> (0..8) | path<1> ("3/0/1", 1..4 segments of 0..65535) | query<1> ("a=b&c", ≤ 64) | accept(2, 0xffff:
 *   none) | since last notification, ms (4) | flags(1: bit 0 a numeric value follows) | [value, IEEE 754
 *   binary64 (8)] | payload length(2) | payload CRC-32(4) | attributes(1, ≤ 7) | attributes × (id(1) | value, binary64 (8))
 * with attribute ids 0..6 = pmin, pmax, gt, lt, st, epmin, epmax. At most DEVICE_PROFILE.coapMaxObservations
 * observations and MAX_OBSERVATIONS_RECORD bytes. A record that does not parse, that belongs to another URI, or that
 * repeats a token is refused whole (SleepRecordError); the observations are then simply gone, as after a restart.
 */
import { ByteReader, ByteWriter, utf8Decode, utf8Encode } from '../bytes/index';
import { DEVICE_PROFILE } from '../profile';
import type { RegistrationStore } from './sleep';

/** Attribute names by their id in the record. */
export const OBSERVATION_ATTRIBUTES: readonly string[] = Object.freeze(['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax']);
/** Largest record written or read (a KeyStore value holds at most 2048 bytes, sealing overhead included). */
export const MAX_OBSERVATIONS_RECORD = 1900;
const MAX_QUERY = 64;
const MAX_PATH = 24;
const NO_ACCEPT = 0xffff;

/** A record of kept observations that cannot be used (damaged, forged, too large, another server). */
export class SleepRecordError extends Error {
  override name = 'SleepRecordError';
  constructor(
    readonly code: 'malformed' | 'too-large' | 'other-server',
    message: string,
  ) {
    super(message);
  }
}

export interface SavedObservation {
  token: Uint8Array;
  /** Uri-Path segments as the server sent them, e.g. ['3303', '0', '5700']. */
  path: string[];
  query: string[];
  accept: number | undefined;
  /** ms between the last notification (or the registration response) and the sleep. */
  sinceSentMs: number;
  /** The numeric value last notified, for gt/lt/st. */
  lastNumber: number | undefined;
  /** Length and CRC-32 of the payload last notified, to tell a changed value from an unchanged one. */
  payloadLength: number;
  payloadCrc: number;
  /** The attributes in force at the sleep, by name. */
  attributes: Map<string, number>;
}

export interface SavedObservations {
  uri: string;
  /** The Observe number last used on the server's endpoint (24 bits). */
  sequence: number;
  /** Wall-clock time of the sleep (ms since 1970), when the host knew it. */
  sleptAt: number | undefined;
  observations: SavedObservation[];
}

/** KeyStore name of a DM server's kept observations (KeyStore names are at most 48 bytes). */
export function observationsName(ssid: number): string {
  return `lwm2m.obs.${ssid}`;
}

const malformed = (m: string) => new SleepRecordError('malformed', `bad kept observations: ${m}`);

function f64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v);
  return b;
}

function readF64(r: ByteReader, what: string): number {
  const b = r.bytes(8, what);
  const v = new DataView(b.buffer, b.byteOffset, 8).getFloat64(0);
  if (!Number.isFinite(v)) throw malformed(`${what} is not a finite number`);
  return v;
}

function pathText(path: string[]): Uint8Array {
  if (path.length < 1 || path.length > 4 || path.some((p) => !/^[0-9]{1,5}$/.test(p) || Number(p) > 0xffff)) throw malformed('path');
  return utf8Encode(path.join('/'));
}

export function encodeObservations(o: SavedObservations): Uint8Array {
  if (o.observations.length > DEVICE_PROFILE.coapMaxObservations) throw new SleepRecordError('too-large', `${o.observations.length} observations`);
  const uri = utf8Encode(o.uri);
  if (uri.length > 255) throw new SleepRecordError('too-large', 'uri');
  const w = new ByteWriter(256);
  w.u8(1).vector(1, uri).u24(o.sequence & 0xffffff);
  const slept = o.sleptAt !== undefined && Number.isFinite(o.sleptAt) && o.sleptAt >= 0 && o.sleptAt < 2 ** 48;
  w.u8(slept ? 1 : 0);
  if (slept) w.u48(Math.floor(o.sleptAt!));
  w.u8(o.observations.length);
  for (const s of o.observations) {
    const query = utf8Encode(s.query.join('&'));
    if (s.token.length > 8 || query.length > MAX_QUERY) throw new SleepRecordError('too-large', 'token or query');
    w.vector(1, s.token).vector(1, pathText(s.path)).vector(1, query);
    w.u16(s.accept === undefined ? NO_ACCEPT : s.accept & 0xffff).u32(Math.min(0xffffffff, Math.max(0, Math.floor(s.sinceSentMs))));
    const numeric = s.lastNumber !== undefined && Number.isFinite(s.lastNumber);
    w.u8(numeric ? 1 : 0);
    if (numeric) w.bytes(f64(s.lastNumber!));
    w.u16(Math.min(0xffff, s.payloadLength)).u32(s.payloadCrc >>> 0);
    const attrs = [...s.attributes].filter(([k, v]) => OBSERVATION_ATTRIBUTES.includes(k) && Number.isFinite(v));
    w.u8(attrs.length);
    for (const [k, v] of attrs) w.u8(OBSERVATION_ATTRIBUTES.indexOf(k)).bytes(f64(v));
  }
  const out = w.toBytes();
  if (out.length > MAX_OBSERVATIONS_RECORD) throw new SleepRecordError('too-large', `${out.length} bytes`);
  return out;
}

/** Parses a kept record: bounded by MAX_OBSERVATIONS_RECORD and the device's observation limit; fails only with SleepRecordError. */
export function decodeObservations(data: Uint8Array): SavedObservations {
  if (data.length > MAX_OBSERVATIONS_RECORD) throw new SleepRecordError('too-large', `${data.length} bytes`);
  const r = new ByteReader(data, malformed);
  if (r.u8('version') !== 1) throw malformed('unknown version');
  let uri: string;
  try {
    uri = utf8Decode(r.vector(1, 'uri', 255));
  } catch (e) {
    throw e instanceof SleepRecordError ? e : malformed('uri is not UTF-8');
  }
  const sequence = r.u24('sequence');
  const clock = r.u8('clock');
  if (clock > 1) throw malformed('clock flag');
  const sleptAt = clock ? r.u48('slept at') : undefined;
  const count = r.u8('count');
  if (count > DEVICE_PROFILE.coapMaxObservations) throw malformed(`${count} observations, above the limit`);
  const observations: SavedObservation[] = [];
  const tokens = new Set<string>();
  for (let i = 0; i < count; i++) {
    const token = r.vector(1, 'token', 8).slice();
    const key = [...token].join(',');
    if (tokens.has(key)) throw malformed('token repeated');
    tokens.add(key);
    const pathBytes = r.vector(1, 'path', MAX_PATH);
    const queryBytes = r.vector(1, 'query', MAX_QUERY);
    let path: string[];
    let queryText: string;
    try {
      path = utf8Decode(pathBytes).split('/');
      queryText = utf8Decode(queryBytes);
    } catch {
      throw malformed('path or query is not UTF-8');
    }
    pathText(path);
    const query = queryText.length ? queryText.split('&') : [];
    const acceptRaw = r.u16('accept');
    const sinceSentMs = r.u32('since');
    const flags = r.u8('flags');
    if (flags > 1) throw malformed('flags');
    const lastNumber = flags & 1 ? readF64(r, 'value') : undefined;
    const payloadLength = r.u16('payload length');
    const payloadCrc = r.u32('payload crc');
    const n = r.u8('attributes');
    if (n > OBSERVATION_ATTRIBUTES.length) throw malformed('too many attributes');
    const attributes = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const id = r.u8('attribute id');
      if (id >= OBSERVATION_ATTRIBUTES.length) throw malformed('unknown attribute');
      const name = OBSERVATION_ATTRIBUTES[id];
      if (attributes.has(name)) throw malformed('attribute repeated');
      attributes.set(name, readF64(r, name));
    }
    observations.push({ token, path, query, accept: acceptRaw === NO_ACCEPT ? undefined : acceptRaw, sinceSentMs, lastNumber, payloadLength, payloadCrc, attributes });
  }
  r.expectEnd('kept observations');
  return { uri, sequence, sleptAt, observations };
}

export function saveObservations(store: RegistrationStore, ssid: number, o: SavedObservations): void {
  store.put(observationsName(ssid), encodeObservations(o));
}

/**
 * The kept observations of `ssid` for `uri`, consumed (deleted) whatever happens next so a stale record is used at
 * most once. Null when there is none; SleepRecordError when the record is unusable (then it is gone too).
 */
export function takeObservations(store: RegistrationStore, ssid: number, uri: string): SavedObservations | null {
  const name = observationsName(ssid);
  const blob = store.get(name);
  if (!blob) return null;
  store.delete(name);
  const o = decodeObservations(blob);
  if (o.uri !== uri) throw new SleepRecordError('other-server', 'kept observations belong to another server URI');
  return o;
}
