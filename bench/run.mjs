#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts in its own Node process, one after another, so the
// figures of one do not disturb another's. Pass names to run a subset: `npm run bench -- crypto dtls`.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const dir = dirname(fileURLToPath(import.meta.url));
const want = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort().filter((f) => !want.length || want.some((w) => f.startsWith(w)));
console.log(`# xs-lwm2m benchmarks — node ${process.version}, ${new Date().toISOString()}`);
let failed = 0;
for (const f of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, f)], { stdio: 'inherit', cwd: join(dir, '..') });
  if (r.status !== 0) {
    failed++;
    console.log(`(bench ${f} failed with exit ${r.status})`);
  }
}
process.exitCode = failed ? 1 : 0;
