/** modules/lwm2m public surface: the data model, object plug-ins, content formats and persistence. */
export * from './types';
export * from './errors';
export * from './model';
export * from './access';
export * from './data-model';
export * from './persistence';
export { SecurityObject, SECURITY_OBJECT, SECURITY_LIMITS, smsKeyParametersProblem } from './objects/security';
export { ServerObject, SERVER_OBJECT } from './objects/server';
export { AccessControlObject, ACCESS_CONTROL_OBJECT } from './objects/access-control';
export { DeviceObject, DEVICE_OBJECT, type DeviceInfo } from './objects/device';
export { ConnectivityObject, CONNECTIVITY_OBJECT } from './objects/connectivity';
export { FirmwareObject, FIRMWARE_OBJECT } from './objects/firmware';
export { encodeTlv, decodeTlv } from './formats/tlv';
export { encodeSenmlJson, decodeSenmlJson } from './formats/senml-json';
export { encodeSenmlCbor, decodeSenmlCbor } from './formats/senml-cbor';
export { encodeText, decodeText } from './formats/text';
export { encodeOpaque, decodeOpaque } from './formats/opaque';
export { encodeLinks, formatLinks, type Link } from './formats/link';
