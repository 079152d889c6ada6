/**
 * XS memory figures from Moddable's instrumentation module (present in debug and `-i` instrumented builds;
 * in a plain release build every value reads back undefined and the line says so).
 * Slots are counted separately from chunks: an ESP32 has 16-byte slots, a 64-bit simulator 32-byte ones, so
 * slot figures are given as counts (bytes / 32 here), which is what a fixed heap of N slots runs out of.
 *
 * "live" figures come right after a full garbage collection (the SDK's debug module), so they count what is
 * reachable, not what the collector has not yet reclaimed. `meteredCrypto` wraps a CryptoProvider so that every
 * hash, HMAC, cipher key setup and P-256 operation first collects and records the live figures: since the DTLS
 * handshake calls the provider at each step, the largest of them is the handshake's live peak (between steps).
 */
import Instrumentation from 'instrumentation';
import Debug from 'debug';
import type { CryptoProvider, P256 } from '../../modules/crypto/provider';

/** sizeof(txSlot) in the 64-bit simulator. */
const SIM_SLOT_BYTES = 32;

type Name = 'XS Slot Heap Used' | 'XS Chunk Heap Used' | 'XS Stack Used';
function get(name: Name): number | undefined {
  const i = Instrumentation.map(name);
  return i === undefined ? undefined : Instrumentation.get(i);
}

/** Live chunk bytes and slots (count) after a full collection; null without instrumentation. */
export function liveMemory(): { chunks: number; slots: number } | null {
  if (get('XS Slot Heap Used') === undefined) return null;
  Debug.gc();
  return { chunks: get('XS Chunk Heap Used')!, slots: Math.round(get('XS Slot Heap Used')! / SIM_SLOT_BYTES) };
}

export function memoryLine(): string {
  const slots = get('XS Slot Heap Used');
  const chunks = get('XS Chunk Heap Used');
  const stack = get('XS Stack Used');
  if (slots === undefined || chunks === undefined) return '[memory: no instrumentation in this build]';
  const l = liveMemory()!;
  return `[memory: in use ${chunks} B chunks, ${slots / SIM_SLOT_BYTES} slots; live ${l.chunks} B chunks, ${l.slots} slots; stack peak ${stack === undefined ? '?' : stack / SIM_SLOT_BYTES} slots]`;
}

/** The largest live figures seen by meteredCrypto, each with the provider call it was taken before. */
export interface LivePeak {
  chunks: number;
  chunksAt: string;
  slots: number;
  slotsAt: string;
  samples: number;
}

export function newLivePeak(): LivePeak {
  return { chunks: 0, chunksAt: '', slots: 0, slotsAt: '', samples: 0 };
}

export function peakLine(p: LivePeak): string {
  return `[live peak at provider calls (${p.samples} samples): ${p.chunks} B chunks before ${p.chunksAt}, ${p.slots} slots before ${p.slotsAt}]`;
}

/** `c` with a live-memory sample before every call (instrumented builds only: a collection per call is slow). */
export function meteredCrypto(c: CryptoProvider, peak: LivePeak): CryptoProvider {
  const sample = (what: string): void => {
    const l = liveMemory();
    if (!l) return;
    peak.samples++;
    if (l.chunks > peak.chunks) {
      peak.chunks = l.chunks;
      peak.chunksAt = what;
    }
    if (l.slots > peak.slots) {
      peak.slots = l.slots;
      peak.slotsAt = what;
    }
  };
  const p = c.p256;
  const p256: P256 = {
    keyPairFromRandom: (r) => (sample('p256.keyPairFromRandom'), p.keyPairFromRandom(r)),
    publicKeyOf: (k) => (sample('p256.publicKeyOf'), p.publicKeyOf(k)),
    ecdh: (k, q) => (sample('p256.ecdh'), p.ecdh(k, q)),
    sign: (k, d, r) => (sample('p256.sign'), p.sign(k, d, r)),
    verify: (q, d, s) => (sample('p256.verify'), p.verify(q, d, s)),
  };
  return {
    name: c.name,
    aes: (k) => (sample('aes'), c.aes(k)),
    tdes: (k) => (sample('tdes'), c.tdes(k)),
    sha256: (d) => (sample('sha256'), c.sha256(d)),
    hmacSha256: (k, d) => (sample('hmacSha256'), c.hmacSha256(k, d)),
    p256,
  };
}
