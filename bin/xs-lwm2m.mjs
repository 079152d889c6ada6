#!/usr/bin/env node
// `npx xs-lwm2m <command>`: the provisioning command line (tools/cli.ts). In a clone of the repository it
// runs the TypeScript source through tsx; in the installed package (no tools/ there) the compiled
// dist/pkg/tools/cli.js that `npm pack` builds.
import { existsSync } from 'node:fs';

const source = new URL('../tools/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await (await import(source.href)).runCli();
} else {
  await (await import(new URL('../dist/pkg/tools/cli.js', import.meta.url).href)).runCli();
}
