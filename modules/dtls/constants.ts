/** Protocol numbers of DTLS 1.2 (RFC 6347, RFC 5246 and the registries they use). */

export const DTLS12 = 0xfefd;
/** RFC 6347 §4.2.1: HelloVerifyRequest may carry DTLS 1.0 regardless of the version negotiated. */
export const DTLS10 = 0xfeff;

export enum ContentType {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
  /** RFC 9146 §4: a record with a Connection ID. */
  tls12_cid = 25,
}
Object.freeze(ContentType);

export enum HandshakeType {
  hello_request = 0,
  client_hello = 1,
  server_hello = 2,
  hello_verify_request = 3,
  certificate = 11,
  server_key_exchange = 12,
  certificate_request = 13,
  server_hello_done = 14,
  certificate_verify = 15,
  client_key_exchange = 16,
  finished = 20,
}
Object.freeze(HandshakeType);

export enum AlertLevel {
  warning = 1,
  fatal = 2,
}
Object.freeze(AlertLevel);

export enum AlertDescription {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  user_canceled = 90,
  no_renegotiation = 100,
  unsupported_extension = 110,
  unknown_psk_identity = 115,
}
Object.freeze(AlertDescription);

const ALERT_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 22: 'record_overflow', 40: 'handshake_failure',
  42: 'bad_certificate', 43: 'unsupported_certificate', 45: 'certificate_expired', 46: 'certificate_unknown', 48: 'unknown_ca', 49: 'access_denied',
  47: 'illegal_parameter', 50: 'decode_error', 51: 'decrypt_error', 70: 'protocol_version', 71: 'insufficient_security',
  80: 'internal_error', 90: 'user_canceled', 100: 'no_renegotiation', 110: 'unsupported_extension', 115: 'unknown_psk_identity',
});
export function alertName(d: number): string {
  return ALERT_NAMES[d] ?? `alert(${d})`;
}

export enum CipherSuiteId {
  TLS_PSK_WITH_AES_128_CCM_8 = 0xc0a8,
  TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 = 0xc037,
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xc0ae,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff,
}
Object.freeze(CipherSuiteId);

export enum ExtensionType {
  max_fragment_length = 1,
  supported_groups = 10,
  ec_point_formats = 11,
  signature_algorithms = 13,
  client_certificate_type = 19,
  server_certificate_type = 20,
  extended_master_secret = 23,
  renegotiation_info = 0xff01,
}
Object.freeze(ExtensionType);

/** Record header: type(1) version(2) epoch(2) sequence_number(6) length(2). */
export const RECORD_HEADER_LENGTH = 13;
/** Handshake header: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3). */
export const HANDSHAKE_HEADER_LENGTH = 12;
/** RFC 6347 §4.1: a record's fragment is at most 2^14 bytes (+2048 for protection). */
export const MAX_PLAINTEXT = 16384;
export const MAX_CIPHERTEXT = 16384 + 2048;
export const MAX_SEQUENCE = 0xffffffffffff;

/** RFC 7250 §3 / IANA TLS Certificate Types. */
export enum CertificateType {
  X509 = 0,
  RawPublicKey = 2,
}
Object.freeze(CertificateType);

/** RFC 5246 §7.4.1.4.1 SignatureAndHashAlgorithm sha256(4) ecdsa(3) (RFC 8422 §5.1.3). */
export const ECDSA_SHA256 = 0x0403;
/** RFC 5246 §7.4.4 ClientCertificateType ecdsa_sign (RFC 8422 §5.5). */
export const ECDSA_SIGN = 64;
