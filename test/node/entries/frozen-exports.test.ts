/**
 * Every module-level constant a device module exports is frozen (Object.freeze), as the Moddable SDK's preload
 * build asks: an unfrozen preloaded object is reported by xsl ("not frozen") and aliased into RAM when written
 * (hosts/sim/README.md, freeze report). Imports every device module of manifest.json's preload list and checks
 * each exported value that is a plain object or array (tables, enums, object definitions, defaults, cipher suites),
 * and the arrays and plain objects directly inside it. Functions and classes are checked by XS itself.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assert } from '../../harness/assert';

const root = resolve(__dirname, '../../..');

/**
 * `const enum`s: tsc (and so mcconfig) inlines their members and emits no object; only tsx/esbuild here makes one.
 */
const CONST_ENUMS = new Set(['modules/x509/der: Tag', 'modules/x509/index: Tag', 'modules/x509/index: CertificateUsage', 'modules/x509/verify: CertificateUsage']);

function isPlain(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  if (Object.prototype.toString.call(v) === '[object Module]') return false; // a re-exported namespace
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

describe('entries: exported constant tables of device modules are frozen', function () {
  this.timeout(120000);
  it('no exported plain object or array (nor one nested one level in it) is left writable', async () => {
    const manifest = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8')) as { preload: string[] };
    const mods = manifest.preload.filter((m) => m.startsWith('xs-lwm2m/modules/')).map((m) => m.slice('xs-lwm2m/'.length));
    assert.ok(mods.length > 100, `device modules found: ${mods.length}`);
    const unfrozen: string[] = [];
    for (const m of mods) {
      const ns = (await import(pathToFileURL(resolve(root, `${m}.ts`)).href)) as Record<string, unknown>;
      for (const [name, v] of Object.entries(ns)) {
        if (!isPlain(v)) continue;
        if (CONST_ENUMS.has(`${m}: ${name}`)) continue;
        if (!Object.isFrozen(v)) unfrozen.push(`${m}: ${name}`);
        for (const [k, inner] of Object.entries(v)) if (isPlain(inner) && !Object.isFrozen(inner)) unfrozen.push(`${m}: ${name}.${k}`);
      }
    }
    assert.deepEqual([...new Set(unfrozen)], [], 'writable module-level exports');
  });
});
