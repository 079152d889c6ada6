/**
 * A DTLS connection that survives deep sleep (and power loss) without a handshake: the established epoch's
 * state is sealed in the KeyStore, and write sequence numbers come from the CounterStore, which makes each
 * value durable (reserved ahead) before it is used. See README.md "Sleeping connections" for the argument.
 *
 * Blob (sealed by the KeyStore, so confidential and authenticated; ours to parse):
 *   version(1)=1 | suite(2) | mfl(1) | epoch(2) | own_cid<1> | peer_cid<1> | window top(6) lo(4) hi(4) |
 *   key_block<1> | session<1> (the resumption blob of session.ts, may be empty)
 */
import { ByteReader, ByteWriter } from '../bytes/index';
import { DtlsError } from './errors';

export interface SleepState {
  cipherSuite: number;
  /** max_fragment_length code (0: none). */
  maxFragmentLength: number;
  epoch: number;
  ownCid: Uint8Array | null;
  peerCid: Uint8Array | null;
  /** Read replay window: highest sequence seen and the 64-bit bitmap. */
  window: [number, number, number];
  /** The epoch's key block (RFC 5246 §6.3): secret. */
  keyBlock: Uint8Array;
  /** Resumption fallback (session.ts blob), or empty. Secret. */
  session: Uint8Array;
}

const bad = (m: string) => new DtlsError('bad-config', `bad sleep state: ${m}`);

export function encodeSleepState(s: SleepState): Uint8Array {
  const w = new ByteWriter(160);
  w.u8(1).u16(s.cipherSuite).u8(s.maxFragmentLength).u16(s.epoch);
  w.u8(s.ownCid ? 1 : 0).vector(1, s.ownCid ?? new Uint8Array(0));
  w.vector(1, s.peerCid ?? new Uint8Array(0));
  w.u48(Math.max(0, s.window[0] + 1)).u32(s.window[1]).u32(s.window[2]);
  w.vector(1, s.keyBlock).vector(1, s.session);
  const out = w.toBytes();
  w.wipe();
  return out;
}

export function decodeSleepState(data: Uint8Array): SleepState {
  const r = new ByteReader(data, bad);
  if (r.u8('version') !== 1) throw bad('unknown version');
  const cipherSuite = r.u16('suite');
  const maxFragmentLength = r.u8('mfl');
  if (maxFragmentLength > 4) throw bad('mfl');
  const epoch = r.u16('epoch');
  if (epoch < 1) throw bad('epoch');
  const hasCid = r.u8('cid flag');
  const own = r.vector(1, 'own cid', 32).slice();
  const peer = r.vector(1, 'peer cid', 32).slice();
  const top = r.u48('window top') - 1;
  const lo = r.u32('window lo');
  const hi = r.u32('window hi');
  const keyBlock = r.vector(1, 'key block', 128).slice();
  const session = r.vector(1, 'session', 128).slice();
  r.expectEnd('sleep state');
  return { cipherSuite, maxFragmentLength, epoch, ownCid: hasCid ? own : null, peerCid: hasCid ? peer : null, window: [top, lo, hi], keyBlock, session };
}

export function wipeSleepState(s: SleepState): void {
  s.keyBlock.fill(0);
  s.session.fill(0);
}

/** What sealing needs from modules/store (KeyStore and CounterStore fit). */
export interface SleepStore {
  keys: { get(name: string): Uint8Array | undefined; put(name: string, secret: Uint8Array): void; delete(name: string): boolean };
  counters: { next(name: string): bigint; raiseTo(name: string, floor: bigint): void };
}

/** The counter that numbers a sleeping connection's records (CounterStore names are at most 48 bytes). */
export function sequenceCounterName(name: string): string {
  return `${name}.seq`;
}

/**
 * Seals an established client connection for deep sleep and drops it without close_notify. Order matters:
 * (1) the sequence counter is raised past every number used so far (durable), (2) the state is put in the
 * KeyStore (durable, atomic), (3) the connection is suspended. A power cut before (2) leaves no new state (the
 * next start does a resumption or a handshake); after (2) the state is whole. Returns false when the connection
 * cannot sleep (not established).
 */
export function sleepInto(client: SleepCapable, store: SleepStore, name: string): boolean {
  const snap = client.sleepState();
  if (!snap) return false;
  const counter = sequenceCounterName(name);
  try {
    store.counters.raiseTo(counter, BigInt(snap.nextSequence));
    const blob = encodeSleepState(snap.state);
    try {
      store.keys.put(name, blob);
    } finally {
      blob.fill(0);
    }
  } finally {
    wipeSleepState(snap.state);
  }
  client.useSequenceSource(() => Number(store.counters.next(counter)));
  client.suspend();
  return true;
}

/**
 * The sealed state for `name`, consumed (deleted from the KeyStore before it is returned, so a connection is
 * woken once: its replay window cannot be rolled back by a second wake), with the durable sequence source to
 * build the client with (`new DtlsClient(host, lower, { wake })`). Null when there is none or it does not parse.
 */
export function takeSleepState(store: SleepStore, name: string): { state: SleepState; nextSequence: () => number } | null {
  const blob = store.keys.get(name);
  if (!blob) return null;
  let state: SleepState | null = null;
  try {
    state = decodeSleepState(blob);
  } catch {
    state = null;
  } finally {
    blob.fill(0);
  }
  store.keys.delete(name);
  if (!state) return null;
  const counter = sequenceCounterName(name);
  return { state, nextSequence: () => Number(store.counters.next(counter)) };
}

/** The part of DtlsClient that sleepInto uses. */
export interface SleepCapable {
  sleepState(): { state: SleepState; nextSequence: number } | null;
  useSequenceSource(next: () => number): void;
  suspend(): void;
}
