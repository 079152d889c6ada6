// Long fuzz run of the DER / X.509 / key parsers: `node --import tsx test/fuzz/x509.ts [cases] [seed]`.
// Mutates openssl-made certificates and keys (test/unit/x509/vectors.ts); every failure must be an X509Error.
import { Prng } from '../harness/sim';
import { fromHex } from '../../modules/bytes/index';
import { nobleCrypto } from '../../modules/crypto/noble';
import { parseCertificate } from '../../modules/x509/certificate';
import { X509Error } from '../../modules/x509/errors';
import { privateKeyFromResource, publicKeyFromResource } from '../../modules/x509/keys';
import { verifyChain } from '../../modules/x509/verify';
import { V } from '../unit/x509/vectors';

const cases = Number(process.argv[2] ?? 100000);
const p = new Prng(Number(process.argv[3] ?? 1));
const corpus = [V.ca, V.int, V.server, V.client, V.viaint, V.p384, V.serverKeyPkcs8, V.serverKeySec1, V.serverSpki].map(fromHex);
const parsers: ((b: Uint8Array) => unknown)[] = [
  parseCertificate,
  privateKeyFromResource,
  publicKeyFromResource,
  (b) => verifyChain([b, fromHex(V.int)], { crypto: nobleCrypto, usage: 2, pinned: fromHex(V.ca), host: 'deep.example.net', now: () => Date.now() }),
];
const t0 = performance.now();
let accepted = 0;
for (let i = 0; i < cases; i++) {
  let b = p.pick(corpus).slice();
  for (let k = 1 + p.int(4); k > 0; k--) {
    const at = p.int(b.length);
    const op = p.int(4);
    if (op === 0) b[at] ^= 1 << p.int(8);
    else if (op === 1) b[at] = p.pick([0x80, 0x81, 0x82, 0x84, 0xff, 0x00, 0x30]);
    else if (op === 2) b = b.subarray(0, at);
    else b = Uint8Array.from([...b.subarray(0, at), ...p.bytes(p.int(6)), ...b.subarray(at)]);
  }
  try {
    parsers[i % parsers.length](b);
    accepted++;
  } catch (e) {
    if (!(e instanceof X509Error)) {
      console.log(`FAILED: ${(e as Error).name}: ${(e as Error).message} on ${Array.from(b.subarray(0, 64), (x) => x.toString(16).padStart(2, '0')).join('')}`);
      process.exit(1);
    }
  }
}
console.log(`x509: ${cases} cases, ok (${accepted} accepted) (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
