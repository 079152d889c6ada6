/** modules/client: the assembled LwM2M client, its server accounts, connectors and configuration helpers. */
export { Lwm2mClient, type Lwm2mClientOptions, type ClientEvent, type RetryPolicy } from './client';
export { ClientError, type ClientErrorCode } from './errors';
export { readAccounts, SecurityMode, type ServerAccount } from './accounts';
export { UdpDtlsConnector, keyStoreSessions, sleepConnection, sleepName, type Connector, type OpenedChannel, type UdpDtlsConnectorOptions } from './connector';
export { parseServerUri, type ServerUri } from './uri';
export { mapRequest } from './requests';
export { Observer } from './observer';
export { applyFactoryConfig, securityInstanceTlv, serverInstanceTlv, KeyStoreObjectStore, type FactoryConfig, type FactoryAccount } from './factory';
export { SmsConnector, BindingConnector, SmsSecurityMode, SMS_COAP, SMS_DTLS_RETRANSMIT, usesSmsForRegistration, type SmsConnectorOptions } from './sms-connector';
export { CoapPackageSource } from './fota-source';
export { saveRegistration, takeRegistration, registrationName, encodeRegistration, decodeRegistration, type SavedRegistration, type RegistrationStore } from './sleep';
export { saveObservations, takeObservations, observationsName, encodeObservations, decodeObservations, SleepRecordError, OBSERVATION_ATTRIBUTES, MAX_OBSERVATIONS_RECORD, type SavedObservation, type SavedObservations } from './sleep-observations';
