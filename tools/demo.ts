/**
 * `npm start`: the whole client on this machine. A Bootstrap-Server (ours, from tools/, DTLS 1.2 ECDHE-ECDSA-CCM8
 * with X.509 certificates from a CA made for the run by the openssl command: Security Mode 2, Certificate Usage 2)
 * and an LwM2M Server (ours, DTLS 1.2 ECDHE-ECDSA-CCM8 with raw public keys made for the run and a Connection ID)
 * and a device on the Node host with its own data directory: bootstrap, registration over DTLS, the server
 * reading the Device object, writing a resource, observing a temperature that changes, a registration update,
 * proof that the server cannot read the private key, a restart from persisted state (session resumption), and a
 * deep sleep with the connection and an observation kept and a wake whose first datagram is the Registration
 * Update (zero handshake bytes, counted on the wire), followed by the notification of what changed while asleep.
 * The SMS and smartcard steps use PSK, so the summary lists all three credential modes. Exits 0 with a summary,
 * or 1 with the reason.
 *
 * `npm start -- --server coaps://HOST:PORT --identity ID --key HEX [--endpoint NAME]` instead runs the
 * device against a real LwM2M server until Ctrl-C.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { NodeHost } from '../hosts/node/host';
import { DataModel } from '../modules/lwm2m/data-model';
import { DeviceObject } from '../modules/lwm2m/objects/device';
import { InstanceObject, defineObject } from '../modules/lwm2m/model';
import { decodeTlv } from '../modules/lwm2m/formats/tlv';
import { ContentFormat, type ResourceContent } from '../modules/lwm2m/types';
import { KeyStore } from '../modules/store/key-store';
import { Lwm2mClient, type ClientEvent } from '../modules/client/client';
import { applyFactoryConfig, KeyStoreObjectStore, securityInstanceTlv, serverInstanceTlv } from '../modules/client/factory';
import { keyStoreSessions } from '../modules/client/connector';
import { toHex, utf8Decode, utf8Encode } from '../modules/bytes/index';
import { Lwm2mTestServer, codeText } from './lwm2m-server';
import { CounterStore } from '../modules/store/counter-store';
import { UdpDtlsConnector } from '../modules/client/connector';
import { BindingConnector, SmsConnector } from '../modules/client/sms-connector';
import { Modem } from '../modules/modem/modem';
import { SimModem, VirtualSmsc } from './modem-sim/index';
import { SmsServerGateway } from './sms-gateway';
import { generateSigner } from './fw-sign';
import { buildDeviceImage } from './fw-build';
import { runLauncher, type BootEvent } from '../hosts/node/launcher';
import { openNodeFirmware, programSlot } from '../hosts/node/fota';
import type { DeviceAppConfig } from '../hosts/node/app';
import { nobleCrypto } from '../modules/crypto/noble';
import { BootstrapTestServer } from './bootstrap-server';
import { DemoArgsError, parseDemoArgs, type DemoArgs } from './demo-args';
import { p256KeyPair } from './server-common';
import { bootstrapFromSmartcard, provisionSmartcardBinding } from '../modules/uicc/bootstrap';
import { csimTransport } from '../modules/uicc/csim-transport';
import { SmartcardBootstrapError } from '../modules/uicc/errors';
import { SimUicc } from './uicc-sim/index';
import { pskBootstrapFile } from './uicc-sim/bootstrap-file';
import { tapUdp } from './dtls-wire';

const HELP = `xs-lwm2m demo

  npm start                      run the local demo (bootstrap + DTLS registration + management), exit 0 on success
  npm start -- --help            this text
  npm start -- --server coaps://192.0.2.1:5684 --identity my-device --key 000102...0f [--endpoint my-device]
                                 run the device against a real LwM2M server (PSK, TLS_PSK_WITH_AES_128_CCM_8)
                                 until Ctrl-C; coap://HOST:PORT (NoSec) works too, without --identity/--key;
                                 [--bind ADDR] binds the device's UDP sockets there (default 0.0.0.0; :: for IPv6)
  npm start -- --update-only     only the over-the-air update part of the demo
  Options for both: --data DIR   keep the device's flash and secret in DIR (default: a fresh temporary directory)
                    --verbose    log every CoAP/DTLS event of the device
  Exit status: 0 done (with --server: Ctrl-C after the device registered), 1 failed or interrupted before
  registering, 2 bad arguments (checked before anything starts; an IPv6 address goes in brackets), 130 the
  local demo interrupted.
`;

/** IPSO 3303 Temperature, the changing value the demo observes. */
const TEMPERATURE = defineObject(3303, 'Temperature', true, false, [
  [5700, 'Sensor Value', 'R', false, true, 'float'],
  [5701, 'Sensor Units', 'R', false, false, 'string'],
]);

function buildDataModel(host: NodeHost, keys: KeyStore): { dm: DataModel; temperature: InstanceObject } {
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
  dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'node-demo', serial: 'DEMO-0001', firmwareVersion: '0.1.0', binding: 'U' }, () => Date.now()));
  const temperature = new InstanceObject(TEMPERATURE);
  temperature.store(0, new Map<number, ResourceContent>([[5700, 21.5], [5701, 'Cel']]));
  dm.register(temperature);
  return { dm, temperature };
}

