/**
 * The PKCS#15 pieces Bootstrap from Smartcard needs (PKCS #15 v1.1 / ISO/IEC 7816-15, LwM2M 1.1
 * Appendix G): the application AID, EF(ODF) at 5031 pointing to the data-object directory
 * EF(DODF-bootstrap), in it the opaque data object labelled for LwM2M bootstrap whose value is the Path
 * of the file holding the bootstrap information, and that file's content.
 */
import { ByteReader } from '../bytes/index';
import { findTag, parseBerTlv, type Tlv } from './ber-tlv';
import { BerTlvError, Pkcs15Error } from './errors';

/** PKCS #15 v1.1 §5.4: RID A0 00 00 00 63, PIX "PKCS-15". */
export const PKCS15_AID = Object.freeze([0xa0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4b, 0x43, 0x53, 0x2d, 0x31, 0x35]);
/** EF(ODF) file identifier in the PKCS#15 application DF. */
export const EF_ODF = 0x5031;
/** The label of the bootstrap data object in EF(DODF-bootstrap). */
export const BOOTSTRAP_LABEL = 'LWM2M Bootstrap';
/** ODF choice [7]: dataObjects. */
const ODF_DATA_OBJECTS = 0xa7;

const LIMITS = Object.freeze({ maxDepth: 8, maxElements: 256, maxLength: 4096 });

function parse(d: Uint8Array, what: string): Tlv[] {
  try {
    return parseBerTlv(d, LIMITS);
  } catch (e) {
    if (e instanceof BerTlvError) throw new Pkcs15Error(`${what}: ${e.message}`);
    throw e;
  }
}

/** PKCS #15 Path ::= SEQUENCE { path OCTET STRING, index INTEGER OPTIONAL, length [0] INTEGER OPTIONAL }. */
function pathOf(t: Tlv | undefined, what: string): Uint8Array {
  if (!t || t.tag !== 0x30 || !t.children) throw new Pkcs15Error(`${what}: no Path`);
  const p = findTag(t.children, 0x04);
  if (!p || p.value.length < 2 || p.value.length > 16 || p.value.length % 2 !== 0) throw new Pkcs15Error(`${what}: Path must be 1..8 file identifiers`);
  return p.value.slice();
}

/** EF(ODF): the paths of every data-object directory (EF DODF). */
export function parseOdf(d: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const t of parse(d, 'EF(ODF)')) {
    if (t.tag !== ODF_DATA_OBJECTS) continue;
    out.push(pathOf(findTag(t.children, 0x30), 'EF(ODF) dataObjects'));
  }
  if (out.length === 0) throw new Pkcs15Error('EF(ODF) lists no data-object directory');
  return out;
}

function utf8Ascii(b: Uint8Array): string {
  let s = '';
  for (const x of b) {
    if (x < 0x20 || x > 0x7e) return '';
    s += String.fromCharCode(x);
  }
  return s;
}

/**
 * EF(DODF-bootstrap): finds the opaque data object (PKCS15Object: commonObjectAttributes with label,
 * classAttributes, typeAttributes [1] holding the Path) whose label is {@link BOOTSTRAP_LABEL}.
 * Returns the Path of the bootstrap file.
 */
export function findBootstrapPath(d: Uint8Array): Uint8Array {
  for (const obj of parse(d, 'EF(DODF-bootstrap)')) {
    if (obj.tag !== 0x30 || !obj.children) continue;
    const common = obj.children[0];
    if (!common || common.tag !== 0x30) continue;
    const label = findTag(common.children, 0x0c);
    if (!label || utf8Ascii(label.value) !== BOOTSTRAP_LABEL) continue;
    const typeAttrs = findTag(obj.children, 0xa1);
    if (!typeAttrs) throw new Pkcs15Error('bootstrap data object has no typeAttributes');
    return pathOf(findTag(typeAttrs.children, 0x30), 'bootstrap data object');
  }
  throw new Pkcs15Error(`EF(DODF-bootstrap) holds no "${BOOTSTRAP_LABEL}" object`);
}

export interface BootstrapEntry {
  /** Object ID the entry writes (Bootstrap-Write on /oid). */
  objectId: number;
  /** The LwM2M TLV (Core §7.4.3) of the object's instances. A secret: wipe after use. */
  tlv: Uint8Array;
}

/** Objects a card may configure: Security, Server, Access Control. */
export const BOOTSTRAP_OBJECTS = Object.freeze([0, 1, 2]);
export const MAX_BOOTSTRAP_ENTRIES = 16;

/**
 * The bootstrap file: a sequence of `object id (2) || length (2) || LwM2M TLV`, each one what a
 * Bootstrap-Server would send as a Bootstrap-Write on /oid. Padding FF at the end (an EF is often
 * bigger than its content) is allowed.
 */
export function parseBootstrapFile(d: Uint8Array): BootstrapEntry[] {
  const r = new ByteReader(d, (m) => new Pkcs15Error(`bootstrap file: ${m}`));
  const out: BootstrapEntry[] = [];
  while (r.remaining > 0) {
    if (d[r.offset] === 0xff) {
      for (let i = r.offset; i < d.length; i++) if (d[i] !== 0xff) throw new Pkcs15Error('bootstrap file: data after the padding');
      break;
    }
    if (out.length >= MAX_BOOTSTRAP_ENTRIES) throw new Pkcs15Error(`bootstrap file: more than ${MAX_BOOTSTRAP_ENTRIES} entries`);
    const objectId = r.u16('object id');
    if (!BOOTSTRAP_OBJECTS.includes(objectId)) throw new Pkcs15Error(`bootstrap file: object ${objectId} is not bootstrap information`);
    const tlv = r.vector(2, 'entry', 4096).slice();
    if (tlv.length === 0) throw new Pkcs15Error('bootstrap file: empty entry');
    out.push({ objectId, tlv });
  }
  if (!out.some((e) => e.objectId === 0)) throw new Pkcs15Error('bootstrap file: no Security object entry');
  return out;
}

export function encodeBootstrapFile(entries: BootstrapEntry[]): Uint8Array {
  let n = 0;
  for (const e of entries) n += 4 + e.tlv.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const e of entries) {
    out[o] = e.objectId >> 8;
    out[o + 1] = e.objectId & 0xff;
    out[o + 2] = e.tlv.length >> 8;
    out[o + 3] = e.tlv.length & 0xff;
    out.set(e.tlv, o + 4);
    o += 4 + e.tlv.length;
  }
  return out;
}
