/**
 * Certificate (RFC 5246 §7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>, sender's first) and its
 * RFC 7250 §3 raw-public-key form (one ASN.1_subjectPublicKeyInfo<1..2^24-1>). Bounded: at most MAX_CERTS
 * certificates; the whole message is already capped by the reassembler's message limit.
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { CertificateType } from '../constants';
import { decodeError } from '../errors';

export const MAX_CERTS = 4;

export function marshalCertificate(type: CertificateType, items: Uint8Array[]): Uint8Array {
  if (type === CertificateType.RawPublicKey) return new ByteWriter(3 + items[0].length).vector(3, items[0]).toBytes();
  let n = 0;
  for (const c of items) n += 3 + c.length;
  const w = new ByteWriter(3 + n).u24(n);
  for (const c of items) w.vector(3, c);
  return w.toBytes();
}

/** The certificates (X.509, possibly none) or the one SubjectPublicKeyInfo (RPK); views into `body`. */
export function unmarshalCertificate(type: CertificateType, body: Uint8Array): Uint8Array[] {
  const r = new ByteReader(body, decodeError);
  if (type === CertificateType.RawPublicKey) {
    const spki = r.vector(3, 'ASN.1_subjectPublicKeyInfo');
    r.expectEnd('Certificate');
    if (spki.length === 0) throw decodeError('empty raw public key');
    return [spki];
  }
  const list = new ByteReader(r.vector(3, 'certificate_list'), decodeError);
  r.expectEnd('Certificate');
  const out: Uint8Array[] = [];
  while (list.remaining > 0) {
    if (out.length >= MAX_CERTS) throw decodeError(`more than ${MAX_CERTS} certificates`);
    const c = list.vector(3, 'ASN.1Cert');
    if (c.length === 0) throw decodeError('empty certificate');
    out.push(c);
  }
  return out;
}
