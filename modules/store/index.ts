export { StoreError, type StoreErrorCode } from './errors';
export { crc32 } from './crc32';
export { Journal, recordSize, MAX_KEY_LENGTH, MAX_VALUE_LENGTH, type JournalOptions, type JournalEntry, type MountReport } from './journal';
export { SealedJournal } from './sealed';
export { KeyStore, MAX_NAME_LENGTH } from './key-store';
export { CounterStore, MAX_COUNTER_NAME, type CounterStoreOptions } from './counter-store';
// SimFlash (./sim-flash) is a test double: it is exported from modules/testing.ts, not from the device entry.
