/**
 * Crypto self-test app: the project's crypto suites (test/unit/crypto/*.test.ts: RFC 3610 CCM, RFC 4493 / SP 800-38B
 * CMAC, SP 800-38A CBC, RFC 4231 HMAC, RFC 5869 HKDF, the TLS 1.2 PRF, the NIST 3DES KATs, RFC 6979 / P-256
 * ECDH and ECDSA) on the native provider, hosts/esp32/crypto-moddable.ts (see native-as-noble.ts).
 * The test files are imported one by one after selftest-bdd has installed describe/it, and a file that fails
 * to load is reported by name.
 */
import { runAll } from './selftest-bdd';
import { moddableCrypto } from '../esp32/crypto-moddable';

const FILES = ['ccm', 'cmac-cbc', 'hash-kdf', 'tdes', 'p256'];

async function main(): Promise<void> {
  trace(`crypto self-test on the ${moddableCrypto.name} provider\n`);
  let loadFailures = 0;
  for (const f of FILES) {
    try {
      await import(`xs-lwm2m/test/unit/crypto/${f}.test`);
    } catch (e) {
      loadFailures++;
      trace(`FAIL loading test/unit/crypto/${f}.test.ts: ${(e as Error)?.name}: ${(e as Error)?.message}\n`);
    }
  }
  const r = await runAll('crypto self-test');
  if (loadFailures) trace(`${loadFailures} test file(s) did not load\n`);
  void r;
}

main().then(undefined, (e: unknown) => trace(`crypto self-test crashed: ${String(e)}\n`));
