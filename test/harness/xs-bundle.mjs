// Bundles TypeScript entry points into one classic script that XS (xsnap) can evaluate.
// Class fields are down-levelled (ES2021) because the XS inside xsnap rejects a static field that
// instantiates its own class, which @noble/curves does.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { preloadProbePlugin } from './preload-probe.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');

/**
 * @param {string[]} entries absolute or root-relative file paths
 * @param {{prelude?: string, preloadProbe?: boolean}} [opts] preloadProbe: mark each module's start for preload-probe.mjs
 */
export async function bundleForXs(entries, opts = {}) {
  const contents = entries.map((f) => `import ${JSON.stringify(resolve(root, f))};`).join('\n');
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: 'xs-entry.js', loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2021',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    resolveExtensions: ['.ts', '.js', '.mjs'],
    banner: { js: opts.prelude ?? '' },
    logLevel: 'silent',
    legalComments: 'none',
    plugins: opts.preloadProbe ? [preloadProbePlugin(root)] : [],
  });
  return result.outputFiles[0].text;
}

export function readPrelude() {
  return readFileSync(resolve(here, 'xs-prelude.js'), 'utf8');
}

/**
 * Removes the conveniences xsnap has but a Moddable device does not, so code that leans on them
 * fails here rather than on a board. Math.random is poisoned: modules/ must use Host.randomBytes.
 */
export const DEVICE_LIKE_GLOBALS = `
(function () {
  const g = globalThis;
  const keep = { TextEncoder: g.TextEncoder, TextDecoder: g.TextDecoder, issueCommand: g.issueCommand, print: g.print };
  g.__harness = keep;
  for (const name of ['setImmediate', 'setTimeout', 'setInterval', 'clearTimeout', 'performance', 'console', 'TextEncoder', 'TextDecoder', 'print', 'harden', 'Buffer', 'process']) {
    try { delete g[name]; } catch {}
  }
  Math.random = function () { throw new Error('Math.random is not allowed: use Host.randomBytes'); };
  g.TextEncoder = undefined;
  // A Moddable device preloads modules and freezes the built-in prototypes (documentation/xs/preload.md):
  // assigning an inherited property such as Error.prototype.name then throws. Freeze them here too.
  for (const C of [Object, Function, Array, Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
    Map, Set, WeakMap, WeakSet, Promise, Date, RegExp, String, Number, Boolean, Symbol, BigInt, ArrayBuffer, DataView,
    Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
    Object.getPrototypeOf(Uint8Array)]) {
    Object.freeze(C.prototype);
    Object.freeze(C);
  }
})();
`;
