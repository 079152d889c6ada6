// DTLS: our client vs node-dtls-client, each doing a PSK-CCM8 handshake plus one 20-byte record against
// the same `openssl s_server` (timed until s_server prints the record; s_server has no echo and refuses
// -rev with DTLS), through a counting UDP relay; then XS meters for one in-memory handshake. Ports 5725/5726.
import * as dgram from 'node:dgram';
import { dtls } from 'node-dtls-client';
import { DtlsClient } from '../modules/dtls/client';
import { nodeHost, udpConnect } from '../test/node/dtls/support';
import { startOpenSslServer, stopAllPeers } from '../tools/peers/peers.mjs';
import { median, table, xsMeters } from './harness';

const PSK_TEXT = 'secretPSK1234567'; // ASCII: node-dtls-client takes the PSK as a string
const PSK = new Uint8Array(Buffer.from(PSK_TEXT));
const SERVER = 5725;
const RELAY = 5726;
let runNo = 0;
/** A unique 20-byte line per run, so the wait matches this run's record only. */
const line = () => `run-${String(++runNo).padStart(4, '0')}-abcdefghij\n`;

/** A UDP relay between one client and the server that counts datagrams and bytes per direction. */
function relay() {
  const sock = dgram.createSocket('udp4');
  let client: { port: number; address: string } | null = null;
  const stats = { up: [] as number[], down: [] as number[] };
  sock.on('message', (msg, r) => {
    if (r.port === SERVER) {
      stats.down.push(msg.length);
      if (client) sock.send(msg, client.port, client.address);
    } else {
      client = { port: r.port, address: r.address };
      stats.up.push(msg.length);
      sock.send(msg, SERVER, '127.0.0.1');
    }
  });
  return {
    ready: new Promise<void>((res) => sock.bind(RELAY, '127.0.0.1', () => res())),
    stats,
    reset() {
      stats.up = [];
      stats.down = [];
      client = null;
    },
    close: () => sock.close(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Each function resolves once the record has left (timed part) with a `finish` that checks s_server
// printed it and closes (untimed).
type Run = () => Promise<() => Promise<void>>;

let target = RELAY;

const ours: Run = async () => {
  const ch = udpConnect(target);
  await ch.ready;
  const c = new DtlsClient(nodeHost(), ch, { psk: PSK, identity: 'client1', retransmit: { initialMs: 1000 } });
  await c.connect();
  const l = line();
  c.send(new Uint8Array(Buffer.from(l)));
  return async () => {
    await srv.waitFor(l.trim());
    c.close();
  };
};

const theirs: Run = async () => {
  const l = line();
  const s = await new Promise<dtls.Socket>((resolve, reject) => {
    const s = dtls.createSocket({ type: 'udp4', address: '127.0.0.1', port: target, psk: { client1: PSK_TEXT }, timeout: 5000, ciphers: ['TLS_PSK_WITH_AES_128_CCM_8'] });
    s.on('connected', () => s.send(Buffer.from(l), () => resolve(s)));
    s.on('error', reject);
  });
  return async () => {
    await srv.waitFor(l.trim());
    s.close();
  };
};

const srv = await startOpenSslServer({ port: SERVER, pskHex: Buffer.from(PSK_TEXT).toString('hex'), identity: 'client1' });
const r = relay();
await r.ready;
const rows: Record<string, string | number>[] = [];
const results: Record<string, { median: number; up: number[]; down: number[] }> = {};
for (const [name, fn] of [
  ['xs-lwm2m DtlsClient', ours],
  ['node-dtls-client 1.1', theirs],
] as [string, Run][]) {
  // Bytes: one run through the counting relay. Time: 15 runs straight to s_server (the relay would
  // share this process's event loop), the first one discarded as warm-up.
  target = RELAY;
  r.reset();
  await (await fn())();
  await sleep(60); // let s_server see the close and take the next client
  const bytes = { up: [...r.stats.up], down: [...r.stats.down] };
  target = SERVER;
  const runs: number[] = [];
  for (let i = 0; i < 16; i++) {
    const t0 = performance.now();
    const finish = await fn();
    const t = performance.now() - t0;
    await finish();
    await sleep(60);
    if (i > 0) runs.push(t);
  }
  results[name] = { median: median(runs), ...bytes };
}
await stopAllPeers();
r.close();

// SPEC-NOTES §2: 443 + 2L + I for the bare handshake; +18 with EMS, +4 with the SCSV.
const cookieLen = results['xs-lwm2m DtlsClient'].down[0] - 28;
const bare = 443 + 2 * cookieLen + 7;
for (const [name, res] of Object.entries(results)) {
  const hs = [...res.up.slice(0, 3), ...res.down.slice(0, 3)].reduce((a, b) => a + b, 0);
  const all = [...res.up, ...res.down].reduce((a, b) => a + b, 0);
  rows.push({
    client: name,
    'median ms, handshake + record sent (15 runs)': res.median.toFixed(2),
    'handshake B (6 datagrams)': hs,
    'all B / datagrams (incl. record, close)': `${all} / ${res.up.length + res.down.length}`,
    'datagram sizes up | down': `${res.up.join(' ')} | ${res.down.join(' ')}`,
  });
}
const ourMin = bare + 18 + 4;
table(`DTLS PSK-CCM8 handshake + one 20-byte record vs openssl s_server (cookie L=${cookieLen}, identity I=7)`, rows);
console.log(`time ratio ours / node-dtls-client: ${(results['xs-lwm2m DtlsClient'].median / results['node-dtls-client 1.1'].median).toFixed(3)}`);
console.log(`minimum for our offer (SPEC-NOTES §2): ${bare} bare + 18 EMS + 4 SCSV = ${ourMin} B; the server's renegotiation_info answer adds 5 it must send`);

const xs = await xsMeters('bench/dtls.xs.ts', ['full handshake, client+server (no EMS)', 'full handshake, client+server (EMS+SCSV)'], 3);
table(
  'XS (xsnap) one in-memory handshake with cookie + 20-byte record each way, client and server together',
  Object.entries(xs).map(([k, v]) => ({
    case: k,
    'xs compute/handshake': v.compute.toLocaleString('en-US'),
    'xs heap after (bytes, whole machine)': v.allocate.toLocaleString('en-US'),
    'xs live slots after': (v.heapCount ?? 0).toLocaleString('en-US'),
  })),
);
