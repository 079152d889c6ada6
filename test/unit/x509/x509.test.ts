/**
 * modules/x509 against certificates and keys made by openssl (vectors.ts, from make-vectors.sh): the parser
 * must read what openssl wrote, the chain rules of LwM2M Certificate Usage 0-3 must accept and refuse the
 * right chains, and mutated or truncated DER must fail only with X509Error.
 */
import { assert } from '../../harness/assert';
import { Prng } from '../../harness/sim';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { parseCertificate } from '../../../modules/x509/certificate';
import { X509Error } from '../../../modules/x509/errors';
import { ecdsaSigFromDer, ecdsaSigToDer, encodeSpki, parseSpki, privateKeyFromResource, publicKeyFromResource } from '../../../modules/x509/keys';
import { CertificateUsage, verifyChain, type VerifyOptions } from '../../../modules/x509/verify';
import { DerReader } from '../../../modules/x509/der';
import { V } from './vectors';

const d = (h: string) => fromHex(h);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** openssl's "Nov 30 01:06:58 2026 GMT". */
function opensslDate(s: string): number {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(s)!;
  return Date.UTC(Number(m[6]), MONTHS.indexOf(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof X509Error) return e.code;
    throw e;
  }
  return 'ok';
}
const base: VerifyOptions = { crypto: nobleCrypto };

