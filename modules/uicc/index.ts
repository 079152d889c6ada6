/** modules/uicc: the UICC as the LwM2M client uses it (see README.md). */
export { ApduError, BerTlvError, Pkcs15Error, Scp03Error, SmartcardBootstrapError, UsatError, type Scp03ErrorCode, type SmartcardBootstrapErrorCode } from './errors';
export { encodeCommand, decodeCommand, decodeResponse, encodeResponse, claForChannel, isSuccess, swHex, SW, MAX_RESPONSE, type CommandApdu, type ResponseApdu } from './apdu';
export { encodeCsimCommand, parseCsimResponse, parseCsimCommand, encodeCsimResponse } from './csim';
export {
  CrsmCommand, encodeCrsmCommand, parseCrsmResponse, parseCrsmCommand, encodeCrsmResponse, readIccidCrsm, fileControlCrsm, readBinaryCrsm, readRecordCrsm, statusCrsm,
  type CrsmRequest, type CrsmResult, type CrsmModem,
} from './crsm';
export { CardChannel, MAX_CHAINED, MAX_CHAINED_BYTES, type ApduTransport, type CardResponse } from './transport';
export { parseBerTlv, parseOne, findTag, tlv, encodeLength, type Tlv, type BerTlvLimits } from './ber-tlv';
export { selectAid, selectPath, readBinary, readRecord, updateRecord, parseFcp, decodeIccid, encodeIccid, plainSender, MAX_FILE, type CommandSender, type FileControl } from './files';
export { PKCS15_AID, EF_ODF, BOOTSTRAP_LABEL, LWM2M_BOOTSTRAP_OID, parseOdf, findBootstrapObject, findBootstrapPath, parseBootstrapFile, encodeBootstrapFile, type BootstrapEntry, type BootstrapObjectInfo } from './pkcs15';
export {
  Scp03Session, SecurityLevel, DERIVATION, kdfCounterCmac, scp03Derive, deriveSessionKeys, cryptogram, parseInitUpdateResponse, pad80, unpad80, pseudoRandomChallenge,
  type Scp03Keys, type SessionKeys, type InitUpdateResponse, type OpenOptions,
} from './scp03';
export * from './usat';
export { bootstrapFromSmartcard, openBoundSession, provisionSmartcardBinding, readIccid, readBootstrapInformation, KEY_SCP03, KEY_ICCID, KEY_SCP03_SEQUENCE, type SmartcardBinding, type SmartcardBootstrapOptions, type SmartcardBootstrapResult, type BoundSession } from './bootstrap';
export { UiccSmsTerminal, EF_LWM2M_MT, EF_LWM2M_MO, MAX_PROACTIVE, MAX_CARD_PAYLOAD, EXCHANGE_RECORD, recordPayload, type UiccSmsOptions, type CardDelivery } from './sms-card';
export { CardSmsChannel } from './sms-channel';
export { csimTransport, type CsimModem } from './csim-transport';
export { CardSmsConnector, SMS_MODE_SMARTCARD, type CardSmsConnectorOptions } from './sms-connector';
