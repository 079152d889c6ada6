/**
 * Stands in for modules/crypto/noble in the crypto self-test app (manifest_selftest.json maps that module name
 * here), so the project's crypto test files, unchanged, run their vectors on the native provider.
 */
export { moddableCrypto as nobleCrypto } from '../esp32/crypto-moddable';
