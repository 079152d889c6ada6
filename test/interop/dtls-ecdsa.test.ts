/**
 * TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (RFC 7251) of our DtlsClient against real peers: gnutls-serv with raw
 * public keys (RFC 7250) and with X.509, openssl s_server with a client certificate required, pion/dtls with
 * certificates. Credentials come from tools/peers/certs.sh (openssl). Ports: free ones, found at run time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assert } from '../harness/assert';
import { DtlsClient, type DtlsClientOptions } from '../../modules/dtls/client';
import { CertificateType, CipherSuiteId } from '../../modules/dtls/constants';
import { type EcdsaCredentials, pinnedRawPublicKey } from '../../modules/dtls/credentials';
import { DtlsAlert } from '../../modules/dtls/errors';
import { privateKeyFromResource, publicKeyFromResource } from '../../modules/x509/keys';
import { verifyChain, CertificateUsage } from '../../modules/x509/verify';
import { nodeHost, udpConnect, sleep } from '../node/dtls/support';
import { ensureCerts, freeUdpPort, peersAvailable, startGnutlsEcho, startOpenSslClient, startOpenSslServer, startPionEcho, stopAllPeers, GNUTLS_RPK_PRIORITY } from '../../tools/peers/peers.mjs';
import { DtlsServer, type DtlsServerConnection } from '../../modules/dtls/server';
import { NodeUdpSocket } from '../../hosts/node/udp';
import { spawn } from 'node:child_process';

const have = peersAvailable();
const certDir = path.join(os.tmpdir(), 'xs-lwm2m-certs');
const enc = (s: string) => new Uint8Array(Buffer.from(s));
const dec = (d: Uint8Array) => Buffer.from(d).toString();

function pemToDer(file: string): Uint8Array {
  const b64 = fs.readFileSync(file, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

export function rpkCredentials(c: ReturnType<typeof ensureCerts>): EcdsaCredentials {
  return {
    type: 'rpk',
    privateKey: privateKeyFromResource(new Uint8Array(fs.readFileSync(c.clientKey.replace(/\.key$/, '.key.der')))),
    verifyPeer: pinnedRawPublicKey(publicKeyFromResource(new Uint8Array(fs.readFileSync(c.serverPubDer)))),
  };
}

export function x509Credentials(c: ReturnType<typeof ensureCerts>, host = '127.0.0.1', usage = CertificateUsage.TrustAnchorAssertion): EcdsaCredentials {
  const ca = pemToDer(c.caCert);
  const server = pemToDer(c.serverCert);
  return {
    type: 'x509',
    privateKey: privateKeyFromResource(pemToDer(c.clientKey)),
    chain: [pemToDer(c.clientCert)],
    verifyPeer: (type, certs) => {
      assert.equal(type, CertificateType.X509);
      return verifyChain(certs, { crypto: nodeHost().crypto, usage, pinned: usage === CertificateUsage.DomainIssuedCertificate ? server : ca, host, now: () => Date.now() }).publicKey;
    },
  };
}

async function connect(port: number, opts: Partial<DtlsClientOptions>): Promise<{ client: DtlsClient; rx: Uint8Array[] }> {
  const ch = udpConnect(port);
  await ch.ready;
  const client = new DtlsClient(nodeHost(), ch, { retransmit: { initialMs: 1000, maxRetransmissions: 3 }, ...opts });
  const rx: Uint8Array[] = [];
  client.onReceive = (d) => rx.push(d);
  await client.connect();
  return { client, rx };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await sleep(10);
  }
}

async function echoRoundTrip(client: DtlsClient, rx: Uint8Array[], text: string): Promise<void> {
  client.send(enc(text));
  await until(() => rx.length > 0);
  assert.equal(dec(rx[0]), text);
}

afterEach(async () => {
  await stopAllPeers();
});

describe('interop: ECDHE-ECDSA-CCM8 with raw public keys against gnutls-serv 3.7', function () {
  before(function () {
    if (!have.gnutls || !have.openssl) this.skip();
  });

  it('handshake with RPK both ways (client key required), data echoed', async () => {
    const c = ensureCerts(certDir);
    const port = await freeUdpPort();
    const srv = await startGnutlsEcho({ port, rawPkKey: c.serverKey, rawPkPub: c.serverPubPem, requireClientCert: true });
    const { client, rx } = await connect(port, { certificate: rpkCredentials(c) });
    assert.equal(client.negotiated.cipherSuite, CipherSuiteId.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
    assert.equal(client.negotiated.certificateType, CertificateType.RawPublicKey);
    await echoRoundTrip(client, rx, 'rpk hello');
    client.close();
    assert.ok(/command: rpk hello/.test(srv.output()), srv.output());
  });

  it('refuses a server whose raw public key is not the pinned one (bad_certificate)', async () => {
    const c = ensureCerts(certDir);
    const port = await freeUdpPort();
    // The server presents the CA's key instead of server.pub.
    await startGnutlsEcho({ port, rawPkKey: c.caKey, rawPkPub: c.caCert.replace(/\.crt$/, '.pub.pem') });
    const err = await connect(port, { certificate: rpkCredentials(c) }).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof DtlsAlert, String(err));
    assert.ok(/bad_certificate/.test(String(err.message)), String(err.message));
  });
});

describe('interop: ECDHE-ECDSA-CCM8 with X.509 against gnutls-serv, openssl s_server and pion', function () {
  before(function () {
    if (!have.gnutls || !have.openssl) this.skip();
  });

  it('gnutls-serv: server chain checked (trust anchor 0/x/15=2, host 127.0.0.1), client certificate required', async () => {
    const c = ensureCerts(certDir);
    const port = await freeUdpPort();
    await startGnutlsEcho({ port, cert: c.serverCert, key: c.serverKey, caFile: c.caCert, requireClientCert: true });
    const { client, rx } = await connect(port, { certificate: x509Credentials(c) });
    assert.equal(client.negotiated.cipherSuite, CipherSuiteId.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
    await echoRoundTrip(client, rx, 'x509 hello gnutls');
    client.close();
  });

  it('gnutls-serv: the server certificate does not name the URI host -> bad_certificate', async () => {
    const c = ensureCerts(certDir);
    const port = await freeUdpPort();
    await startGnutlsEcho({ port, cert: c.serverCert, key: c.serverKey });
    const err = await connect(port, { certificate: x509Credentials(c, 'lwm2m.example.com') }).then(() => null, (e) => e);
    assert.ok(err instanceof DtlsAlert, String(err));
    assert.ok(/bad_certificate.*example\.com/.test(String(err.message)), String(err.message));
  });

  it('openssl s_server: -Verify 1 (client certificate required), data both ways', async () => {
    const c = ensureCerts(certDir);
    const port = await freeUdpPort();
    const srv = await startOpenSslServer({ port, cert: c.serverCert, key: c.serverKey, caFile: c.caCert, cipher: 'ECDHE-ECDSA-AES128-CCM8' });
    const { client, rx } = await connect(port, { certificate: x509Credentials(c, 'localhost', CertificateUsage.DomainIssuedCertificate) });
    client.send(enc('hello openssl x509\n'));
    await srv.waitFor(/hello openssl x509/);
    srv.send('pong\n');
    await until(() => rx.length > 0);
    assert.equal(dec(rx[0]), 'pong\n');
    client.close();
  });

  it('pion/dtls: certificates, client certificate verified by pion', async function () {
    if (!have.pion) this.skip();
    const c = ensureCerts(certDir);
    const port = await freeUdpPort();
    const srv = await startPionEcho({ port, suite: 'ecdhe-ecdsa-ccm8', cert: c.serverCert, key: c.serverKey, clientCa: c.caCert });
    const { client, rx } = await connect(port, { certificate: x509Credentials(c) });
    await echoRoundTrip(client, rx, 'x509 hello pion');
    await srv.waitFor(/HANDSHAKE .*suite=TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8/);
    client.close();
  });
});

describe('interop: our DtlsServer (ECDHE-ECDSA-CCM8) against openssl s_client and gnutls-cli', function () {
  this.timeout(30_000);
  before(function () {
    if (!have.gnutls || !have.openssl) this.skip();
  });

  async function ourServer(certificate: ConstructorParameters<typeof DtlsServer>[1]['certificate']) {
    const sock = await NodeUdpSocket.open({ port: 0 });
    const server = new DtlsServer(nodeHost(), { certificate });
    server.listen(sock);
    const got: string[] = [];
    let client: DtlsServerConnection | null = null;
    server.onConnection = (c) => {
      client = c;
      c.onReceive = (d) => {
        got.push(dec(d));
        c.send(enc('echo:' + dec(d)));
      };
    };
    return { sock, server, got, client: () => client, port: sock.localPort };
  }

  it('openssl s_client with a client certificate: our server checks it (trust anchor = CA) and s_client checks ours', async () => {
    const c = ensureCerts(certDir);
    const s = await ourServer({
      type: 'x509',
      privateKey: privateKeyFromResource(pemToDer(c.serverKey)),
      chain: [pemToDer(c.serverCert)],
      requireClientCertificate: true,
      verifyPeer: (_t, certs) => verifyChain(certs, { crypto: nodeHost().crypto, usage: CertificateUsage.TrustAnchorAssertion, pinned: pemToDer(c.caCert), peer: 'client' }).publicKey,
    });
    try {
      const cli = await startOpenSslClient({ port: s.port, cert: c.clientCert, key: c.clientKey, caFile: c.caCert, cipher: 'ECDHE-ECDSA-AES128-CCM8' });
      assert.equal(cli.info.cipher, 'ECDHE-ECDSA-AES128-CCM8');
      cli.send('hello our server\n');
      await until(() => s.got.length > 0);
      assert.equal(s.got[0], 'hello our server\n');
      await cli.waitFor(/echo:hello our server/);
      assert.ok(s.client()!.clientPublicKey, 'client key known after CertificateVerify');
      await cli.stop();
    } finally {
      s.server.close();
      s.sock.close();
    }
  });

  it('gnutls-cli with raw public keys both ways against our server', async () => {
    const c = ensureCerts(certDir);
    const clientPub = publicKeyFromResource(new Uint8Array(fs.readFileSync(c.clientPubDer)));
    const s = await ourServer({ type: 'rpk', privateKey: privateKeyFromResource(pemToDer(c.serverKey)), requireClientCertificate: true, verifyPeer: pinnedRawPublicKey(clientPub) });
    try {
      const p = spawn('gnutls-cli', ['--udp', '-p', String(s.port), '127.0.0.1', '--rawpkkeyfile', c.clientKey, '--rawpkfile', c.clientPubPem, '--insecure', '--priority', GNUTLS_RPK_PRIORITY], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b) => (out += b));
      p.stderr.on('data', (b) => (out += b));
      try {
        await until(() => /Handshake was completed/.test(out), 10_000).catch((e) => {
          throw new Error(`${e.message}: ${out}`);
        });
        assert.ok(/Certificate type: Raw Public Key/.test(out), out);
        p.stdin.write('rpk to our server\n');
        await until(() => s.got.length > 0);
        assert.equal(s.got[0], 'rpk to our server\n');
        await until(() => /echo:rpk to our server/.test(out));
      } finally {
        p.kill();
      }
    } finally {
      s.server.close();
      s.sock.close();
    }
  });
});
