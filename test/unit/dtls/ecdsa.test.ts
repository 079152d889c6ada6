/**
 * TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 in memory, our client against our server: raw public keys (RFC 7250)
 * and X.509 (certificates made by openssl, test/unit/x509/vectors.ts), client authentication, and the
 * refusals (wrong key, bad signature, types not offered). Interop with real peers is in test/interop.
 */
import { assert } from '../../harness/assert';
import { rig, handshake, text, setFilter } from './fixtures';
import { Prng } from '../../harness/sim';
import { DtlsError } from '../../../modules/dtls/errors';
import { fromHex } from '../../../modules/bytes/index';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { DtlsAlert } from '../../../modules/dtls/errors';
import { AlertDescription, CertificateType, CipherSuiteId, ExtensionType } from '../../../modules/dtls/constants';
import { type EcdsaCredentials, pinnedRawPublicKey } from '../../../modules/dtls/credentials';
import { verifyChain, CertificateUsage } from '../../../modules/x509/verify';
import { privateKeyFromResource } from '../../../modules/x509/keys';
import { V } from '../x509/vectors';

const p256 = nobleCrypto.p256;
const serverKey = fromHex(V.serverScalar);
const clientKey = fromHex(V.clientScalar);
const serverPub = p256.publicKeyOf(serverKey);
const clientPub = p256.publicKeyOf(clientKey);

function rpk(own: Uint8Array, peer: Uint8Array, extra: Partial<EcdsaCredentials> = {}): EcdsaCredentials {
  return { type: 'rpk', privateKey: own, verifyPeer: pinnedRawPublicKey(peer), ...extra };
}

async function failure(p: Promise<void>): Promise<DtlsAlert> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DtlsAlert) return e;
    throw e;
  }
  throw new Error('handshake succeeded');
}

describe('DTLS ECDHE-ECDSA-CCM8 in memory: raw public keys', () => {
  it('mutual RPK handshake; data both ways; the server learns the client key', async () => {
    const r = rig({ psk: undefined, identity: undefined, certificate: rpk(clientKey, serverPub) }, { certificate: { ...rpk(serverKey, clientPub), requireClientCertificate: true } });
    await handshake(r);
    assert.equal(r.client.negotiated.cipherSuite, CipherSuiteId.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
    assert.equal(r.client.negotiated.certificateType, CertificateType.RawPublicKey);
    const conn = r.serverConn()!;
    assert.hex(conn.clientPublicKey!, Array.from(clientPub, (b) => b.toString(16).padStart(2, '0')).join(''));
    const got: string[] = [];
    conn.onReceive = (d) => got.push(String.fromCharCode(...d));
    r.client.send(text('hello'));
    r.host.clock.runAll();
    assert.deepEqual(got, ['hello']);
  });

  it('the client refuses a server key that is not the pinned one (bad_certificate)', async () => {
    const other = p256.publicKeyOf(fromHex('11'.repeat(32)));
    const r = rig({ psk: undefined, certificate: rpk(clientKey, other) }, { certificate: rpk(serverKey, clientPub) });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.bad_certificate);
  });

  it('the server refuses a client key it does not know (bad_certificate on the server side)', async () => {
    const other = p256.publicKeyOf(fromHex('22'.repeat(32)));
    const r = rig({ psk: undefined, certificate: rpk(clientKey, serverPub) }, { certificate: { ...rpk(serverKey, other), requireClientCertificate: true } });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.bad_certificate);
    assert.equal(e.sentByPeer, true);
  });

  it('a client that claims a key it cannot sign with fails CertificateVerify (decrypt_error)', async () => {
    // The client presents clientPub but holds another private key.
    const r = rig({ psk: undefined, certificate: rpk(fromHex('33'.repeat(32)), serverPub, { publicKey: clientPub }) }, { certificate: { ...rpk(serverKey, clientPub), requireClientCertificate: true } });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.decrypt_error);
    assert.equal(e.sentByPeer, true);
  });

  it('a server that presents the right key but cannot sign the ECDHE parameters fails (decrypt_error)', async () => {
    const r = rig({ psk: undefined, certificate: rpk(clientKey, serverPub) }, { certificate: rpk(fromHex('44'.repeat(32)), clientPub, { publicKey: serverPub }) });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.decrypt_error);
    assert.equal(e.sentByPeer, false);
  });

  it('refuses a ServerHello certificate type it did not offer', async () => {
    const r = rig({ psk: undefined, certificate: rpk(clientKey, serverPub) }, { certificate: rpk(serverKey, clientPub), test: { extraExtensions: [{ type: ExtensionType.server_certificate_type + 100, data: new Uint8Array(0) }] } });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.unsupported_extension);
  });

  it('refuses a server that answers with X.509 when only raw public keys were offered', async () => {
    const r = rig({ psk: undefined, certificate: rpk(clientKey, serverPub) }, { certificate: rpk(serverKey, clientPub), test: { forceServerCertificateType: CertificateType.X509 } });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.illegal_parameter);
  });

  it('refuses server_certificate_type from a server when the client (X.509) did not offer it', async () => {
    const cred: EcdsaCredentials = { type: 'x509', privateKey: clientKey, chain: [fromHex(V.client)], verifyPeer: () => serverPub };
    const srv: EcdsaCredentials = { type: 'x509', privateKey: serverKey, chain: [fromHex(V.server)], verifyPeer: () => clientPub };
    const r = rig({ psk: undefined, certificate: cred }, { certificate: srv, test: { forceServerCertificateType: CertificateType.RawPublicKey } });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.unsupported_extension);
  });

  it('an RPK client refuses a CertificateRequest when the server did not agree to a raw public key for it', async () => {
    const r = rig({ psk: undefined, certificate: rpk(clientKey, serverPub) }, { certificate: { ...rpk(serverKey, clientPub), requireClientCertificate: true }, test: { omitClientCertificateType: true } });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.unsupported_certificate);
    assert.equal(e.sentByPeer, false);
  });

  it('the server refuses a client that sends its certificate but no CertificateVerify', async () => {
    const r = rig({ psk: undefined, certificate: rpk(clientKey, serverPub), test: { omitCertificateVerify: true } }, { certificate: { ...rpk(serverKey, clientPub), requireClientCertificate: true } });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.unexpected_message);
    assert.equal(e.sentByPeer, true);
  });

  it('an X.509-only server and an RPK client find no common certificate type', async () => {
    const r = rig({ psk: undefined, certificate: rpk(clientKey, serverPub) }, { certificate: { type: 'x509', privateKey: serverKey, chain: [fromHex(V.server)], verifyPeer: () => clientPub } });
    const e = await failure(handshake(r));
    assert.equal(e.description, AlertDescription.unsupported_certificate);
  });
});

