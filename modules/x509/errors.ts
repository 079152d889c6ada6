/** Typed errors of the DER / X.509 layer: every failure of a parser of untrusted bytes is an X509Error. */
export type X509ErrorCode =
  | 'decode' // malformed DER, or a structure not as X.509 / RFC 5480 / RFC 5915 / RFC 5208 define it
  | 'limit' // nesting, size or count over our caps
  | 'unsupported' // valid but not what we accept (another curve, algorithm, version)
  | 'signature' // a signature does not verify
  | 'expired' // outside notBefore..notAfter
  | 'untrusted' // no path to a trust anchor / constraint not met
  | 'name' // the host name does not match the certificate
  | 'usage'; // keyUsage / basicConstraints / extendedKeyUsage forbid this use

export class X509Error extends Error {
  override name = 'X509Error';
  constructor(
    readonly code: X509ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
