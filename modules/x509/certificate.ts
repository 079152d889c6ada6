/**
 * X.509 v3 certificates (RFC 5280 §4.1) as a constrained LwM2M client meets them: P-256 keys, ecdsa-with-SHA256
 * signatures, the extensions of §4.2.1.3 keyUsage, §4.2.1.6 subjectAltName, §4.2.1.9 basicConstraints and
 * §4.2.1.12 extKeyUsage. Unknown critical extensions are refused (§4.2). Names are compared as DER bytes
 * (§7.1 allows a binary comparison; it can only refuse more, never accept more). Bounded: certificates
 * over MAX_CERTIFICATE bytes, more than MAX_EXTENSIONS extensions or MAX_NAMES names are refused.
 */
import { DerReader, Tag, bitStringBytes, oidToString, readOne, unsignedInteger } from './der';
import { X509Error } from './errors';
import { OID_ECDSA_SHA256, ecdsaSigFromDer, parseSpki } from './keys';

export const MAX_CERTIFICATE = 4096;
const MAX_EXTENSIONS = 24;
const MAX_NAMES = 32;

export const KeyUsage = Object.freeze({ digitalSignature: 0x80, keyCertSign: 0x04 });
export const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const OID_ANY_EKU = '2.5.29.37.0';
const OID_CN = '2.5.4.3';

export interface Certificate {
  /** The whole DER encoding (a view of the input). */
  der: Uint8Array;
  /** The signed part (tbsCertificate, with its tag and length). */
  tbs: Uint8Array;
  /** r‖s of the issuer's ecdsa-with-SHA256 signature. */
  signature: Uint8Array;
  serial: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  /** ms since 1970 (UTC). */
  notBefore: number;
  notAfter: number;
  /** 65-byte uncompressed P-256 point. */
  publicKey: Uint8Array;
  /** basicConstraints cA (false when absent). */
  isCA: boolean;
  /** basicConstraints pathLenConstraint, or -1 when absent. */
  pathLen: number;
  /** keyUsage bits of the first byte, or -1 when the extension is absent. */
  keyUsage: number;
  /** extKeyUsage OIDs, or null when absent. */
  extKeyUsage: string[] | null;
  dnsNames: string[];
  /** iPAddress entries (4 or 16 bytes). */
  ipAddresses: Uint8Array[];
  /** The subject's last commonName, if any (ASCII/UTF-8 as printed; only used for the name check). */
  commonName: string | null;
}

const decode = (m: string) => new X509Error('decode', m);

function asciiOf(c: Uint8Array, what: string): string {
  let s = '';
  for (let i = 0; i < c.length; i++) {
    if (c[i] < 0x20 || c[i] > 0x7e) throw decode(`${what}: not printable ASCII`);
    s += String.fromCharCode(c[i]);
  }
  return s;
}

function digits(c: Uint8Array, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    if (c[i] < 0x30 || c[i] > 0x39) throw decode('time: not a digit');
    v = v * 10 + (c[i] - 0x30);
  }
  return v;
}

/** RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY) or GeneralizedTime YYYYMMDDHHMMSSZ. */
export function parseTime(e: { tag: number; content: Uint8Array }): number {
  const c = e.content;
  let year: number;
  let o: number;
  if (e.tag === Tag.UTCTime && c.length === 13) {
    const yy = digits(c, 0, 2);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    o = 2;
  } else if (e.tag === Tag.GeneralizedTime && c.length === 15) {
    year = digits(c, 0, 4);
    o = 4;
  } else throw decode('validity: not a UTCTime or GeneralizedTime in the form RFC 5280 requires');
  if (c[c.length - 1] !== 0x5a) throw decode('validity: time not in UTC (Z)');
  const mon = digits(c, o, 2), day = digits(c, o + 2, 2), h = digits(c, o + 4, 2), mi = digits(c, o + 6, 2), s = digits(c, o + 8, 2);
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 59) throw decode('validity: time out of range');
  return Date.UTC(year, mon - 1, day, h, mi, s);
}

function parseName(name: Uint8Array, depth: number): string | null {
  let cn: string | null = null;
  const rdns = new DerReader(name, depth);
  let count = 0;
  while (!rdns.done) {
    if (++count > MAX_NAMES) throw new X509Error('limit', 'Name with too many RDNs');
    const set = rdns.enter(Tag.SET, 'RDN');
    while (!set.done) {
      const atv = set.enter(Tag.SEQUENCE, 'AttributeTypeAndValue');
      const type = oidToString(atv.expect(Tag.OID, 'attribute type').content);
      const value = atv.next('attribute value');
      if (type === OID_CN && (value.tag === Tag.UTF8String || value.tag === Tag.PrintableString || value.tag === Tag.IA5String)) cn = asciiOf(value.content, 'commonName');
    }
  }
  return cn;
}

