// The Node side of bench/remote-crypto.ts: answers the XS worker's `issueCommand` requests by computing each
// primitive outside XS (node:crypto for AES, 3DES, SHA-256 and HMAC-SHA256; modules/crypto/noble running in V8
// for P-256, so key generation, ECDH, signatures and their checks behave exactly as on the noble provider).
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { nobleCrypto } from '../modules/crypto/noble';
import { Op, packParts, unpackParts } from './remote-crypto';
import { SimHost } from '../test/harness/sim';
import { DtlsServer } from '../modules/dtls/server';
import { pinnedRawPublicKey } from '../modules/dtls/credentials';

/** The parent-side peer of a client-only handshake (bench/dtls-sleepy.xs.ts): our DtlsServer on noble, in V8. */
const BENCH_PSK = new Uint8Array(16).map((_, i) => i);
const BENCH_SERVER_KEY = new Uint8Array(32).fill(7);
const BENCH_CLIENT_KEY = new Uint8Array(32).fill(9);

export function remoteCryptoHost(): { handle(request: Uint8Array): Uint8Array; calls: number } {
  const keys = new Map<number, Uint8Array>();
  let next = 1;
  const state = { calls: 0, handle };
  const alg = (key: Uint8Array) => (key.length === 16 ? 'aes-128-ecb' : key.length === 24 ? 'aes-192-ecb' : key.length === 32 ? 'aes-256-ecb' : '');
  const tdesAlg = (key: Uint8Array) => (key.length === 24 ? 'des-ede3-ecb' : 'des-ede-ecb');
  const kinds = new Map<number, 'aes' | 'tdes'>();
  let server: DtlsServer | null = null;
  let serverHost: SimHost | null = null;
  // The server keeps the reply function of a connection's first datagram: one outbox, drained per call.
  const outbox: Uint8Array[] = [];
  let serverSeed = 1000;
  function block(decrypt: boolean, h: Uint8Array, data: Uint8Array): Uint8Array {
    const id = h[0] | (h[1] << 8);
    const key = keys.get(id)!;
    const a = kinds.get(id) === 'tdes' ? tdesAlg(key) : alg(key);
    const c = decrypt ? createDecipheriv(a, key, null) : createCipheriv(a, key, null);
    c.setAutoPadding(false);
    return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
  }
  function handle(request: Uint8Array): Uint8Array {
    state.calls++;
    const op = request[0] as Op;
    const parts = unpackParts(request, 2);
    try {
      switch (op) {
        case Op.AesNew:
        case Op.Tdes: {
          const id = next++ & 0xffff;
          keys.set(id, parts[0]);
          kinds.set(id, op === Op.Tdes ? 'tdes' : 'aes');
          return Uint8Array.of(id & 0xff, id >> 8);
        }
        case Op.AesEncrypt:
          return block(false, parts[0], parts[1]);
        case Op.AesDecrypt:
          return block(true, parts[0], parts[1]);
        case Op.AesDispose: {
          const id = parts[0][0] | (parts[0][1] << 8);
          keys.get(id)?.fill(0);
          keys.delete(id);
          kinds.delete(id);
          return new Uint8Array(0);
        }
        case Op.Sha256:
          return new Uint8Array(createHash('sha256').update(parts[0]).digest());
        case Op.Hmac:
          return new Uint8Array(createHmac('sha256', parts[0]).update(parts[1]).digest());
        case Op.KeyPair: {
          const k = nobleCrypto.p256.keyPairFromRandom(parts[0]);
          const out = new Uint8Array(32 + k.publicKey.length);
          out.set(k.privateKey, 0);
          out.set(k.publicKey, 32);
          return out;
        }
        case Op.PublicKeyOf:
          return nobleCrypto.p256.publicKeyOf(parts[0]);
        case Op.Ecdh:
          return nobleCrypto.p256.ecdh(parts[0], parts[1]);
        case Op.Sign:
          return nobleCrypto.p256.sign(parts[0], parts[1], parts[2]);
        case Op.Verify:
          return Uint8Array.of(nobleCrypto.p256.verify(parts[0], parts[1], parts[2]) ? 1 : 0);
        case Op.ServerReset: {
          outbox.length = 0;
          const host = (serverHost = new SimHost({ seed: serverSeed++ }));
          server = new DtlsServer(host, parts[0][0] === 0
            ? { psk: () => BENCH_PSK.slice() }
            : { certificate: { type: 'rpk', privateKey: BENCH_SERVER_KEY, verifyPeer: pinnedRawPublicKey(nobleCrypto.p256.publicKeyOf(BENCH_CLIENT_KEY)), requireClientCertificate: true } });
          return new Uint8Array(0);
        }
        case Op.ServerDatagram: {
          server!.handle(parts[0], 'xs-client', (d) => outbox.push(d.slice()));
          serverHost!.clock.advance(1);
          return packParts(outbox.splice(0));
        }
      }
    } catch {
      // fall through
    }
    return Uint8Array.of(0xff);
  }
  return state;
}
