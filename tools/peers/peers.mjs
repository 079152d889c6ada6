// Start/stop helpers for the third-party DTLS/CoAP peers used by the interop tests.
// The peers come from Debian packages (tools/peers/install.sh) plus our pion/dtls echo server
// (tools/peers/pion-echo, built by install.sh into tools/peers/.build/pion-echo). See tools/peers/README.md.
//
// Every start* function resolves once the peer is listening (its UDP port(s) are bound by the spawned
// process, and its ready line was printed where it has one) and returns a PeerHandle. Every process is
// killed by handle.stop(), and also when this Node process exits (SIGKILL from an 'exit' hook).
// Servers bind 127.0.0.1 only, except gnutls-serv, which has no bind-address option (see README).
//
// Plain ESM JavaScript with JSDoc types; import it from TypeScript tests as '../../tools/peers/peers.mjs'.

import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of this file (tools/peers). */
export const PEERS_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Where install.sh puts the pion echo server. */
export const PION_ECHO_BIN = path.join(PEERS_DIR, '.build', 'pion-echo');
/** Where install.sh puts the pion DTLS relay (DTLS PSK in front of a plain-UDP server). */
export const PION_RELAY_BIN = path.join(PEERS_DIR, '.build', 'pion-relay');
/** Debian's python3 (has python3-gammu); `python3` on PATH may be another interpreter. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Default ports (all on 127.0.0.1); see README "Ports". */
export const PORTS = Object.freeze({
  opensslPskCcm8: 5684, opensslEcdhePskCbc: 5685, opensslEcdsaCcm8: 5686,
  gnutlsPskCcm8: 5690, gnutlsEcdhePskCbc: 5691, gnutlsEcdsaCcm8: 5692, gnutlsRpk: 5693,
  coapNotls: 5700, coapGnutlsPsk: 5710, coapOpensslPsk: 5720, coapGnutlsX509: 5740, coapGnutlsRpk: 5750, // DTLS on +1
  pionEcho: 5760, // 5760-5769
  ownServerForOpensslClient: 5770, // 5770-5779: the project's own DTLS server, probed by startOpenSslClient
});

const GNUTLS_BASE = 'NONE:+VERS-DTLS1.2:+COMP-NULL:+SIGN-ALL';
/**
 * The three LwM2M suites, named alike for every peer.
 * @type {Readonly<Record<'psk-ccm8'|'ecdhe-psk-cbc'|'ecdhe-ecdsa-ccm8', {iana:number, name:string, openssl:string, gnutls:string, pion:string}>>}
 */
export const SUITES = Object.freeze({
  'psk-ccm8': { iana: 0xc0a8, name: 'TLS_PSK_WITH_AES_128_CCM_8', openssl: 'PSK-AES128-CCM8',
    gnutls: `${GNUTLS_BASE}:+AES-128-CCM-8:+AEAD:+PSK:+GROUP-ALL`, pion: 'psk-ccm8' },
  'ecdhe-psk-cbc': { iana: 0xc037, name: 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-PSK-AES128-CBC-SHA256',
    gnutls: `${GNUTLS_BASE}:+AES-128-CBC:+SHA256:+ECDHE-PSK:+GROUP-SECP256R1`, pion: 'ecdhe-psk-cbc' },
  'ecdhe-ecdsa-ccm8': { iana: 0xc0ae, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', openssl: 'ECDHE-ECDSA-AES128-CCM8',
    gnutls: `${GNUTLS_BASE}:+AES-128-CCM-8:+AEAD:+ECDHE-ECDSA:+GROUP-SECP256R1`, pion: 'ecdhe-ecdsa-ccm8' },
});
/** GnuTLS priority for raw public keys (RFC 7250) on both sides, ECDHE-ECDSA-CCM8. */
export const GNUTLS_RPK_PRIORITY = `${SUITES['ecdhe-ecdsa-ccm8'].gnutls}:+CTYPE-SRV-RAWPK:+CTYPE-CLI-RAWPK`;

