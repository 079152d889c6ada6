/**
 * Checking a peer's certificate chain for DTLS (RFC 7925 §4.4.2 and LwM2M 1.1 Security Object resource 15
 * "Certificate Usage", whose values are those of RFC 6698 §2.1.1 / RFC 7671):
 *   0 CA constraint (PKIX-TA)            path to a host trust anchor, and the 0/x/4 certificate is in that path
 *   1 service certificate constraint     path to a host trust anchor, and the end-entity cert is 0/x/4
 *   2 trust anchor assertion (DANE-TA)   0/x/4 is the only trust anchor; path to it
 *   3 domain-issued certificate (DANE-EE, the LwM2M default)  the end-entity cert is exactly 0/x/4
 * For 0-2 the path is validated in the RFC 5280 §6 manner for what we support (names chain by DER bytes,
 * each signature ecdsa-with-SHA256 verifies, issuers are CAs with keyCertSign, pathLenConstraint), the end
 * entity may sign (keyUsage digitalSignature) and may serve (extKeyUsage serverAuth or clientAuth), and the
 * host name of the server URI must match its subjectAltName (RFC 6125 §6.4; the CN only when there is no
 * subjectAltName of that kind). Usage 3 skips names and validity, as RFC 7671 §5.1 says for DANE-EE: the
 * certificate is pinned in full.
 * Validity: checked against `now()` when the host has a wall clock. Without one (`now` absent or returning
 * undefined) expiry cannot be checked and is not: the caller learns this from `result.timeChecked`.
 */
import { constantTimeEqual } from '../bytes/index';
import type { CryptoProvider } from '../crypto/provider';
import { type Certificate, KeyUsage, OID_ANY_EKU, OID_CLIENT_AUTH, OID_SERVER_AUTH, parseCertificate } from './certificate';
import { X509Error } from './errors';

export const enum CertificateUsage {
  CAConstraint = 0,
  ServiceCertificateConstraint = 1,
  TrustAnchorAssertion = 2,
  DomainIssuedCertificate = 3,
}

/** Longest chain a peer may send (end entity + intermediates). */
export const MAX_CHAIN = 4;

export interface VerifyOptions {
  crypto: CryptoProvider;
  /** 0/x/15; default 3 (domain-issued certificate). */
  usage?: number;
  /** 0/x/4: the server certificate (usage 1, 3) or CA certificate (usage 0, 2), DER. */
  pinned?: Uint8Array;
  /** The host's trust store (DER), needed by usages 0 and 1. */
  trustAnchors?: Uint8Array[];
  /** The server URI's host (a name or an IP literal); required for usages 0-2 when checking a server. */
  host?: string;
  /** 'server' (we are the client) or 'client' (we are the server). */
  peer?: 'server' | 'client';
  /** Wall-clock ms since 1970, or undefined when the host has no clock. */
  now?: () => number | undefined;
}

export interface VerifyResult {
  /** 65-byte P-256 point of the end-entity certificate. */
  publicKey: Uint8Array;
  leaf: Certificate;
  /** Whether validity periods were checked (false: no wall clock). */
  timeChecked: boolean;
}

function checkTime(c: Certificate, now: number | undefined): void {
  if (now === undefined) return;
  if (now < c.notBefore) throw new X509Error('expired', 'certificate not yet valid');
  if (now > c.notAfter) throw new X509Error('expired', 'certificate expired');
}

function signedBy(crypto: CryptoProvider, child: Certificate, issuer: Certificate): boolean {
  if (!equalBytes(child.issuer, issuer.subject)) return false;
  return crypto.p256.verify(issuer.publicKey, crypto.sha256(child.tbs), child.signature);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && constantTimeEqual(a, b);
}

function parseIPv4(s: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const v = Number(m[i + 1]);
    if (v > 255) return null;
    b[i] = v;
  }
  return b;
}

function parseIPv6(s: string): Uint8Array | null {
  const t = s.replace(/^\[|\]$/g, '');
  if (t.indexOf(':') < 0 || !/^[0-9a-fA-F:]+$/.test(t)) return null;
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (head.length + tail.length > 8 || (halves.length === 1 && head.length !== 8)) return null;
  const groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (groups[i].length < 1 || groups[i].length > 4) return null;
    const v = parseInt(groups[i], 16);
    b[2 * i] = v >>> 8;
    b[2 * i + 1] = v & 0xff;
  }
  return b;
}

/** RFC 6125 §6.4: exact (case-insensitive) match, or a wildcard as the whole left-most label. */
function dnsMatch(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(1);
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot) === rest && rest.split('.').length >= 3;
}

/** The server URI's host against the certificate's names. */
export function checkHostName(c: Certificate, host: string): void {
  const ip = parseIPv4(host) ?? parseIPv6(host);
  if (ip) {
    for (const a of c.ipAddresses) if (equalBytes(a, ip)) return;
    throw new X509Error('name', `certificate has no iPAddress ${host}`);
  }
  if (c.dnsNames.length) {
    for (const n of c.dnsNames) if (dnsMatch(n, host)) return;
    throw new X509Error('name', `certificate names do not match ${host}`);
  }
  if (c.commonName !== null && c.commonName.toLowerCase() === host.toLowerCase()) return;
  throw new X509Error('name', `certificate does not name ${host}`);
}

