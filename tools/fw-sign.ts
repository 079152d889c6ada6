/**
 * Builds and signs firmware images (modules/fota/image.ts format) with OpenSSL through node:crypto:
 * ECDSA P-256 over SHA-256 of the 96-byte header, the signature as raw r || s (IEEE P1363). Being a
 * different implementation from the device's verifier, it is also the oracle the tests use.
 *
 * CLI:
 *   node --import tsx tools/fw-sign.ts keygen <key.pem>            # prints the public key (hex) to provision
 *   node --import tsx tools/fw-sign.ts pubkey <key.pem>
 *   node --import tsx tools/fw-sign.ts sign <key.pem> <payload> <image> --version N [--name S] [--version-string S]
 *   node --import tsx tools/fw-sign.ts inspect <image>
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toHex } from '../modules/bytes/index';
import { HEADER_LENGTH, SIGNED_LENGTH, parseHeader, unsignedHeader, type ImageMeta } from '../modules/fota/image';

export interface Signer {
  privateKey: KeyObject;
  /** 65-byte uncompressed point, what the device is provisioned with. */
  publicKey: Uint8Array;
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return new Uint8Array(Buffer.concat([Buffer.of(4), x, y]));
}

export function generateSigner(): Signer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

export function loadSigner(pemPath: string): Signer {
  const privateKey = createPrivateKey(readFileSync(pemPath));
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** Header (hash by OpenSSL), OpenSSL signature, payload. */
export function buildImage(signer: Signer, payload: Uint8Array, meta: ImageMeta): Uint8Array {
  const hash = new Uint8Array(createHash('sha256').update(payload).digest());
  const signed = unsignedHeader(meta, payload.length, hash);
  const sig = sign('sha256', signed, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  const out = new Uint8Array(HEADER_LENGTH + payload.length);
  out.set(signed, 0);
  out.set(sig, SIGNED_LENGTH);
  out.set(payload, HEADER_LENGTH);
  return out;
}

/** OpenSSL's opinion of an image: signature under `publicKey` and payload hash. */
export function opensslVerify(image: Uint8Array, publicKey: Uint8Array): boolean {
  const h = parseHeader(image, image.length);
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: Buffer.from(publicKey.subarray(1, 33)).toString('base64url'), y: Buffer.from(publicKey.subarray(33, 65)).toString('base64url') }, format: 'jwk' });
  const sigOk = verify('sha256', image.subarray(0, SIGNED_LENGTH), { key, dsaEncoding: 'ieee-p1363' }, image.subarray(SIGNED_LENGTH, HEADER_LENGTH));
  const hash = createHash('sha256').update(image.subarray(HEADER_LENGTH)).digest();
  return sigOk && image.length === HEADER_LENGTH + h.size && toHex(new Uint8Array(hash)) === toHex(h.hash);
}

function main(argv: string[]): void {
  const [cmd, ...rest] = argv;
  const opt = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (cmd === 'keygen' && rest[0]) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(rest[0], privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    console.log(toHex(rawPublicKey(privateKey)));
  } else if (cmd === 'pubkey' && rest[0]) {
    console.log(toHex(loadSigner(rest[0]).publicKey));
  } else if (cmd === 'sign' && rest.length >= 3 && opt('--version')) {
    const signer = loadSigner(rest[0]);
    const payload = new Uint8Array(readFileSync(rest[1]));
    const version = Number(opt('--version'));
    const image = buildImage(signer, payload, { version, name: opt('--name') ?? 'xs-lwm2m', versionString: opt('--version-string') ?? String(version) });
    writeFileSync(rest[2], image);
    console.log(`${rest[2]}: ${image.length} bytes, version ${version}, payload SHA-256 ${toHex(image.subarray(16, 48))}`);
  } else if (cmd === 'inspect' && rest[0]) {
    const image = new Uint8Array(readFileSync(rest[0]));
    const h = parseHeader(image, image.length);
    console.log(JSON.stringify({ name: h.name, version: h.version, versionString: h.versionString, size: h.size, sha256: toHex(h.hash), bytes: image.length }, null, 2));
  } else {
    console.error('usage: fw-sign.ts keygen <key.pem> | pubkey <key.pem> | sign <key.pem> <payload> <image> --version N [--name S] [--version-string S] | inspect <image>');
    process.exit(2);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
