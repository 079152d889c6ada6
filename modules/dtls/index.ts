/** DTLS 1.2 (RFC 6347) for LwM2M: PSK profiles of RFC 7925. See README.md for the spec map. */
export { DtlsClient, type DtlsClientOptions } from './client';
// DtlsServer (./server) is a test and tool peer with misbehaviour hooks: exported from modules/testing.ts only.
export { DtlsConnection, type ConnectionState, type ConnectionStats, type ConnectionLimits } from './connection';
export { DtlsError, DtlsAlert, type DtlsErrorCode } from './errors';
export { AlertDescription, AlertLevel, CipherSuiteId, ContentType, HandshakeType, ExtensionType } from './constants';
export { type DtlsSession, exportSession, importSession, wipeSession } from './session';
export { RFC7925_RETRANSMIT, type RetransmitOptions } from './flight';
export { PSK_AES128_CCM8, ECDHE_PSK_AES128_CBC_SHA256, type CipherSuite } from './cipherSuite';