describe('x509: parsing what openssl wrote', () => {
  it('server certificate: names, usages, key, validity', () => {
    const c = parseCertificate(d(V.server));
    assert.deepEqual(c.dnsNames, ['lwm2m.example.net', '*.dev.example.net']);
    assert.deepEqual(c.ipAddresses.map(toHex), ['c0000207', '20010db8000000000000000000000007']);
    assert.equal(c.commonName, 'lwm2m.example.net');
    assert.equal(c.isCA, false);
    assert.equal(c.keyUsage, 0x80);
    assert.deepEqual(c.extKeyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.hex(encodeSpki(c.publicKey), V.serverSpki, 'the key is the one openssl put in the SubjectPublicKeyInfo');
    assert.equal(toHex(c.issuer), toHex(parseCertificate(d(V.ca)).subject));
  });

  it('CA and intermediate: basicConstraints and pathLenConstraint', () => {
    const ca = parseCertificate(d(V.ca));
    assert.equal(ca.isCA, true);
    assert.equal(ca.pathLen, -1);
    assert.equal(ca.keyUsage & 0x04, 0x04);
    const int = parseCertificate(d(V.int));
    assert.equal(int.isCA, true);
    assert.equal(int.pathLen, 0);
  });

  it('validity read as openssl prints it', () => {
    const c = parseCertificate(d(V.expired));
    assert.equal(c.notBefore, opensslDate(V.expiredNotBefore));
    assert.equal(c.notAfter, opensslDate(V.expiredNotAfter));
  });

  it('private keys: PKCS#8, SEC1 and the raw scalar give the same key, whose public key is the SPKI openssl wrote', () => {
    for (const who of ['server', 'client'] as const) {
      const scalar = V[`${who}Scalar`];
      assert.hex(privateKeyFromResource(d(V[`${who}KeyPkcs8`])), scalar);
      assert.hex(privateKeyFromResource(d(V[`${who}KeySec1`])), scalar);
      assert.hex(privateKeyFromResource(d(scalar)), scalar);
      assert.hex(encodeSpki(nobleCrypto.p256.publicKeyOf(d(scalar))), V[`${who}Spki`]);
    }
  });

  it('raw public keys as LwM2M servers provision them: SPKI DER, 04||X||Y, X||Y; anything else refused', () => {
    const point = parseSpki(d(V.serverSpki));
    assert.equal(point.length, 65);
    assert.hex(publicKeyFromResource(d(V.serverSpki)), toHex(point));
    assert.hex(publicKeyFromResource(point), toHex(point));
    assert.hex(publicKeyFromResource(point.subarray(1)), toHex(point));
    assert.equal(code(() => publicKeyFromResource(d(V.p384Spki))), 'unsupported', 'P-384 key');
    assert.equal(code(() => publicKeyFromResource(new Uint8Array(33).fill(2))), 'unsupported', 'compressed point');
    assert.equal(code(() => publicKeyFromResource(new Uint8Array(40))), 'unsupported', '40 bytes');
    assert.equal(code(() => publicKeyFromResource(d(V.server))), 'decode', 'a certificate is not a SubjectPublicKeyInfo');
  });

  it('ECDSA-Sig-Value: DER -> r||s -> DER is the identity on openssl signatures', () => {
    for (const name of ['ca', 'server', 'client', 'int'] as const) {
      const der = d(V[name]);
      const r = new DerReader(der);
      const top = r.enter(0x30, 'cert');
      top.next('tbs');
      top.next('alg');
      const sig = top.expect(0x03, 'sig').content.subarray(1);
      assert.hex(ecdsaSigToDer(ecdsaSigFromDer(sig)), toHex(sig));
    }
  });

  it('refuses what it does not support: P-384, unknown critical extension', () => {
    assert.equal(code(() => parseCertificate(d(V.p384))), 'unsupported');
    assert.equal(code(() => parseCertificate(d(V.crit))), 'unsupported');
  });
});

describe('x509: Certificate Usage (0/x/15) and the server URI host', () => {
  const server = [d(V.server)];
  it('3 domain-issued certificate (default): exactly the pinned certificate, nothing else', () => {
    assert.equal(code(() => verifyChain(server, { ...base, pinned: d(V.server) })), 'ok');
    assert.equal(code(() => verifyChain(server, { ...base, pinned: d(V.cnonly) })), 'untrusted');
    assert.equal(code(() => verifyChain(server, { ...base })), 'untrusted', 'nothing pinned');
  });

  it('2 trust anchor assertion: path to the CA in 0/x/4, host name and IP addresses checked', () => {
    const o = { ...base, usage: CertificateUsage.TrustAnchorAssertion, pinned: d(V.ca) };
    for (const host of ['lwm2m.example.net', 'LWM2M.example.net', '192.0.2.7', '2001:db8::7', 'a.dev.example.net']) assert.equal(code(() => verifyChain(server, { ...o, host })), 'ok', host);
    for (const host of ['other.example.net', 'a.b.dev.example.net', 'dev.example.net', '192.0.2.8', '2001:db8::8', 'example.net']) assert.equal(code(() => verifyChain(server, { ...o, host })), 'name', host);
    assert.equal(code(() => verifyChain(server, { ...o })), 'name', 'no host to check');
    assert.equal(code(() => verifyChain(server, { ...o, host: 'lwm2m.example.net', pinned: d(V.int) })), 'untrusted', 'another CA');
    assert.equal(code(() => verifyChain([d(V.cnonly)], { ...o, host: 'cn.example.net' })), 'ok', 'CN used when there is no subjectAltName');
  });

  it('2 through an intermediate (pathLenConstraint 0), and the intermediate must be sent', () => {
    const o = { ...base, usage: CertificateUsage.TrustAnchorAssertion, pinned: d(V.ca), host: 'deep.example.net' };
    assert.equal(code(() => verifyChain([d(V.viaint), d(V.int)], o)), 'ok');
    assert.equal(code(() => verifyChain([d(V.viaint)], o)), 'untrusted');
  });

  it('0 CA constraint and 1 service certificate constraint need the host trust store and the 0/x/4 match', () => {
    const anchors = [d(V.ca)];
    const host = 'deep.example.net';
    const chain = [d(V.viaint), d(V.int)];
    assert.equal(code(() => verifyChain(chain, { ...base, usage: 0, trustAnchors: anchors, pinned: d(V.int), host })), 'ok', 'intermediate pinned');
    assert.equal(code(() => verifyChain(chain, { ...base, usage: 0, trustAnchors: anchors, pinned: d(V.ca), host })), 'ok', 'root pinned');
    assert.equal(code(() => verifyChain(chain, { ...base, usage: 0, trustAnchors: anchors, pinned: d(V.server), host })), 'untrusted', 'pinned CA not in path');
    assert.equal(code(() => verifyChain(chain, { ...base, usage: 0, pinned: d(V.int), host })), 'untrusted', 'no trust store');
    assert.equal(code(() => verifyChain(chain, { ...base, usage: 1, trustAnchors: anchors, pinned: d(V.viaint), host })), 'ok');
    assert.equal(code(() => verifyChain(chain, { ...base, usage: 1, trustAnchors: anchors, pinned: d(V.server), host })), 'untrusted');
    assert.equal(code(() => verifyChain(chain, { ...base, usage: 1, trustAnchors: [d(V.server)], pinned: d(V.viaint), host })), 'untrusted', 'wrong anchor');
  });

  it('expiry against the host clock when there is one; not checked (and said so) when there is none', () => {
    const o = { ...base, usage: CertificateUsage.TrustAnchorAssertion, pinned: d(V.ca), host: 'old.example.net' };
    const nb = opensslDate(V.expiredNotBefore);
    const na = opensslDate(V.expiredNotAfter);
    assert.equal(verifyChain([d(V.expired)], { ...o, now: () => nb + 1000 }).timeChecked, true);
    assert.equal(code(() => verifyChain([d(V.expired)], { ...o, now: () => na + 1000 })), 'expired');
    assert.equal(code(() => verifyChain([d(V.expired)], { ...o, now: () => nb - 1000 })), 'expired');
    assert.equal(verifyChain([d(V.expired)], { ...o, now: () => undefined }).timeChecked, false);
    assert.equal(verifyChain([d(V.expired)], o).timeChecked, false);
  });

  it('end-entity usage: keyUsage without digitalSignature, a clientAuth-only certificate as a server, a CA as issuer only', () => {
    const o = { ...base, usage: CertificateUsage.TrustAnchorAssertion, pinned: d(V.ca) };
    assert.equal(code(() => verifyChain([d(V.nosign)], { ...o, host: 'nosign.example.net' })), 'usage');
    assert.equal(code(() => verifyChain([d(V.client)], { ...o, host: 'urn:imei:490154203237518' })), 'usage');
    assert.equal(code(() => verifyChain([d(V.client)], { ...o, peer: 'client' })), 'ok', 'the same certificate as a client');
    // A leaf really signed by cnonly's key: cnonly is no CA (basicConstraints CA:FALSE, no keyUsage).
    assert.equal(code(() => verifyChain([d(V.byleaf), d(V.cnonly)], { ...o, host: 'byleaf.example.net' })), 'usage');
    // int has pathLenConstraint 0, so int2 below it may not issue.
    assert.equal(code(() => verifyChain([d(V.underint2), d(V.int2), d(V.int)], { ...o, host: 'under.example.net' })), 'usage');
  });

  it('a certificate whose signed bytes were changed has no path (signature checked)', () => {
    const bad = d(V.server);
    // Flip a bit inside the subject's CN (still valid DER).
    const at = toHex(bad).indexOf(toHex(new TextEncoderLike().encode('lwm2m.example.net'))) / 2;
    assert.ok(at > 0);
    bad[at] ^= 0x20;
    assert.equal(parseCertificate(bad).commonName, 'Lwm2m.example.net');
    assert.equal(code(() => verifyChain([bad], { ...base, usage: 2, pinned: d(V.ca), host: 'lwm2m.example.net' })), 'untrusted');
  });
});

/** ASCII only, so the suite needs no TextEncoder in XS. */
class TextEncoderLike {
  encode(s: string): Uint8Array {
    return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
  }
}

describe('x509: untrusted bytes fail only with X509Error', () => {
  const inputs = [V.ca, V.server, V.client, V.viaint, V.p384, V.serverKeyPkcs8, V.serverKeySec1, V.serverSpki].map(d);
  const parsers: ((b: Uint8Array) => unknown)[] = [parseCertificate, privateKeyFromResource, publicKeyFromResource];
  function only(b: Uint8Array): void {
    for (const p of parsers) {
      try {
        p(b);
      } catch (e) {
        if (!(e instanceof X509Error)) throw new Error(`${(e as Error).name}: ${(e as Error).message} on ${toHex(b).slice(0, 40)}`);
      }
    }
  }
  it('every truncation', () => {
    for (const b of inputs) for (let n = 0; n < b.length; n++) only(b.subarray(0, n));
  });
  it('3000 random mutations (byte flips, length bytes set to 0x84/0xff, inserted and removed bytes)', () => {
    const prng = new Prng(14);
    for (let i = 0; i < 3000; i++) {
      const src = inputs[prng.int(inputs.length)];
      let b = src.slice();
      const k = 1 + prng.int(4);
      for (let j = 0; j < k; j++) {
        const at = prng.int(b.length);
        const op = prng.int(4);
        if (op === 0) b[at] ^= 1 << prng.int(8);
        else if (op === 1) b[at] = [0x80, 0x81, 0x84, 0xff, 0x00][prng.int(5)];
        else if (op === 2) b = Uint8Array.from([...b.subarray(0, at), prng.int(256), ...b.subarray(at)]);
        else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
      }
      only(b);
    }
  });
  it('deep nesting and huge lengths are refused without allocation', () => {
    // 40 nested SEQUENCEs, short lengths: entering them one by one stops at MAX_DEPTH.
    const deep = new Uint8Array(80);
    for (let i = 0; i < 40; i++) {
      deep[2 * i] = 0x30;
      deep[2 * i + 1] = 78 - 2 * i;
    }
    assert.equal(code(() => parseCertificate(deep)), 'decode');
    assert.equal(code(() => {
      let r = new DerReader(deep);
      for (let i = 0; i < 40; i++) r = r.enter(0x30, 'nested');
    }), 'limit');
    assert.equal(code(() => parseCertificate(Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff))), 'limit');
    assert.equal(code(() => parseCertificate(Uint8Array.of(0x30, 0x83, 0xff, 0xff, 0xff))), 'decode');
    assert.equal(code(() => parseCertificate(new Uint8Array(5000))), 'limit');
  });
});
