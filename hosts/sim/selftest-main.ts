/**
 * Crypto self-test app: the project's crypto suites (test/unit/crypto/*.test.ts: RFC 3610 CCM, RFC 4493 / SP 800-38B
 * CMAC, SP 800-38A CBC, RFC 4231 HMAC, RFC 5869 HKDF, the TLS 1.2 PRF, the NIST 3DES KATs, RFC 6979 / P-256
 * ECDH and ECDSA) on the native provider, hosts/esp32/crypto-moddable.ts (see native-as-noble.ts).
 */
import './selftest-bdd';
import '../../test/unit/crypto/ccm.test';
import '../../test/unit/crypto/cmac-cbc.test';
import '../../test/unit/crypto/hash-kdf.test';
import '../../test/unit/crypto/tdes.test';
import '../../test/unit/crypto/p256.test';
import { runAll } from './selftest-bdd';
import { moddableCrypto } from '../esp32/crypto-moddable';

trace(`crypto self-test on the ${moddableCrypto.name} provider\n`);
runAll('crypto self-test').then(undefined, (e: unknown) => trace(`crypto self-test crashed: ${String(e)}\n`));
