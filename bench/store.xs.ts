// XS side of the store benchmark: the same operations as bench/store.bench.ts, on the simulated flash.
import { SimHost } from '../test/harness/sim';
import { SimFlash } from '../modules/store/sim-flash';
import { KeyStore } from '../modules/store/key-store';
import { CounterStore } from '../modules/store/counter-store';

const host = new SimHost({ seed: 1, deviceSecret: new Uint8Array(32).fill(1) });
const ks = new KeyStore(host, new SimFlash(2 * 4096, 4096));
const cs = new CounterStore(host, new SimFlash(2 * 4096, 4096));
const psk = new Uint8Array(16).fill(7);

(globalThis as any).benchCases = {
  'keystore put+get (16-byte PSK)': () => {
    ks.put('psk/1', psk);
    ks.get('psk/1');
  },
  'counter 1000 increments (K = 32)': () => {
    for (let i = 0; i < 1000; i++) cs.next('cntr');
  },
  'acceptIfHigher (one durable write)': () => {
    cs.acceptIfHigher('in', cs.next('src'));
  },
};
