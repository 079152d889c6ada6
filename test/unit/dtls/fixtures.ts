/** Shared set-up of the in-memory DTLS suites (not a test file): client and server over a DatagramPipe on simulated time. */
import { DatagramPipe, SimHost } from '../../harness/sim';
import { DtlsClient, type DtlsClientOptions } from '../../../modules/dtls/client';
import { DtlsServer, type DtlsServerConnection, type DtlsServerOptions } from '../../../modules/dtls/server';
import { fromHex, utf8Encode, equalBytes } from '../../../modules/bytes/index';

export const PSK = fromHex('000102030405060708090a0b0c0d0e0f');
export const IDENTITY = 'client1';

export interface Rig {
  host: SimHost;
  pipe: DatagramPipe;
  client: DtlsClient;
  server: DtlsServer;
  serverConn: () => DtlsServerConnection | null;
  /** Simulated times (ms) of each datagram sent, per direction. */
  times: { dir: 'a->b' | 'b->a'; at: number; len: number }[];
  /** Simulated time at which connect() settled. */
  settledAt: number;
}

/** The minimal client: one suite, no extensions, no SCSV (the SPEC-NOTES §2 byte-count baseline). */
export const BARE: Partial<DtlsClientOptions> = { extendedMasterSecret: false, renegotiationInfo: 'none' };

export function rig(client: Partial<DtlsClientOptions> = {}, server: Partial<DtlsServerOptions> = {}, opts: { seed?: number; mtu?: number } = {}): Rig {
  const host = new SimHost({ seed: opts.seed ?? 7 });
  const pipe = new DatagramPipe(host.clock, 1, opts.mtu ?? 1400);
  const times: Rig['times'] = [];
  const id = utf8Encode(IDENTITY);
  const srv = new DtlsServer(host, {
    psk: (identity) => (equalBytes(identity, id) ? PSK.slice() : null),
    ...server,
  });
  srv.attach(pipe.b);
  let conn: DtlsServerConnection | null = null;
  srv.onConnection = (c) => {
    conn = c;
  };
  const inner = pipe.filter;
  pipe.filter = (d, dir, i) => {
    times.push({ dir, at: host.now(), len: d.length });
    return inner(d, dir, i);
  };
  const c = new DtlsClient(host, pipe.a, { psk: PSK, identity: IDENTITY, ...client });
  return { host, pipe, client: c, server: srv, serverConn: () => conn ?? srv.connection('peer') ?? null, times, settledAt: -1 };
}

/** Wraps the rig's filter so that the test's own filter decides (the rig keeps recording times). */
export function setFilter(r: Rig, f: (d: Uint8Array, dir: 'a->b' | 'b->a', i: number) => 'deliver' | 'drop' | 'duplicate' | 'hold'): void {
  r.pipe.filter = (d, dir, i) => {
    r.times.push({ dir, at: r.host.now(), len: d.length });
    return f(d, dir, i);
  };
}

/** Runs the handshake to its end on simulated time. */
export async function handshake(r: Rig, limitMs = 24 * 3600 * 1000): Promise<void> {
  const p = r.client.connect();
  let err: unknown = null;
  r.settledAt = -1;
  // Settles synchronously inside a timer callback; record the simulated time there.
  p.then(
    () => undefined,
    (e) => (err = e),
  );
  const origClose = r.client.onClose;
  r.client.onClose = (reason) => {
    if (r.settledAt < 0) r.settledAt = r.host.now();
    origClose?.(reason);
  };
  r.host.clock.runAll(limitMs);
  if (err) throw err;
  await p;
}

export function text(s: string): Uint8Array {
  return utf8Encode(s);
}
