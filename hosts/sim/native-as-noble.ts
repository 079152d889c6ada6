/**
 * Stands in for modules/crypto/noble in the crypto self-test app (manifest_selftest.json maps that module name
 * here), so the project's crypto test files, unchanged, run their vectors on the native provider.
 *
 * The specifier must resolve the same way for tsc (against this file's path, hosts/sim/) and for XS (against
 * this module's NAME, xs-lwm2m/modules/crypto/noble): '../../hosts/esp32/crypto-moddable' is
 * <repo>/hosts/esp32/crypto-moddable for both. ('../esp32/crypto-moddable' named the missing module
 * xs-lwm2m/modules/esp32/crypto-moddable under XS, so every test file failed to link.)
 */
export { moddableCrypto as nobleCrypto } from '../../hosts/esp32/crypto-moddable';
