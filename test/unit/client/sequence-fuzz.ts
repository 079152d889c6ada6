/**
 * Stateful fuzzing of the LwM2M client state machine (Core §6.1-§6.2, Transport §6): the client talks to
 * a scripted DM server through a man in the middle that drops, duplicates, delays (reorders) and
 * replays datagrams, and rewrites a response's code, token, message id, type or Location-Path; meanwhile
 * the server runs DM operations (Execute 1/0/8, Write 1/0/1, Read, Observe) and the application calls
 * update(), wake(), changed() and stop() at random times.
 *
 * Invariants checked for every case:
 *  - nothing escapes from a timer or a receive callback, and every rejected promise of the client API
 *    carries a typed error (ClientError, the CoAP layer's errors);
 *  - the client reports itself registered only after a 2.01 Created answered one of its Registers;
 *  - once the network and the server behave, the client is registered again in bounded time;
 *  - stop() settles in bounded time, and the client sends a bounded number of datagrams (no storm).
 * Shared by the unit suite and test/fuzz/client-sequence.ts (long runs).
 */
import { DatagramPipe, Prng, SimHost } from '../../harness/sim';
import { CoapEndpoint, type IncomingRequest, type ResponseSpec } from '../../../modules/coap/endpoint';
import { decodeMessage, encodeMessage } from '../../../modules/coap/message';
import { Option, stringOption } from '../../../modules/coap/options';
import { Method } from '../../../modules/coap/codes';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import type { Connector } from '../../../modules/client/connector';

type Dir = 'c->s' | 's->c';
export type NetOpKind = 'drop' | 'dup' | 'delay' | 'replay' | 'code' | 'token' | 'mid' | 'type' | 'location' | 'truncate';
export interface NetOp { dir: Dir; at: number; kind: NetOpKind; arg: number }
export type ActKind = 'srv-execute-update' | 'srv-write-lifetime' | 'srv-read' | 'srv-observe' | 'srv-forget' | 'app-update' | 'app-wake' | 'app-changed' | 'app-stop';
export interface Act { atMs: number; kind: ActKind; arg: number }
export interface ClientSeqCase { seed: number; ops: NetOp[]; acts: Act[]; note?: string }
export interface ClientSeqOutcome { registeredEvents: number; created: number; recovered: boolean | null; datagrams: number; violation: string | null }

const DM_URI = 'coap://192.0.2.10:5683';
const NET_KINDS: readonly NetOpKind[] = ['drop', 'dup', 'delay', 'replay', 'code', 'token', 'mid', 'type', 'location', 'truncate'];
const ACT_KINDS: readonly ActKind[] = ['srv-execute-update', 'srv-write-lifetime', 'srv-read', 'srv-observe', 'srv-forget', 'app-update', 'app-wake', 'app-changed', 'app-stop'];
/** Response codes a server may send, sensible or not (CoAP class.detail as one byte). */
const CODES: readonly number[] = [0x41, 0x42, 0x43, 0x44, 0x45, 0x5f, 0x80, 0x81, 0x83, 0x84, 0x85, 0x86, 0x8c, 0x8d, 0x8f, 0xa0, 0xa1, 0xa3, 0xa4, 0x00, 0x01, 0x02, 0x1f, 0x3f, 0xe0, 0xff];
const FUZZ_MS = 5 * 60_000;
const HEAL_MS = 20 * 60_000;
const STOP_MS = 10 * 60_000;
/** More than any sane client sends in FUZZ_MS + HEAL_MS with lifetime >= 60 s and back-off from 1 s. */
const MAX_DATAGRAMS = 1500;
const TYPED = new Set(['ClientError', 'CoapTimeoutError', 'CoapResetError', 'CoapClosedError', 'CoapFormatError', 'DtlsError', 'DtlsAlert', 'Lwm2mError']);

