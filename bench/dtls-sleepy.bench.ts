// DTLS for sleepy devices: handshake bytes per flight (the layout of the IETF comparison of IoT security
// protocols: client flights #1 #3 #5, server #2 #4 #6) for PSK, ECDHE-PSK, RPK and X.509; the bytes and
// datagrams of a wake of a sealed connection; a 30-simulated-day run with a wake every hour and a new NAT
// mapping at every wake (sealed connection + CID vs resumption only vs full handshakes only); XS compute of a
// handshake per suite. All in memory against our own DtlsServer on simulated time (byte counts are exact).
import { dtlsRecords } from '../tools/dtls-wire';
import { remoteCryptoHost } from './remote-crypto-host';
import { DatagramPipe, SimHost } from '../test/harness/sim';
import { fromHex } from '../modules/bytes/index';
import { DtlsClient, type DtlsClientOptions } from '../modules/dtls/client';
import { DtlsServer, type DtlsServerOptions, type DtlsServerConnection } from '../modules/dtls/server';
import { CipherSuiteId } from '../modules/dtls/constants';
import { pinnedRawPublicKey } from '../modules/dtls/credentials';
import { sleepInto, takeSleepState, type SleepStore } from '../modules/dtls/sleep';
import type { DtlsSession } from '../modules/dtls/session';
import { KeyStore } from '../modules/store/key-store';
import { CounterStore } from '../modules/store/counter-store';
import { SimFlash } from '../modules/store/sim-flash';
import { nobleCrypto } from '../modules/crypto/noble';
import { privateKeyFromResource } from '../modules/x509/keys';
import { verifyChain } from '../modules/x509/verify';
import { V } from '../test/unit/x509/vectors';
import { table, xsMeters } from './harness';

const PSK = fromHex('000102030405060708090a0b0c0d0e0f');
const p256 = nobleCrypto.p256;
const sk = fromHex(V.serverScalar);
const ck = fromHex(V.clientScalar);
const spub = p256.publicKeyOf(sk);
const cpub = p256.publicKeyOf(ck);
const BARE: Partial<DtlsClientOptions> = { extendedMasterSecret: false, renegotiationInfo: 'none' };

type Setup = { name: string; client: DtlsClientOptions; server: DtlsServerOptions };
const setups: Setup[] = [
  { name: 'PSK (TLS_PSK_WITH_AES_128_CCM_8)', client: { ...BARE, psk: PSK, identity: 'client1' }, server: { psk: () => PSK.slice() } },
  { name: 'ECDHE-PSK (TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256)', client: { ...BARE, psk: PSK, identity: 'client1', cipherSuites: [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256] }, server: { psk: () => PSK.slice(), cipherSuites: [CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256] } },
  { name: 'RPK (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8), mutual', client: { ...BARE, certificate: { type: 'rpk', privateKey: ck, verifyPeer: pinnedRawPublicKey(spub) } }, server: { certificate: { type: 'rpk', privateKey: sk, verifyPeer: pinnedRawPublicKey(cpub), requireClientCertificate: true } } },
  {
    name: 'X.509 (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8), mutual, 1 cert each',
    client: { ...BARE, certificate: { type: 'x509', privateKey: privateKeyFromResource(fromHex(V.clientKeyPkcs8)), chain: [fromHex(V.client)], verifyPeer: (_t, c) => verifyChain(c, { crypto: nobleCrypto, usage: 3, pinned: fromHex(V.server) }).publicKey } },
    server: { certificate: { type: 'x509', privateKey: privateKeyFromResource(fromHex(V.serverKeyPkcs8)), chain: [fromHex(V.server)], requireClientCertificate: true, verifyPeer: (_t, c) => verifyChain(c, { crypto: nobleCrypto, usage: 2, pinned: fromHex(V.ca), peer: 'client' }).publicKey } },
  },
];

