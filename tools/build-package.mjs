#!/usr/bin/env node
// Builds what the npm package ships in dist/pkg: JavaScript and .d.ts for the package's entries (see
// tsconfig.build.json and "exports" in package.json), compiled by tsc. The sources import each other
// bundler-style (`./bytes/index`, `./host`); Node's ES module loader and TypeScript's node16/nodenext
// resolution need the file itself, so every relative specifier in the output is then made explicit
// (`./host` -> `./host.js`, `./dir` -> `./dir/index.js`). A specifier that resolves to no emitted file
// stops the build. `npm run build` runs this after the rollup XS bundle; `npm pack` runs both (prepack).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'pkg');
rmSync(out, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (tsc.status !== 0) {
  console.error('build-package: tsc failed');
  process.exit(1);
}

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

// `from '…'`, `import '…'`, `import('…')`, `export … from '…'`; declaration files use the same forms.
// tsc writes `import("..")` in declarations, so `.` and `..` alone count too.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?(?:\/[^'"]*)?)\2/g;
let files = 0;
let rewritten = 0;
const problems = [];
for (const file of walk(out)) {
  const isDts = file.endsWith('.d.ts');
  if (!isDts && !file.endsWith('.js')) continue;
  const ext = isDts ? '.d.ts' : '.js';
  const text = readFileSync(file, 'utf8');
  const next = text.replace(SPECIFIER, (whole, lead, q, spec) => {
    if (/\.(m?js|json)$/.test(spec)) return whole;
    const base = resolve(dirname(file), spec);
    let target = null;
    if (existsSync(base + ext)) target = spec + '.js';
    else if (existsSync(join(base, 'index' + ext))) target = spec.replace(/\/$/, '') + '/index.js';
    if (!target) {
      problems.push(`${relative(root, file)}: ${spec}`);
      return whole;
    }
    rewritten++;
    return lead + q + target + q;
  });
  files++;
  if (next !== text) writeFileSync(file, next);
}
if (problems.length) {
  console.error(`build-package: ${problems.length} relative import(s) resolve to no emitted file:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`build-package: ${files} files in ${relative(root, out)}, ${rewritten} import specifiers made explicit`);
