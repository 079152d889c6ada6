/**
 * `npm run fuzz [-- <cases>]`: the long fuzz runs. Each test/fuzz/<area>.ts takes a case count as its
 * first argument and exits non-zero on the first input that makes a decoder fail in a way other than
 * its own typed error. The CI-sized versions of the same fuzzers live in the unit suites.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const cases = process.argv[2] ?? '200000';
let failed = 0;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'run.ts' && n !== 'corpus.ts').sort()) {
  console.log(`\n# fuzz ${f} (${cases} cases)`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, f), cases], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
