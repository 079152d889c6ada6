// Public surface of modules/sms (see README.md for the spec sections each file implements).
export * from './errors';
export * from './gsm7';
export * from './address';
export * from './dcs';
export * from './scts';
export * from './udh';
export * from './user-data';
export * from './tpdu-deliver';
export * from './tpdu-submit';
export * from './status-report';
export * from './tpdu';
export * from './concat';
export * from './secured-packet';
export * from './policy';
export * from './link';
export * from './channel';
