/** DTLS 1.2 (RFC 6347) for LwM2M: the RFC 7925 profiles (PSK, RPK, X.509), RFC 9146 Connection ID, sleeping connections. See README.md. */
export { DtlsClient, type DtlsClientOptions } from './client';
// DtlsServer (./server) is a test and tool peer with misbehaviour hooks: exported from modules/testing.ts only.
export { DtlsConnection, type ConnectionState, type ConnectionStats, type ConnectionLimits } from './connection';
export { DtlsError, DtlsAlert, type DtlsErrorCode } from './errors';
export { AlertDescription, AlertLevel, CertificateType, CipherSuiteId, ContentType, HandshakeType, ExtensionType } from './constants';
export { type DtlsSession, exportSession, importSession, wipeSession } from './session';
export { RFC7925_RETRANSMIT, type RetransmitOptions } from './flight';
export { PSK_AES128_CCM8, ECDHE_PSK_AES128_CBC_SHA256, ECDHE_ECDSA_AES128_CCM8, type CipherSuite } from './cipherSuite';
export { type EcdsaCredentials, pinnedRawPublicKey } from './credentials';
export { type SleepState, type SleepStore, sleepInto, takeSleepState, encodeSleepState, decodeSleepState, wipeSleepState } from './sleep';