function checkLeafUse(c: Certificate, peer: 'server' | 'client'): void {
  if (c.keyUsage >= 0 && !(c.keyUsage & KeyUsage.digitalSignature)) throw new X509Error('usage', 'end-entity keyUsage lacks digitalSignature');
  const want = peer === 'server' ? OID_SERVER_AUTH : OID_CLIENT_AUTH;
  if (c.extKeyUsage && c.extKeyUsage.indexOf(want) < 0 && c.extKeyUsage.indexOf(OID_ANY_EKU) < 0) throw new X509Error('usage', `end-entity extKeyUsage lacks ${peer}Auth`);
}

/**
 * Builds the path leaf -> ... -> anchor from the peer's chain and the anchors, checking each link.
 * Returns the certificates of the path (leaf first, anchor last).
 */
function buildPath(crypto: CryptoProvider, chain: Certificate[], anchors: Certificate[], now: number | undefined): Certificate[] {
  const path: Certificate[] = [chain[0]];
  checkTime(chain[0], now);
  for (let depth = 0; depth <= MAX_CHAIN; depth++) {
    const cur = path[path.length - 1];
    // Ends at an anchor: either the current certificate is one, or one signed it.
    for (const a of anchors) if (equalBytes(a.der, cur.der)) return path;
    for (const a of anchors) {
      if (signedBy(crypto, cur, a)) {
        checkIssuer(a, path.length - 1);
        checkTime(a, now);
        path.push(a);
        return path;
      }
    }
    const next = chain.find((c, i) => i > 0 && path.indexOf(c) < 0 && signedBy(crypto, cur, c));
    if (!next) throw new X509Error('untrusted', 'no path to a trust anchor');
    checkIssuer(next, path.length - 1);
    checkTime(next, now);
    path.push(next);
  }
  throw new X509Error('untrusted', 'certificate path too long');
}

function checkIssuer(c: Certificate, below: number): void {
  if (!c.isCA) throw new X509Error('usage', 'an issuer in the path is not a CA (basicConstraints)');
  if (c.keyUsage >= 0 && !(c.keyUsage & KeyUsage.keyCertSign)) throw new X509Error('usage', 'an issuer in the path lacks keyCertSign');
  if (c.pathLen >= 0 && below > c.pathLen) throw new X509Error('usage', 'pathLenConstraint exceeded');
}

/** Verifies a peer's chain (DER, end entity first) under the Certificate Usage rules above. */
export function verifyChain(chainDer: Uint8Array[], o: VerifyOptions): VerifyResult {
  if (chainDer.length === 0) throw new X509Error('untrusted', 'the peer sent no certificate');
  if (chainDer.length > MAX_CHAIN) throw new X509Error('limit', `chain of ${chainDer.length} certificates (limit ${MAX_CHAIN})`);
  const chain = chainDer.map(parseCertificate);
  const leaf = chain[0];
  const usage = o.usage ?? CertificateUsage.DomainIssuedCertificate;
  const peer = o.peer ?? 'server';
  const nowMs = o.now?.();
  const pinned = o.pinned ? parseCertificate(o.pinned) : null;
  if (usage === CertificateUsage.DomainIssuedCertificate) {
    if (!pinned) throw new X509Error('untrusted', 'certificate usage 3 needs the server certificate in 0/x/4');
    if (!equalBytes(pinned.der, leaf.der)) throw new X509Error('untrusted', 'the server certificate is not the one in 0/x/4');
    return { publicKey: leaf.publicKey, leaf, timeChecked: false };
  }
  if (usage < 0 || usage > 3) throw new X509Error('unsupported', `certificate usage ${usage}`);
  let anchors: Certificate[];
  if (usage === CertificateUsage.TrustAnchorAssertion) {
    if (!pinned) throw new X509Error('untrusted', 'certificate usage 2 needs the trust anchor in 0/x/4');
    anchors = [pinned];
  } else {
    if (!o.trustAnchors || o.trustAnchors.length === 0) throw new X509Error('untrusted', `certificate usage ${usage} needs a trust store on the host`);
    anchors = o.trustAnchors.map(parseCertificate);
  }
  const path = buildPath(o.crypto, chain, anchors, nowMs);
  if (usage === CertificateUsage.CAConstraint) {
    if (!pinned || !path.slice(1).some((c) => equalBytes(c.der, pinned.der))) throw new X509Error('untrusted', 'the CA in 0/x/4 is not in the certificate path');
  }
  if (usage === CertificateUsage.ServiceCertificateConstraint) {
    if (!pinned || !equalBytes(pinned.der, leaf.der)) throw new X509Error('untrusted', 'the server certificate is not the one in 0/x/4');
  }
  checkLeafUse(leaf, peer);
  if (peer === 'server') {
    if (!o.host) throw new X509Error('name', 'no host name to check the server certificate against');
    checkHostName(leaf, o.host);
  }
  return { publicKey: leaf.publicKey, leaf, timeChecked: nowMs !== undefined };
}
