#!/usr/bin/env node
// Loads the rollup bundle (dist/xs-lwm2m.js) in real XS and exercises it once, so a bundle that XS
// cannot parse or link fails `npm test`, not a device.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { root, DEVICE_LIKE_GLOBALS } from './xs-bundle.mjs';

process.chdir(root);
const out = await build({
  stdin: {
    // The bundle is the device entry (no @noble): the provider for this run comes from its own entry.
    contents: `import * as lib from './dist/xs-lwm2m.js';
      import { nobleCrypto } from './modules/crypto/noble.ts';
      const key = lib.bytes.fromHex('C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF');
      const sealed = lib.crypto.ccmSeal(nobleCrypto.aes(key), lib.bytes.fromHex('00000003020100A0A1A2A3A4A5'),
        lib.bytes.fromHex('0001020304050607'), lib.bytes.fromHex('08090A0B0C0D0E0F101112131415161718191A1B1C1D1E'), 8);
      globalThis.__result = lib.bytes.toHex(sealed) + ' ' + Object.keys(lib).sort().join(',');`,
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  write: false,
  format: 'iife',
  target: 'es2021',
  platform: 'neutral',
  logLevel: 'silent',
});
await import('@endo/init');
const { xsnap } = await import('@agoric/xsnap');
let reply = null;
const worker = await xsnap({
  os: os.type(), spawn, fs: { ...fs, ...fs.promises }, name: 'xs-dist', meteringLimit: 0, stdout: 'inherit', stderr: 'inherit',
  handleCommand: async (m) => { reply = new TextDecoder().decode(m); return new Uint8Array(0); },
});
let ok = false;
try {
  await worker.evaluate(DEVICE_LIKE_GLOBALS + out.outputFiles[0].text + `;__harness.issueCommand(new __harness.TextEncoder().encode(globalThis.__result).buffer);`);
  const [hex, names] = reply.split(' ');
  ok = hex === '588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0';
  console.log(`dist/xs-lwm2m.js in XS: ${ok ? 'loads and runs' : 'WRONG RESULT ' + hex}; exports ${names}`);
} catch (e) {
  console.log(`dist/xs-lwm2m.js in XS: failed to load: ${e.message}`);
} finally {
  await worker.close().catch(() => {});
}
process.exitCode = ok ? 0 : 1;
