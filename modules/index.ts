/**
 * xs-lwm2m public entry: one namespace per layer. This is what rollup bundles for XS (dist/) and
 * what the Moddable manifest exposes as "xs-lwm2m/modules/index" (see manifest.json and hosts/sim).
 */
export * as bytes from './bytes/index';
export * as crypto from './crypto/index';
export { nobleCrypto } from './crypto/noble';
export type { Host, FlashRegion, LogLevel, TimerHandle } from './host';
export type { DatagramChannel, UdpSocket, ByteStream } from './transport/types';
export { udpChannel } from './transport/types';
export * as lwm2m from './lwm2m/index';
export * as sms from './sms/index';
export * as client from './client/index';
export * as store from './store/index';
export * as dtls from './dtls/index';
export * as coap from './coap/index';
export * as fota from './fota/index';