function flights(s: Setup): number[] {
  const host = new SimHost({ seed: 3 });
  const pipe = new DatagramPipe(host.clock, 1, 1400);
  const server = new DtlsServer(host, s.server);
  server.attach(pipe.b);
  const client = new DtlsClient(host, pipe.a, s.client);
  void client.connect();
  host.clock.runAll();
  if (client.state !== 'established') throw new Error(`${s.name}: no handshake`);
  // Datagrams alternate direction by flight; a flight may span several datagrams.
  const out: number[] = [];
  let dir = '';
  for (const d of pipe.sent) {
    if (d.direction !== dir) out.push(0);
    dir = d.direction;
    out[out.length - 1] += d.data.length;
  }
  return out;
}

const rows = setups.map((s) => {
  const f = flights(s);
  return { suite: s.name, '#1': f[0], '#2': f[1], '#3': f[2], '#4': f[3], '#5': f[4], '#6': f[5], total: f.reduce((a, b) => a + b, 0) };
});
table('DTLS 1.2 handshake bytes per flight (UDP payload; cookie 16 B, no EMS/SCSV/MFL/CID, identity "client1"; our client and server)', rows);

// ---- a wake, and 30 days of hourly wakes with a new NAT mapping each time ----
interface RunResult { full: number; abbreviated: number; woken: number; bytes: number; datagrams: number; flashWrites: number }
function thirtyDays(strategy: 'sealed+CID' | 'resumption only' | 'full only'): RunResult {
  const host = new SimHost({ seed: 11 });
  const pipe = new DatagramPipe(host.clock, 1, 1400);
  const cid = strategy === 'sealed+CID';
  const server = new DtlsServer(host, { psk: () => PSK.slice(), connectionIdLength: cid ? 4 : 0, resumption: strategy !== 'full only' });
  let peer = 'nat-0';
  pipe.b.onReceive = (d) => server.handle(d, peer, (x) => pipe.b.send(x));
  server.onConnection = (c: DtlsServerConnection) => (c.onReceive = (d) => c.send(d.subarray(0, 10)));
  const kf = new SimFlash(8 * 1024, 1024);
  const cf = new SimFlash(2 * 1024, 1024);
  const store: SleepStore = { keys: new KeyStore(host, kf), counters: new CounterStore(host, cf) };
  const r: RunResult = { full: 0, abbreviated: 0, woken: 0, bytes: 0, datagrams: 0, flashWrites: 0 };
  let session: DtlsSession | undefined;
  const opts: DtlsClientOptions = { ...BARE, psk: PSK, identity: 'client1', ...(cid ? { connectionId: new Uint8Array(0) } : {}) };
  const update = new Uint8Array(20).fill(0x42); // a CoAP Registration Update's size
  for (let hour = 0; hour < 30 * 24; hour++) {
    peer = `nat-${hour}`; // every wake comes through a new NAT mapping
    let client: DtlsClient;
    const w = cid ? takeSleepState(store, 'dtls.sleep') : null;
    if (w) {
      client = new DtlsClient(host, pipe.a, { wake: w });
      r.woken++;
    } else {
      client = new DtlsClient(host, pipe.a, { ...opts, session: strategy === 'full only' ? undefined : session });
      void client.connect();
      host.clock.runAll();
      if (client.resumed) r.abbreviated++;
      else r.full++;
      session = client.exportSession() ?? undefined;
    }
    let got = 0;
    client.onReceive = () => got++;
    client.send(update);
    host.clock.runAll();
    if (got !== 1) throw new Error(`${strategy}: hour ${hour}: no answer`);
    if (cid) sleepInto(client, store, 'dtls.sleep');
    else client.suspend(); // sleeping without sealing: the connection is lost with the NAT mapping
    host.clock.advance(3600_000);
  }
  r.bytes = pipe.bytesSent();
  r.datagrams = pipe.sent.length;
  r.flashWrites = kf.totalPrograms() + cf.totalPrograms();
  return r;
}