describe('DTLS ECDHE-ECDSA-CCM8 in memory: X.509', () => {
  const server: EcdsaCredentials & { requireClientCertificate: boolean } = {
    type: 'x509',
    privateKey: privateKeyFromResource(fromHex(V.serverKeyPkcs8)),
    chain: [fromHex(V.server)],
    requireClientCertificate: true,
    verifyPeer: (_t, certs) => verifyChain(certs, { crypto: nobleCrypto, usage: CertificateUsage.TrustAnchorAssertion, pinned: fromHex(V.ca), peer: 'client' }).publicKey,
  };
  const client = (host: string, usage = CertificateUsage.TrustAnchorAssertion, pinned: string = V.ca): EcdsaCredentials => ({
    type: 'x509',
    privateKey: privateKeyFromResource(fromHex(V.clientKeySec1)),
    chain: [fromHex(V.client)],
    verifyPeer: (_t, certs) => verifyChain(certs, { crypto: nobleCrypto, usage, pinned: fromHex(pinned), host }).publicKey,
  });

  it('both chains checked (trust anchor 0/x/4, host lwm2m.example.net), client certificate required', async () => {
    const r = rig({ psk: undefined, certificate: client('lwm2m.example.net') }, { certificate: server });
    await handshake(r);
    assert.equal(r.client.state, 'established');
    assert.equal(r.client.negotiated.certificateType, CertificateType.X509);
  });

  it('domain-issued certificate (usage 3, the default) pins the server certificate', async () => {
    await handshake(rig({ psk: undefined, certificate: client('ignored', CertificateUsage.DomainIssuedCertificate, V.server) }, { certificate: server }));
    const e = await failure(handshake(rig({ psk: undefined, certificate: client('ignored', CertificateUsage.DomainIssuedCertificate, V.cnonly) }, { certificate: server })));
    assert.equal(e.description, AlertDescription.unknown_ca);
  });

  it('wrong host: bad_certificate', async () => {
    const e = await failure(handshake(rig({ psk: undefined, certificate: client('evil.example.org') }, { certificate: server })));
    assert.equal(e.description, AlertDescription.bad_certificate);
  });

  it('the server refuses a client certificate from another CA (unknown_ca)', async () => {
    const other = { ...server, verifyPeer: (_t: CertificateType, certs: Uint8Array[]) => verifyChain(certs, { crypto: nobleCrypto, usage: 2, pinned: fromHex(V.int), peer: 'client' }).publicKey };
    const e = await failure(handshake(rig({ psk: undefined, certificate: client('lwm2m.example.net') }, { certificate: other })));
    assert.equal(e.description, AlertDescription.unknown_ca);
    assert.equal(e.sentByPeer, true);
  });
});

describe('DTLS ECDHE-ECDSA-CCM8: mutated flights into live connections', () => {
  it('60 handshakes with byte flips in the server flight (Certificate, ServerKeyExchange, CertificateRequest) or the client flight: only DtlsError, on both sides', async () => {
    const p = new Prng(1414);
    let failed = 0;
    for (let i = 0; i < 60; i++) {
      const r = rig({ psk: undefined, certificate: rpk(clientKey, serverPub), retransmit: { initialMs: 1000, maxRetransmissions: 1 } }, { certificate: { ...rpk(serverKey, clientPub), requireClientCertificate: true } }, { seed: 1000 + i });
      // Datagram 3 is the server flight 4 (after HelloVerifyRequest and the second ClientHello), 4 the client flight 5.
      const target = i % 2 ? 3 : 4;
      let serverSaw: unknown = null;
      r.server.onConnectionClosed = (_c, reason) => (serverSaw = reason);
      setFilter(r, (d, _dir, n) => {
        if (n === target) for (let k = 1 + p.int(3); k > 0; k--) d[13 + p.int(d.length - 13)] ^= 1 << p.int(8);
        return 'deliver';
      });
      try {
        await handshake(r, 120_000);
      } catch (e) {
        failed++;
        assert.ok(e instanceof DtlsError, `client: ${String(e)}`);
      }
      assert.ok(serverSaw === null || serverSaw instanceof DtlsError, `server: ${String(serverSaw)}`);
    }
    assert.ok(failed > 40, `${failed} of 60 mutated handshakes failed (a flip in a signature, key or MAC must fail)`);
  });
});