export function randomClientSeqCase(prng: Prng, seed: number): ClientSeqCase {
  const c: ClientSeqCase = { seed, ops: [], acts: [] };
  const n = 1 + prng.int(6);
  for (let i = 0; i < n; i++) c.ops.push({ dir: prng.int(3) ? 's->c' : 'c->s', at: prng.int(10), kind: prng.pick(NET_KINDS), arg: prng.int(1 << 16) });
  const m = prng.int(5);
  for (let i = 0; i < m; i++) {
    const kind = prng.pick(ACT_KINDS);
    if (kind === 'app-stop' && prng.int(3)) continue; // keep most runs going to the recovery check
    c.acts.push({ atMs: prng.int(FUZZ_MS), kind, arg: prng.int(1000) });
  }
  return c;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Runs the clock in slices, letting promise jobs run in between (the client awaits between steps). */
async function run(host: SimHost, ms: number, done: () => boolean = () => false): Promise<void> {
  for (let t = 0; t < ms && !done(); t += 100) {
    host.clock.advance(100);
    for (let i = 0; i < 4; i++) await Promise.resolve();
  }
}

export async function runClientSeqCase(c: ClientSeqCase): Promise<ClientSeqOutcome> {
  const out: ClientSeqOutcome = { registeredEvents: 0, created: 0, recovered: null, datagrams: 0, violation: null };
  const host = new SimHost({ seed: c.seed });
  const dm = new DataModel({ store: new MemoryObjectStore() });
  dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'fuzz', binding: 'U' }));
  applyFactoryConfig(dm, { accounts: [{ uri: DM_URI, securityMode: 3, shortServerId: 101, lifetime: 120 }] });
  const events: ClientEvent[] = [];
  const untyped: string[] = [];
  const settle = (p: Promise<unknown>) => p.catch((e) => { if (!(e instanceof Error) || !TYPED.has(e.name)) untyped.push(describeError(e)); });
  let server: CoapEndpoint | null = null;
  let location = 'rd/a1';
  let fuzzing = true;
  const index: Record<Dir, number> = { 'c->s': 0, 's->c': 0 };
  const seen: Record<Dir, Uint8Array[]> = { 'c->s': [], 's->c': [] };
  /** Tokens (hex) of the client's Register requests, and how many 2.01 answers to them were delivered. */
  const registerTokens = new Set<string>();
  const hex = (t: Uint8Array) => Array.from(t, (b) => b.toString(16).padStart(2, '0')).join('');
  const handler = (req: IncomingRequest): ResponseSpec => {
    const p = req.path.join('/');
    if (req.method === Method.POST && p === 'rd') return { code: 0x41, options: location.split('/').map((s) => stringOption(Option.LocationPath, s)) };
    if (req.method === Method.POST && p === location) return { code: 0x44 };
    if (req.method === Method.DELETE && p === location) return { code: 0x42 };
    return { code: 0x84 };
  };
  const connector: Connector = {
    open: async () => {
      const pipe = new DatagramPipe(host.clock, 5);
      server?.close?.();
      server = new CoapEndpoint(host, pipe.b);
      server.onRequest(handler);
      pipe.filter = (d, dir0) => {
        const dir: Dir = dir0 === 'a->b' ? 'c->s' : 's->c';
        if (dir === 'c->s') out.datagrams++;
        let data = d;
        let verdict: 'deliver' | 'drop' | 'duplicate' = 'deliver';
        const to = dir === 'c->s' ? pipe.b : pipe.a;
        // Every datagram is delivered here (the pipe's own delivery is not used), so what reaches the client is counted.
        const later = (ms: number, x: Uint8Array) => host.clock.setTimer(ms, () => {
          if (dir === 'c->s') {
            try {
              const m = decodeMessage(x);
              const path = m.options.filter((o) => o.number === Option.UriPath).map((o) => utf8Decode(o.value)).join('/');
              if (m.code === 0x02 && path === 'rd') registerTokens.add(hex(m.token));
            } catch { /* not a CoAP message */ }
          } else {
            try {
              const m = decodeMessage(x);
              if (m.code === 0x41 && registerTokens.has(hex(m.token))) out.created++;
            } catch { /* the client must ignore it */ }
          }
          to.onReceive?.(x.slice());
        });
        if (fuzzing) {
          const i = index[dir]++;
          for (const op of c.ops) {
            if (op.dir !== dir || op.at !== i) continue;
            let msg: ReturnType<typeof decodeMessage> | null = null;
            try { msg = decodeMessage(data); } catch { msg = null; }
            switch (op.kind) {
              case 'drop': verdict = 'drop'; break;
              case 'dup': verdict = 'duplicate'; break;
              case 'delay': later(1 + (op.arg % 20_000), data); verdict = 'drop'; break;
              case 'replay': if (seen[dir].length) later(1 + (op.arg % 5000), seen[dir][op.arg % seen[dir].length]); break;
              case 'code': if (data.length > 1) { data = data.slice(); data[1] = CODES[op.arg % CODES.length]; } break;
              case 'token': if (msg && msg.token.length) { data = data.slice(); data[4 + (op.arg % msg.token.length)] ^= 1 + (op.arg & 0x7f); } break;
              case 'mid': if (data.length > 3) { data = data.slice(); data[2] ^= op.arg >> 8; data[3] ^= 1 + (op.arg & 0xfe); } break;
              case 'type': if (data.length) { data = data.slice(); data[0] = (data[0] & 0xcf) | ((op.arg & 3) << 4); } break;
              case 'location': if (msg) {
                const others = msg.options.filter((o) => o.number !== Option.LocationPath);
                const segs = op.arg % 4 === 0 ? [] : op.arg % 4 === 1 ? ['rd', 'other'] : op.arg % 4 === 2 ? Array.from({ length: 12 }, (_, k) => `s${k}`) : ['', 'x'.repeat(200)];
                data = encodeMessage({ ...msg, options: [...others, ...segs.map((s) => stringOption(Option.LocationPath, s))] }).slice();
              } break;
              case 'truncate': data = data.slice(0, op.arg % (data.length + 1)); break;
            }
          }
          seen[dir].push(data.slice());
        }
        if (verdict !== 'drop') later(5, data);
        if (verdict === 'duplicate') later(6, data);
        return 'drop';
      };
      return { channel: pipe.a, security: 'nosec' };
    },
  };
  const client = new Lwm2mClient({ host, endpointName: 'fuzz-ep', dataModel: dm, connector, onEvent: (e) => events.push(e), retry: { initialMs: 1000, maxMs: 16_000, failuresBeforeBootstrap: 3 } });
  let stopped = false;
  const doAct = (a: Act) => {
    const srv = server;
    switch (a.kind) {
      case 'srv-execute-update': if (srv) settle(srv.request({ method: 'POST', path: '/1/0/8' })); break;
      case 'srv-write-lifetime': if (srv) settle(srv.request({ method: 'PUT', path: '/1/0/1', contentFormat: 0, payload: utf8Encode(String(60 + (a.arg % 600))) })); break;
      case 'srv-read': if (srv) settle(srv.request({ method: 'GET', path: a.arg % 2 ? '/3/0' : '/1/0/1' })); break;
      case 'srv-observe': if (srv) settle(srv.observe({ method: 'GET', path: '/3/0/0', accept: 0 }, () => undefined)); break;
      case 'srv-forget': location = `rd/b${a.arg}`; break; // the server lost the registration: Updates get 4.04
      case 'app-update': settle(client.update()); break;
      case 'app-wake': settle(client.wake()); break;
      case 'app-changed': client.changed('/3/0/13'); break;
      case 'app-stop': stopped = true; settle(client.stop()); break;
    }
  };
  try {
    settle(client.start());
    for (const a of c.acts) host.clock.setTimer(a.atMs, () => doAct(a));
    await run(host, FUZZ_MS);
    fuzzing = false;
    const healedAt = events.length;
    if (!stopped) {
      // The network and the server behave from now on: the client must get (or stay) registered.
      location = 'rd/healed';
      await run(host, HEAL_MS, () => events.slice(healedAt).some((e) => e.type === 'registered' || e.type === 'updated'));
      if (!events.slice(healedAt).some((e) => e.type === 'registered' || e.type === 'updated')) {
        // A quiet, registered client sends its next Update only before the lifetime ends: ask for one.
        settle(client.update());
        await run(host, 120_000, () => events.slice(healedAt).some((e) => e.type === 'registered' || e.type === 'updated'));
      }
      out.recovered = events.slice(healedAt).some((e) => e.type === 'registered' || e.type === 'updated');
    }
    let stopDone = false;
    client.stop().then(() => (stopDone = true), (e) => { stopDone = true; untyped.push(`stop(): ${describeError(e)}`); });
    await run(host, STOP_MS, () => stopDone);
    out.registeredEvents = events.filter((e) => e.type === 'registered').length;
    if (untyped.length) return { ...out, violation: `untyped rejection: ${untyped[0]}` };
    if (!stopDone) return { ...out, violation: `stop() did not settle within ${STOP_MS} ms` };
    if (out.registeredEvents > out.created) return { ...out, violation: `${out.registeredEvents} registered events but only ${out.created} 2.01 answers to Register delivered` };
    if (out.recovered === false) return { ...out, violation: 'not registered again after the network and the server healed' };
    if (out.datagrams > MAX_DATAGRAMS) return { ...out, violation: `${out.datagrams} datagrams sent: a storm` };
    return out;
  } catch (e) {
    return { ...out, violation: `thrown out of a timer or callback: ${describeError(e)}` };
  }
}

export interface ClientSeqStats { cases: number; recovered: number; stoppedByApp: number; maxDatagrams: number; violations: { c: ClientSeqCase; o: ClientSeqOutcome }[] }

export async function fuzzClientSequences(seed: number, cases: number): Promise<ClientSeqStats> {
  const prng = new Prng(seed);
  const st: ClientSeqStats = { cases: 0, recovered: 0, stoppedByApp: 0, maxDatagrams: 0, violations: [] };
  for (let i = 0; i < cases; i++) {
    const c = randomClientSeqCase(prng, seed * 100_003 + i);
    const o = await runClientSeqCase(c);
    st.cases++;
    if (o.recovered) st.recovered++;
    if (o.recovered === null) st.stoppedByApp++;
    st.maxDatagrams = Math.max(st.maxDatagrams, o.datagrams);
    if (o.violation) st.violations.push({ c, o });
  }
  return st;
}
