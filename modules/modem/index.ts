// Public surface of modules/modem (see README.md for the spec sections each file implements).
export { AtError, AtFormatError, type AtErrorCode } from './errors';
export { AtLineReader, type LineSink } from './line-reader';
export { AtEngine, type AtCommandOptions, type AtEngineOptions, type AtResponse, type UrcHandler } from './engine';
export { ModemSms, type ModemSmsOptions, type SmsBearer } from './sms';
export { Modem, parseCereg, type ModemOptions, type RegistrationState, type SignalQuality } from './modem';
export { SimcomUdpSocket, type SimcomSocketOptions } from './socket-simcom';
export { QuectelUdpSocket, type QuectelSocketOptions } from './socket-quectel';
