// A CryptoProvider for the bench's xsnap runs whose primitives run OUTSIDE XS: every call is one synchronous
// `issueCommand` to the Node parent (bench/harness.ts `cryptoCommand`), which computes it (node:crypto for AES,
// SHA-256 and HMAC; @noble/curves in V8 for P-256). What the XS meter then counts of a handshake is the JS a
// native provider leaves in JS (the DTLS and CCM code over block/hash/curve primitives, as with the Moddable
// provider in hosts/esp32/crypto-moddable.ts), plus the marshalling of each call into one small buffer here
// (a stand-in for the host-binding cost of a native call). The same operations and the same interface as
// modules/crypto/provider.ts; bench only, never on a device.
import type { BlockCipher, CryptoProvider, P256, P256KeyPair } from '../modules/crypto/provider';

declare const issueCommand: (request: ArrayBuffer) => ArrayBuffer;

export enum Op {
  AesNew = 1,
  AesEncrypt = 2,
  AesDecrypt = 3,
  AesDispose = 4,
  Sha256 = 5,
  Hmac = 6,
  KeyPair = 7,
  PublicKeyOf = 8,
  Ecdh = 9,
  Sign = 10,
  Verify = 11,
  Tdes = 12,
  /** Bench only: a fresh DtlsServer in the parent (part 0: 0 PSK, 1 RPK). */
  ServerReset = 32,
  /** Bench only: a datagram to that server; the answer is its reply datagrams, each len(2) | bytes. */
  ServerDatagram = 33,
}

/** `head` followed by (len(2) | bytes)* of `parts`: the format of every request and of a server reply. */
export function packParts(parts: readonly Uint8Array[], head: readonly number[] = []): Uint8Array<ArrayBuffer> {
  let n = head.length;
  for (const p of parts) n += 2 + p.length;
  const out = new Uint8Array(n);
  out.set(head);
  let o = head.length;
  for (const p of parts) {
    out[o] = p.length >> 8;
    out[o + 1] = p.length & 0xff;
    out.set(p, o + 2);
    o += 2 + p.length;
  }
  return out;
}

/** The (len(2) | bytes)* parts of `b` from offset `o` on (copies). */
export function unpackParts(b: Uint8Array, o = 0): Uint8Array[] {
  const parts: Uint8Array[] = [];
  while (o + 2 <= b.length) {
    const n = (b[o] << 8) | b[o + 1];
    parts.push(b.slice(o + 2, o + 2 + n));
    o += 2 + n;
  }
  return parts;
}

/** op(1) | count(1) | (len(2) | bytes)* -> the answer's bytes (the first byte 0xff: the parent threw). */
export function call(op: Op, ...parts: Uint8Array[]): Uint8Array {
  const res = new Uint8Array(issueCommand(packParts(parts, [op, parts.length]).buffer));
  if (res.length === 1 && res[0] === 0xff) throw new Error(`remote crypto op ${op} failed`);
  return res;
}

function cipher(op: Op.AesNew | Op.Tdes, key: Uint8Array): BlockCipher {
  const handle = call(op, key);
  const block = op === Op.AesNew ? 16 : 8;
  return {
    blockSize: block,
    encryptBlock(input, output, inOff = 0, outOff = 0) {
      output.set(call(Op.AesEncrypt, handle, input.subarray(inOff, inOff + block)), outOff);
    },
    decryptBlock(input, output, inOff = 0, outOff = 0) {
      output.set(call(Op.AesDecrypt, handle, input.subarray(inOff, inOff + block)), outOff);
    },
    dispose() {
      call(Op.AesDispose, handle);
    },
  };
}

const p256: P256 = {
  keyPairFromRandom(random: Uint8Array): P256KeyPair {
    const r = call(Op.KeyPair, random);
    return { privateKey: r.slice(0, 32), publicKey: r.slice(32) };
  },
  publicKeyOf: (privateKey) => call(Op.PublicKeyOf, privateKey),
  ecdh: (privateKey, peer) => call(Op.Ecdh, privateKey, peer),
  sign: (privateKey, digest, random) => call(Op.Sign, privateKey, digest, random),
  verify: (publicKey, digest, signature) => call(Op.Verify, publicKey, digest, signature)[0] === 1,
};

export const remoteCrypto: CryptoProvider = Object.freeze({
  name: 'remote (primitives outside XS)',
  aes: (key: Uint8Array) => cipher(Op.AesNew, key),
  tdes: (key: Uint8Array) => cipher(Op.Tdes, key),
  sha256: (data: Uint8Array) => call(Op.Sha256, data),
  hmacSha256: (key: Uint8Array, data: Uint8Array) => call(Op.Hmac, key, data),
  p256,
});
