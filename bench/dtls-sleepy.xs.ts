// XS side of bench/dtls-sleepy.bench.ts: one in-memory handshake per case (client and our server, both
// metered), for the PSK and ECDHE-ECDSA (RPK) suites, on the portable noble provider (every primitive in XS)
// and on the native-provider path (bench/remote-crypto.ts: every primitive outside XS, so the meter counts the
// JS a native provider leaves in JS).
import { DatagramPipe, SimHost } from '../test/harness/sim';
import { DtlsClient } from '../modules/dtls/client';
import { DtlsServer } from '../modules/dtls/server';
import { pinnedRawPublicKey } from '../modules/dtls/credentials';
import { nobleCrypto } from '../modules/crypto/noble';
import { remoteCrypto } from './remote-crypto';
import type { CryptoProvider } from '../modules/crypto/provider';

const psk = new Uint8Array(16).map((_, i) => i);
const serverKey = new Uint8Array(32).fill(7);
const clientKey = new Uint8Array(32).fill(9);
let pubs: { s: Uint8Array; c: Uint8Array } | null = null;
let seed = 1;

function handshake(kind: 'psk' | 'rpk', crypto: CryptoProvider = nobleCrypto): void {
  pubs ??= { s: nobleCrypto.p256.publicKeyOf(serverKey), c: nobleCrypto.p256.publicKeyOf(clientKey) };
  const host = new SimHost({ seed: seed++, crypto });
  const pipe = new DatagramPipe(host.clock, 1);
  const server = new DtlsServer(host, kind === 'psk'
    ? { psk: () => psk.slice() }
    : { certificate: { type: 'rpk', privateKey: serverKey, verifyPeer: pinnedRawPublicKey(pubs.c), requireClientCertificate: true } });
  server.attach(pipe.b);
  const client = new DtlsClient(host, pipe.a, kind === 'psk' ? { psk, identity: 'client1' } : { certificate: { type: 'rpk', privateKey: clientKey, verifyPeer: pinnedRawPublicKey(pubs.s) } });
  void client.connect();
  host.clock.runAll();
  if (client.state !== 'established') throw new Error('handshake did not complete');
}

(globalThis as unknown as { benchCases: Record<string, () => void> }).benchCases = {
  'PSK-CCM8 handshake (client+server)': () => handshake('psk'),
  'ECDHE-ECDSA-CCM8 RPK handshake, mutual (client+server)': () => handshake('rpk'),
  'PSK-CCM8 handshake (client+server), native path': () => handshake('psk', remoteCrypto),
  'ECDHE-ECDSA-CCM8 RPK handshake, mutual (client+server), native path': () => handshake('rpk', remoteCrypto),
};
