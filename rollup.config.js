// Bundles modules/ into one ES module for XS (Moddable apps and xsnap). Class fields are
// down-levelled (target ES2021) so the bundle also loads on the older XS inside xsnap.
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: 'modules/index.ts',
  output: { file: 'dist/xs-lwm2m.js', format: 'es', sourcemap: false },
  plugins: [
    nodeResolve({ extensions: ['.ts', '.js', '.mjs'], exportConditions: ['import', 'default'], browser: false, preferBuiltins: false }),
    esbuild({ include: /\.[jt]s$/, exclude: [], target: 'es2021', minify: false, legalComments: 'none' }),
  ],
  onwarn(warning, warn) {
    // Any unresolved import means the bundle would need something XS does not have.
    if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(`unresolved import in the XS bundle: ${warning.message}`);
    warn(warning);
  },
};
