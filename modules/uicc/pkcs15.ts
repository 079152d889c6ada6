/**
 * The PKCS#15 pieces Bootstrap from Smartcard needs (PKCS #15 v1.1 / ISO/IEC 7816-15; LwM2M Core TS 1.1.1
 * Appendix G): the application AID, EF(ODF) at 5031 pointing to the data-object directory
 * EF(DODF-bootstrap) (G.3.1), in it the data object that carries the LwM2M bootstrap object identifier
 * and the Path of EF LwM2M_Bootstrap (G.3.2), and that file's content (G.3.4; numbered G.3.3 in earlier
 * editions of the same appendix).
 */
import { ByteReader } from '../bytes/index';
import { findTag, parseBerTlv, type Tlv } from './ber-tlv';
import { BerTlvError, Pkcs15Error } from './errors';

/** PKCS #15 v1.1 §5.4: RID A0 00 00 00 63, PIX "PKCS-15". */
export const PKCS15_AID = Object.freeze([0xa0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4b, 0x43, 0x53, 0x2d, 0x31, 0x35]);
/** EF(ODF) file identifier in the PKCS#15 application DF (PKCS #15 §5.5.1; LwM2M G.3.1 "default 0x5031"). */
export const EF_ODF = 0x5031;
/** The label our simulated card gives the object (CommonObjectAttributes.label, G.3.2); not used to find it. */
export const BOOTSTRAP_LABEL = 'LwM2M Bootstrap';
/**
 * The LwM2M bootstrap object identifier 2.23.43.9.1, DER contents octets. The value is the one both
 * public readers of Appendix G use (Nordic nRF Connect SDK lib/uicc_lwm2m, AVSystem Anjay sim_bootstrap).
 */
export const LWM2M_BOOTSTRAP_OID = Object.freeze([0x67, 0x2b, 0x09, 0x01]);
/**
 * The same OID wrapped twice (06 04 67 2B 09 01 as the contents of the OBJECT IDENTIFIER): the example
 * DODF in the LwM2M TS is encoded this way and cards copied it; both public readers accept it, so do we.
 */
const LWM2M_BOOTSTRAP_OID_WRAPPED = Object.freeze([0x06, 0x04, 0x67, 0x2b, 0x09, 0x01]);
/** ODF choice [7]: dataObjects. */
const ODF_DATA_OBJECTS = 0xa7;
/** PKCS15Data choices (PKCS #15 §6.7): opaqueDO (SEQUENCE), oidDO [1]. externalIDO [0] is not ours. */
const DATA_OPAQUE = 0x30;
const DATA_OID = 0xa1;

const LIMITS = Object.freeze({ maxDepth: 8, maxElements: 256, maxLength: 4096 });

/** A PKCS#15 directory file; 00/FF filler between and after elements is skipped (ISO/IEC 7816-4 §5.2). */
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

/** EF(ODF): the paths of every data-object directory (EF DODF), in priority order (G.1). */
export function parseOdf(d: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const t of parse(d, 'EF(ODF)')) {
    if (t.tag !== ODF_DATA_OBJECTS) continue;
    out.push(pathOf(findTag(t.children, 0x30), 'EF(ODF) dataObjects'));
  }
  if (out.length === 0) throw new Pkcs15Error('EF(ODF) lists no data-object directory');
  return out;
}

