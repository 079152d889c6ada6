import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { SimFlash, PowerCut } from '../../../modules/store/sim-flash';
import { CounterStore } from '../../../modules/store/counter-store';
import { StoreError } from '../../../modules/store/errors';

const SECRET = new Uint8Array(32).fill(0x24);
const host = (seed = 1, secret = SECRET) => new SimHost({ seed, deviceSecret: secret });
const isStoreError = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

describe('store: CounterStore', () => {
  it('hands out 0, 1, 2, ... and resumes above every issued value after a remount', () => {
    const flash = new SimFlash(2 * 4096, 4096);
    const cs = new CounterStore(host(), flash);
    for (let i = 0; i < 10; i++) assert.equal(cs.next('cntr'), BigInt(i));
    assert.equal(cs.peek('cntr'), 10n);
    assert.equal(cs.peek('other'), 0n);
    const again = new CounterStore(host(2), flash);
    const v = again.next('cntr');
    assert.ok(v >= 10n && v <= 32n, `resumed at ${v}`);
  });

  it('programs flash once per K = 32 increments (measured on the simulated flash)', () => {
    const flash = new SimFlash(2 * 4096, 4096);
    const cs = new CounterStore(host(), flash);
    cs.next('cntr'); // first reservation
    const p0 = flash.totalPrograms();
    for (let i = 0; i < 3200; i++) cs.next('cntr');
    const programs = flash.totalPrograms() - p0;
    assert.ok(programs <= 100, `${programs} programs for 3200 increments`);
    assert.ok(programs >= 99, `${programs} programs: reservations are really written`);
  });

  it('a power cut right after next() returned never lets the value come back', () => {
    for (let k = 1; k <= 40; k++) {
      const flash = new SimFlash(2 * 512, 512);
      const cs = new CounterStore(host(), flash, { reserve: 4 });
      let last = -1n;
      for (let i = 0; i < k; i++) last = cs.next('seq');
      flash.armCut({ op: flash.ops, byte: 0 });
      assert.throws(() => {
        for (;;) cs.next('seq');
      }, PowerCut);
      flash.powerOn();
      assert.ok(new CounterStore(host(3), flash, { reserve: 4 }).next('seq') > last, `k=${k}`);
    }
  });

  it('raiseTo makes later values at least the floor, durably', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const cs = new CounterStore(host(), flash);
    cs.next('dtls');
    cs.raiseTo('dtls', 1000n);
    assert.equal(cs.next('dtls'), 1000n);
    cs.raiseTo('dtls', 5n); // lower: no effect
    assert.equal(cs.next('dtls'), 1001n);
    assert.ok(new CounterStore(host(2), flash).next('dtls') > 1001n);
  });

  it('stops at the configured maximum (40-bit CNTR) with StoreError exhausted', () => {
    const cs = new CounterStore(host(), new SimFlash(2 * 1024, 1024), { max: (1n << 40n) - 1n });
    cs.raiseTo('cntr', (1n << 40n) - 2n);
    assert.equal(cs.next('cntr'), (1n << 40n) - 2n);
    assert.equal(cs.next('cntr'), (1n << 40n) - 1n);
    assert.throws(() => cs.next('cntr'), isStoreError('exhausted'));
  });

  it('acceptIfHigher keeps a durable high-water mark that never goes back', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const cs = new CounterStore(host(), flash);
    assert.equal(cs.highWater('in'), undefined);
    assert.equal(cs.acceptIfHigher('in', 5n), true);
    assert.equal(cs.acceptIfHigher('in', 5n), false);
    assert.equal(cs.acceptIfHigher('in', 4n), false);
    assert.equal(cs.acceptIfHigher('in', 0xffffffffffn), true);
    const again = new CounterStore(host(2), flash);
    assert.equal(again.highWater('in'), 0xffffffffffn);
    assert.equal(again.acceptIfHigher('in', 0xfffffffffen), false);
    assert.throws(() => again.acceptIfHigher('in', -1n), isStoreError('bad-argument'));
  });

  it('tampered counter records and a wrong device secret are typed errors at mount', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const cs = new CounterStore(host(), flash);
    cs.acceptIfHigher('in', 77n);
    assert.throws(() => new CounterStore(host(1, new Uint8Array(32).fill(1)), flash), isStoreError('wrong-secret'));
    // Flip each byte of the area written so far: every flip either fails mount with a StoreError or leaves the mark intact.
    const end = flash.data.lastIndexOf(0x00, 1023) + 1;
    for (let i = 16; i < end; i++) {
      const f = new SimFlash(flash.size, flash.sectorSize);
      f.data.set(flash.data);
      f.data[i] ^= 0x10;
      try {
        const hw = new CounterStore(host(4), f).highWater('in');
        assert.equal(hw, 77n, `flip at ${i}`);
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
      }
    }
  });
});
