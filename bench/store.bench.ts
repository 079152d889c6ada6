// Store cost: flash wear (programs and erases, counted by the simulated flash) and compute.
import { SimHost } from '../test/harness/sim';
import { SimFlash } from '../modules/store/sim-flash';
import { KeyStore } from '../modules/store/key-store';
import { CounterStore } from '../modules/store/counter-store';
import { nodeOpsPerSec, table, xsMeters } from './harness';

const SECTOR = 4096;
const ENDURANCE = 100_000; // erase cycles per sector
const host = new SimHost({ seed: 1, deviceSecret: new Uint8Array(32).fill(1) });

interface Wear {
  programs: number;
  erases: number;
  maxSectorErases: number;
}
function wear(flash: SimFlash, run: () => void): Wear {
  const p0 = flash.totalPrograms();
  const e0 = flash.erases.slice();
  run();
  let maxSectorErases = 0;
  for (let s = 0; s < e0.length; s++) maxSectorErases = Math.max(maxSectorErases, flash.erases[s] - e0[s]);
  return { programs: flash.totalPrograms() - p0, erases: flash.totalErases() - e0.reduce((a, b) => a + b, 0), maxSectorErases };
}

/** Years until the most-erased sector reaches ENDURANCE, at `eventsPerMinute`, given wear measured over `events`. */
function lifetimeYears(w: Wear, events: number, eventsPerMinute: number): string {
  if (w.maxSectorErases === 0) return `> ${Math.round(ENDURANCE * events / eventsPerMinute / 525_960)} (no erase seen)`;
  const minutes = (ENDURANCE * events) / (w.maxSectorErases * eventsPerMinute);
  return (minutes / 525_960).toFixed(0);
}

const rows: Record<string, string | number>[] = [];
for (const sectors of [2, 4]) {
  const N = 1_000_000;
  const f = new SimFlash(sectors * SECTOR, SECTOR);
  const cs = new CounterStore(host, f);
  cs.next('cntr'); // first reservation, out of the steady state
  const w = wear(f, () => {
    for (let i = 0; i < N; i++) cs.next('cntr');
  });
  rows.push({
    workload: `counter next(), K=32, ${sectors} x 4 KB`,
    events: N.toLocaleString('en-US'),
    'programs / 1000': (w.programs / (N / 1000)).toFixed(2),
    'erases / 1000': (w.erases / (N / 1000)).toFixed(3),
    'years @ 1 msg/min': lifetimeYears(w, N, 1),
  });
}
for (const sectors of [2, 4]) {
  const N = 20_000;
  const f = new SimFlash(sectors * SECTOR, SECTOR);
  const cs = new CounterStore(host, f);
  const w = wear(f, () => {
    for (let i = 1; i <= N; i++) cs.acceptIfHigher('in', BigInt(i));
  });
  rows.push({
    workload: `acceptIfHigher (inbound), ${sectors} x 4 KB`,
    events: N.toLocaleString('en-US'),
    'programs / 1000': (w.programs / (N / 1000)).toFixed(2),
    'erases / 1000': (w.erases / (N / 1000)).toFixed(3),
    'years @ 1 msg/min': lifetimeYears(w, N, 1),
  });
}
for (const [label, size] of [['16-byte PSK', 16], ['200-byte DTLS session', 200]] as const) {
  const N = 10_000;
  const f = new SimFlash(2 * SECTOR, SECTOR);
  const ks = new KeyStore(host, f);
  ks.put('psk/2', new Uint8Array(64)); // a second, static secret that compaction keeps copying
  const v = new Uint8Array(size);
  const w = wear(f, () => {
    for (let i = 0; i < N; i++) {
      v[0] = i;
      ks.put('dtls/session', v);
    }
  });
  rows.push({
    workload: `KeyStore put, ${label}, 2 x 4 KB`,
    events: N.toLocaleString('en-US'),
    'programs / 100': (w.programs / (N / 100)).toFixed(1),
    'erases / 100': (w.erases / (N / 100)).toFixed(2),
    'years @ 1 put/min': lifetimeYears(w, N, 1),
  });
}
table('store flash wear (simulated NOR flash; 100,000 erase cycles per sector)', rows.slice(0, 4));
table('key store flash wear', rows.slice(4));

const ks = new KeyStore(host, new SimFlash(2 * SECTOR, SECTOR));
const cs = new CounterStore(host, new SimFlash(2 * SECTOR, SECTOR));
const psk = new Uint8Array(16).fill(7);
const node: Record<string, number> = {
  'keystore put+get (16-byte PSK)': nodeOpsPerSec(() => {
    ks.put('psk/1', psk);
    ks.get('psk/1');
  }),
  'counter 1000 increments (K = 32)': nodeOpsPerSec(() => {
    for (let i = 0; i < 1000; i++) cs.next('cntr');
  }),
  'acceptIfHigher (one durable write)': nodeOpsPerSec(() => {
    cs.acceptIfHigher('in', cs.next('src'));
  }),
};
const xs = await xsMeters('bench/store.xs.ts', Object.keys(node));
table(
  'store compute (noble provider, simulated flash)',
  Object.keys(node).map((k) => ({
    operation: k,
    'node ops/s (median of 5)': Math.round(node[k]).toLocaleString('en-US'),
    'xs compute/op': xs[k].compute.toLocaleString('en-US'),
    'xs live slots after gc': xs[k].slotsAfterGc.toLocaleString('en-US'),
  })),
);
