// Test-file discovery shared by the Node and XS runners.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function findFiles(dir, suffix) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findFiles(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

export function rel(p) {
  return relative(process.cwd(), p);
}
