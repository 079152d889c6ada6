// Preload probe for the XS test run. On a Moddable device the project's modules are preloaded: evaluated at
// build time and kept in flash, where a module's ArrayBuffers are read-only (a write at run time throws
// "TypeError: read-only buffer"; see the Moddable SDK's documentation/xs/preload.md). xsnap does not preload, so
// this probe stands in for it: every buffer a modules/ file creates while it loads is recorded, its bytes are
// copied once loading is over, and after every test the copies are compared. A module-level buffer written at
// run time makes that test fail, naming the module.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** esbuild plugin: marks the start of every module's body with the module's path (null outside modules/). */
export function preloadProbePlugin(root) {
  const mark = (path) => {
    const rel = relative(root, path).split('\\').join('/');
    const owned = rel.startsWith('modules/') ? JSON.stringify(rel) : 'null';
    return `globalThis.__preload && globalThis.__preload.enter(${owned});\n`;
  };
  return {
    name: 'preload-probe',
    setup(build) {
      build.onLoad({ filter: /\.(ts|js|mjs)$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        return { contents: mark(args.path) + text, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/** Classic-script prelude: runs before the bundle's modules, hands over to __xsTests when loading ends. */
export const PRELOAD_PROBE = `
(function () {
  const g = globalThis;
  const originals = {};
  const names = ['ArrayBuffer', 'DataView', 'Uint8Array', 'Int8Array', 'Uint8ClampedArray', 'Uint16Array', 'Int16Array',
    'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
  const records = [];
  let current = null;
  let sealed = false;
  // While modules load, each constructor is a subclass that notes what a modules/ file allocates.
  for (const n of names) {
    const C = g[n];
    originals[n] = C;
    const Probe = class extends C {
      constructor(...a) {
        super(...a);
        if (current && !sealed) records.push({ module: current, buffer: n === 'ArrayBuffer' ? this : this.buffer, copy: null });
      }
    };
    g[n] = Probe;
  }
  g.__preload = {
    enter(path) { current = path; },
    /** Loading is over: restore the constructors and copy every recorded buffer's bytes. */
    seal() {
      if (sealed) return;
      sealed = true;
      current = null;
      for (const n of names) g[n] = originals[n];
      for (const r of records) r.copy = new originals.Uint8Array(r.buffer).slice();
    },
    /** Modules whose load-time buffers changed since the last check (each reported once, then re-copied). */
    check() {
      const changed = [];
      for (const r of records) {
        const now = new originals.Uint8Array(r.buffer);
        let same = now.length === r.copy.length;
        for (let i = 0; same && i < now.length; i++) if (now[i] !== r.copy[i]) same = false;
        if (!same) {
          if (!changed.includes(r.module)) changed.push(r.module);
          r.copy = now.slice();
        }
      }
      return changed;
    },
    count() { return records.length; },
  };
})();
`;
