/**
 * The command line of `npm start` (tools/demo.ts), checked completely before anything starts: a bad
 * argument is one clear line and exit status 2, never a device that retries a server it can never reach.
 */
import { isIP } from 'node:net';
import { fromHex } from '../modules/bytes/index';
import { parseServerUri } from '../modules/client/uri';

export class DemoArgsError extends Error {
  override name = 'DemoArgsError';
}

export interface DemoArgs {
  help: boolean;
  verbose: boolean;
  /** Only the over-the-air update part of the local demo. */
  updateOnly?: boolean;
  data?: string;
  /** Local address the device's UDP sockets bind to (default 0.0.0.0). */
  bind?: string;
  /** Present: run against this server until Ctrl-C instead of the local demo. */
  server?: { uri: string; secure: boolean; identity?: string; key?: Uint8Array; endpoint?: string };
}

const FLAGS = new Set(['help', 'verbose', 'update-only']);
const VALUED = new Set(['server', 'identity', 'key', 'endpoint', 'data', 'bind']);

export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  const raw = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new DemoArgsError(`unexpected argument ${JSON.stringify(a)} (see --help)`);
    const name = a.slice(2);
    if (raw.has(name)) throw new DemoArgsError(`--${name} given twice`);
    if (FLAGS.has(name)) {
      raw.set(name, true);
      continue;
    }
    if (!VALUED.has(name)) throw new DemoArgsError(`unknown option --${name} (see --help)`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new DemoArgsError(`--${name} needs a value`);
    raw.set(name, v);
    i++;
  }
  const str = (n: string) => raw.get(n) as string | undefined;
  const out: DemoArgs = { help: raw.has('help'), verbose: raw.has('verbose'), ...(raw.has('update-only') ? { updateOnly: true } : {}) };
  const data = str('data');
  if (data !== undefined) {
    if (data.length === 0) throw new DemoArgsError('--data needs a directory');
    out.data = data;
  }
  const bind = str('bind');
  if (bind !== undefined) {
    if (isIP(bind) === 0) throw new DemoArgsError(`--bind needs an IP address of this machine (e.g. 192.0.2.7 or ::1), got ${JSON.stringify(bind)}`);
    out.bind = bind;
  }
  const uri = str('server');
  if (uri === undefined) {
    for (const n of ['identity', 'key', 'endpoint', 'bind']) if (raw.has(n)) throw new DemoArgsError(`--${n} only goes with --server`);
    return out;
  }
  let parsed;
  try {
    parsed = parseServerUri(uri);
  } catch (e) {
    const hint = /^[a-z]+:\/\/[^[]*:[^/]*:/.test(uri) ? ' (an IPv6 address goes in brackets: coaps://[2001:db8::1]:5684)' : '';
    throw new DemoArgsError(`--server: ${e instanceof Error ? e.message : String(e)}${hint}`);
  }
  if (parsed.scheme === 'sms') throw new DemoArgsError('--server: sms:// needs a modem; the demo runs over UDP (coap:// or coaps://)');
  const secure = parsed.scheme === 'coaps';
  const identity = str('identity');
  const keyHex = str('key');
  const endpoint = str('endpoint');
  if (endpoint !== undefined && (!/^[\x21-\x7e]{1,64}$/.test(endpoint) || /[&=?]/.test(endpoint))) throw new DemoArgsError('--endpoint must be 1-64 printable ASCII characters without &, = or ?');
  if (!secure) {
    if (identity !== undefined || keyHex !== undefined) throw new DemoArgsError('--identity and --key are for coaps:// (DTLS PSK); coap:// is NoSec');
    out.server = { uri, secure, endpoint };
    return out;
  }
  if (identity === undefined || keyHex === undefined) throw new DemoArgsError('coaps:// needs --identity and --key (the PSK in hex)');
  if (identity.length === 0 || identity.length > 128) throw new DemoArgsError('--identity must be 1-128 characters');
  if (!/^([0-9a-fA-F]{2}){1,64}$/.test(keyHex)) throw new DemoArgsError('--key must be the PSK as 2-128 hex digits (1-64 bytes)');
  out.server = { uri, secure, identity, key: fromHex(keyHex), endpoint };
  return out;
}
