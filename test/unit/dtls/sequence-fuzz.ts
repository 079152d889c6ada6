/**
 * Stateful (message-sequence) fuzzing of the DTLS 1.2 handshake, RFC 6347 §4.2.4 (flights and
 * retransmission) and §4.1 (epochs): a real DtlsClient and DtlsServer talk through a man in the middle
 * that, per datagram, drops, duplicates, delays (reorders), replays an earlier datagram, rewrites a
 * record's epoch or sequence number, removes or reorders records inside the datagram, or truncates it;
 * a "skip" removes one handshake step from every transmission in one direction.
 *
 * Invariants checked for every case:
 *  - connect() settles (resolves or rejects) in bounded simulated time: no hang;
 *  - it fails only with DtlsError / DtlsAlert, and nothing escapes from a timer or receive callback;
 *  - when a step the client must receive was removed, the client does not end established, and when a
 *    step the server must receive was removed, the server does not (the sender of the last flight cannot
 *    know that it was lost, RFC 6347 §4.2.4, so it may believe itself established);
 *  - when the client is established, the peers agree: application data crosses both ways intact.
 * Shared by the unit suite (short, plus the corpus replay) and test/fuzz/dtls-sequence.ts (long runs).
 */
import { DatagramPipe, Prng, SimHost } from '../../harness/sim';
import { DtlsClient, type DtlsClientOptions } from '../../../modules/dtls/client';
import { DtlsServer, type DtlsServerConnection } from '../../../modules/dtls/server';
import { DtlsError } from '../../../modules/dtls/errors';
import { parseRecords } from '../../../modules/dtls/record';
import { exportSession, importSession } from '../../../modules/dtls/session';
import { concat, equalBytes, fromHex, utf8Encode } from '../../../modules/bytes/index';

type Dir = 'a->b' | 'b->a';
export type SeqOpKind = 'drop' | 'dup' | 'delay' | 'replay' | 'epoch' | 'seq' | 'strip' | 'swap' | 'truncate';
export interface SeqOp { dir: Dir; at: number; kind: SeqOpKind; arg: number }
/** A handshake step removed from every transmission: [direction, record content type, handshake type or -1, epoch]. */
export interface SeqSkip { dir: Dir; contentType: number; hsType: number; epoch: number }
export interface SeqCase { seed: number; suite: 'psk' | 'ecdhe-psk'; resume: boolean; ops: SeqOp[]; skip?: SeqSkip; note?: string }
export interface SeqOutcome { established: boolean; error: string | null; skipApplied: number; violation: string | null; simulatedMs: number }

const PSK = fromHex('000102030405060708090a0b0c0d0e0f');
const IDENTITY = utf8Encode('client1');
const KINDS: readonly SeqOpKind[] = ['drop', 'dup', 'delay', 'replay', 'epoch', 'seq', 'strip', 'swap', 'truncate'];
/** Steps worth skipping: the server's and the client's handshake messages and CCS (epoch 1 handshake = Finished). */
const SKIPS: readonly SeqSkip[] = [
  { dir: 'b->a', contentType: 22, hsType: 3, epoch: 0 }, // HelloVerifyRequest
  { dir: 'b->a', contentType: 22, hsType: 2, epoch: 0 }, // ServerHello
  { dir: 'b->a', contentType: 22, hsType: 12, epoch: 0 }, // ServerKeyExchange (ECDHE-PSK)
  { dir: 'b->a', contentType: 22, hsType: 14, epoch: 0 }, // ServerHelloDone
  { dir: 'b->a', contentType: 20, hsType: -1, epoch: 0 }, // server ChangeCipherSpec
  { dir: 'b->a', contentType: 22, hsType: -1, epoch: 1 }, // server Finished
  { dir: 'a->b', contentType: 22, hsType: 16, epoch: 0 }, // ClientKeyExchange
  { dir: 'a->b', contentType: 20, hsType: -1, epoch: 0 }, // client ChangeCipherSpec
  { dir: 'a->b', contentType: 22, hsType: -1, epoch: 1 }, // client Finished
];
/** Bounded retransmission so a stalled handshake gives up quickly in simulated time. */
const RETRANSMIT = { initialMs: 1000, maxMs: 4000, maxRetransmissions: 4 };
const LIMIT_MS = 10 * 60_000;

