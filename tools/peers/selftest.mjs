// Self-test of the peer helpers: starts every peer through peers.mjs on free 127.0.0.1 ports and does a real
// DTLS 1.2 handshake plus application data with a reference client (openssl s_client, gnutls-cli, coap-client-*).
// Run through tools/peers/selftest.sh (which also checks versions, tshark and python3-gammu).
// Prints one line per check and closes with "N passed, N failed"; exit code 1 when something failed.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SUITES, GNUTLS_RPK_PRIORITY, ensureCerts, freeUdpPort, startOpenSslServer, startOpenSslClient,
  startGnutlsEcho, startCoapServer, startPionEcho, stopAllPeers, PION_ECHO_BIN,
} from './peers.mjs';

const PSK = '000102030405060708090a0b0c0d0e0f';
const COAP_KEY = 'secretPSK';
const COAP_PSK_HEX = Buffer.from(COAP_KEY).toString('hex');
const LIBCOAP_BANNER = 'This is a test server made with libcoap';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'peers-selftest-'));
const C = ensureCerts(path.join(work, 'certs'));
const only = process.argv[2] ? new RegExp(process.argv[2]) : null;

let passed = 0;
let failed = 0;
/** @param {string} name @param {() => Promise<string|void>} fn */
async function check(name, fn) {
  if (only && !only.test(name)) return;
  const t0 = Date.now();
  try {
    const note = await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)${note ? ` - ${note}` : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name} (${Date.now() - t0} ms)\n     ${String(e?.stack ?? e).split('\n').slice(0, 12).join('\n     ')}`);
  } finally {
    await stopAllPeers();
  }
}

/**
 * Runs a reference client: writes `input` to stdin (kept open), resolves with its output once `expect`
 * appears (then kills it) or once it exits by itself; rejects on timeout.
 * @param {string} cmd @param {string[]} args
 * @param {{input?: string, expect?: RegExp|string, timeoutMs?: number}} [o]
 * @returns {Promise<{out: string, code: number|null}>}
 */
function run(cmd, args, o = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (err, code = null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      if (err) reject(new Error(`${err}: ${cmd} ${args.join(' ')}\n--- output ---\n${out.slice(-1500)}`));
      else resolve({ out, code });
    };
    const matches = () => o.expect && (typeof o.expect === 'string' ? out.includes(o.expect) : o.expect.test(out));
    const onData = (b) => { out += b.toString(); if (matches()) finish(null); };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.stdin.on('error', () => {});
    p.on('error', (e) => finish(e.message));
    p.on('exit', (code) => setTimeout(() => (matches() || !o.expect ? finish(null, code) : finish(`exited ${code} without ${o.expect}`)), 50));
    const timer = setTimeout(() => finish(`timeout waiting for ${o.expect ?? 'exit'}`), o.timeoutMs ?? 10000);
    if (o.input !== undefined) p.stdin.write(o.input);
  });
}

/** openssl s_client through the helper: handshake, send a line, expect it echoed (or received by an s_server). */
async function sClientRoundTrip(port, opts, server) {
  const c = await startOpenSslClient({ port, ...opts });
  const msg = `hello-${Math.random().toString(16).slice(2)}\n`;
  c.send(msg);
  if (server?.name === 'openssl s_server') {
    await server.waitFor(msg.trim());
    server.send('reply-from-server\n');
    await c.waitFor('reply-from-server');
  } else {
    await c.waitFor(msg.trim()); // s_client prints what it receives, not what it sends: this is the echo
  }
  return c;
}

const gnutlsCliPsk = (port, priority, input) => run('gnutls-cli', ['--udp', '-p', String(port), '127.0.0.1',
  '--pskusername', 'client1', '--pskkey', PSK, '--priority', priority], { input, expect: `\n${input}` });

// ---------------------------------------------------------------- OpenSSL s_server
await check('openssl s_server PSK-CCM8 (identity + hint) <- s_client', async () => {
  const port = await freeUdpPort();
  const s = await startOpenSslServer({ port, pskHex: PSK, identity: 'client1', hint: 'hint', cipher: SUITES['psk-ccm8'].openssl, noTicket: true });
  const c = await sClientRoundTrip(port, { pskHex: PSK, identity: 'client1' }, s);
  return `cipher ${c.info.cipher}`;
});
await check('openssl s_server -psk_identity only warns on a wrong identity; a wrong key fails', async () => {
  const port = await freeUdpPort();
  const s = await startOpenSslServer({ port, pskHex: PSK, identity: 'client1' });
  const c = await startOpenSslClient({ port, pskHex: PSK, identity: 'intruder' });
  await s.waitFor(/PSK warning: client identity not what we expected/);
  await c.stop();
  const err = await startOpenSslClient({ port, pskHex: PSK.replace(/^00/, 'ff'), timeoutMs: 3000 }).then(() => null, (e) => e);
  if (!err) throw new Error('handshake with a wrong key succeeded');
});
await check('openssl s_server ECDHE-PSK-CBC <- s_client', async () => {
  const port = await freeUdpPort();
  const cipher = SUITES['ecdhe-psk-cbc'].openssl;
  const s = await startOpenSslServer({ port, pskHex: PSK, cipher });
  return `cipher ${(await sClientRoundTrip(port, { pskHex: PSK, cipher }, s)).info.cipher}`;
});
await check('openssl s_server ECDHE-ECDSA-CCM8 + client cert <- s_client', async () => {
  const port = await freeUdpPort();
  const cipher = SUITES['ecdhe-ecdsa-ccm8'].openssl;
  const s = await startOpenSslServer({ port, cert: C.serverCert, key: C.serverKey, caFile: C.caCert, cipher });
  const c = await sClientRoundTrip(port, { cert: C.clientCert, key: C.clientKey, caFile: C.caCert, cipher }, s);
  if (!/subject=CN = client1/.test(s.output())) throw new Error('server did not see the client certificate');
  return `cipher ${c.info.cipher}`;
});
await check('openssl s_server session resumption (session ID) <- s_client -sess_out/-sess_in', async () => {
  const port = await freeUdpPort();
  const sess = path.join(work, 'sess.pem');
  const s = await startOpenSslServer({ port, pskHex: PSK, noTicket: true });
  const c1 = await sClientRoundTrip(port, { pskHex: PSK, sessOut: sess }, s);
  await c1.stop();
  const c2 = await startOpenSslClient({ port, pskHex: PSK, sessIn: sess });
  if (!c2.info.resumed) throw new Error(`not resumed:\n${c2.output()}`);
  return 'Reused';
});

// ---------------------------------------------------------------- GnuTLS gnutls-serv --echo
await check('gnutls-serv PSK-CCM8 <- gnutls-cli', async () => {
  const port = await freeUdpPort();
  await startGnutlsEcho({ port, pskHex: PSK, identity: 'client1', priority: SUITES['psk-ccm8'].gnutls });
  await gnutlsCliPsk(port, SUITES['psk-ccm8'].gnutls, 'hi-gnutls\n');
});
await check('gnutls-serv PSK-CCM8 <- s_client (echo)', async () => {
  const port = await freeUdpPort();
  await startGnutlsEcho({ port, pskHex: PSK });
  return `cipher ${(await sClientRoundTrip(port, { pskHex: PSK })).info.cipher}`;
});
await check('gnutls-serv takes the next client once the previous one sent close_notify', async () => {
  const port = await freeUdpPort();
  await startGnutlsEcho({ port, pskHex: PSK });
  await (await sClientRoundTrip(port, { pskHex: PSK })).stop(); // stop() closes stdin: s_client sends close_notify
  await sClientRoundTrip(port, { pskHex: PSK });
});
await check('gnutls-serv ECDHE-PSK-CBC <- s_client (echo)', async () => {
  const port = await freeUdpPort();
  await startGnutlsEcho({ port, pskHex: PSK, priority: SUITES['ecdhe-psk-cbc'].gnutls });
  return `cipher ${(await sClientRoundTrip(port, { pskHex: PSK, cipher: SUITES['ecdhe-psk-cbc'].openssl })).info.cipher}`;
});
await check('gnutls-serv ECDHE-ECDSA-CCM8 X.509 <- gnutls-cli (CA-verified)', async () => {
  const port = await freeUdpPort();
  const priority = SUITES['ecdhe-ecdsa-ccm8'].gnutls;
  await startGnutlsEcho({ port, cert: C.serverCert, key: C.serverKey, priority });
  const { out } = await run('gnutls-cli', ['--udp', '-p', String(port), 'localhost', '--x509cafile', C.caCert, '--priority', priority],
    { input: 'hi-x509\n', expect: '\nhi-x509\n' });
  if (!/certificate is trusted/.test(out)) throw new Error('server certificate not verified');
});
await check('gnutls-serv ECDHE-ECDSA-CCM8 RPK both sides <- gnutls-cli', async () => {
  const port = await freeUdpPort();
  await startGnutlsEcho({ port, rawPkKey: C.serverKey, rawPkPub: C.serverPubPem, requireClientCert: true, priority: GNUTLS_RPK_PRIORITY });
  const { out } = await run('gnutls-cli', ['--udp', '-p', String(port), '127.0.0.1', '--rawpkkeyfile', C.clientKey,
    '--rawpkfile', C.clientPubPem, '--insecure', '--priority', GNUTLS_RPK_PRIORITY], { input: 'hi-rpk\n', expect: '\nhi-rpk\n' });
  if (!/Certificate type: Raw Public Key/.test(out)) throw new Error('not RPK');
});

// ---------------------------------------------------------------- libcoap
await check('coap-server-notls <- coap-client-notls GET /', async () => {
  const port = await freeUdpPort();
  await startCoapServer({ variant: 'notls', port });
  await run('coap-client-notls', ['-m', 'get', `coap://127.0.0.1:${port}/`], { expect: LIBCOAP_BANNER });
});
for (const variant of /** @type {const} */ (['gnutls', 'openssl'])) {
  await check(`coap-server-${variant} PSK <- coap-client-${variant} -u client1 -k ${COAP_KEY}`, async () => {
    const port = await freeUdpPort(2);
    const s = await startCoapServer({ variant, port, key: COAP_KEY, hint: 'hint' });
    await run(`coap-client-${variant}`, ['-u', 'client1', '-k', COAP_KEY, `coaps://127.0.0.1:${s.info.dtlsPort}/`], { expect: LIBCOAP_BANNER });
  });
  await check(`coap-server-${variant} PSK-CCM8 <- s_client (PSK as hex of the text key)`, async () => {
    const port = await freeUdpPort(2);
    await startCoapServer({ variant, port, pskHex: COAP_PSK_HEX, hint: '' });
    return `cipher ${(await startOpenSslClient({ port: port + 1, pskHex: COAP_PSK_HEX })).info.cipher}`;
  });
  await check(`coap-server-${variant} ECDHE-PSK-CBC <- s_client${variant === 'openssl' ? ' (expected to FAIL)' : ''}`, async () => {
    const port = await freeUdpPort(2);
    await startCoapServer({ variant, port, key: COAP_KEY });
    const r = await startOpenSslClient({ port: port + 1, pskHex: COAP_PSK_HEX, cipher: SUITES['ecdhe-psk-cbc'].openssl, timeoutMs: 5000 })
      .then((c) => c.info.cipher, (e) => e);
    if (variant === 'openssl') {
      if (!(r instanceof Error)) throw new Error(`coap-server-openssl now accepts ECDHE-PSK-CBC (${r}): update README`);
      return 'refused, as documented';
    }
    if (r instanceof Error) throw r;
    return `cipher ${r}`;
  });
}
await check('coap-server-gnutls X.509 (client cert verified) <- coap-client-gnutls', async () => {
  const port = await freeUdpPort(2);
  const s = await startCoapServer({ port, cert: C.serverCert, certKey: C.serverKey, caFile: C.caCert });
  await run('coap-client-gnutls', ['-c', C.clientCert, '-j', C.clientKey, '-C', C.caCert, `coaps://127.0.0.1:${s.info.dtlsPort}/`], { expect: LIBCOAP_BANNER });
});
await check('coap-server-gnutls X.509 ECDHE-ECDSA-CCM8 <- s_client', async () => {
  const port = await freeUdpPort(2);
  await startCoapServer({ port, cert: C.serverCert, certKey: C.serverKey, noVerify: true });
  return `cipher ${(await startOpenSslClient({ port: port + 1, caFile: C.caCert, cipher: SUITES['ecdhe-ecdsa-ccm8'].openssl })).info.cipher}`;
});
await check('coap-server-gnutls RPK <- coap-client-gnutls -M', async () => {
  const port = await freeUdpPort(2);
  const s = await startCoapServer({ port, rpkFile: C.serverKeySec1 });
  await run('coap-client-gnutls', ['-M', C.clientKeySec1, `coaps://127.0.0.1:${s.info.dtlsPort}/`], { expect: LIBCOAP_BANNER });
});

