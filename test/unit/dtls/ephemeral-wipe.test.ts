/**
 * The random seed an ECDHE key pair is derived from is as secret as the private key (issue 13 item 9): after
 * the handshake, the seed both ends drew from the Host for TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 is zero.
 */
import { assert } from '../../harness/assert';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { nobleCrypto } from '../../../modules/crypto/noble';
import type { CryptoProvider } from '../../../modules/crypto/provider';
import { CipherSuiteId } from '../../../modules/dtls/constants';
import { DtlsClient } from '../../../modules/dtls/client';
import { DtlsServer } from '../../../modules/dtls/server';
import { PSK, IDENTITY } from './fixtures';

describe('DTLS ECDHE-PSK: ephemeral key seeds are wiped', () => {
  it('after the handshake, every seed given to p256.keyPairFromRandom is all zero', async () => {
    const seeds: Uint8Array[] = [];
    const crypto: CryptoProvider = {
      ...nobleCrypto,
      p256: {
        ...nobleCrypto.p256,
        keyPairFromRandom: (random: Uint8Array) => {
          seeds.push(random);
          return nobleCrypto.p256.keyPairFromRandom(random);
        },
      },
    };
    const host = new SimHost({ seed: 21, crypto });
    const pipe = new DatagramPipe(host.clock, 1);
    const suite = [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256];
    const server = new DtlsServer(host, { psk: () => PSK.slice(), cipherSuites: suite, hint: 'bootstrap' });
    server.attach(pipe.b);
    const client = new DtlsClient(host, pipe.a, { psk: PSK, identity: IDENTITY, cipherSuites: suite });
    const p = client.connect();
    let err: unknown = null;
    p.catch((e) => (err = e));
    host.clock.runAll(60_000);
    if (err) throw err;
    await p;
    assert.equal(client.negotiated.cipherSuite, 0xc037);
    assert.equal(seeds.length, 2, 'one key pair per side');
    for (const s of seeds) {
      assert.ok(s.length >= 32);
      assert.ok(s.every((b) => b === 0), 'seed still holds key material');
    }
  });
});
