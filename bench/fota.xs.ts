// XS side of bench/fota.bench.ts: the image checks, noble provider.
import { nobleCrypto } from '../modules/crypto/noble';
import { HEADER_LENGTH, parseHeader, signImage, verifyHeaderSignature, Sha256 } from '../modules/fota/index';
import { Prng } from '../test/harness/sim';

const rng = new Prng(64);
const kp = nobleCrypto.p256.keyPairFromRandom(rng.bytes(32));
const img = signImage(nobleCrypto, kp.privateKey, new Prng(2).bytes(64 * 1024), { version: 2, name: 'bench', versionString: '2' }, rng.bytes(32));
const header = parseHeader(img, 1 << 20);
const payload = img.subarray(HEADER_LENGTH);

(globalThis as any).benchCases = {
  'header signature check (SHA-256 of 96 B + ECDSA P-256 verify)': () => {
    if (!verifyHeaderSignature(nobleCrypto, header, kp.publicKey)) throw new Error('bad');
  },
  'SHA-256 of the 64 KiB payload, 4 KiB at a time (modules/fota/sha256)': () => {
    const h = new Sha256();
    for (let o = 0; o < payload.length; o += 4096) h.update(payload.subarray(o, o + 4096));
    h.digest();
  },
};