function parseExtensions(ext: DerReader, cert: Certificate): void {
  const list = ext.enter(Tag.SEQUENCE, 'Extensions');
  const seen: string[] = [];
  while (!list.done) {
    if (seen.length >= MAX_EXTENSIONS) throw new X509Error('limit', 'too many extensions');
    const e = list.enter(Tag.SEQUENCE, 'Extension');
    const oid = oidToString(e.expect(Tag.OID, 'extnID').content);
    if (seen.indexOf(oid) >= 0) throw decode(`extension ${oid} appears twice`);
    seen.push(oid);
    const critElement = e.optional(Tag.BOOLEAN, 'critical');
    const critical = !!critElement && critElement.content.length === 1 && critElement.content[0] !== 0;
    const value = e.expect(Tag.OCTET_STRING, 'extnValue').content;
    e.end('Extension');
    const d = list.depth + 2;
    switch (oid) {
      case '2.5.29.19': {
        const bc = new DerReader(readOne(value, Tag.SEQUENCE, 'basicConstraints').content, d);
        const ca = bc.optional(Tag.BOOLEAN, 'cA');
        cert.isCA = !!ca && ca.content.length === 1 && ca.content[0] !== 0;
        const pl = bc.optional(Tag.INTEGER, 'pathLenConstraint');
        if (pl) {
          const n = unsignedInteger(pl.content, 'pathLenConstraint');
          cert.pathLen = n.length > 1 ? 255 : n[0];
        }
        bc.end('basicConstraints');
        break;
      }
      case '2.5.29.15': {
        const bits = readOne(value, Tag.BIT_STRING, 'keyUsage').content;
        if (bits.length < 2) throw decode('keyUsage: empty');
        cert.keyUsage = bits[1];
        break;
      }
      case '2.5.29.37': {
        const eku = new DerReader(readOne(value, Tag.SEQUENCE, 'extKeyUsage').content, d);
        cert.extKeyUsage = [];
        while (!eku.done) {
          if (cert.extKeyUsage.length >= MAX_NAMES) throw new X509Error('limit', 'too many extKeyUsage entries');
          cert.extKeyUsage.push(oidToString(eku.expect(Tag.OID, 'KeyPurposeId').content));
        }
        break;
      }
      case '2.5.29.17': {
        const san = new DerReader(readOne(value, Tag.SEQUENCE, 'subjectAltName').content, d);
        let n = 0;
        while (!san.done) {
          if (++n > MAX_NAMES) throw new X509Error('limit', 'too many subjectAltName entries');
          const g = san.next('GeneralName');
          if (g.tag === 0x82) cert.dnsNames.push(asciiOf(g.content, 'dNSName').toLowerCase());
          else if (g.tag === 0x87) {
            if (g.content.length !== 4 && g.content.length !== 16) throw decode('iPAddress of bad length');
            cert.ipAddresses.push(g.content);
          }
        }
        break;
      }
      default:
        if (critical) throw new X509Error('unsupported', `unknown critical extension ${oid}`);
    }
  }
  list.end('Extensions');
  ext.end('extensions');
}

/** Parses one DER certificate. Throws X509Error for anything malformed, oversized or not P-256/ECDSA-SHA256. */
export function parseCertificate(der: Uint8Array): Certificate {
  if (der.length > MAX_CERTIFICATE) throw new X509Error('limit', `certificate of ${der.length} bytes (limit ${MAX_CERTIFICATE})`);
  const top = readOne(der, Tag.SEQUENCE, 'Certificate');
  const c = new DerReader(top.content, 1);
  const tbsEl = c.expect(Tag.SEQUENCE, 'tbsCertificate');
  const sigAlg = c.enter(Tag.SEQUENCE, 'signatureAlgorithm');
  const sigOid = oidToString(sigAlg.expect(Tag.OID, 'signatureAlgorithm').content);
  if (sigOid !== OID_ECDSA_SHA256) throw new X509Error('unsupported', `signature algorithm ${sigOid} is not ecdsa-with-SHA256`);
  sigAlg.end('signatureAlgorithm');
  const sigBits = bitStringBytes(c.expect(Tag.BIT_STRING, 'signatureValue').content, 'signatureValue');
  c.end('Certificate');

  const t = new DerReader(tbsEl.content, 2);
  const ver = t.optional(0xa0, 'version');
  if (!ver) throw new X509Error('unsupported', 'only X.509 v3 certificates are accepted');
  const v = unsignedInteger(readOne(ver.content, Tag.INTEGER, 'version').content, 'version');
  if (v.length !== 1 || v[0] !== 2) throw new X509Error('unsupported', 'only X.509 v3 certificates are accepted');
  const serialEl = t.expect(Tag.INTEGER, 'serialNumber').content;
  if (serialEl.length > 21) throw new X509Error('limit', 'serialNumber longer than 20 octets (RFC 5280 §4.1.2.2)');
  const innerAlg = t.enter(Tag.SEQUENCE, 'signature');
  if (oidToString(innerAlg.expect(Tag.OID, 'signature').content) !== sigOid) throw decode('tbsCertificate.signature differs from signatureAlgorithm');
  const issuer = t.expect(Tag.SEQUENCE, 'issuer');
  const validity = t.enter(Tag.SEQUENCE, 'validity');
  const notBefore = parseTime(validity.next('notBefore'));
  const notAfter = parseTime(validity.next('notAfter'));
  validity.end('validity');
  const subject = t.expect(Tag.SEQUENCE, 'subject');
  const publicKey = parseSpki(t.enter(Tag.SEQUENCE, 'subjectPublicKeyInfo'));
  t.optional(0x81, 'issuerUniqueID');
  t.optional(0x82, 'subjectUniqueID');
  parseName(issuer.content, 3);
  const cert: Certificate = {
    der: top.raw,
    tbs: tbsEl.raw,
    signature: ecdsaSigFromDer(sigBits),
    serial: serialEl,
    issuer: issuer.raw,
    subject: subject.raw,
    notBefore,
    notAfter,
    publicKey,
    isCA: false,
    pathLen: -1,
    keyUsage: -1,
    extKeyUsage: null,
    dnsNames: [],
    ipAddresses: [],
    commonName: parseName(subject.content, 3),
  };
  const ext = t.optional(0xa3, 'extensions');
  if (ext) parseExtensions(new DerReader(ext.content, 3), cert);
  t.end('tbsCertificate');
  return cert;
}