// ---------------------------------------------------------------- pion/dtls echo
await check('pion-echo PSK-CCM8 (hint) <- s_client (echo, identity logged)', async () => {
  const port = await freeUdpPort();
  const s = await startPionEcho({ port, pskHex: PSK, hint: 'hint', suite: 'psk-ccm8' });
  const c = await sClientRoundTrip(port, { pskHex: PSK, identity: 'client1' });
  await s.waitFor(/HANDSHAKE peer=\S+ suite=TLS_PSK_WITH_AES_128_CCM_8 identity=client1/);
  await s.waitFor(/RX peer=\S+ len=\d+/);
  return `cipher ${c.info.cipher}`;
});
await check('pion-echo PSK-CCM8 <- gnutls-cli', async () => {
  const port = await freeUdpPort();
  await startPionEcho({ port, pskHex: PSK });
  await gnutlsCliPsk(port, SUITES['psk-ccm8'].gnutls, 'hi-pion\n');
});
await check('pion-echo ECDHE-PSK-CBC <- s_client (echo)', async () => {
  const port = await freeUdpPort();
  const s = await startPionEcho({ port, pskHex: PSK, suite: 'ecdhe-psk-cbc' });
  const c = await sClientRoundTrip(port, { pskHex: PSK, cipher: SUITES['ecdhe-psk-cbc'].openssl });
  await s.waitFor(/suite=TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 identity=client1/);
  return `cipher ${c.info.cipher}`;
});
await check('pion-echo ECDHE-ECDSA-CCM8 + client cert <- s_client (echo)', async () => {
  const port = await freeUdpPort();
  const s = await startPionEcho({ port, suite: 'ecdhe-ecdsa-ccm8', cert: C.serverCert, key: C.serverKey, clientCa: C.caCert });
  const c = await sClientRoundTrip(port, { cert: C.clientCert, key: C.clientKey, caFile: C.caCert, cipher: SUITES['ecdhe-ecdsa-ccm8'].openssl });
  await s.waitFor(/suite=TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8/);
  return `cipher ${c.info.cipher}`;
});
await check('pion-echo -resume: session-ID resumption <- s_client -sess_out/-sess_in', async () => {
  const port = await freeUdpPort();
  const sess = path.join(work, 'pion-sess.pem');
  const s = await startPionEcho({ port, pskHex: PSK, resume: true });
  const c1 = await sClientRoundTrip(port, { pskHex: PSK, sessOut: sess });
  await c1.stop();
  const c2 = await startOpenSslClient({ port, pskHex: PSK, sessIn: sess });
  if (!c2.info.resumed) throw new Error(`not resumed:\n${c2.output()}`);
  await s.waitFor(/RESUME session=[0-9a-f]+/);
  return 'Reused';
});
await check('pion-echo two clients at once', async () => {
  const port = await freeUdpPort();
  const s = await startPionEcho({ port, pskHex: PSK });
  const [a, b] = await Promise.all([sClientRoundTrip(port, { pskHex: PSK }), sClientRoundTrip(port, { pskHex: PSK })]);
  if (!a.alive() || !b.alive()) throw new Error('client died');
  await s.waitFor(/HANDSHAKE[^\n]*\n[\s\S]*HANDSHAKE/);
});
await check('pion-echo -cid is refused (no Connection ID in pion/dtls 2.2.6)', async () => {
  const { out, code } = await run(PION_ECHO_BIN, ['-cid', '-addr', '127.0.0.1:0']);
  if (code !== 2 || !/Connection ID/.test(out)) throw new Error(`unexpected: code ${code} ${out}`);
});
await check('pion-echo exits cleanly on SIGTERM', async () => {
  const port = await freeUdpPort();
  const s = await startPionEcho({ port, pskHex: PSK });
  const code = await s.stop();
  if (code !== 0 || !/BYE/.test(s.output())) throw new Error(`exit ${code}: ${s.output()}`);
});