export function randomSeqCase(prng: Prng, seed: number): SeqCase {
  const c: SeqCase = { seed, suite: prng.int(4) === 0 ? 'ecdhe-psk' : 'psk', resume: prng.int(4) === 0, ops: [] };
  if (prng.int(5) === 0) c.skip = prng.pick(SKIPS);
  const n = prng.int(5);
  for (let i = 0; i < n; i++) c.ops.push({ dir: prng.int(2) ? 'a->b' : 'b->a', at: prng.int(8), kind: prng.pick(KINDS), arg: prng.int(4000) });
  return c;
}

function rebuild(records: Uint8Array[]): Uint8Array {
  return records.length ? concat(...records) : new Uint8Array(0);
}

function matchesSkip(raw: Uint8Array, s: SeqSkip): boolean {
  const epoch = (raw[3] << 8) | raw[4];
  if (raw[0] !== s.contentType || epoch !== s.epoch) return false;
  return s.hsType < 0 || raw[13] === s.hsType;
}

/** Runs one case; never throws (a throw out of the rig is itself reported as a violation). */
export async function runSeqCase(c: SeqCase): Promise<SeqOutcome> {
  const host = new SimHost({ seed: c.seed });
  const out: SeqOutcome = { established: false, error: null, skipApplied: 0, violation: null, simulatedMs: 0 };
  const suites = c.suite === 'psk' ? [0xc0a8] : [0xc037];
  const server = new DtlsServer(host, { psk: (id) => (equalBytes(id, IDENTITY) ? PSK.slice() : null), cipherSuites: [0xc0a8, 0xc037], retransmit: RETRANSMIT });
  let serverConn: DtlsServerConnection | null = null;
  server.onConnection = (x) => (serverConn = x);
  const base: Partial<DtlsClientOptions> = { psk: PSK, identity: 'client1', cipherSuites: suites, retransmit: RETRANSMIT };
  let session: ReturnType<typeof importSession> | undefined;
  try {
    if (c.resume) {
      // A clean first handshake whose session the fuzzed client resumes (abbreviated handshake, RFC 5246 §7.3).
      const p0 = new DatagramPipe(host.clock, 1);
      server.attach(p0.b, 'first');
      const c0 = new DtlsClient(host, p0.a, base as DtlsClientOptions);
      const done = c0.connect();
      host.clock.runAll(LIMIT_MS);
      await done;
      session = importSession(exportSession(c0.exportSession()!));
      c0.close();
      host.clock.runAll(LIMIT_MS);
    }
    const pipe = new DatagramPipe(host.clock, 1);
    server.attach(pipe.b, 'peer');
    const seen: Record<Dir, Uint8Array[]> = { 'a->b': [], 'b->a': [] };
    const index: Record<Dir, number> = { 'a->b': 0, 'b->a': 0 };
    let fuzzing = true;
    pipe.filter = (d, dir) => {
      if (!fuzzing) return 'deliver';
      const i = index[dir]++;
      const to = dir === 'a->b' ? pipe.b : pipe.a;
      const later = (ms: number, data: Uint8Array) => host.clock.setTimer(ms, () => to.onReceive?.(data.slice()));
      let data = d;
      if (c.skip && c.skip.dir === dir) {
        const recs = parseRecords(data).map((r) => r.raw.slice());
        const kept = recs.filter((r) => !matchesSkip(r, c.skip!));
        if (kept.length !== recs.length) {
          out.skipApplied += recs.length - kept.length;
          data = rebuild(kept);
        }
      }
      let verdict: 'deliver' | 'drop' | 'duplicate' = 'deliver';
      for (const op of c.ops) {
        if (op.dir !== dir || op.at !== i) continue;
        const recs = parseRecords(data).map((r) => r.raw.slice());
        switch (op.kind) {
          case 'drop': verdict = 'drop'; break;
          case 'dup': verdict = 'duplicate'; break;
          case 'delay': later(1 + (op.arg % 3000), data); verdict = 'drop'; break;
          case 'replay': if (seen[dir].length) later(1, seen[dir][op.arg % seen[dir].length]); break;
          case 'epoch': if (recs.length) { const r = recs[op.arg % recs.length]; const e = ((r[3] << 8) | r[4]) ^ (1 + (op.arg % 3)); r[3] = e >> 8; r[4] = e & 0xff; data = rebuild(recs); } break;
          case 'seq': if (recs.length) { const r = recs[op.arg % recs.length]; r[5] ^= 0x80; r[10] ^= op.arg & 0xff; data = rebuild(recs); } break;
          case 'strip': if (recs.length) { recs.splice(op.arg % recs.length, 1); data = rebuild(recs); } break;
          case 'swap': data = rebuild(recs.reverse()); break;
          case 'truncate': data = data.slice(0, op.arg % (data.length + 1)); break;
        }
      }
      seen[dir].push(data.slice());
      if (verdict === 'drop') return 'drop';
      if (data !== d) {
        // The pipe delivers `d`: deliver the rewritten datagram ourselves, and the duplicate if asked.
        later(1, data);
        if (verdict === 'duplicate') later(2, data);
        return 'drop';
      }
      return verdict;
    };
    const client = new DtlsClient(host, pipe.a, { ...base, session } as DtlsClientOptions);
    let settled = false;
    let error: unknown = null;
    client.connect().then(() => (settled = true), (e) => { settled = true; error = e; });
    const t0 = host.now();
    host.clock.runAll(LIMIT_MS);
    await Promise.resolve();
    await Promise.resolve();
    out.simulatedMs = host.now() - t0;
    out.established = client.state === 'established';
    if (!settled) return { ...out, violation: `connect() did not settle within ${LIMIT_MS} ms of simulated time (state ${client.state})` };
    if (error) {
      out.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (!(error instanceof DtlsError)) return { ...out, violation: `untyped failure ${out.error}` };
    }
    const sc = serverConn as DtlsServerConnection | null;
    if (out.skipApplied > 0 && c.skip!.dir === 'b->a' && out.established) {
      return { ...out, violation: 'client established although a server handshake step was removed from every transmission' };
    }
    if (out.skipApplied > 0 && c.skip!.dir === 'a->b' && sc?.state === 'established') {
      return { ...out, violation: 'server established although a client handshake step was removed from every transmission' };
    }
    if (out.skipApplied > 0) return out; // the handshake is incomplete by construction: the data check below does not apply
    if (out.established) {
      // Stop fuzzing; let retransmissions finish, then check that both sides hold the same keys.
      fuzzing = false;
      host.clock.runAll(LIMIT_MS);
      if (!sc || sc.state !== 'established') {
        // In an abbreviated handshake the client sends the last flight (RFC 5246 §7.3): if the server never
        // accepts it (lost, or its epoch-0 CCS refused by a replay window a rewritten sequence number moved
        // forward), the client cannot know. In a full handshake the server's Finished comes last: a violation.
        if (c.resume) { out.established = true; return { ...out, error: 'resumed: server did not complete' }; }
        return { ...out, violation: `client established, server ${sc ? sc.state : 'has no connection'}` };
      }
      let atServer: Uint8Array | null = null;
      let atClient: Uint8Array | null = null;
      sc.onReceive = (x) => (atServer = x.slice());
      client.onReceive = (x) => (atClient = x.slice());
      client.send(utf8Encode('ping'));
      sc.send(utf8Encode('pong'));
      host.clock.runAll(LIMIT_MS);
      if (!atServer || !equalBytes(atServer, utf8Encode('ping')) || !atClient || !equalBytes(atClient, utf8Encode('pong'))) {
        return { ...out, violation: 'established, but application data did not cross both ways intact' };
      }
    }
    return out;
  } catch (e) {
    return { ...out, violation: `thrown out of the rig: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
  }
}

export interface SeqStats { cases: number; established: number; failedTyped: number; skipped: number; violations: { c: SeqCase; o: SeqOutcome }[] }

export async function fuzzDtlsSequences(seed: number, cases: number): Promise<SeqStats> {
  const prng = new Prng(seed);
  const st: SeqStats = { cases: 0, established: 0, failedTyped: 0, skipped: 0, violations: [] };
  for (let i = 0; i < cases; i++) {
    const c = randomSeqCase(prng, seed * 100_003 + i);
    const o = await runSeqCase(c);
    st.cases++;
    if (o.established) st.established++;
    if (o.error) st.failedTyped++;
    if (o.skipApplied) st.skipped++;
    if (o.violation) st.violations.push({ c, o });
  }
  return st;
}