/**
 * @typedef {object} PeerHandle
 * @property {import('node:child_process').ChildProcessWithoutNullStreams} proc the spawned process
 * @property {string} name short label, e.g. 'openssl s_server'
 * @property {number} port the UDP port it listens on or connects to (DTLS port for libcoap: port + 1 is in `dtlsPort`)
 * @property {() => Promise<number|null>} stop SIGTERM, then SIGKILL after 2 s; resolves with the exit code (null when
 *   ended by a signal); idempotent. For s_client it first closes stdin, so that the client sends close_notify.
 * @property {() => string} output everything printed so far, stdout and stderr interleaved (UTF-8)
 * @property {() => Buffer} outputBytes the same as raw bytes
 * @property {(pattern: RegExp|string, timeoutMs?: number) => Promise<RegExpMatchArray|string>} waitFor
 *   resolves when output() (from the start) matches; rejects on timeout or process exit
 * @property {(data: string|Uint8Array) => void} send write to the process's stdin (s_server / s_client send it as application data)
 * @property {() => boolean} alive whether the process is still running
 * @property {Record<string, unknown>} info extra facts (e.g. dtlsPort, negotiated cipher, temp files)
 */

/** Started peers not yet stopped: process -> {stop, tmpDir}. @type {Map<import('node:child_process').ChildProcess, {stop: () => Promise<unknown>, tmpDir?: string}>} */
const live = new Map();
let hooksInstalled = false;
function killAllNow() {
  for (const [p, { tmpDir }] of live) {
    if (p.exitCode === null && p.signalCode === null) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
    if (tmpDir) { try { fs.rmSync(tmpDir, { recursive: true, force: true }); } catch { /* ignore */ } }
  }
}
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of /** @type {const} */ (['SIGTERM', 'SIGHUP'])) {
    if (process.listenerCount(sig) > 0) continue; // someone else handles it and will call process.exit()
    process.once(sig, () => {
      killAllNow();
      process.kill(process.pid, sig); // default action now that our handler is gone
    });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True when `cmd` is on PATH (or is an executable path). @param {string} cmd */
export function have(cmd) {
  if (cmd.includes('/')) { try { fs.accessSync(cmd, fs.constants.X_OK); return true; } catch { return false; } }
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null`, 'sh', cmd]).status === 0;
}

/**
 * The error a suite throws from its `before` hook when a peer it needs is absent: the suite then fails
 * and counts in `npm test`'s closing line (a missing peer is never a skip).
 * @param {string} what
 */
export function missingPeer(what) {
  return new Error(`${what} missing: run \`bash tools/peers/install.sh\` (npm test runs it before the suites that need it)`);
}

/**
 * Which peers are installed here (a suite whose peer is missing fails, see missingPeer).
 * @returns {{openssl:boolean, gnutls:boolean, libcoapGnutls:boolean, libcoapOpenssl:boolean, libcoapNotls:boolean, pion:boolean, tshark:boolean, gammu:boolean, mbedtls:boolean}}
 */
export function peersAvailable() {
  return {
    openssl: have('openssl'),
    gnutls: have('gnutls-serv') && have('gnutls-cli'),
    libcoapGnutls: have('coap-server-gnutls') && have('coap-client-gnutls'),
    libcoapOpenssl: have('coap-server-openssl') && have('coap-client-openssl'),
    libcoapNotls: have('coap-server-notls') && have('coap-client-notls'),
    pion: have(PION_ECHO_BIN),
    mbedtls: have(MBEDTLS_SERVER_BIN),
    tshark: have('tshark'),
    gammu: have(DEBIAN_PYTHON) && spawnSync(DEBIAN_PYTHON, ['-c', 'import gammu']).status === 0,
  };
}

/**
 * Generates (idempotently) the test CA, server and client credentials into `dir` with certs.sh and returns their paths.
 * @param {string} dir
 */
