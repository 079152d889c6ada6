/**
 * The Node.js host, published as `xs-lwm2m/node`: NodeHost (real UDP, file-backed flash under a data
 * directory, an owner-only device secret, noble crypto, real timers) and its parts.
 */
export { NodeHost, type NodeHostOptions } from './host';
export { NodeUdpSocket } from './udp';
export { FileFlash, FlashFileError, fileFlashProvider, type FlashFileOptions } from './flash-file';
export { loadOrCreateDeviceSecret, DeviceSecretError } from './device-secret';