// ---------------------------------------------------------------- MFL and captures
await check('max_fragment_length 512: s_server, gnutls-serv, coap-server-* confirm it; pion ignores it', async () => {
  const mfl = /TLS server extension "max fragment length"/;
  const coapHex = COAP_PSK_HEX;
  /** @type {[string, (port: number) => Promise<unknown>, string, boolean][]} */
  const cases = [
    ['openssl', (port) => startOpenSslServer({ port, pskHex: PSK }), PSK, true],
    ['gnutls', (port) => startGnutlsEcho({ port, pskHex: PSK }), PSK, true],
    ['coap-gnutls', (port) => startCoapServer({ port: port - 1, key: COAP_KEY }), coapHex, true],
    ['coap-openssl', (port) => startCoapServer({ variant: 'openssl', port: port - 1, key: COAP_KEY }), coapHex, true],
    ['pion', (port) => startPionEcho({ port, pskHex: PSK }), PSK, false],
  ];
  for (const [name, start, key, expected] of cases) {
    const port = (await freeUdpPort(2)) + 1;
    await start(port);
    const c = await startOpenSslClient({ port, pskHex: key, maxFragLen: 512, extraArgs: ['-tlsextdebug'] });
    if (mfl.test(c.output()) !== expected) throw new Error(`${name}: MFL echoed=${mfl.test(c.output())}, expected ${expected}`);
    await stopAllPeers();
  }
});
await check('tshark captures and decodes a DTLS handshake on lo', async () => {
  const port = await freeUdpPort();
  const pcap = path.join(work, 'cap.pcap');
  const t = spawn('tshark', ['-i', 'lo', '-f', `udp port ${port}`, '-w', pcap], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  t.stderr.on('data', (b) => { err += b; });
  try {
    for (let i = 0; !/Capturing on/.test(err); i++) {
      if (i > 250 || t.exitCode !== null) throw new Error(`tshark did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await startPionEcho({ port, pskHex: PSK });
    await sClientRoundTrip(port, { pskHex: PSK });
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    t.kill('SIGINT');
    await new Promise((r) => (t.exitCode !== null ? r(undefined) : t.once('exit', r)));
  }
  const { out } = await run('tshark', ['-r', pcap, '-Y', 'dtls', '-T', 'fields', '-e', 'frame.len', '-e', '_ws.col.Info']);
  const frames = out.trim().split('\n').filter((l) => /^\d+\t/.test(l));
  if (!frames.some((l) => /Client Hello/.test(l)) || !frames.some((l) => /Application Data/.test(l))) throw new Error(`decoded:\n${out}`);
  return `${frames.length} DTLS frames, ${frames.reduce((a, l) => a + Number(l.split('\t')[0]), 0)} bytes on the wire (with headers)`;
});

fs.rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
