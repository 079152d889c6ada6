/**
 * `npx xs-lwm2m <command>`: provisioning for device makers, on the Node host's data directory layout
 * (flash/<region>.flash files and an owner-only device-secret.bin, see hosts/node/host.ts).
 *
 *   create         a device data directory with its factory configuration (LwM2M Core §6.1.2 factory
 *                  bootstrap): one bootstrap account or one direct DM server account, NoSec or PSK
 *   psk            a fresh high-entropy PSK (random bytes from the OS)
 *   server-config  what the server side needs: endpoint, PSK identity and key, as Leshan's security REST
 *                  API and Wakaama's bootstrap_server.ini take them
 *   status         accounts, registrations, sealed records by name and size; never a secret
 *   run            the device from its data directory, against the server it was provisioned for
 *
 * Bad input prints one line on stderr and exits 2; a failure at run time exits 1.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NodeHost } from '../hosts/node/host';
import { fromHex, toHex, utf8Decode, wipe } from '../modules/bytes/index';
import { Lwm2mClient, type ClientEvent } from '../modules/client/client';
import { readAccounts, SecurityMode, type ServerAccount } from '../modules/client/accounts';
import { keyStoreSessions } from '../modules/client/connector';
import { applyFactoryConfig, KeyStoreObjectStore, type FactoryAccount } from '../modules/client/factory';
import { parseServerUri } from '../modules/client/uri';
import { DataModel } from '../modules/lwm2m/data-model';
import { coapLimits, NODE_PROFILE } from '../modules/profile';
import { DeviceObject } from '../modules/lwm2m/objects/device';
import { KeyStore } from '../modules/store/key-store';

const HELP = `xs-lwm2m: provisioning for xs-lwm2m devices (LwM2M client, Node host data directories)

Usage: xs-lwm2m <command> [options]        xs-lwm2m <command> --help

Commands:
  create --data DIR --endpoint NAME (--server URI | --bootstrap URI) [options]
      Creates the device data directory DIR with its factory configuration: one account, either a
      direct LwM2M Server (--server) or a Bootstrap-Server (--bootstrap).
        coaps://HOST[:PORT]  DTLS 1.2 with a pre-shared key (Security Mode 0, PSK):
            --identity ID    PSK identity (default: the endpoint name)
            --psk HEX        the key, 16 to 64 bytes as hex (default: 16 fresh random bytes)
        coap://HOST[:PORT]   no security (Security Mode 3, NoSec): no --identity, no --psk
      For --server only: --short-server-id N (1-65534, default 1), --lifetime S (default 300)
      Device object: --manufacturer TEXT --model TEXT --serial TEXT (defaults: xs-lwm2m, node, the endpoint)
      Then prints what the server side needs, as server-config does (it holds the PSK: keep it secret);
      --out FILE writes that to FILE (created 0600) instead of standard output.
  psk [--bytes N]
      Prints a new random PSK of N bytes (16-64, default 16) as hex.
  server-config --data DIR [--out FILE]
      Prints, as JSON, what the server side needs for the account in DIR: endpoint, PSK identity and key;
      "leshan": the body of Leshan's PUT /api/security/clients (its security store);
      "wakaamaIni": the [Server] section of Wakaama's bootstrap_server.ini for this account.
  status --data DIR [--json]
      The endpoint, the accounts, the last registrations, the resumable DTLS sessions and every sealed
      record by name and size. Never prints a secret.
  run --data DIR [--until-registered] [--timeout S] [--verbose]
      Runs the device from DIR until Ctrl-C (de-registers, then exits 0). --until-registered: de-register
      and exit 0 once every DM server has registered; --timeout S: exit 1 if that takes longer than S s.

Options for every command: --help
Exit status: 0 done, 1 failed at run time, 2 bad input (one line on standard error).
`;

class UsageError extends Error {}

type Opts = Map<string, string | true>;

const COMMANDS: Record<string, { values: string[]; flags: string[] }> = {
  create: { values: ['data', 'endpoint', 'server', 'bootstrap', 'identity', 'psk', 'short-server-id', 'lifetime', 'manufacturer', 'model', 'serial', 'out'], flags: [] },
  psk: { values: ['bytes'], flags: [] },
  'server-config': { values: ['data', 'out'], flags: [] },
  status: { values: ['data'], flags: ['json'] },
  run: { values: ['data', 'timeout'], flags: ['until-registered', 'verbose'] },
};

function parse(command: string, argv: string[]): Opts {
  const spec = COMMANDS[command];
  const out: Opts = new Map();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(a)}`);
    const name = a.slice(2);
    if (out.has(name)) throw new UsageError(`${command}: --${name} given twice`);
    if (spec.flags.includes(name)) out.set(name, true);
    else if (spec.values.includes(name)) {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${command}: --${name} needs a value`);
      out.set(name, v);
      i++;
    } else throw new UsageError(`${command}: unknown option --${name}`);
  }
  return out;
}

const str = (o: Opts, name: string): string | undefined => {
  const v = o.get(name);
  return typeof v === 'string' ? v : undefined;
};

function need(o: Opts, command: string, name: string): string {
  const v = str(o, name);
  if (v === undefined) throw new UsageError(`${command}: --${name} is required`);
  return v;
}

function int(o: Opts, command: string, name: string, min: number, max: number, dflt: number): number {
  const v = str(o, name);
  if (v === undefined) return dflt;
  if (!/^\d{1,10}$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${command}: --${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** An endpoint name goes into the Register query (`ep=`), so no characters a URI query would need escaped. */