// One wake, on its own.
{
  const host = new SimHost({ seed: 5 });
  const pipe = new DatagramPipe(host.clock, 1, 1400);
  const server = new DtlsServer(host, { psk: () => PSK.slice(), connectionIdLength: 4 });
  let peer = 'a';
  pipe.b.onReceive = (d) => server.handle(d, peer, (x) => pipe.b.send(x));
  server.onConnection = (c) => (c.onReceive = (d) => c.send(d.subarray(0, 10)));
  const c = new DtlsClient(host, pipe.a, { ...BARE, psk: PSK, identity: 'client1', connectionId: new Uint8Array(0) });
  void c.connect();
  host.clock.runAll();
  const store: SleepStore = { keys: new KeyStore(host, new SimFlash(4096, 1024)), counters: new CounterStore(host, new SimFlash(2048, 1024)) };
  sleepInto(c, store, 'w');
  peer = 'b';
  const mark = pipe.sent.length;
  const woken = new DtlsClient(host, pipe.a, { wake: takeSleepState(store, 'w')! });
  woken.send(new Uint8Array(20));
  host.clock.runAll();
  const d = pipe.sent.slice(mark);
  table('A wake of a sealed connection (20-byte request, 10-byte answer; server CID 4 B, client CID 0 B)', [
    { datagrams: d.length, 'bytes up': d[0].data.length, 'bytes down': d[1]?.data.length ?? 0, 'DTLS overhead up': d[0].data.length - 20, 'DTLS overhead down': (d[1]?.data.length ?? 0) - 10, 'handshake (epoch-0) bytes': d.reduce((n, x) => n + dtlsRecords(x.data, x.direction === 'a->b' ? 4 : 0).filter(([, epoch]) => epoch === 0).reduce((m, [, , size]) => m + size, 0), 0) },
  ]);
}

const days = (['sealed+CID', 'resumption only', 'full only'] as const).map((s) => {
  const r = thirtyDays(s);
  return { strategy: s, 'full handshakes': r.full, 'abbreviated': r.abbreviated, 'woken (no handshake)': r.woken, 'bytes (UDP payload)': r.bytes, datagrams: r.datagrams, 'flash programs': r.flashWrites };
});
table('30 simulated days, a wake every hour, a new NAT mapping at every wake, 20-byte update + 10-byte answer (PSK-CCM8)', days);

// XS compute per handshake on two providers in one xsnap run, medians of RUNS handshakes each. 'noble': every
// primitive in XS (modules/crypto/noble). 'native path': every primitive (AES block, SHA-256, HMAC, P-256 key
// generation, ECDH, ECDSA sign/verify) done outside XS through a synchronous issueCommand to this process
// (bench/remote-crypto.ts), so the meter counts what a native provider leaves in JS: the DTLS handshake, record
// and CCM code over the primitives, plus the marshalling of each primitive call into one buffer. It excludes
// the native primitives' own cost, which a device spends in C (hosts/esp32/crypto-moddable.ts).
const RUNS = 7;
const remote = remoteCryptoHost();
const suites = [
  ['PSK-CCM8, client + server', 'PSK-CCM8 handshake (client+server)'],
  ['ECDHE-ECDSA-CCM8, RPK, mutual, client + server', 'ECDHE-ECDSA-CCM8 RPK handshake, mutual (client+server)'],
  ['PSK-CCM8, client only (the device)', 'PSK-CCM8 handshake (client only)'],
  ['ECDHE-ECDSA-CCM8, RPK, mutual, client only (the device)', 'ECDHE-ECDSA-CCM8 RPK handshake, mutual (client only)'],
] as const;
const xs = await xsMeters('bench/dtls-sleepy.xs.ts', suites.flatMap(([, c]) => [c, `${c}, native path`]), RUNS, { handleCommand: remote.handle, median: true });
table(`XS compute per DTLS handshake, median of ${RUNS} (xsnap; 'client only': our server runs in the Node parent, reached by issueCommand): noble provider vs the native-provider path (primitives outside XS; includes the JS of DTLS/CCM and the per-call marshalling, excludes the primitives themselves)`,
  suites.map(([name, c]) => ({ suite: name, 'noble (all in XS)': xs[c].compute, 'native path (JS only)': xs[`${c}, native path`].compute, 'native / noble': `${((100 * xs[`${c}, native path`].compute) / xs[c].compute).toFixed(1)} %` })));
console.log(`(primitive calls answered outside XS over the run: ${remote.calls})`);