const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(2).padStart(6)} s]`;
const say = (msg: string) => console.log(`${stamp()} ${msg}`);

function describeEvent(e: ClientEvent): string | null {
  switch (e.type) {
    case 'bootstrap-start':
      return `device: client-initiated bootstrap with ${e.uri}`;
    case 'connected':
      if (e.woken) return `device: DTLS connection woken from the key store with ${e.uri} (no handshake)`;
      return `device: ${e.security === 'nosec' ? 'plain CoAP (NoSec)' : `DTLS 1.2 ${SECURITY_NAMES[e.security] ?? e.security} handshake done`} with ${e.uri}${e.resumed ? ' (session resumed)' : ''}`;
    case 'sleeping':
      return `device: going to deep sleep: ${e.sealed} DTLS connection(s) sealed in the key store (no close_notify), ${e.registrations} registration(s) kept`;
    case 'observations-resumed':
      return `device: ${e.count} observation(s) of server ${e.ssid} kept across the sleep go on (same token, Observe numbers continue)`;
    case 'wake-fallback':
      return `device: server ${e.ssid} did not answer on the woken connection; handshaking again`;
    case 'bootstrap-op':
      return `device: bootstrap ${e.op} ${e.path} -> ${(e.code >> 5)}.${String(e.code & 31).padStart(2, '0')}`;
    case 'bootstrap-finished':
      return `device: Bootstrap-Finish accepted, ${e.accounts} DM server account(s)`;
    case 'registered':
      return `device: registered with server ${e.ssid} at ${e.location} (lifetime ${e.lifetime} s)`;
    case 'updated':
      return `device: registration update to server ${e.ssid}${e.withObjects ? ' with object links' : ''}`;
    case 'registration-failed':
      return `device: registration with ${e.uri} failed (${e.reason}); retry in ${e.retryInMs / 1000} s`;
    case 'bootstrap-failed':
      return `device: bootstrap failed (${e.reason}); retry in ${e.retryInMs / 1000} s`;
    case 'deregistered':
      return `device: de-registered from server ${e.ssid}`;
    case 'request':
      return `device: server ${e.ssid} ${e.op} ${e.path} -> ${(e.code >> 5)}.${String(e.code & 31).padStart(2, '0')}`;
    default:
      return null;
  }
}

const SECURITY_NAMES: Record<string, string> = { 'dtls-psk': 'PSK', 'dtls-rpk': 'raw public key (ECDHE-ECDSA)', 'dtls-x509': 'X.509 (ECDHE-ECDSA)' };
const SECURITY_MODES: Record<string, string> = { 'dtls-psk': 'Security Mode 0, PSK', 'dtls-rpk': 'Security Mode 1, raw public key', 'dtls-x509': 'Security Mode 2, X.509 certificate', nosec: 'Security Mode 3, NoSec' };

/** Which credential mode each step's connections used, for the summary (the demo's own record, not the device's). */
const stepModes = new Map<string, Set<string>>();
function noteMode(step: string, e: ClientEvent): void {
  if (e.type !== 'connected') return;
  const how = e.woken ? 'woken, no handshake' : e.resumed ? 'resumed' : 'full handshake';
  const set = stepModes.get(step) ?? new Set<string>();
  set.add(`${SECURITY_MODES[e.security] ?? e.security} (${how})`);
  stepModes.set(step, set);
}

/**
 * A certificate authority made now with the openssl command (nothing is committed; the keys live in a temporary
 * directory removed at once): a P-256 CA, a server certificate for 127.0.0.1 (serverAuth, iPAddress in
 * subjectAltName, RFC 5280 §4.2.1.6) and a client certificate for the endpoint (clientAuth), one day valid.
 */
function makeDemoPki(endpoint: string): { ca: Uint8Array; server: { cert: Uint8Array; pkcs8: Uint8Array }; client: { cert: Uint8Array; pkcs8: Uint8Array; spki: Uint8Array } } {
  const dir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-demo-pki-'));
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => {
    try {
      return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('the demo makes its X.509 certificates with the openssl command, which is not installed (Debian: apt-get install openssl)');
      throw e;
    }
  };
  try {
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ssl('req', '-x509', '-new', ...newKey, '-keyout', f('ca.key'), '-subj', '/CN=xs-lwm2m demo CA', '-days', '1', '-sha256', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-out', f('ca.crt'));
    const leaf = (name: string, subject: string, ext: string) => {
      ssl('req', '-new', ...newKey, '-keyout', f(`${name}.key`), '-subj', subject, '-out', f(`${name}.csr`));
      writeFileSync(f(`${name}.ext`), ext);
      ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-sha256', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`));
      const cert = new X509Certificate(readFileSync(f(`${name}.crt`)));
      return {
        cert: new Uint8Array(cert.raw),
        pkcs8: new Uint8Array(createPrivateKey(readFileSync(f(`${name}.key`))).export({ type: 'pkcs8', format: 'der' })),
        spki: new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' })),
      };
    };
    const server = leaf('server', '/CN=127.0.0.1', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n');
    const client = leaf('client', `/CN=${endpoint}`, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    return { ca: new Uint8Array(new X509Certificate(readFileSync(f('ca.crt'))).raw), server: { cert: server.cert, pkcs8: server.pkcs8 }, client };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)));
  });
}

