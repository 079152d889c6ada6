/**
 * What each entry pulls in, from esbuild's metafile (the exact set of files a bundle of that entry holds).
 * A device imports modules/index.ts: it must not reach @noble (1.3 MB of AES tables at load in XS), the DTLS
 * test server with its misbehaviour hooks, or SimFlash; and DTLS and the store must not drag software 3DES in.
 */
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { assert } from '../../harness/assert';

const root = resolve(__dirname, '../../..');

async function inputsOf(entry: string): Promise<string[]> {
  const r = await build({
    entryPoints: [resolve(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    resolveExtensions: ['.ts', '.js', '.mjs'],
    logLevel: 'silent',
    // Moddable's own modules (crypt, timer, embedded:io/...) exist only in an SDK build: leave them out.
    plugins: [{ name: 'moddable-externals', setup: (b) => b.onResolve({ filter: /^(embedded:|[a-z][\w-]*(\/[\w-]+)*$)/ }, (a) => ({ path: a.path, external: true })) }],
  });
  return Object.keys(r.metafile.inputs);
}

function offenders(inputs: string[], banned: RegExp[]): string[] {
  return inputs.filter((f) => banned.some((b) => b.test(f)));
}

const NOBLE = /node_modules\/@noble\//;
const TEST_PIECES = [/modules\/dtls\/server\.ts$/, /modules\/store\/sim-flash\.ts$/, /modules\/testing\.ts$/];
const TDES = /modules\/crypto\/tdes\.ts$/;

describe('entries: what a device entry pulls in (esbuild metafile)', function () {
  this.timeout(60000);

  it('modules/index.ts reaches neither @noble, nor the DTLS test server, nor SimFlash', async () => {
    const inputs = await inputsOf('modules/index.ts');
    assert.ok(inputs.some((f) => f.endsWith('modules/client/index.ts')), 'the metafile lists the client');
    assert.deepEqual(offenders(inputs, [NOBLE, ...TEST_PIECES]), []);
  });

  it('modules/crypto/noble.ts and modules/testing.ts are separate entries that do reach them', async () => {
    assert.ok(offenders(await inputsOf('modules/crypto/noble.ts'), [NOBLE]).length > 0);
    assert.equal(offenders(await inputsOf('modules/testing.ts'), TEST_PIECES).length, 3);
  });

  it('DTLS, the store and the client without SMS do not load software 3DES', async () => {
    for (const entry of ['modules/dtls/index.ts', 'modules/store/index.ts', 'modules/crypto/index.ts', 'modules/coap/index.ts']) {
      assert.deepEqual(offenders(await inputsOf(entry), [TDES, NOBLE]), [], entry);
    }
  });

  it('hosts/esp32 and the simulator host never reach @noble', async () => {
    for (const entry of ['hosts/esp32/host.ts', 'hosts/esp32/main.ts']) {
      assert.deepEqual(offenders(await inputsOf(entry), [NOBLE, ...TEST_PIECES]), [], entry);
    }
  });
});

describe('entries: the Moddable library manifest (manifest.json)', () => {
  it('preloads every device module of modules/ and maps none of the Node or test entries', async () => {
    const { readFileSync, readdirSync, statSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8')) as { modules: Record<string, unknown>; preload: string[] };
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const n of readdirSync(resolve(root, dir))) {
        const p = `${dir}/${n}`;
        if (statSync(resolve(root, p)).isDirectory()) walk(p);
        else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) files.push(p.slice(0, -3));
      }
    };
    walk('modules');
    const notDevice = ['modules/crypto/noble', 'modules/testing', 'modules/dtls/server', 'modules/store/sim-flash'];
    const expected = files.filter((f) => !notDevice.includes(f)).map((f) => `xs-lwm2m/${f}`).sort();
    assert.deepEqual([...manifest.preload].sort(), expected);
    assert.deepEqual([...(manifest.modules['~'] as string[])].sort(), notDevice.map((f) => `./${f}`).sort());
    assert.ok(!Object.keys(manifest.modules).some((k) => k.startsWith('@noble')), 'no @noble module in the device manifest');
  });
});