export function ensureCerts(dir) {
  const r = spawnSync('bash', [path.join(PEERS_DIR, 'certs.sh'), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`certs.sh failed: ${r.stderr || r.stdout}`);
  const f = (n) => path.join(dir, n);
  return {
    dir, caCert: f('ca.crt'), caKey: f('ca.key'),
    serverCert: f('server.crt'), serverKey: f('server.key'), serverKeySec1: f('server.sec1.key'),
    serverPubPem: f('server.pub.pem'), serverPubDer: f('server.pub.der'),
    clientCert: f('client.crt'), clientKey: f('client.key'), clientKeySec1: f('client.sec1.key'),
    clientPubPem: f('client.pub.pem'), clientPubDer: f('client.pub.der'),
  };
}

/**
 * A currently free UDP port on 127.0.0.1 such that port .. port+count-1 are all free (racy, but fine for tests).
 * @param {number} [count]
 * @returns {Promise<number>}
 */
export async function freeUdpPort(count = 1) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const s = dgram.createSocket('udp4');
    const port = await new Promise((res, rej) => { s.once('error', rej); s.bind(0, '127.0.0.1', () => res(s.address().port)); });
    s.close();
    if (port + count > 65535) continue;
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await udpPortFree(port + i);
    if (ok) return port;
  }
  throw new Error('no free UDP port block found');
}

/** @param {number} port @returns {Promise<boolean>} */
export function udpPortFree(port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => { s.close(); resolve(true); });
  });
}

/** Inodes of the UDP sockets bound to `port` (IPv4 and IPv6) from /proc/net. @param {number} port */
function udpInodes(port) {
  const inodes = new Set();
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try { text = fs.readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = cols[1];
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** Whether process `pid` owns a UDP socket bound to `port` (falls back to "anyone owns one" if /proc/pid/fd is unreadable). */
function udpBoundBy(pid, port) {
  const inodes = udpInodes(port);
  if (inodes.size === 0) return false;
  let fds;
  try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { return true; }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1])) return true;
    } catch { /* fd closed meanwhile */ }
  }
  return false;
}

/**
 * Spawns a peer and waits until it is ready.
 * @param {object} o
 * @param {string} o.name
 * @param {string} o.cmd
 * @param {string[]} o.args
 * @param {number} o.port
 * @param {number[]} [o.listenPorts] UDP ports the process must bind before it counts as ready (servers)
 * @param {RegExp} [o.readyLine] output that must appear before it counts as ready
 * @param {number} [o.timeoutMs]
 * @param {string} [o.cwd]
 * @param {string} [o.tmpDir] removed on stop
 * @param {Record<string, unknown>} [o.info]
 * @param {boolean} [o.closeStdinFirst] stop() first closes stdin and gives it 1 s to exit by itself
 * @returns {Promise<PeerHandle>}
 */
