/**
 * Builds a firmware image for the Node host: the device application (hosts/node/app-main.ts) bundled
 * by esbuild into one ES module (the payload), then signed with tools/fw-sign.ts.
 *
 * CLI: node --import tsx tools/fw-build.ts <key.pem> <out.img> --version N [--version-string S]
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildImage, loadSigner, type Signer } from './fw-sign';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundled device application (bytes of one .mjs file). `banner` lets two builds differ visibly. */
export async function bundleDeviceApp(banner = ''): Promise<Uint8Array> {
  const out = await build({
    entryPoints: [join(ROOT, 'hosts/node/app-main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    banner: { js: `// xs-lwm2m device application ${banner}\nimport { createRequire as __xsCreateRequire } from 'node:module'; const require = __xsCreateRequire(import.meta.url);` },
  });
  return out.outputFiles[0].contents;
}

export async function buildDeviceImage(signer: Signer, version: number, versionString = `1.${version}.0`): Promise<Uint8Array> {
  return buildImage(signer, await bundleDeviceApp(versionString), { version, name: 'xs-lwm2m-node', versionString });
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--version');
  if (argv.length < 2 || i < 0) {
    console.error('usage: fw-build.ts <key.pem> <out.img> --version N [--version-string S]');
    process.exit(2);
  }
  const j = argv.indexOf('--version-string');
  const image = await buildDeviceImage(loadSigner(argv[0]), Number(argv[i + 1]), j >= 0 ? argv[j + 1] : undefined);
  writeFileSync(argv[1], image);
  console.log(`${argv[1]}: ${image.length} bytes`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main(process.argv.slice(2));