async function realServer(opts: DemoArgs): Promise<void> {
  const server = opts.server!;
  const uri = server.uri;
  const endpoint = server.endpoint ?? `xs-lwm2m-${toHex(randomBytes(3))}`;
  const dataDir = opts.data ?? mkdtempSync(join(tmpdir(), 'xs-lwm2m-device-'));
  const host = new NodeHost({ dataDir, logLevel: opts.verbose ? 'debug' : 'warn', udpBindAddress: opts.bind });
  const keys = KeyStore.open(host, 'keys');
  const { dm, temperature } = buildDataModel(host, keys);
  dm.restore();
  const secure = server.secure;
  applyFactoryConfig(dm, {
    accounts: [{ uri, securityMode: secure ? 0 : 3, pskIdentity: server.identity, pskKey: server.key, shortServerId: 1, lifetime: 300 }],
  });
  let registered = false;
  let lastFailure = 'no answer yet';
  const client = new Lwm2mClient({ host, endpointName: endpoint, dataModel: dm, sessions: keyStoreSessions(keys), onEvent: (e) => {
    if (e.type === 'registered') registered = true;
    if (e.type === 'registration-failed' || e.type === 'bootstrap-failed') lastFailure = e.reason;
    const m = describeEvent(e);
    if (m) say(m);
  } });
  say(`device ${endpoint} -> ${uri} (data in ${dataDir}); Ctrl-C to de-register and quit`);
  const timer = setInterval(() => {
    temperature.setValue(0, 5700, Math.round((20 + 5 * Math.sin(Date.now() / 60000)) * 10) / 10);
    client.changed('/3303/0/5700');
  }, 5000);
  const interrupted = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await Promise.race([client.start(), interrupted]);
  await interrupted;
  clearInterval(timer);
  const wasRegistered = registered;
  say(wasRegistered ? 'SIGINT: de-registering' : 'SIGINT: stopping');
  await withTimeout(client.stop(), 10_000, 'de-registration').catch((e) => say(String(e)));
  keys.close();
  host.dispose();
  // Ctrl-C ends a run that worked with 0; one that never reached its server is a failure.
  if (!wasRegistered) throw new Error(`interrupted before the device registered with ${uri} (last failure: ${lastFailure})`);
}

