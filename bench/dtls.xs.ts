// XS side of the DTLS benchmark: one full PSK-CCM8 handshake with cookie on a SimHost (simulated time,
// seeded randomness), plus one 20-byte record.
// - 'client+server': our client and DtlsServer in memory, a 20-byte record each way (both sides metered).
// - 'client only': record-and-replay (as bench/client-scenario.ts): `recordHandshake` runs client and
//   server in memory and records the datagrams; `replayHandshake` runs the client alone with the same
//   seed against the recording (it sends the same bytes, which are checked), so only the client computes.
import { DatagramPipe, SimHost } from '../test/harness/sim';
import { DtlsClient } from '../modules/dtls/client';
import { DtlsServer } from '../modules/dtls/server';
import type { DatagramChannel } from '../modules/transport/types';
import { equalBytes, fromHex, toHex } from '../modules/bytes/index';

const psk = new Uint8Array(16).map((_, i) => i);
const payload = new Uint8Array(20).fill(0x41);
let seed = 1;

function fullHandshake(opts: { ems: boolean }): void {
  const host = new SimHost({ seed: seed++ });
  const pipe = new DatagramPipe(host.clock, 1);
  const server = new DtlsServer(host, { psk: () => psk.slice() });
  server.attach(pipe.b);
  server.onConnection = (c) => {
    c.onReceive = (d) => c.send(d);
  };
  const client = new DtlsClient(host, pipe.a, { psk, identity: 'client1', extendedMasterSecret: opts.ems });
  let echoed = 0;
  client.onReceive = () => echoed++;
  void client.connect().then(() => client.send(payload));
  host.clock.runAll();
  if (client.state !== 'established') throw new Error('handshake did not complete');
}

/** The datagrams of one handshake + 20-byte record, in order; `c2s` from the client. */
export interface HandshakeRecording {
  seed: number;
  ems: boolean;
  events: { dir: 'c2s' | 's2c'; hex: string }[];
}

const CLIENT_SEED = 7;
const SERVER_SEED = 8;

/** Client and DtlsServer in memory; records every datagram up to and including the client's 20-byte record. */
export async function recordHandshake(ems: boolean): Promise<HandshakeRecording> {
  const host = new SimHost({ seed: CLIENT_SEED });
  const serverHost = new SimHost({ seed: SERVER_SEED });
  const pipe = new DatagramPipe(host.clock, 1);
  const rec: HandshakeRecording = { seed: CLIENT_SEED, ems, events: [] };
  pipe.filter = (data, dir) => {
    rec.events.push({ dir: dir === 'a->b' ? 'c2s' : 's2c', hex: toHex(data) });
    return 'deliver';
  };
  const server = new DtlsServer(serverHost, { psk: () => psk.slice() });
  server.attach(pipe.b);
  const client = new DtlsClient(host, pipe.a, { psk, identity: 'client1', extendedMasterSecret: ems });
  const connected = client.connect();
  host.clock.runAll();
  await connected;
  client.send(payload);
  return rec;
}

/** Plays back the server's side of a recording and checks the client sends the recorded bytes. */
class ReplayChannel implements DatagramChannel {
  readonly maxDatagramSize = 1400;
  onReceive: ((d: Uint8Array) => void) | null = null;
  onClose: ((r: Error | null) => void) | null = null;
  private next = 0;
  private readonly events: { dir: 'c2s' | 's2c'; bytes: Uint8Array }[];
  constructor(
    private readonly host: SimHost,
    rec: HandshakeRecording,
  ) {
    this.events = rec.events.map((e) => ({ dir: e.dir, bytes: fromHex(e.hex) }));
  }
  get finished(): boolean {
    return this.next === this.events.length;
  }
  send(data: Uint8Array): void {
    const e = this.events[this.next];
    if (!e || e.dir !== 'c2s' || !equalBytes(e.bytes, data)) throw new Error(`replay diverged at datagram ${this.next}`);
    this.next++;
    while (this.next < this.events.length && this.events[this.next].dir === 's2c') {
      const bytes = this.events[this.next++].bytes;
      this.host.setTimer(1, () => this.onReceive?.(bytes));
    }
  }
  close(): void {}
}

/** The host and the decoded recording, made before the metered part. */
export interface PreparedReplay {
  rec: HandshakeRecording;
  host: SimHost;
  channel: ReplayChannel;
}

export function prepareReplay(rec: HandshakeRecording): PreparedReplay {
  const host = new SimHost({ seed: rec.seed });
  return { rec, host, channel: new ReplayChannel(host, rec) };
}

/** The client alone against a prepared recording; `done` gets it once its 20-byte record has gone. */
export function replayHandshake(p: PreparedReplay, done: (client: DtlsClient) => void, fail: (e: unknown) => void = (e) => { throw e; }): void {
  const client = new DtlsClient(p.host, p.channel, { psk, identity: 'client1', extendedMasterSecret: p.rec.ems });
  client.connect().then(() => {
    client.send(payload);
    if (!p.channel.finished) throw new Error('replay: datagrams left over');
    done(client);
  }).catch(fail);
  p.host.clock.runAll();
}

const g = globalThis as unknown as {
  benchCases: Record<string, () => void>;
  benchRecordings: Record<string, HandshakeRecording>;
  benchPrepare: (name: string) => void;
  benchReplay: () => void;
  benchPrepared: PreparedReplay | null;
  benchKeep: DtlsClient | null;
  benchResult: string;
};

g.benchCases = {
  'full handshake, client+server (no EMS)': () => fullHandshake({ ems: false }),
  'full handshake, client+server (EMS+SCSV)': () => fullHandshake({ ems: true }),
};

/** Decodes `benchRecordings[name]` and makes the client's host (not metered: do it in its own delivery). */
g.benchPrepare = (name) => {
  g.benchKeep = null;
  g.benchPrepared = prepareReplay(g.benchRecordings[name]);
};

/** One client-only handshake + record against the prepared recording; the client stays in `benchKeep`. */
g.benchReplay = () => {
  g.benchResult = 'pending';
  const p = g.benchPrepared!;
  replayHandshake(
    p,
    (c) => {
      g.benchKeep = c;
      g.benchResult = c.state === 'established' ? 'ok' : `state ${c.state}`;
    },
    (e) => (g.benchResult = 'error: ' + (e instanceof Error ? e.message : String(e))),
  );
};