const ENDPOINT = /^[A-Za-z0-9._:~-]{1,128}$/;
const PSK_MIN = 16;
const PSK_MAX = 64;

// ------------------------------------------------------------------ the data directory

interface DeviceFile {
  endpoint: string;
  manufacturer: string;
  model: string;
  serial: string;
}

const paths = (dir: string) => ({
  device: join(dir, 'device.json'),
  keys: join(dir, 'flash', 'keys.flash'),
  secret: join(dir, 'device-secret.bin'),
  registrations: join(dir, 'registrations.json'),
});

function readDevice(command: string, dir: string): DeviceFile {
  const p = paths(dir);
  if (!existsSync(p.device) || !existsSync(p.keys) || !existsSync(p.secret)) {
    throw new UsageError(`${command}: ${dir} is not a device data directory (create one with \`xs-lwm2m create\`)`);
  }
  let d: DeviceFile;
  try {
    d = JSON.parse(readFileSync(p.device, 'utf8'));
  } catch {
    throw new UsageError(`${command}: ${p.device} is not valid JSON`);
  }
  if (typeof d?.endpoint !== 'string' || !ENDPOINT.test(d.endpoint)) throw new UsageError(`${command}: ${p.device} has no valid "endpoint"`);
  return d;
}

/** Opens the device's host, sealed key store and data model (Objects 0, 1, 2 restored, Device object registered). */
function openDevice(dir: string, device: DeviceFile, logLevel: 'debug' | 'warn' = 'warn') {
  const host = new NodeHost({ dataDir: dir, logLevel });
  const keys = KeyStore.open(host, 'keys');
  // The Node limits (modules/profile.ts NODE_PROFILE), not a device's.
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys), maxPayload: NODE_PROFILE.lwm2mMaxPayload });
  dm.register(new DeviceObject({ manufacturer: device.manufacturer, model: device.model, serial: device.serial, binding: 'U' }, () => Math.floor(Date.now() / 1000)));
  dm.restore();
  return {
    host,
    keys,
    dm,
    close() {
      keys.close();
      host.dispose();
    },
  };
}

const MODE_NAMES: Record<number, string> = { [SecurityMode.PSK]: 'psk', [SecurityMode.RPK]: 'rpk', [SecurityMode.Certificate]: 'x509', [SecurityMode.NoSec]: 'nosec', [SecurityMode.EST]: 'est' };

/** A PSK identity is public (it travels in clear in the handshake): shown as text when it is printable. */
function identityText(id: Uint8Array): string {
  try {
    const s = utf8Decode(id);
    if (/^[\x20-\x7e]*$/.test(s)) return s;
  } catch {}
  return `hex:${toHex(id)}`;
}

