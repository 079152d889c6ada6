/**
 * xs-lwm2m public entry, device- and host-neutral: one namespace per layer. This is what rollup bundles for
 * XS (dist/) and what the Moddable manifest exposes as "xs-lwm2m/modules/index" (see manifest.json and hosts/sim).
 * It holds production code only. Not here, each with its own entry:
 *  - the @noble crypto provider, for Node and xsnap: modules/crypto/noble.ts (a Moddable host uses its native crypt);
 *  - test and tool pieces (SimFlash, the DTLS test server with its misbehaviour hooks): modules/testing.ts;
 *  - software 3DES, for secured SMS only: modules/crypto/tdes.ts (the sms layer imports it).
 * test/node/entries.test.ts fails if this entry reaches any of them.
 */
export * as bytes from './bytes/index';
export * as crypto from './crypto/index';
export type { Host, FlashRegion, LogLevel, TimerHandle } from './host';
export type { DatagramChannel, UdpSocket, ByteStream } from './transport/types';
export { udpChannel } from './transport/types';
export * as lwm2m from './lwm2m/index';
export * as sms from './sms/index';
export * as modem from './modem/index';
export * as client from './client/index';
export * as store from './store/index';
export * as dtls from './dtls/index';
export * as coap from './coap/index';
export * as uicc from './uicc/index';
export * as fota from './fota/index';
export { DEVICE_PROFILE, NODE_PROFILE, coapLimits, type ResourceProfile } from './profile';
