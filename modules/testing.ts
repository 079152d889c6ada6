/**
 * Pieces for tests and tools, kept out of the device entry (modules/index.ts): a RAM-backed NOR flash
 * with power-cut injection, and the DTLS 1.2 PSK server the local test servers use.
 * Published as `xs-lwm2m/testing`.
 */
export { SimFlash, PowerCut, SimFlashError, type CutPoint } from './store/sim-flash';
export { DtlsServer, DtlsServerConnection, type DtlsServerOptions, type DtlsServerTestHooks } from './dtls/server';