function writeOut(file: string | undefined, text: string): void {
  if (file === undefined) {
    process.stdout.write(text);
    return;
  }
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    throw new UsageError(`--out ${file}: ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists already (not overwritten)' : (e as Error).message}`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  process.stderr.write(`xs-lwm2m: wrote the server-side configuration (it holds the PSK) to ${file}\n`);
}

// ------------------------------------------------------------------ commands

function create(o: Opts): void {
  const dir = resolve(need(o, 'create', 'data'));
  const endpoint = need(o, 'create', 'endpoint');
  if (!ENDPOINT.test(endpoint)) throw new UsageError(`create: --endpoint must be 1-128 characters from A-Z a-z 0-9 . _ : ~ -, got ${JSON.stringify(endpoint)}`);
  const server = str(o, 'server');
  const bootstrap = str(o, 'bootstrap');
  if ((server === undefined) === (bootstrap === undefined)) throw new UsageError('create: give exactly one of --server URI or --bootstrap URI');
  const uri = (server ?? bootstrap)!;
  let scheme: string;
  try {
    scheme = parseServerUri(uri).scheme;
  } catch {
    throw new UsageError(`create: ${JSON.stringify(uri)} is not a server URI (expected coap://HOST[:PORT] or coaps://HOST[:PORT])`);
  }
  if (scheme === 'sms') throw new UsageError('create: sms:// accounts are not provisioned by this tool yet (coap:// or coaps://)');
  if (bootstrap !== undefined && (o.has('short-server-id') || o.has('lifetime'))) throw new UsageError('create: --short-server-id and --lifetime belong to a --server account, not a --bootstrap one');
  const ssid = int(o, 'create', 'short-server-id', 1, 65534, 1);
  const lifetime = int(o, 'create', 'lifetime', 1, 0x7fffffff, 300);
  const secure = scheme === 'coaps';
  if (!secure && (o.has('psk') || o.has('identity'))) throw new UsageError('create: coap:// is NoSec (Security Mode 3): --identity and --psk need a coaps:// URI');
  const identity = str(o, 'identity') ?? endpoint;
  if (secure && (identity.length < 1 || Buffer.byteLength(identity) > 128)) throw new UsageError('create: --identity must be 1-128 bytes');
  let psk: Uint8Array | undefined;
  if (secure) {
    const hex = str(o, 'psk');
    if (hex !== undefined) {
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new UsageError('create: --psk must be hex digits, two per byte');
      if (hex.length / 2 < PSK_MIN || hex.length / 2 > PSK_MAX) throw new UsageError(`create: --psk must be ${PSK_MIN} to ${PSK_MAX} bytes, got ${hex.length / 2}`);
      psk = fromHex(hex);
    } else psk = new Uint8Array(randomBytes(PSK_MIN));
  }
  const p = paths(dir);
  if (existsSync(p.device) || existsSync(p.keys) || existsSync(p.secret)) {
    throw new UsageError(`create: ${dir} already holds a device (not overwritten; pick an empty directory)`);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`create: ${dir} is not empty`);
  const out = str(o, 'out');
  if (out !== undefined && existsSync(out)) throw new UsageError(`create: --out ${out} exists already (not overwritten)`);

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const device: DeviceFile = { endpoint, manufacturer: str(o, 'manufacturer') ?? 'xs-lwm2m', model: str(o, 'model') ?? 'node', serial: str(o, 'serial') ?? endpoint };
  writeFileSync(p.device, JSON.stringify(device, null, 2) + '\n', { mode: 0o600 });
  const d = openDevice(dir, device);
  try {
    const account: FactoryAccount = {
      uri,
      bootstrap: bootstrap !== undefined,
      securityMode: secure ? SecurityMode.PSK : SecurityMode.NoSec,
      pskIdentity: secure ? identity : undefined,
      pskKey: psk ? psk.slice() : undefined, // applyFactoryConfig wipes it
      shortServerId: bootstrap === undefined ? ssid : undefined,
      lifetime: bootstrap === undefined ? lifetime : undefined,
    };
    applyFactoryConfig(d.dm, { accounts: [account] });
  } finally {
    d.close();
  }
  process.stderr.write(`xs-lwm2m: created ${dir}: endpoint ${endpoint}, ${bootstrap !== undefined ? 'Bootstrap-Server' : `LwM2M Server ${ssid}`} ${uri} (${secure ? 'PSK' : 'NoSec'})\n`);
  const cfg = serverSide(endpoint, [{ uri, bootstrap: bootstrap !== undefined, mode: secure ? 'psk' : 'nosec', identity: secure ? identity : undefined, key: psk, ssid, lifetime }]);
  if (psk) wipe(psk);
  writeOut(out, cfg);
}

interface SideAccount {
  uri: string;
  bootstrap: boolean;
  mode: string;
  identity?: string;
  key?: Uint8Array;
  ssid: number;
  lifetime: number;
}

/**
 * What the server side needs, as JSON. "leshan" is the body Leshan's demo servers take on
 * PUT /api/security/clients (endpoint, tls.mode "psk", tls.details identity and hex key); "wakaamaIni" is
 * a [Server] section of Wakaama's bootstrap_server.ini (public = hex identity, secret = hex key, the
 * values of resources /0/x/3 and /0/x/5). Wakaama has no JSON security store; its bootstrap server
 * reads that INI file.
 */
function serverSide(endpoint: string, accounts: SideAccount[]): string {
  const list = accounts.map((a) => {
    const key = a.key ? toHex(a.key) : undefined;
    const ini = [
      '[Server]',
      `id=${a.bootstrap ? 0 : a.ssid}`,
      `uri=${a.uri}`,
      `bootstrap=${a.bootstrap ? 'yes' : 'no'}`,
      ...(a.bootstrap ? [] : [`lifetime=${a.lifetime}`]),
      `security=${a.mode === 'psk' ? 'PSK' : 'NoSec'}`,
      ...(a.mode === 'psk' ? [`public=${toHex(new TextEncoder().encode(a.identity ?? ''))}`, `secret=${key}`] : []),
    ].join('\n');
    return {
      uri: a.uri,
      role: a.bootstrap ? 'bootstrap-server' : 'lwm2m-server',
      ...(a.bootstrap ? {} : { shortServerId: a.ssid }),
      securityMode: a.mode,
      ...(a.mode === 'psk' ? { pskIdentity: a.identity, pskKeyHex: key } : {}),
      leshan: a.mode === 'psk' ? { endpoint, tls: { mode: 'psk', details: { identity: a.identity, key } } } : null,
      wakaamaIni: ini + '\n',
    };
  });
  return JSON.stringify({ endpoint, accounts: list }, null, 2) + '\n';
}

function psk(o: Opts): void {
  const n = int(o, 'psk', 'bytes', PSK_MIN, PSK_MAX, PSK_MIN);
  const k = new Uint8Array(randomBytes(n));
  process.stdout.write(toHex(k) + '\n');
  wipe(k);
}

function accountsOf(dm: DataModel, fn: (a: ServerAccount) => void): void {
  for (const a of readAccounts(dm)) {
    try {
      fn(a);
    } finally {
      wipe(a.identity);
      wipe(a.serverPublicKey);
    }
  }
}

function serverConfig(o: Opts): void {
  const dir = resolve(need(o, 'server-config', 'data'));
  const device = readDevice('server-config', dir);
  const out = str(o, 'out');
  if (out !== undefined && existsSync(out)) throw new UsageError(`server-config: --out ${out} exists already (not overwritten)`);
  const d = openDevice(dir, device);
  const side: SideAccount[] = [];
  try {
    accountsOf(d.dm, (a) => {
      const isPsk = a.securityMode === SecurityMode.PSK;
      side.push({ uri: a.uri, bootstrap: a.bootstrap, mode: MODE_NAMES[a.securityMode] ?? String(a.securityMode), identity: isPsk ? identityText(a.identity) : undefined, key: isPsk ? d.dm.security.secret(a.securityIid, 5) : undefined, ssid: a.ssid ?? 0, lifetime: a.lifetimeS });
    });
    writeOut(out, serverSide(device.endpoint, side));
  } finally {
    for (const a of side) if (a.key) wipe(a.key);
    d.close();
  }
}

interface Registration {
  uri: string;
  location: string;
  lifetime: number;
  at: string;
  deregisteredAt?: string;
}

function readRegistrations(dir: string): Record<string, Registration> {
  try {
    return JSON.parse(readFileSync(paths(dir).registrations, 'utf8'));
  } catch {
    return {};
  }
}

function status(o: Opts): void {
  const dir = resolve(need(o, 'status', 'data'));
  const device = readDevice('status', dir);
  const d = openDevice(dir, device);
  const accounts: Record<string, unknown>[] = [];
  const records: { name: string; bytes: number }[] = [];
  try {
    accountsOf(d.dm, (a) => {
      accounts.push({
        role: a.bootstrap ? 'bootstrap-server' : 'lwm2m-server',
        uri: a.uri,
        ...(a.bootstrap ? {} : { shortServerId: a.ssid, lifetime: a.lifetimeS, binding: a.binding }),
        securityMode: MODE_NAMES[a.securityMode] ?? String(a.securityMode),
        ...(a.securityMode === SecurityMode.PSK ? { pskIdentity: identityText(a.identity) } : {}),
      });
    });
    for (const name of d.keys.names().sort()) {
      const v = d.keys.get(name);
      records.push({ name, bytes: v ? v.length : 0 });
      if (v) wipe(v);
    }
  } finally {
    d.close();
  }
  const registrations = readRegistrations(dir);
  const sessions = records.filter((r) => r.name.startsWith('dtls.')).map((r) => r.name);
  if (o.get('json')) {
    process.stdout.write(JSON.stringify({ dataDir: dir, endpoint: device.endpoint, accounts, registrations, dtlsSessions: sessions, sealedRecords: records }, null, 2) + '\n');
    return;
  }
  const lines = [`device ${device.endpoint} (${dir})`, 'accounts:'];
  if (!accounts.length) lines.push('  none');
  for (const a of accounts) {
    lines.push(`  ${a.role} ${a.uri}${a.shortServerId !== undefined ? ` ssid ${a.shortServerId} lifetime ${a.lifetime} s` : ''} ${a.securityMode}${a.pskIdentity !== undefined ? ` identity ${a.pskIdentity}` : ''}`);
  }
  lines.push('registrations (as recorded by `xs-lwm2m run`):');
  const regs = Object.entries(registrations);
  if (!regs.length) lines.push('  none yet');
  for (const [ssid, r] of regs) lines.push(`  server ${ssid} ${r.uri} at ${r.location}, lifetime ${r.lifetime} s, registered ${r.at}${r.deregisteredAt ? `, de-registered ${r.deregisteredAt}` : ''}`);
  lines.push(`resumable DTLS sessions: ${sessions.length ? sessions.join(', ') : 'none'}`);
  lines.push('sealed records (name: plaintext bytes):');
  for (const r of records) lines.push(`  ${r.name}: ${r.bytes}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function describe(e: ClientEvent): string | null {
  switch (e.type) {
    case 'bootstrap-start':
      return `bootstrap with ${e.uri}`;
    case 'bootstrap-finished':
      return `bootstrap finished: ${e.accounts} server account(s)`;
    case 'bootstrap-failed':
      return `bootstrap failed (${e.reason}); retry in ${e.retryInMs / 1000} s`;
    case 'connected':
      return `${e.security === 'dtls-psk' ? 'DTLS 1.2 PSK' : 'NoSec'} connection with ${e.uri}${e.resumed ? ' (session resumed)' : ''}`;
    case 'registered':
      return `registered with server ${e.ssid} at ${e.location} (lifetime ${e.lifetime} s)`;
    case 'registration-failed':
      return `registration with ${e.uri} failed (${e.reason}); retry in ${e.retryInMs / 1000} s`;
    case 'updated':
      return `registration update to server ${e.ssid}`;
    case 'deregistered':
      return `de-registered from server ${e.ssid}`;
    case 'request':
      return `server ${e.ssid} ${e.op} ${e.path} -> ${e.code >> 5}.${String(e.code & 31).padStart(2, '0')}`;
    default:
      return null;
  }
}

async function run(o: Opts): Promise<void> {
  const dir = resolve(need(o, 'run', 'data'));
  const device = readDevice('run', dir);
  const timeoutS = int(o, 'run', 'timeout', 1, 86400, 0);
  const untilRegistered = o.get('until-registered') === true;
  const d = openDevice(dir, device, o.get('verbose') ? 'debug' : 'warn');
  const dmServers = new Set<number>();
  accountsOf(d.dm, (a) => {
    if (!a.bootstrap && a.ssid !== undefined) dmServers.add(a.ssid);
  });
  const say = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);
  const registered = new Set<number>();
  let allRegistered: () => void = () => {};
  const done = new Promise<void>((r) => (allRegistered = r));
  const client = new Lwm2mClient({
    host: d.host,
    endpointName: device.endpoint,
    dataModel: d.dm,
    sessions: keyStoreSessions(d.keys),
    coap: coapLimits(NODE_PROFILE),
    onEvent: (e) => {
      const m = describe(e);
      if (m) say(m);
      if (e.type === 'bootstrap-finished') {
        dmServers.clear();
        accountsOf(d.dm, (a) => {
          if (!a.bootstrap && a.ssid !== undefined) dmServers.add(a.ssid);
        });
      }
      if (e.type === 'deregistered') {
        const regs = readRegistrations(dir);
        const r = regs[String(e.ssid)];
        if (r) {
          r.deregisteredAt = new Date().toISOString();
          writeFileSync(paths(dir).registrations, JSON.stringify(regs, null, 2) + '\n', { mode: 0o600 });
        }
      }
      if (e.type === 'registered') {
        const regs = readRegistrations(dir);
        const account = readAccounts(d.dm).find((a) => a.ssid === e.ssid);
        regs[String(e.ssid)] = { uri: account?.uri ?? '', location: e.location, lifetime: e.lifetime, at: new Date().toISOString() };
        if (account) {
          wipe(account.identity);
          wipe(account.serverPublicKey);
        }
        writeFileSync(paths(dir).registrations, JSON.stringify(regs, null, 2) + '\n', { mode: 0o600 });
        registered.add(e.ssid);
        if (dmServers.size > 0 && [...dmServers].every((s) => registered.has(s))) allRegistered();
      }
    },
  });
  say(`device ${device.endpoint} from ${dir}${untilRegistered ? '' : '; Ctrl-C to de-register and quit'}`);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => {
    if (timeoutS > 0) timer = setTimeout(() => r('timeout'), timeoutS * 1000);
  });
  const signalled = new Promise<'signal'>((r) => {
    process.once('SIGINT', () => r('signal'));
    process.once('SIGTERM', () => r('signal'));
  });
  // start() may wait for a first registration attempt (DTLS retransmissions): the timeout and the
  // signals count from here, not from when it returns.
  const never = new Promise<never>(() => {});
  const failed = client.start().then(() => never);
  const why = await Promise.race([untilRegistered ? done.then(() => 'registered' as const) : never, timedOut, signalled, failed]);
  if (timer) clearTimeout(timer);
  say(why === 'registered' ? 'every server registered: de-registering' : why === 'timeout' ? `not registered after ${timeoutS} s: stopping` : 'de-registering');
  await Promise.race([client.stop(), new Promise((r) => setTimeout(r, 10_000))]);
  d.close();
  if (why === 'timeout') throw new Error(`not registered with every server within ${timeoutS} s`);
}

// ------------------------------------------------------------------ main

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    const o = parse(command, rest);
    if (command === 'create') create(o);
    else if (command === 'psk') psk(o);
    else if (command === 'server-config') serverConfig(o);
    else if (command === 'status') status(o);
    else await run(o);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`xs-lwm2m: ${e.message} (see xs-lwm2m --help)\n`);
      return 2;
    }
    process.stderr.write(`xs-lwm2m: ${command}: ${e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e)}\n`);
    return 1;
  }
}

/** The program: bin/xs-lwm2m.mjs calls this. Sets the exit status; `run` exits at once when done. */
export async function runCli(argv = process.argv.slice(2)): Promise<void> {
  const code = await main(argv);
  // `run` leaves nothing behind on purpose, but a de-registration cut short may: do not wait for it.
  if (argv[0] === 'run') process.exit(code);
  process.exitCode = code;
}
