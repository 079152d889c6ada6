/** DER and X.509 for DTLS with certificates and raw public keys. See README.md for the spec map. */
export { X509Error, type X509ErrorCode } from './errors';
export { DerReader, Tag, readOne, oidToString, derEncode, MAX_DEPTH, type Element } from './der';
export { parseSpki, encodeSpki, publicKeyFromResource, privateKeyFromResource, ecdsaSigFromDer, ecdsaSigToDer, OID_P256, OID_EC_PUBLIC_KEY, OID_ECDSA_SHA256 } from './keys';
export { parseCertificate, parseTime, type Certificate, MAX_CERTIFICATE } from './certificate';
export { verifyChain, checkHostName, CertificateUsage, MAX_CHAIN, type VerifyOptions, type VerifyResult } from './verify';