async function localDemo(opts: DemoArgs): Promise<void> {
  const endpoint = 'xs-lwm2m-demo';
  const dataDir = opts.data ?? mkdtempSync(join(tmpdir(), 'xs-lwm2m-demo-'));
  const verbose = opts.verbose;
  // The Bootstrap-Server account is Security Mode 2 (X.509): certificates made for this run by a CA made for this run.
  const pki = makeDemoPki(endpoint);
  // The LwM2M Server account is Security Mode 1 (raw public keys, RFC 7250) with a Connection ID (RFC 9146).
  const serverKeys = p256KeyPair();
  const deviceKeys = p256KeyPair();
  const CID_LENGTH = 4;
  const log = verbose ? (l: string) => say(`server: ${l}`) : undefined;
  const checks: [string, boolean][] = [];
  const check = (what: string, ok: boolean) => {
    checks.push([what, ok]);
    say(`${ok ? 'OK  ' : 'FAIL'} ${what}`);
    if (!ok) throw new Error(`check failed: ${what}`);
  };

  const lwm2m = await Lwm2mTestServer.start({
    port: 0, log, connectionIdLength: CID_LENGTH,
    ecdsa: { type: 'rpk', privateKey: serverKeys.pkcs8, clients: [{ identity: endpoint, publicKey: deviceKeys.spki }] },
  });
  const dmUri = `coaps://127.0.0.1:${lwm2m.port}`;
  const dmAccount = { uri: dmUri, securityMode: 1, publicKeyOrIdentity: deviceKeys.spki, serverPublicKey: serverKeys.spki, secretKey: deviceKeys.pkcs8.slice(), shortServerId: 101, lifetime: 20 };
  const bootstrap = await BootstrapTestServer.start({
    port: 0,
    ecdsa: { type: 'x509', privateKey: pki.server.pkcs8, chain: [pki.server.cert], clientCa: [pki.ca], clients: [{ identity: endpoint, publicKey: pki.client.spki }] },
    log,
    plans: [{
      endpoint,
      writes: [
        { path: '/0/1', payload: securityInstanceTlv(1, dmAccount), contentFormat: ContentFormat.Tlv },
        { path: '/1/0', payload: serverInstanceTlv(0, dmAccount), contentFormat: ContentFormat.Tlv },
      ],
    }],
  });
  say(`local Bootstrap-Server on coaps://127.0.0.1:${bootstrap.port} (DTLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with X.509 certificates from a CA made for this run), LwM2M Server on ${dmUri} (DTLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with raw public keys, Connection ID of ${CID_LENGTH} bytes); P-256 keys made for this run`);

  let host = new NodeHost({ dataDir, logLevel: verbose ? 'debug' : 'warn' });
  let keys = KeyStore.open(host, 'keys');
  let counters = CounterStore.open(host, 'counters');
  let built = buildDataModel(host, keys);
  // Certificate Usage 2 (0/x/15, trust anchor assertion): 0/x/4 holds the CA; the server's certificate must chain to
  // it, name the URI's host (127.0.0.1) and be valid now (the host has a clock).
  applyFactoryConfig(built.dm, { accounts: [{ uri: `coaps://127.0.0.1:${bootstrap.port}`, bootstrap: true, securityMode: 2, publicKeyOrIdentity: pki.client.cert, serverPublicKey: pki.ca, secretKey: pki.client.pkcs8.slice(), certificateUsage: 2 }] });
  pki.client.pkcs8.fill(0);
  pki.server.pkcs8.fill(0);
  say(`device: factory configuration sealed into the key store in ${dataDir}`);
  /** The security mode of every connection the device made, in order. */
  const modes: string[] = [];
  const onEvent = (e: ClientEvent) => {
    if (e.type === 'connected') modes.push(e.woken ? `${e.security} (woken)` : e.resumed ? `${e.security} (resumed)` : e.security);
    noteMode(e.type === 'connected' && e.uri === dmUri ? 'LwM2M Server (bootstrap, restart, deep sleep)' : 'Bootstrap-Server', e);
    const m = describeEvent(e);
    if (m) say(m);
  };
  let client = new Lwm2mClient({ host, endpointName: endpoint, dataModel: built.dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, onEvent, updateMarginMs: () => 15_000 });
  try {
    await withTimeout(client.start(), 60_000, 'bootstrap and registration');
    const finish = await withTimeout(bootstrap.waitForFinish(endpoint, 10_000), 15_000, 'Bootstrap-Finish');
    const bsRequest = bootstrap.requests.find((r) => r.endpoint === endpoint);
    check(`bootstrap over DTLS with X.509 certificates (Security Mode 2, Certificate Usage 2: the server certificate chained to the CA in 0/x/4 and matched to host 127.0.0.1; the server knows the device by its certificate: identity ${bsRequest?.identity}) finished with 2.04 after ${finish.results.length} operation(s)`,
      finish.finishCode === 0x44 && bsRequest?.identity === endpoint && modes[0] === 'dtls-x509');
    const reg = await withTimeout(lwm2m.waitForRegistration(endpoint, 30_000), 35_000, 'registration');
    check(`registered over DTLS with raw public keys as ${reg.endpoint} at ${reg.location} (the server knows the device by its key: identity ${reg.identity}; lifetime ${reg.lifetime} s, binding ${reg.binding})`, reg.lifetime === 20 && reg.objectLinks.includes('</3303/0>') && reg.identity === endpoint);

    const dev = await lwm2m.read(endpoint, '/3/0', ContentFormat.Tlv);
    const fields = decodeTlv([3, 0], dev.payload, built.dm.resolve);
    const maker = fields.find((f) => f.path[2] === 0)?.value;
    check(`server read /3/0 (TLV, ${dev.payload.length} bytes): manufacturer "${maker}"`, dev.code === 0x45 && maker === 'xs-lwm2m');

    const w = await lwm2m.write(endpoint, '/3/0/14', utf8Encode('+02:00'), ContentFormat.Text);
    const back = await lwm2m.read(endpoint, '/3/0/14', ContentFormat.Text);
    check(`server wrote the UTC offset /3/0/14 = +02:00 and read back "${utf8Decode(back.payload)}"`, w.code === 0x44 && utf8Decode(back.payload) === '+02:00');
    const w2 = await lwm2m.write(endpoint, '/1/0/1', utf8Encode('30'), ContentFormat.Text);
    check('server wrote its own lifetime /1/0/1 = 30 s (2.04)', w2.code === 0x44);

    const attrs = await lwm2m.writeAttributes(endpoint, '/3303/0/5700', 'pmin=1&pmax=10');
    check('write-attributes pmin=1 pmax=10 on /3303/0/5700', attrs.code === 0x44);
    const notes: string[] = [];
    const obs = await lwm2m.observe(endpoint, '/3303/0/5700', (n) => notes.push(utf8Decode(n.payload)), ContentFormat.Text);
    check(`server observes /3303/0/5700, first value ${utf8Decode(obs.payload)}`, obs.code === 0x45);
    for (const v of [22.5, 23.75]) {
      await new Promise((r) => setTimeout(r, 1200));
      built.temperature.setValue(0, 5700, v);
      client.changed('/3303/0/5700');
    }
    await new Promise((r) => setTimeout(r, 1500));
    check(`notifications received: ${notes.join(', ')}`, notes.includes('22.5') && notes.includes('23.75'));
    await obs.cancel();

    const before = (await lwm2m.registrations()).find((r) => r.endpoint === endpoint)!.updates;
    const upd = await withTimeout(lwm2m.waitForUpdate(endpoint, before, 40_000), 45_000, 'registration update');
    check(`registration update received (lifetime now ${upd.lifetime} s)`, upd.lifetime === 30);

    const secret = await lwm2m.read(endpoint, '/0/1/5');
    const secretObj = await lwm2m.read(endpoint, '/0');
    check(`server cannot read the Secret Key (the private key, 0/1/5): /0/1/5 -> 4.01, /0 -> 4.01`, secret.code === 0x81 && secretObj.code === 0x81 && !toHex(secret.payload).includes(toHex(deviceKeys.pkcs8)));

    say('device: restarting from persisted state (same data directory, new process state)');
    await withTimeout(client.stop({ deregister: true }), 15_000, 'de-registration');
    await withTimeout(lwm2m.waitForDeregistration(endpoint, 10_000), 12_000, 'de-registration at the server');
    counters.close();
    keys.close();
    host.dispose();
    host = new NodeHost({ dataDir, logLevel: verbose ? 'debug' : 'warn' });
    keys = KeyStore.open(host, 'keys');
    counters = CounterStore.open(host, 'counters');
    built = buildDataModel(host, keys);
    const restored = built.dm.restore();
    let resumed = false;
    client = new Lwm2mClient({ host, endpointName: endpoint, dataModel: built.dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, onEvent: (e) => {
      if (e.type === 'connected' && e.resumed) resumed = true;
      onEvent(e);
    } });
    await withTimeout(client.start(), 60_000, 'registration after restart');
    const reg2 = await withTimeout(lwm2m.waitForRegistration(endpoint, 30_000), 35_000, 'registration after restart');
    check(`after restart: ${restored} records restored from the key store, registered again without bootstrap (lifetime ${reg2.lifetime} s)`, restored > 0 && reg2.lifetime === 30);
    check('after restart: the DTLS session was resumed from the sealed key store (abbreviated handshake)', resumed);

    // Deep sleep: the connection itself is sealed (no close_notify, no De-register); after the restart the first
    // datagram is the Registration Update, from a new UDP port (a new NAT mapping), found by its Connection ID.
    // The server observes the temperature again (with st=1); the observation is kept across the sleep.
    const sleepNotes: { value: string; seq?: number }[] = [];
    const st = await lwm2m.writeAttributes(endpoint, '/3303/0/5700', 'st=1');
    const sleepObs = await lwm2m.observe(endpoint, '/3303/0/5700', (n) => sleepNotes.push({ value: utf8Decode(n.payload), seq: n.seq }), ContentFormat.Text);
    built.temperature.setValue(0, 5700, 19);
    client.changed('/3303/0/5700');
    await waitUntil(() => sleepNotes.length >= 1, 5_000, 'a notification before the sleep');
    const seqBeforeSleep = sleepNotes[0].seq ?? -1;
    check(`server observes /3303/0/5700 again with st=1: first value ${utf8Decode(sleepObs.payload)}, then ${sleepNotes[0].value} (Observe ${seqBeforeSleep})`, st.code === 0x44 && sleepObs.code === 0x45 && sleepNotes[0].value === '19');
    const asleepReg = lwm2m.registration(endpoint)!;
    const sealed = await withTimeout(client.sleep(), 5_000, 'sleep');
    check(`deep sleep: the DTLS connection sealed in the key store with its sequence counter reserved (${sealed} connection; no close_notify, no De-register; the server keeps the registration)`, sealed === 1 && !!lwm2m.registration(endpoint));
    counters.close();
    keys.close();
    host.dispose();
    say('device: waking from deep sleep (same data directory, new process state, new UDP port)');
    host = new NodeHost({ dataDir, logLevel: verbose ? 'debug' : 'warn' });
    const wire = tapUdp(host, CID_LENGTH, 0);
    keys = KeyStore.open(host, 'keys');
    counters = CounterStore.open(host, 'counters');
    built = buildDataModel(host, keys);
    built.dm.restore();
    // While the device slept, the temperature rose by 4.5 (>= st): a notification is due at the wake (Core §6.5).
    built.temperature.setValue(0, 5700, 23.5);
    const wakeEvents: ClientEvent[] = [];
    client = new Lwm2mClient({ host, endpointName: endpoint, dataModel: built.dm, sessions: keyStoreSessions(keys), sleep: { keys, counters }, onEvent: (e) => {
      wakeEvents.push(e);
      onEvent(e);
    } });
    await withTimeout(client.start(), 30_000, 'wake');
    const woke = await withTimeout(lwm2m.waitForUpdate(endpoint, asleepReg.updates, 10_000), 12_000, 'the Update after the wake');
    await waitUntil(() => sleepNotes.length >= 2, 5_000, 'the notification after the wake');
    const wc = wire.count;
    say(`wire after the wake: ${wc.datagramsUp} datagrams up (${wc.bytesUp} B), ${wc.datagramsDown} down (${wc.bytesDown} B); records ${wc.records.join(', ')} (type/epoch: 25 tls12_cid, 23 application data); handshake (epoch 0) bytes: ${wc.epoch0Bytes}`);
    check(`woken with ZERO handshake bytes: the Registration Update was the first datagram and its answer the only one down (up 25/1, down 23/1), then the notification (up 25/1): ${wc.datagramsUp} datagrams up, ${wc.datagramsDown} down, from ${woke.peer} (was ${asleepReg.peer}); no Register`,
      wc.epoch0Bytes === 0 && wc.datagramsUp === 2 && wc.datagramsDown === 1 && wc.records.join() === 'up 25/1,down 23/1,up 25/1' && woke.peer !== asleepReg.peer && wakeEvents.some((e) => e.type === 'connected' && e.woken) && !wakeEvents.some((e) => e.type === 'registered'));
    const seqAfter = sleepNotes[1]?.seq ?? -1;
    // RFC 7641 §3.4: larger in the 24-bit serial-number space.
    const seqStep = (seqAfter - seqBeforeSleep + 0x1000000) % 0x1000000;
    check(`the observation survived the sleep: after the woken Update the server's observation got ${sleepNotes[1]?.value} (changed while asleep) on the same token, Observe ${seqAfter} > ${seqBeforeSleep}; still 0 handshake bytes`,
      sleepNotes[1]?.value === '23.5' && seqAfter >= 0 && seqBeforeSleep >= 0 && seqStep > 0 && seqStep < 0x800000 && wire.count.epoch0Bytes === 0 && wakeEvents.some((e) => e.type === 'observations-resumed'));
    await sleepObs.cancel();
    const after = await lwm2m.read(endpoint, '/3/0/0', ContentFormat.Text);
    check(`the server follows the Connection ID: Read /3/0/0 reaches the device at its new port: "${utf8Decode(after.payload)}"`, after.code === 0x45 && utf8Decode(after.payload) === 'xs-lwm2m');
    await withTimeout(client.stop(), 15_000, 'final de-registration');
    await firmwareUpdateDemo(check, verbose);
  } finally {
    await client.stop({ deregister: false }).catch(() => {});
    counters.close();
    keys.close();
    host.dispose();
    await lwm2m.stop();
    await bootstrap.stop();
    if (!opts.data) rmSync(dataDir, { recursive: true, force: true });
  }
  await smsWakeupStep(check, log, verbose);
  await smartcardStep(check, log, verbose);
  say('DTLS credential modes used by the device:');
  for (const [step, set] of stepModes) say(`  ${step}: ${[...set].join('; ')}`);
  const all = [...stepModes.values()].flatMap((v) => [...v]).join();
  check('all three DTLS credential modes were used: PSK, raw public key and X.509', ['Mode 0', 'Mode 1', 'Mode 2'].every((m) => all.includes(m)));
  console.log(`\nxs-lwm2m demo: ${checks.length} checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * SMS wake-up (issue 15): a device with a simulated cellular modem (modules/modem over tools/modem-sim) registers
 * over DTLS in queue mode (binding UQS) and sleeps; the server holds a Read, sends a Registration Update Trigger
 * as a secured SMS (TS 102 225, AES-CBC + AES-CMAC, counter higher) through the virtual SMSC; the device wakes,
 * updates over DTLS and the held Read is delivered.
 */
async function smsWakeupStep(check: (what: string, ok: boolean) => void, log: ((l: string) => void) | undefined, verbose: boolean): Promise<void> {
  say('SMS wake-up: a sleeping queue-mode device with a cellular modem, woken by a secured SMS');
  const endpoint = 'xs-lwm2m-sms-demo';
  const deviceNumber = '+15550123';
  const serverNumber = '+15550999';
  const psk = new Uint8Array(randomBytes(16));
  const smsKeys = new Uint8Array(randomBytes(32));
  const keyParameters = Uint8Array.of(0x02, 0x02, 0x16, 0x00, 0xbf, 0xff, 0x01); // AES CBC / AES CMAC, SPI 16 00, TAR BF FF 01
  const dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-sms-demo-'));
  const smsc = new VirtualSmsc({ latencyMs: 50 });
  const lwm2m = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: endpoint, key: psk.slice() }], log, queueAwakeMs: 1_000 });
  const gateway = new SmsServerGateway(lwm2m, smsc, serverNumber);
  gateway.addDevice({ msisdn: deviceNumber, mode: 'secured', keyParameters, secretKeys: smsKeys.slice() });
  const host = new NodeHost({ dataDir, logLevel: verbose ? 'debug' : 'warn' });
  const keys = KeyStore.open(host, 'keys');
  const counters = CounterStore.open(host, 'counters');
  const built = buildDataModel(host, keys);
  applyFactoryConfig(built.dm, { accounts: [{ uri: `coaps://127.0.0.1:${lwm2m.port}`, pskIdentity: endpoint, pskKey: psk.slice(), shortServerId: 1, lifetime: 300, binding: 'UQS', sms: { mode: 2, keyParameters, secretKeys: smsKeys.slice(), number: serverNumber } }] });
  const sim = new SimModem({ number: deviceNumber, smsc });
  const modem = new Modem(host, sim.stream());
  let client: Lwm2mClient | null = null;
  try {
    await withTimeout(modem.init(), 10_000, 'modem init');
    say(`device: modem ready (IMSI ${await modem.imsi()}, registration ${await modem.registration()}), SMS in PDU mode`);
    let sleeping = false;
    client = new Lwm2mClient({
      host, endpointName: endpoint, dataModel: built.dm, smsNumber: deviceNumber, queueIdleMs: 1_000,
      connector: new BindingConnector(new UdpDtlsConnector(host), new SmsConnector(host, { bearer: modem.sms, counters })),
      onEvent: (e) => {
        noteMode('SMS wake-up (U+S binding)', e);
        if (e.type === 'sleep-allowed') sleeping = true;
        const m = describeEvent(e);
        if (m) say(m);
      },
    });
    await withTimeout(client.start(), 30_000, 'registration');
    const reg = await withTimeout(lwm2m.waitForRegistration(endpoint, 20_000), 25_000, 'registration');
    check(`SMS demo device registered over DTLS with b=${reg.binding}, sms=${reg.sms}`, reg.binding === 'UQS' && reg.sms === deviceNumber);
    for (let i = 0; i < 100 && !sleeping; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_200));
    check('device idle: sleep allowed (queue mode), the server now holds requests for it', sleeping);
    const updates = lwm2m.registration(endpoint)!.updates;
    const held = lwm2m.read(endpoint, '/3/0/0', ContentFormat.Text);
    const smsBefore = smsc.log.length;
    const code = await withTimeout(gateway.trigger(deviceNumber), 20_000, 'SMS trigger');
    const sent = smsc.log.slice(smsBefore);
    check(`server sent Execute /1/0/8 as a secured SMS (${sent[0]?.udOctets ?? 0} octets of user data); device answered ${(code >> 5)}.0${code & 31} by SMS`, code === 0x44 && sent.length >= 1);
    const upd = await withTimeout(lwm2m.waitForUpdate(endpoint, updates, 20_000), 25_000, 'wake-up update');
    const r = await withTimeout(held, 20_000, 'held read');
    check(`device woke and updated over DTLS (${upd.peer}); the held Read /3/0/0 arrived: "${utf8Decode(r.payload)}"`, !upd.peer.startsWith('sms:') && r.code === 0x45);
    await withTimeout(client.stop(), 15_000, 'de-registration');
  } finally {
    await client?.stop({ deregister: false }).catch(() => {});
    modem.close();
    gateway.close();
    counters.close();
    keys.close();
    host.dispose();
    await lwm2m.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}


/**
 * Bootstrap from Smartcard (issue 16; LwM2M 1.1 §5.2.3, GlobalPlatform SCP03): a device with no factory
 * configuration, only the card binding sealed on the production line (ICCID + SCP03 key set), and a
 * simulated modem (tools/modem-sim) with the simulated UICC (tools/uicc-sim) in its slot. Every APDU is
 * one AT+CSIM; the device opens SCP03 (C-MAC, C-DEC, R-MAC, R-ENC), reads the bootstrap file through
 * PKCS#15, applies it and registers over DTLS PSK with the local LwM2M Server. Then the card in the
 * slot is swapped, twice: another ICCID with the same keys, then the same ICCID with other keys; both are
 * refused and nothing of theirs is applied or persisted.
 */
async function smartcardStep(check: (what: string, ok: boolean) => void, log: ((l: string) => void) | undefined, verbose: boolean): Promise<void> {
  say('Smartcard: a device with no factory configuration bootstraps from the SIM card behind its modem (SCP03 over AT+CSIM)');
  const endpoint = 'xs-lwm2m-card-demo';
  const iccid = '8944500123456789012';
  const rnd = () => new Uint8Array(randomBytes(16));
  const psk = rnd();
  const enc = rnd();
  const mac = rnd();
  const adminEnc = rnd();
  const adminMac = rnd();
  const dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-card-demo-'));
  const lwm2m = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: endpoint, key: psk.slice() }], log });
  const uri = `coaps://127.0.0.1:${lwm2m.port}`;
  const card = (id: string, e: Uint8Array, m: Uint8Array, bootstrap: Uint8Array) => new SimUicc({
    iccid: id,
    crypto: nobleCrypto,
    keySets: [
      { kvn: 0x30, enc: e.slice(), mac: m.slice(), role: 'device' },
      { kvn: 0x40, enc: adminEnc.slice(), mac: adminMac.slice(), role: 'admin' },
    ],
    bootstrap,
  });
  const deviceNumber = '+15550124';
  const smsc = new VirtualSmsc({ latencyMs: 2 });
  const sim = new SimModem({ number: deviceNumber, smsc, uicc: card(iccid, enc, mac, pskBootstrapFile(uri, endpoint, psk.slice(), 201)) });
  const host = new NodeHost({ dataDir, logLevel: verbose ? 'debug' : 'warn' });
  const keys = KeyStore.open(host, 'keys');
  const built = buildDataModel(host, keys);
  built.dm.restore();
  // the production line seals the binding to this card: its ICCID and the device's SCP03 key set (KVN 0x30)
  provisionSmartcardBinding(keys, { iccid, kvn: 0x30, enc: enc.slice(), mac: mac.slice() });
  const modem = new Modem(host, sim.stream());
  const transport = csimTransport(modem);
  const csimCount = () => sim.commands.filter((c) => c.toUpperCase().startsWith('AT+CSIM=')).length;
  const accounts = (dm: DataModel) => dm.security.instanceIds().map((i) => String(dm.security.read(i)?.get(0))).join(' ');
  let client: Lwm2mClient | null = null;
  try {
    await withTimeout(modem.init(), 10_000, 'modem init');
    check(`card device: no factory configuration (Security instances: ${built.dm.security.instanceIds().length}), card binding sealed, modem ready`, built.dm.security.instanceIds().length === 0 && built.dm.servers.instanceIds().length === 0);
    const r = await withTimeout(bootstrapFromSmartcard({ transport, keys, dataModel: built.dm, host, crypto: host.crypto }), 30_000, 'bootstrap from smartcard');
    const initUpdate = sim.commands.some((c) => /^AT\+CSIM=\d+,"..50/i.test(c));
    check(`card ${r.iccid} read over SCP03 (C-MAC, C-DEC, R-MAC, R-ENC) in ${csimCount()} AT+CSIM commands, INITIALIZE UPDATE included; applied objects ${r.objects.join(', ')}: account ${accounts(built.dm)}`, csimCount() >= 8 && initUpdate && r.objects.join() === '0,1' && accounts(built.dm) === uri);
    client = new Lwm2mClient({ host, endpointName: endpoint, dataModel: built.dm, onEvent: (e) => {
      noteMode('Smartcard bootstrap account', e);
      const m = describeEvent(e);
      if (m) say(m);
    } });
    await withTimeout(client.start(), 30_000, 'registration with the account from the card');
    const reg = await withTimeout(lwm2m.waitForRegistration(endpoint, 20_000), 25_000, 'registration');
    const maker = await lwm2m.read(endpoint, '/3/0/0', ContentFormat.Text);
    check(`registered over DTLS PSK with the account from the card (lifetime ${reg.lifetime} s); server read /3/0/0 "${utf8Decode(maker.payload)}"`, reg.lifetime === 300 && maker.code === 0x45 && utf8Decode(maker.payload) === 'xs-lwm2m');
    await withTimeout(client.stop({ deregister: true }), 15_000, 'de-registration');
    client = null;
    await withTimeout(lwm2m.waitForDeregistration(endpoint, 10_000), 12_000, 'de-registration at the server');

    // Someone swaps the card in the modem's slot; the impostor's bootstrap file names another server.
    const evil = pskBootstrapFile('coaps://198.51.100.7:5684', 'impostor', rnd(), 201);
    const swaps: [string, string, SimUicc][] = [
      ['another ICCID, the same SCP03 keys', 'wrong-card', card('8944500000000000001', enc, mac, evil)],
      ['the same ICCID, other SCP03 keys', 'secure-channel', card(iccid, rnd(), rnd(), evil)],
    ];
    for (const [what, want, other] of swaps) {
      sim.plug(other);
      const before = csimCount();
      let code = 'none';
      try {
        await withTimeout(bootstrapFromSmartcard({ transport, keys, dataModel: built.dm, host, crypto: host.crypto }), 30_000, 'bootstrap from the swapped card');
      } catch (e) {
        if (!(e instanceof SmartcardBootstrapError)) throw e;
        code = e.code;
      }
      const restored = new DataModel({ store: new KeyStoreObjectStore(keys) });
      restored.restore();
      check(`swapped card (${what}) refused: ${code} after ${csimCount() - before} AT+CSIM commands; nothing applied (account still ${accounts(built.dm)}, persisted ${accounts(restored)})`,
        code === want && accounts(built.dm) === uri && accounts(restored) === uri && built.dm.servers.instanceIds().length === 1 && lwm2m.registrations().length === 0);
    }
  } finally {
    await client?.stop({ deregister: false }).catch(() => {});
    modem.close();
    smsc.detach(deviceNumber);
    keys.close();
    host.dispose();
    await lwm2m.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Over-the-air update on the Node host, for real: the device application is bundled and signed into
 * images (tools/fw-build.ts), the launcher (hosts/node/launcher.ts) boots it from slot A in a child
 * process, the LwM2M Server offers version 1.2.0 by Package URI, the device pulls it (Block2 over
 * DTLS), verifies the signature, installs it on Update, restarts into slot B in trial and confirms it
 * once registered. Then an image signed with another key is pushed and refused.
 */
async function firmwareUpdateDemo(check: (what: string, ok: boolean) => void, verbose: boolean): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-fota-demo-'));
  const endpoint = 'xs-lwm2m-fota-demo';
  const key = new Uint8Array(randomBytes(16));
  const server = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: endpoint, key }], log: verbose ? (l) => say(`server: ${l}`) : undefined });
  const abort = new AbortController();
  let launcher: Promise<number> | null = null;
  const boots: BootEvent[] = [];
  try {
    const signer = generateSigner();
    const v1 = await buildDeviceImage(signer, 1, '1.1.0');
    const v2 = await buildDeviceImage(signer, 2, '1.2.0');
    const bad = await buildDeviceImage(generateSigner(), 3, '1.3.0');
    say(`firmware: bundled and signed the device application: 1.1.0 and 1.2.0 (${v2.length} bytes each, ECDSA P-256), and 1.3.0 signed with a key the device does not trust`);
    const cfg: DeviceAppConfig = { dataDir, endpoint, serverUri: `coaps://127.0.0.1:${server.port}`, pskIdentity: endpoint, pskKey: toHex(key), publicKey: toHex(signer.publicKey), lifetime: 30, trialTimeoutMs: 30_000 };
    const fw = openNodeFirmware(dataDir, nobleCrypto, signer.publicKey);
    programSlot(fw, 0, v1);
    fw.close();
    const cfgPath = join(dataDir, 'device.json');
    writeFileSync(cfgPath, JSON.stringify(cfg), { mode: 0o600 });
    launcher = runLauncher(cfgPath, {
      stdio: 'pipe',
      signal: abort.signal,
      onBoot: (e) => {
        boots.push(e);
        say(`launcher: boot ${e.boot} from slot ${'AB'[e.slot]}, version ${e.version}${e.trial ? ' (trial)' : ''}${e.rolledBack ? ' (rolled back)' : ''}`);
      },
      onOutput: (line) => say(`  ${line}`),
    });
    await withTimeout(server.waitForRegistration(endpoint, 30_000), 35_000, 'registration of the launched device');
    const running = async () => utf8Decode((await server.read(endpoint, '/3/0/3', ContentFormat.Text)).payload);
    check(`launched device (its own process, slot A) registered running ${await running()}`, (await running()) === '1.1.0');
    server.offerFile('fw/app-1.2.0.img', v2);
    const uri = `coaps://127.0.0.1:${server.port}/fw/app-1.2.0.img`;
    check(`update offered: server wrote Package URI ${uri}`, (await server.offerFirmwareUri(endpoint, uri)).code === 0x44);
    const dl = await server.waitForFirmware(endpoint, (s) => s.state === 2 || (s.state === 0 && s.result !== 0), 60_000);
    const pkg = utf8Decode((await server.read(endpoint, '/5/0/7', ContentFormat.Text)).payload);
    check(`downloaded by Block2 over DTLS and verified (SHA-256, signature): State 2 Downloaded, PkgVersion ${pkg}`, dl.state === 2 && pkg === '1.2.0');
    check('installed: server executed Update /5/0/2 (2.04)', (await server.execute(endpoint, '/5/0/2')).code === 0x44);
    const done = await server.waitForFirmware(endpoint, (s) => s.state === 0 && s.result !== 0, 60_000);
    const trial = boots.find((b) => b.version === '1.2.0');
    check(`restarted: the launcher booted slot ${trial ? 'AB'[trial.slot] : '?'} in trial`, !!trial && trial.trial && trial.slot === 1);
    check(`confirmed after registering: State 0, Update Result ${done.result} (success), the device now runs ${await running()}`, done.result === 1 && (await running()) === '1.2.0');
    const r = await server.pushFirmware(endpoint, bad);
    const refused = await server.waitForFirmware(endpoint, (s) => s.state === 0 && s.result !== 1, 30_000);
    check(`bad image (another signer) pushed in Block1 blocks: refused with ${codeText(r.code)}, Update Result ${refused.result} (integrity check failure), still running ${await running()}`, refused.result === 5 && (await running()) === '1.2.0');
  } finally {
    abort.abort();
    if (launcher) await launcher.catch(() => 1);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let opts: DemoArgs;
  try {
    opts = parseDemoArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof DemoArgsError)) throw e;
    // One line, exit status 2, before anything starts.
    console.error(`xs-lwm2m demo: ${e.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(HELP);
    return;
  }
  if (opts.server) return realServer(opts);
  if (opts.updateOnly) {
    let n = 0;
    await firmwareUpdateDemo((what, ok) => {
      n++;
      say(`${ok ? 'OK  ' : 'FAIL'} ${what}`);
      if (!ok) throw new Error(`check failed: ${what}`);
    }, opts.verbose);
    console.log(`\nxs-lwm2m update demo: ${n} checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return;
  }
  // The local demo is a fixed sequence: Ctrl-C before its end is not a pass.
  process.once('SIGINT', () => {
    console.error('\nxs-lwm2m demo INTERRUPTED before it finished');
    process.exit(130);
  });
  return localDemo(opts);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`\nxs-lwm2m demo FAILED: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
