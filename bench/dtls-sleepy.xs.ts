// XS side of bench/dtls-sleepy.bench.ts: one in-memory handshake per case (client and our server, both
// metered), for the PSK and ECDHE-ECDSA (RPK) suites, on the portable noble provider (every primitive in XS)
// and on the native-provider path (bench/remote-crypto.ts: every primitive outside XS, so the meter counts the
// JS a native provider leaves in JS).
import { DatagramPipe, SimHost } from '../test/harness/sim';
import { DtlsClient } from '../modules/dtls/client';
import { DtlsServer } from '../modules/dtls/server';
import { pinnedRawPublicKey } from '../modules/dtls/credentials';
import { nobleCrypto } from '../modules/crypto/noble';
import { call, Op, remoteCrypto, unpackParts } from './remote-crypto';
import type { DatagramChannel } from '../modules/transport/types';
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

/**
 * The client alone in XS: its peer is our DtlsServer running in the Node parent (bench/remote-crypto-host.ts), each
 * datagram one issueCommand, so the meter counts only what the device runs.
 */
function clientOnly(kind: 'psk' | 'rpk', crypto: CryptoProvider): void {
  pubs ??= { s: nobleCrypto.p256.publicKeyOf(serverKey), c: nobleCrypto.p256.publicKeyOf(clientKey) };
  const host = new SimHost({ seed: seed++, crypto });
  call(Op.ServerReset, Uint8Array.of(kind === 'psk' ? 0 : 1));
  const channel: DatagramChannel = {
    maxDatagramSize: 1400,
    onReceive: null,
    onClose: null,
    send(d) {
      for (const x of unpackParts(call(Op.ServerDatagram, d))) host.setTimer(1, () => channel.onReceive?.(x));
    },
    close() {},
  };
  const client = new DtlsClient(host, channel, kind === 'psk' ? { psk, identity: 'client1' } : { certificate: { type: 'rpk', privateKey: clientKey, verifyPeer: pinnedRawPublicKey(pubs.s) } });
  void client.connect();
  host.clock.runAll();
  if (client.state !== 'established') throw new Error('client-only handshake did not complete');
}

(globalThis as unknown as { benchCases: Record<string, () => void> }).benchCases = {
  'PSK-CCM8 handshake (client+server)': () => handshake('psk'),
  'ECDHE-ECDSA-CCM8 RPK handshake, mutual (client+server)': () => handshake('rpk'),
  'PSK-CCM8 handshake (client+server), native path': () => handshake('psk', remoteCrypto),
  'ECDHE-ECDSA-CCM8 RPK handshake, mutual (client+server), native path': () => handshake('rpk', remoteCrypto),
  'PSK-CCM8 handshake (client only)': () => clientOnly('psk', nobleCrypto),
  'PSK-CCM8 handshake (client only), native path': () => clientOnly('psk', remoteCrypto),
  'ECDHE-ECDSA-CCM8 RPK handshake, mutual (client only)': () => clientOnly('rpk', nobleCrypto),
  'ECDHE-ECDSA-CCM8 RPK handshake, mutual (client only), native path': () => clientOnly('rpk', remoteCrypto),
};