async function launch(o) {
  const listenPorts = o.listenPorts ?? [];
  for (const p of listenPorts) {
    if (!(await udpPortFree(p))) throw new Error(`${o.name}: UDP port 127.0.0.1:${p} is already in use`);
  }
  installExitHooks();
  const proc = spawn(o.cmd, o.args, { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  /** @type {Buffer[]} */ const chunks = [];
  let cache = null;
  const onData = (/** @type {Buffer} */ b) => { chunks.push(b); cache = null; };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  proc.stdin.on('error', () => { /* peer exited; ignore EPIPE */ });
  let exitCode = /** @type {number|null|undefined} */ (undefined);
  let spawnError = /** @type {Error|null} */ (null);
  const exited = new Promise((resolve) => {
    proc.once('error', (e) => { spawnError = e; exitCode = null; resolve(null); });
    proc.once('exit', (code, signal) => { exitCode = code ?? (signal ? null : 0); resolve(exitCode); });
  });
  const outputBytes = () => Buffer.concat(chunks);
  const output = () => (cache ??= outputBytes().toString('utf8'));
  const alive = () => exitCode === undefined;
  let stopping = null;
  const stop = () => (stopping ??= (async () => {
    if (alive() && o.closeStdinFirst) {
      proc.stdin.end(); // s_client: sends close_notify and exits; s_server: exits
      await Promise.race([exited, sleep(1000)]);
    }
    if (alive()) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => { if (alive()) proc.kill('SIGKILL'); }, 2000);
      await exited;
      clearTimeout(t);
    }
    if (o.tmpDir) fs.rmSync(o.tmpDir, { recursive: true, force: true });
    live.delete(proc);
    return exitCode ?? null;
  })());
  live.set(proc, { stop, tmpDir: o.tmpDir });
  const describe = () => `${o.name} (${o.cmd} ${o.args.join(' ')})${spawnError ? `: ${spawnError.message}` : ''}; output:\n${output().slice(-2000)}`;
  /** @param {RegExp|string} pattern @param {number} [timeoutMs] */
  const waitFor = async (pattern, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = output();
      if (typeof pattern === 'string') { if (out.includes(pattern)) return pattern; }
      else { const m = out.match(pattern); if (m) return m; }
      if (!alive()) throw new Error(`${o.name} exited (code ${exitCode}) before ${pattern} appeared: ${describe()}`);
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${pattern} from ${describe()}`);
      await sleep(20);
    }
  };
  /** @type {PeerHandle} */
  const handle = {
    proc, name: o.name, port: o.port, stop, output, outputBytes, waitFor, alive, info: o.info ?? {},
    send: (data) => { proc.stdin.write(data); },
  };
  const deadline = Date.now() + (o.timeoutMs ?? 10000);
  for (;;) {
    const lineOk = !o.readyLine || o.readyLine.test(output());
    const portsOk = alive() && proc.pid !== undefined && listenPorts.every((p) => udpBoundBy(proc.pid, p));
    if (lineOk && portsOk && alive()) return handle;
    if (!alive()) {
      await stop();
      throw new Error(`${o.name} exited (code ${exitCode}) before it was ready${spawnError?.code === 'ENOENT' ? ' (not installed? run tools/peers/install.sh)' : ''}: ${describe()}`);
    }
    if (Date.now() > deadline) { await stop(); throw new Error(`${o.name} not ready in time: ${describe()}`); }
    await sleep(20);
  }
}

function tmp(prefix) { return fs.mkdtempSync(path.join(os.tmpdir(), `peers-${prefix}-`)); }
function hexOk(h, what) { if (!/^([0-9a-fA-F]{2})+$/.test(h)) throw new Error(`${what} must be hex, got ${JSON.stringify(h)}`); return h; }

/**
 * OpenSSL 3.0 `s_server` as a DTLS 1.2 server. It does not echo: what it receives is printed (see output() /
 * waitFor()), and handle.send() data goes to the client as application data. One client at a time.
 * PSK mode when pskHex is given (with -nocert unless cert is given too); certificate mode with cert+key.
 * @param {object} o
 * @param {number} o.port
 * @param {string} [o.pskHex] PSK as hex
 * @param {string} [o.identity] expected client PSK identity (a different one only prints "PSK warning: client identity not what we expected")
 * @param {string} [o.hint] PSK identity hint to send
 * @param {string} [o.cipher] OpenSSL cipher string, default PSK-AES128-CCM8 (see SUITES[..].openssl)
 * @param {boolean} [o.noTicket] -no_ticket (resumption by session ID only)
 * @param {string} [o.cert] server certificate PEM file
 * @param {string} [o.key] server key PEM file
 * @param {string} [o.caFile] CA PEM for client certificates; with it a client certificate is required (-Verify 1)
 * @param {number} [o.mtu]
 * @param {boolean} [o.rev] -rev: reply to each line with the line reversed (a crude echo)
 * @param {string[]} [o.extraArgs]
 * @returns {Promise<PeerHandle>}
 */
export async function startOpenSslServer(o) {
  const args = ['s_server', '-dtls1_2', '-accept', `127.0.0.1:${o.port}`];
  if (o.pskHex) args.push('-psk', hexOk(o.pskHex, 'pskHex'));
  if (o.identity !== undefined) args.push('-psk_identity', o.identity);
  if (o.hint !== undefined) args.push('-psk_hint', o.hint);
  if (o.cert) args.push('-cert', o.cert, '-key', o.key ?? o.cert);
  else args.push('-nocert');
  if (o.caFile) args.push('-Verify', '1', '-CAfile', o.caFile);
  args.push('-cipher', o.cipher ?? SUITES['psk-ccm8'].openssl);
  if (o.noTicket) args.push('-no_ticket');
  if (o.mtu) args.push('-mtu', String(o.mtu));
  if (o.rev) args.push('-rev');
  args.push(...(o.extraArgs ?? []));
  return launch({ name: 'openssl s_server', cmd: 'openssl', args, port: o.port, listenPorts: [o.port], readyLine: /^ACCEPT$/m });
}

/**
 * OpenSSL 3.0 `s_client` as a DTLS 1.2 client (to test the project's own DTLS server). Resolves after the
 * handshake (info.cipher holds the negotiated OpenSSL cipher name) unless waitHandshake is false.
 * Received application data appears in output(); handle.send() sends application data.
 * @param {object} o
 * @param {number} o.port
 * @param {string} [o.host] default 127.0.0.1
 * @param {string} [o.pskHex]
 * @param {string} [o.identity] PSK identity, default client1 when pskHex is set
 * @param {string} [o.cipher] default PSK-AES128-CCM8
 * @param {string} [o.cert] client certificate PEM
 * @param {string} [o.key] client key PEM
 * @param {string} [o.caFile] CA to verify the server certificate (verification errors then abort)
 * @param {number} [o.mtu]
 * @param {number} [o.maxFragLen] 512 | 1024 | 2048 | 4096 (RFC 6066 max_fragment_length)
 * @param {string} [o.sessOut] file to write the session to (resumption)
 * @param {string} [o.sessIn] file to resume a session from
 * @param {boolean} [o.waitHandshake] default true
 * @param {number} [o.timeoutMs] handshake timeout, default 10000
 * @param {string[]} [o.extraArgs]
 * @returns {Promise<PeerHandle>}
 */
export async function startOpenSslClient(o) {
  const args = ['s_client', '-dtls1_2', '-connect', `${o.host ?? '127.0.0.1'}:${o.port}`, '-nocommands', '-noservername'];
  if (o.pskHex) args.push('-psk', hexOk(o.pskHex, 'pskHex'), '-psk_identity', o.identity ?? 'client1');
  if (o.cert) args.push('-cert', o.cert, '-key', o.key ?? o.cert);
  if (o.caFile) args.push('-CAfile', o.caFile, '-verify_return_error');
  args.push('-cipher', o.cipher ?? SUITES['psk-ccm8'].openssl);
  if (o.mtu) args.push('-mtu', String(o.mtu));
  if (o.maxFragLen) args.push('-maxfraglen', String(o.maxFragLen));
  if (o.sessOut) args.push('-sess_out', o.sessOut);
  if (o.sessIn) args.push('-sess_in', o.sessIn);
  args.push(...(o.extraArgs ?? []));
  const h = await launch({ name: 'openssl s_client', cmd: 'openssl', args, port: o.port, closeStdinFirst: true });
  if (o.waitHandshake !== false) {
    try {
      const m = /** @type {RegExpMatchArray} */ (await h.waitFor(/Cipher is (\S+)/, o.timeoutMs ?? 10000));
      if (m[1] === '(NONE)') throw new Error(`openssl s_client: handshake failed:\n${h.output().slice(-2000)}`);
      h.info.cipher = m[1];
      h.info.resumed = /^Reused,/m.test(h.output());
    } catch (e) { await h.stop(); throw e; }
  }
  return h;
}

/**
 * GnuTLS 3.7 `gnutls-serv --udp --echo`: echoes every record back. One DTLS session at a time (other clients get
 * ICMP port unreachable until the current session ends). Binds 0.0.0.0 and :: (no bind-address option).
 * PSK with pskHex (+identity); X.509 with cert+key; raw public keys with rawPkKey+rawPkPub (and GNUTLS_RPK_PRIORITY).
 * @param {object} o
 * @param {number} o.port
 * @param {string} [o.pskHex]
 * @param {string} [o.identity] the only PSK identity it knows, default client1
 * @param {string} [o.priority] GnuTLS priority string, default SUITES['psk-ccm8'].gnutls (PSK) or ['ecdhe-ecdsa-ccm8'] (certs)
 * @param {string} [o.cert] X.509 certificate PEM
 * @param {string} [o.key] its key PEM
 * @param {string} [o.rawPkKey] private key PEM for RPK
 * @param {string} [o.rawPkPub] SubjectPublicKeyInfo PEM for RPK
 * @param {string} [o.caFile] CA for client certificates
 * @param {boolean} [o.requireClientCert]
 * @param {number} [o.mtu]
 * @param {string[]} [o.extraArgs]
 * @returns {Promise<PeerHandle>}
 */
export async function startGnutlsEcho(o) {
  const args = ['--udp', '--echo', '-p', String(o.port)];
  let tmpDir;
  if (o.pskHex) {
    tmpDir = tmp('gnutls');
    const pskFile = path.join(tmpDir, 'psk.txt');
    fs.writeFileSync(pskFile, `${o.identity ?? 'client1'}:${hexOk(o.pskHex, 'pskHex').toLowerCase()}\n`);
    args.push('--pskpasswd', pskFile);
  }
  if (o.cert) args.push('--x509certfile', o.cert, '--x509keyfile', o.key ?? o.cert);
  if (o.rawPkKey) args.push('--rawpkkeyfile', o.rawPkKey, '--rawpkfile', o.rawPkPub ?? '');
  if (o.caFile) args.push('--x509cafile', o.caFile);
  if (o.requireClientCert) args.push('--require-client-cert');
  if (o.mtu) args.push('--mtu', String(o.mtu));
  const certMode = Boolean(o.cert || o.rawPkKey);
  args.push('--priority', o.priority ?? (o.rawPkKey ? GNUTLS_RPK_PRIORITY : SUITES[certMode ? 'ecdhe-ecdsa-ccm8' : 'psk-ccm8'].gnutls));
  args.push(...(o.extraArgs ?? []));
  return launch({ name: 'gnutls-serv', cmd: 'gnutls-serv', args, port: o.port, listenPorts: [o.port], tmpDir, info: { tmpDir } });
}

/**
 * libcoap 4.3.1 example server `coap-server-{gnutls,openssl,notls}` bound to 127.0.0.1. Plain CoAP on `port`,
 * CoAPS (DTLS) on `port + 1` (info.dtlsPort) for the gnutls/openssl variants.
 * The PSK is the literal bytes of the `key` text (4.3.1 has no hex syntax); pskHex is accepted when it decodes to
 * printable ASCII. With no key/cert/rpk the DTLS variants still open the DTLS port (handshakes then fail).
 * @param {object} o
 * @param {'gnutls'|'openssl'|'notls'} [o.variant] default 'gnutls'
 * @param {number} o.port plain CoAP port; DTLS is port + 1
 * @param {string} [o.key] PSK as text (-k)
 * @param {string} [o.pskHex] PSK as hex of printable ASCII (alternative to key)
 * @param {string} [o.hint] identity hint (-h); '' sends none; libcoap's default is "CoAP"
 * @param {{hint:string, identity:string, key:string}[]} [o.identities] per-identity keys (-i file)
 * @param {string} [o.cert] X.509 certificate PEM (-c)
 * @param {string} [o.certKey] its key PEM (-j)
 * @param {string} [o.caFile] CA PEM (-C), triggers client certificate validation
 * @param {boolean} [o.noVerify] -n: do not check the client's certificate
 * @param {string} [o.rpkFile] RPK PEM with an "EC PRIVATE KEY" (certs.sh: server.sec1.key) (-M; gnutls only)
 * @param {number} [o.verbosity] -v 0..9 (7 logs handshake details; default 3)
 * @param {boolean} [o.echo] -e: echo back PUT payloads
 * @param {string[]} [o.extraArgs]
 * @returns {Promise<PeerHandle>}
 */
export async function startCoapServer(o) {
  const variant = o.variant ?? 'gnutls';
  const args = ['-A', '127.0.0.1', '-p', String(o.port)];
  let key = o.key;
  if (key === undefined && o.pskHex) {
    key = Buffer.from(hexOk(o.pskHex, 'pskHex'), 'hex').toString('latin1');
    if (!/^[\x21-\x7e]+$/.test(key)) throw new Error('libcoap 4.3.1 takes the PSK as text: pskHex must decode to printable ASCII');
  }
  let tmpDir;
  if (key !== undefined) args.push('-k', key);
  if (o.hint !== undefined) args.push('-h', o.hint);
  if (o.identities?.length) {
    tmpDir = tmp('coap');
    const f = path.join(tmpDir, 'identities.txt');
    fs.writeFileSync(f, o.identities.map((i) => `${i.hint},${i.identity},${i.key}\n`).join(''));
    args.push('-i', f);
  }
  if (o.cert) args.push('-c', o.cert);
  if (o.certKey) args.push('-j', o.certKey);
  if (o.caFile) args.push('-C', o.caFile);
  if (o.noVerify) args.push('-n');
  if (o.rpkFile) args.push('-M', o.rpkFile);
  if (o.verbosity !== undefined) args.push('-v', String(o.verbosity));
  if (o.echo) args.push('-e');
  args.push(...(o.extraArgs ?? []));
  const dtls = variant !== 'notls';
  return launch({
    name: `coap-server-${variant}`, cmd: `coap-server-${variant}`, args, port: o.port, tmpDir,
    listenPorts: dtls ? [o.port, o.port + 1] : [o.port], info: { dtlsPort: dtls ? o.port + 1 : undefined, tmpDir },
  });
}

/**
 * Our pion/dtls 2.2.6 echo server (tools/peers/pion-echo), built by install.sh. Echoes every application-data
 * record; prints "PSK identity=..", "HANDSHAKE peer=.. suite=.. identity=..", "RX peer=.. len=..", "CLOSED peer=..".
 * Serves many clients at once. No Connection ID support in this pion version.
 * @param {object} o
 * @param {number} o.port
 * @param {string} [o.pskHex]
 * @param {string} [o.hint] PSK identity hint to send
 * @param {string|string[]} [o.suite] 'psk-ccm8' (default) | 'ecdhe-psk-cbc' | 'ecdhe-ecdsa-ccm8' (or several)
 * @param {string} [o.cert] server certificate PEM (ECDSA suites)
 * @param {string} [o.key] its key PEM
 * @param {string} [o.clientCa] CA PEM: require and verify a client certificate
 * @param {'request'|'require'|'disable'} [o.ems] extended master secret, default request
 * @param {number} [o.mtu]
 * @param {boolean} [o.resume] issue session IDs and resume sessions (prints "RESUME session=<hex>")
 * @param {string} [o.bin] default PION_ECHO_BIN
 * @returns {Promise<PeerHandle>}
 */
export async function startPionEcho(o) {
  const suites = Array.isArray(o.suite) ? o.suite.join(',') : (o.suite ?? 'psk-ccm8');
  const args = ['-addr', `127.0.0.1:${o.port}`, '-suite', suites];
  if (o.pskHex) args.push('-psk', hexOk(o.pskHex, 'pskHex'));
  if (o.hint) args.push('-identity-hint', o.hint);
  if (o.cert) args.push('-cert', o.cert, '-key', o.key ?? '');
  if (o.clientCa) args.push('-client-ca', o.clientCa);
  if (o.ems) args.push('-ems', o.ems);
  if (o.mtu) args.push('-mtu', String(o.mtu));
  if (o.resume) args.push('-resume');
  const bin = o.bin ?? PION_ECHO_BIN;
  if (!have(bin)) throw new Error(`${bin} missing: run bash tools/peers/install.sh`);
  return launch({ name: 'pion-echo', cmd: bin, args, port: o.port, listenPorts: [o.port], readyLine: /^READY /m });
}

/**
 * pion/dtls terminating DTLS 1.2 PSK on 127.0.0.1:`port` and relaying plaintext datagrams to the plain UDP
 * server `upstream` ("host:port"), one upstream socket per DTLS client.
 * @param {{port:number, upstream:string, pskHex:string, identity?:string, suite?:string|string[], bin?:string}} o
 */
export async function startPionRelay(o) {
  const suites = Array.isArray(o.suite) ? o.suite.join(',') : (o.suite ?? 'psk-ccm8');
  const args = ['-addr', `127.0.0.1:${o.port}`, '-upstream', o.upstream, '-psk', hexOk(o.pskHex, 'pskHex'), '-suite', suites];
  if (o.identity) args.push('-identity', o.identity);
  const bin = o.bin ?? PION_RELAY_BIN;
  if (!have(bin)) throw new Error(`${bin} missing: run bash tools/peers/install.sh`);
  return launch({ name: 'pion-relay', cmd: bin, args, port: o.port, listenPorts: [o.port], readyLine: /^READY /m });
}

/** Where build-mbedtls.sh puts mbedTLS's ssl_server2 (Debian trixie source package, built here, never committed). */
export const MBEDTLS_SERVER_BIN = path.join(PEERS_DIR, '.build', 'mbedtls-ssl_server2');

/**
 * mbedTLS 3.6 `ssl_server2` as a DTLS 1.2 server with RFC 9146 Connection ID (`cid=1 cid_val=<hex>`). It answers
 * each application-data request with a short HTTP response ("HTTP/1.0 200 OK ..."), `exchanges` times, then waits
 * for the next client. Prints "(Length of) peer CID" lines after the handshake. Binds 127.0.0.1.
 * @param {object} o
 * @param {number} o.port
 * @param {string} [o.pskHex] PSK (with identity client1)
 * @param {string} [o.cidHex] the server's own CID; '' for a zero-length CID; undefined: CID off
 * @param {string} [o.ciphersuite] mbedTLS suite name, default TLS-PSK-WITH-AES-128-CCM-8
 * @param {number} [o.exchanges] default 4
 * @param {string} [o.keylogFile] NSS key log written by mbedTLS (nss_keylog=1)
 * @param {string[]} [o.extraArgs]
 * @returns {Promise<PeerHandle>}
 */
export async function startMbedtlsServer(o) {
  if (!have(MBEDTLS_SERVER_BIN)) throw new Error(`${MBEDTLS_SERVER_BIN} missing: run bash tools/peers/build-mbedtls.sh`);
  const args = ['server_addr=127.0.0.1', `server_port=${o.port}`, 'dtls=1', `exchanges=${o.exchanges ?? 4}`, 'hs_timeout=1000-8000',
    `force_ciphersuite=${o.ciphersuite ?? 'TLS-PSK-WITH-AES-128-CCM-8'}`];
  if (o.pskHex) args.push(`psk=${hexOk(o.pskHex, 'pskHex')}`, 'psk_identity=client1');
  if (o.cidHex !== undefined) args.push('cid=1', `cid_val=${o.cidHex}`);
  if (o.keylogFile) args.push('nss_keylog=1', `nss_keylog_file=${o.keylogFile}`);
  args.push(...(o.extraArgs ?? []));
  return launch({ name: 'mbedtls ssl_server2', cmd: MBEDTLS_SERVER_BIN, args, port: o.port, listenPorts: [o.port], readyLine: /Waiting for a remote connection/ });
}

/** Stops every peer started here and not yet stopped (e.g. in a mocha afterEach/after hook). */
export async function stopAllPeers() {
  await Promise.all([...live.values()].map(({ stop }) => stop()));
}
