// Types for peers.mjs (TypeScript tests import '../../tools/peers/peers.mjs'; keep in step with the JSDoc there).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

export interface PeerHandle {
  /** the spawned process */
  proc: ChildProcessWithoutNullStreams;
  /** short label, e.g. 'openssl s_server' */
  name: string;
  /** the UDP port it listens on (libcoap: the plain CoAP port; DTLS is info.dtlsPort) or connects to */
  port: number;
  /** SIGTERM, then SIGKILL after 2 s (s_client: closes stdin first, so it sends close_notify); exit code, null if by signal */
  stop(): Promise<number | null>;
  /** everything printed so far, stdout and stderr interleaved (UTF-8) */
  output(): string;
  outputBytes(): Buffer;
  /** resolves when output() matches; rejects on timeout (default 5000 ms) or process exit */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  waitFor(pattern: string, timeoutMs?: number): Promise<string>;
  /** write to stdin (openssl s_server / s_client send it as application data) */
  send(data: string | Uint8Array): void;
  alive(): boolean;
  /** extra facts: dtlsPort (libcoap), cipher and resumed (s_client), tmpDir */
  info: { dtlsPort?: number; cipher?: string; resumed?: boolean; tmpDir?: string; [k: string]: unknown };
}

export type SuiteName = 'psk-ccm8' | 'ecdhe-psk-cbc' | 'ecdhe-ecdsa-ccm8';

export const PEERS_DIR: string;
export const PION_ECHO_BIN: string;
export const PION_RELAY_BIN: string;
export const DEBIAN_PYTHON: string;
export const PORTS: Readonly<{
  opensslPskCcm8: number; opensslEcdhePskCbc: number; opensslEcdsaCcm8: number;
  gnutlsPskCcm8: number; gnutlsEcdhePskCbc: number; gnutlsEcdsaCcm8: number; gnutlsRpk: number;
  coapNotls: number; coapGnutlsPsk: number; coapOpensslPsk: number; coapGnutlsX509: number; coapGnutlsRpk: number;
  pionEcho: number; ownServerForOpensslClient: number;
}>;
export const SUITES: Readonly<Record<SuiteName, { iana: number; name: string; openssl: string; gnutls: string; pion: string }>>;
export const GNUTLS_RPK_PRIORITY: string;

export function have(cmd: string): boolean;
export function missingPeer(what: string): Error;
export function peersAvailable(): {
  openssl: boolean; gnutls: boolean; libcoapGnutls: boolean; libcoapOpenssl: boolean; libcoapNotls: boolean;
  pion: boolean; mbedtls: boolean; tshark: boolean; gammu: boolean;
};
export interface TestCerts {
  dir: string; caCert: string; caKey: string;
  serverCert: string; serverKey: string; serverKeySec1: string; serverPubPem: string; serverPubDer: string;
  clientCert: string; clientKey: string; clientKeySec1: string; clientPubPem: string; clientPubDer: string;
}
export function ensureCerts(dir: string): TestCerts;
export function freeUdpPort(count?: number): Promise<number>;
export function udpPortFree(port: number): Promise<boolean>;

export function startOpenSslServer(o: {
  port: number; pskHex?: string; identity?: string; hint?: string; cipher?: string; noTicket?: boolean;
  cert?: string; key?: string; caFile?: string; mtu?: number; rev?: boolean; extraArgs?: string[];
}): Promise<PeerHandle>;
export function startOpenSslClient(o: {
  port: number; host?: string; pskHex?: string; identity?: string; cipher?: string; cert?: string; key?: string;
  caFile?: string; mtu?: number; maxFragLen?: 512 | 1024 | 2048 | 4096; sessOut?: string; sessIn?: string;
  waitHandshake?: boolean; timeoutMs?: number; extraArgs?: string[];
}): Promise<PeerHandle>;
export function startGnutlsEcho(o: {
  port: number; pskHex?: string; identity?: string; priority?: string; cert?: string; key?: string;
  rawPkKey?: string; rawPkPub?: string; caFile?: string; requireClientCert?: boolean; mtu?: number; extraArgs?: string[];
}): Promise<PeerHandle>;
export function startCoapServer(o: {
  variant?: 'gnutls' | 'openssl' | 'notls'; port: number; key?: string; pskHex?: string; hint?: string;
  identities?: { hint: string; identity: string; key: string }[];
  cert?: string; certKey?: string; caFile?: string; noVerify?: boolean; rpkFile?: string;
  verbosity?: number; echo?: boolean; extraArgs?: string[];
}): Promise<PeerHandle>;
export function startPionRelay(o: { port: number; upstream: string; pskHex: string; identity?: string; suite?: string | string[]; bin?: string }): Promise<PeerHandle>;
export function startPionEcho(o: {
  port: number; pskHex?: string; hint?: string; suite?: SuiteName | 'psk-ccm' | 'psk-cbc' | 'ecdhe-ecdsa-ccm' | 'ecdhe-ecdsa-gcm' | string[];
  cert?: string; key?: string; clientCa?: string; ems?: 'request' | 'require' | 'disable'; mtu?: number; resume?: boolean; bin?: string;
}): Promise<PeerHandle>;
export const MBEDTLS_SERVER_BIN: string;
export function startMbedtlsServer(o: {
  port: number; pskHex?: string; cidHex?: string; ciphersuite?: string; exchanges?: number; keylogFile?: string; extraArgs?: string[];
}): Promise<PeerHandle>;
export function stopAllPeers(): Promise<void>;
