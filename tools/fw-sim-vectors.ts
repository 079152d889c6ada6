/**
 * Writes hosts/sim/fota/vectors.js for the simulator's firmware self-check: three small images signed
 * with OpenSSL (tools/fw-sign.ts): v1 and v2 under one key, v3 under another the device does not trust.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, generateSigner } from './fw-sign';
import { toHex } from '../modules/bytes/index';

const s = generateSigner();
const o = generateSigner();
const p = (n: number, k: number) => new Uint8Array(n).map((_, i) => (i * k + 11) & 0xff);
const v1 = buildImage(s, p(6000, 3), { version: 1, name: 'sim-app', versionString: '1.0' });
const v2 = buildImage(s, p(7000, 5), { version: 2, name: 'sim-app', versionString: '2.0' });
const bad = buildImage(o, p(7000, 7), { version: 3, name: 'sim-app', versionString: '3.0' });
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'hosts', 'sim', 'fota', 'vectors.js');
writeFileSync(out, `export default ${JSON.stringify({ publicKey: toHex(s.publicKey), v1: toHex(v1), v2: toHex(v2), bad: toHex(bad) })};\n`);
console.log(`wrote ${out}`);