function sameBytes(a: Uint8Array, b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isBootstrapOid(t: Tlv | undefined): boolean {
  return !!t && t.tag === 0x06 && (sameBytes(t.value, LWM2M_BOOTSTRAP_OID) || sameBytes(t.value, LWM2M_BOOTSTRAP_OID_WRAPPED));
}

export interface BootstrapObjectInfo {
  /** Path.path of EF LwM2M_Bootstrap. */
  path: Uint8Array;
  /** CommonObjectAttributes.flags (G.2.4): private = protected by a PIN, modifiable. */
  private: boolean;
  modifiable: boolean;
}

/**
 * EF(DODF-bootstrap) (G.3.2): the first data object identified as LwM2M bootstrap data, either by the
 * OidDO identifier (oidDO [1]: typeAttributes [1] = SEQUENCE { id OBJECT IDENTIFIER, value Path }) or by
 * CommonDataObjectAttributes.applicationOID (an opaqueDO whose typeAttributes [1] hold the Path).
 * A PKCS15Object is SEQUENCE { commonObjectAttributes, classAttributes, [0] subClass OPTIONAL, [1] type }.
 */
export function findBootstrapObject(d: Uint8Array): BootstrapObjectInfo {
  for (const obj of parse(d, 'EF(DODF-bootstrap)')) {
    if ((obj.tag !== DATA_OPAQUE && obj.tag !== DATA_OID) || !obj.children) continue;
    const [common, cls] = obj.children;
    if (!common || common.tag !== 0x30 || !cls || cls.tag !== 0x30) continue;
    const typeAttrs = findTag(obj.children.slice(2), 0xa1);
    let match = isBootstrapOid(findTag(cls.children, 0x06));
    let path: Tlv | undefined;
    if (obj.tag === DATA_OID) {
      const oidDo = typeAttrs?.children?.[0];
      if (oidDo?.tag === 0x30 && oidDo.children) {
        if (isBootstrapOid(oidDo.children[0])) match = true;
        path = oidDo.children[1];
      }
    } else {
      path = typeAttrs?.children?.[0];
    }
    if (!match) continue;
    const flags = findTag(common.children, 0x03);
    // CommonObjectFlags ::= BIT STRING { private(0), modifiable(1) }: first octet after the unused-bits count.
    const bits = flags && flags.value.length >= 2 ? flags.value[1] : 0;
    return { path: pathOf(path, 'LwM2M bootstrap data object'), private: (bits & 0x80) !== 0, modifiable: (bits & 0x40) !== 0 };
  }
  throw new Pkcs15Error('EF(DODF-bootstrap) holds no LwM2M bootstrap data object (OID 2.23.43.9.1)');
}

/** The Path of EF LwM2M_Bootstrap named in EF(DODF-bootstrap). */
export function findBootstrapPath(d: Uint8Array): Uint8Array {
  return findBootstrapObject(d).path;
}

export interface BootstrapEntry {
  /** Object ID the entry writes (Bootstrap-Write on /oid). */
  objectId: number;
  /** Object Version from the header: 0 = implicit (1.0, or the Object is defined in the enabler), else major << 8 | minor. */
  version: number;
  /** The LwM2M TLV (Core §7.4.3) of the object's instances. A secret: wipe after use. */
  tlv: Uint8Array;
}

/** Objects a card may configure: Security, Server, Access Control. */
export const BOOTSTRAP_OBJECTS = Object.freeze([0, 1, 2]);
export const MAX_BOOTSTRAP_ENTRIES = 16;
/** G.3.4: "This file size is limited to 32KB"; our READ BINARY cap (files.ts MAX_FILE) is lower still. */
export const MAX_BOOTSTRAP_FILE = 32768;

/**
 * EF LwM2M_Bootstrap (LwM2M Core 1.1.1 Appendix G.3.4), all big endian:
 *   bootstrap_data ::= number_of_objects(2) size(2) object*       -- size = bytes of the objects
 *   object         ::= object_id(2) object_version length(2) TLV  -- length = bytes of the TLV
 *   object_version ::= 00 (implicit) | major(01-FF) minor(00-FF)
 * The TLV holds the Object Instances, what a Bootstrap-Server would send as a Bootstrap-Write on /oid.
 * Bytes after the declared size (the unused part of the EF) are ignored.
 */
export function parseBootstrapFile(d: Uint8Array): BootstrapEntry[] {
  if (d.length > MAX_BOOTSTRAP_FILE) throw new Pkcs15Error(`bootstrap file: larger than ${MAX_BOOTSTRAP_FILE} bytes`);
  const err = (m: string) => new Pkcs15Error(`bootstrap file: ${m}`);
  const head = new ByteReader(d, err);
  const count = head.u16('number of objects');
  const size = head.u16('size');
  if (count === 0) throw err('no object');
  if (count > MAX_BOOTSTRAP_ENTRIES) throw err(`${count} objects, more than ${MAX_BOOTSTRAP_ENTRIES}`);
  const r = new ByteReader(head.bytes(size, 'collection of objects'), err);
  const out: BootstrapEntry[] = [];
  for (let i = 0; i < count; i++) {
    const objectId = r.u16('object id');
    if (!BOOTSTRAP_OBJECTS.includes(objectId)) throw err(`object ${objectId} is not bootstrap information`);
    const major = r.u8('object version');
    const version = major === 0 ? 0 : (major << 8) | r.u8('object minor version');
    const tlv = r.vector(2, 'object', MAX_BOOTSTRAP_FILE).slice();
    if (tlv.length === 0) throw err(`object ${objectId} has no instance`);
    out.push({ objectId, version, tlv });
  }
  r.expectEnd(`${count} object(s) (size ${size})`);
  if (!out.some((e) => e.objectId === 0)) throw err('no Security object entry');
  return out;
}

/** Builds an EF LwM2M_Bootstrap content (G.3.4) from entries; `version` 0 or absent is implicit. */
export function encodeBootstrapFile(entries: ReadonlyArray<{ objectId: number; version?: number; tlv: Uint8Array }>): Uint8Array {
  let size = 0;
  for (const e of entries) size += 2 + (e.version ? 2 : 1) + 2 + e.tlv.length;
  if (size > 0xffff || entries.length > 0xffff) throw new Pkcs15Error('bootstrap file: too large');
  const out = new Uint8Array(4 + size);
  const u16 = (o: number, v: number): void => {
    out[o] = v >> 8;
    out[o + 1] = v & 0xff;
  };
  u16(0, entries.length);
  u16(2, size);
  let o = 4;
  for (const e of entries) {
    u16(o, e.objectId);
    o += 2;
    if (e.version) {
      u16(o, e.version);
      o += 2;
    } else out[o++] = 0;
    u16(o, e.tlv.length);
    out.set(e.tlv, o + 2);
    o += 2 + e.tlv.length;
  }
  return out;
}
