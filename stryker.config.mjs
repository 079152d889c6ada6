// StrykerJS mutation testing (https://stryker-mutator.io), run by `npm run mutate` (tools/mutate/run.mjs).
// The machine is small and shared, so one run covers one SET of files with only the unit suites that
// exercise them, per-test coverage (a mutant runs only the tests that reach it) and one worker.
// Choose the set with MUTATE_SET=<name> (see SETS); MUTATE_CONCURRENCY overrides the worker count.
const DTLS_SPECS = ['handshake', 'finished', 'messages', 'record', 'loss', 'fuzz'].map((n) => `test/unit/dtls/${n}.test.ts`);
export const SETS = {
  // security checks first: these are the sets the committed report covers
  'store-sealed': { mutate: ['modules/store/sealed.ts', 'modules/store/key-store.ts'], spec: ['test/unit/store/key-store.test.ts', 'test/unit/store/sealed-checks.test.ts', 'test/node/store/sealed-oracle.test.ts'] },
  'sms-secured': { mutate: ['modules/sms/secured-packet.ts', 'modules/sms/policy.ts'], spec: ['test/unit/sms/secured-packet.test.ts', 'test/unit/sms/policy.test.ts', 'test/unit/sms/security-checks.test.ts', 'test/unit/sms/fuzz.test.ts'] },
  // The message-sequence fuzzer (sequence-fuzz.test.ts) reaches every handshake line and takes seconds per run:
  // it is left out here to keep a run feasible; its kills are not counted.
  'dtls-handshake': { mutate: ['modules/dtls/client.ts', 'modules/dtls/server.ts'], spec: DTLS_SPECS },
  'dtls-record': { mutate: ['modules/dtls/record.ts', 'modules/dtls/replay.ts', 'modules/dtls/connection.ts', 'modules/dtls/cipherSuite.ts', 'modules/dtls/flight.ts', 'modules/dtls/keys.ts', 'modules/dtls/session.ts'], spec: DTLS_SPECS },
  'crypto': { mutate: ['modules/crypto/ccm.ts', 'modules/crypto/cmac.ts', 'modules/crypto/cbc.ts', 'modules/crypto/kdf.ts', 'modules/crypto/tdes.ts'], spec: ['test/unit/crypto/*.test.ts', 'test/node/crypto/ccm-edges.test.ts'] },
  // The counter rules alone (never reuse a counter value across a power cut): a run that fits a session.
  'store-counter': { mutate: ['modules/store/counter-store.ts'], spec: ['test/unit/store/counter-store.test.ts', 'test/unit/store/power-cut.test.ts'] },
  // The anti-replay window alone (RFC 6347 §4.1.2.6), with the suites that replay records at it.
  'dtls-replay': { mutate: ['modules/dtls/replay.ts'], spec: ['test/unit/dtls/replay.test.ts', 'test/unit/dtls/record.test.ts', 'test/unit/dtls/loss.test.ts', 'test/unit/dtls/sleep.test.ts', 'test/unit/dtls/cid.test.ts'] },
  'store-journal': { mutate: ['modules/store/journal.ts', 'modules/store/counter-store.ts', 'modules/store/crc32.ts'], spec: ['test/unit/store/*.test.ts'] },
};

const name = process.env.MUTATE_SET ?? 'store-sealed';
const set = SETS[name];
if (!set) throw new Error(`MUTATE_SET=${name} is not one of ${Object.keys(SETS).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'mocha',
  testRunnerNodeArgs: ['--import', 'tsx'],
  mochaOptions: { spec: set.spec },
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 1),
  mutate: set.mutate,
  checkers: [],
  ignoreStatic: true,
  timeoutMS: 20_000,
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['/reports', '/bench', '/dist', '/.ci', '/tools/peers/.build', '/test/interop', '/hosts/sim', '/hosts/esp32*', '*.log'],
  logLevel: 'info',
  fileLogLevel: 'off',
};
