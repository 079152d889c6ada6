/**
 * Test and tool entry: pieces that a device never needs and the public entry (modules/index.ts) leaves out.
 *  - SimFlash / PowerCut: an in-memory NOR flash that can cut power at any write (tests, desktop tools);
 *  - DtlsServer: a DTLS 1.2 PSK server (RFC 6347, RFC 7925 profile) with misbehaviour hooks, for tests,
 *    the local LwM2M test servers in tools/ and benchmarks.
 * The @noble crypto provider has its own entry, modules/crypto/noble.ts.
 */
export { SimFlash, PowerCut, SimFlashError, type CutPoint } from './store/sim-flash';
export { DtlsServer, DtlsServerConnection, type DtlsServerOptions, type DtlsServerTestHooks } from './dtls/server';
