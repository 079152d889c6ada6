import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { SimFlash, PowerCut } from '../../../modules/store/sim-flash';
import { CounterStore } from '../../../modules/store/counter-store';
import { StoreError } from '../../../modules/store/errors';
import { SealedJournal } from '../../../modules/store/sealed';

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

  // The rules below were each found unguarded by mutation testing (reports/mutation/store-counter.json).
  it('raiseTo is durable on its own: after a remount, no value below the floor comes back', () => {
    for (const warm of [false, true]) {
      const flash = new SimFlash(2 * 1024, 1024);
      const cs = new CounterStore(host(), flash, { reserve: 4 });
      if (warm) cs.next('seq');
      cs.raiseTo('seq', 1000n);
      const again = new CounterStore(host(2), flash, { reserve: 4 });
      assert.ok(again.peek('seq') >= 1000n, `warm=${warm}: resumed at ${again.peek('seq')}`);
      assert.ok(again.next('seq') >= 1000n);
    }
  });

  it('the last value before the maximum is never handed out twice across a remount', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const cs = new CounterStore(host(), flash, { reserve: 4, max: 5n });
    for (let i = 0n; i <= 5n; i++) assert.equal(cs.next('c'), i);
    assert.throws(() => cs.next('c'), isStoreError('exhausted'));
    assert.throws(() => new CounterStore(host(2), flash, { reserve: 4, max: 5n }).next('c'), isStoreError('exhausted'));
    // raiseTo to max + 1 exhausts durably too, and beyond that is refused.
    const f2 = new SimFlash(2 * 1024, 1024);
    const c2 = new CounterStore(host(), f2, { reserve: 1, max: 5n });
    c2.raiseTo('c', 4n);
    assert.equal(c2.next('c'), 4n);
    const c3 = new CounterStore(host(2), f2, { reserve: 1, max: 5n });
    assert.equal(c3.next('c'), 5n);
    assert.throws(() => c3.next('c'), isStoreError('exhausted'));
    const f3 = new SimFlash(2 * 1024, 1024);
    const c4 = new CounterStore(host(), f3, { reserve: 1, max: 5n });
    c4.raiseTo('c', 6n);
    assert.throws(() => c4.next('c'), isStoreError('exhausted'));
    assert.throws(() => new CounterStore(host(2), f3, { reserve: 1, max: 5n }).next('c'), isStoreError('exhausted'));
    assert.throws(() => c4.raiseTo('d', 7n), isStoreError('bad-argument'));
    assert.throws(() => c4.raiseTo('d', -1n), isStoreError('bad-argument'));
  });

  it('the default maximum is 2^48 - 1 (the DTLS sequence number)', () => {
    const cs = new CounterStore(host(), new SimFlash(2 * 1024, 1024));
    cs.raiseTo('seq', (1n << 48n) - 1n);
    assert.equal(cs.next('seq'), (1n << 48n) - 1n);
    assert.throws(() => cs.next('seq'), isStoreError('exhausted'));
    assert.throws(() => cs.raiseTo('seq', (1n << 48n) + 1n), isStoreError('bad-argument'));
  });

  it('refuses bad options, names and values with bad-argument', () => {
    const f = () => new SimFlash(2 * 1024, 1024);
    for (const reserve of [0, -1, 1.5, (1 << 20) + 1, Number.NaN]) assert.throws(() => new CounterStore(host(), f(), { reserve }), isStoreError('bad-argument'), `reserve ${reserve}`);
    for (const reserve of [1, 1 << 20]) new CounterStore(host(), f(), { reserve });
    for (const max of [-1n, (1n << 64n) - 1n]) assert.throws(() => new CounterStore(host(), f(), { max }), isStoreError('bad-argument'), `max ${max}`);
    new CounterStore(host(), f(), { max: (1n << 64n) - 2n });
    new CounterStore(host(), f(), { max: 0n });
    const cs = new CounterStore(host(), f());
    for (const name of ['', 'n'.repeat(49), 'é'.repeat(25)]) {
      assert.throws(() => cs.next(name), isStoreError('bad-argument'), `name of ${name.length} chars`);
      assert.throws(() => cs.acceptIfHigher(name, 1n), isStoreError('bad-argument'));
    }
    assert.equal(cs.next('n'.repeat(48)), 0n);
    assert.equal(cs.next('n'), 0n);
    assert.throws(() => cs.acceptIfHigher('in', 1n << 64n), isStoreError('bad-argument'));
    assert.equal(cs.acceptIfHigher('in', (1n << 64n) - 1n), true);
    assert.equal(cs.acceptIfHigher('zero', 0n), true, 'a first counter of 0 is a value like any other');
    assert.equal(cs.acceptIfHigher('zero', 0n), false);
    cs.raiseTo('floor0', 0n);
    assert.equal(cs.next('floor0'), 0n);
  });

  it('marks above 2^56 keep every byte across a remount', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const v = (1n << 63n) + 0x0102030405060708n;
    new CounterStore(host(), flash).acceptIfHigher('in', v);
    const again = new CounterStore(host(2), flash);
    assert.equal(again.highWater('in'), v);
    assert.equal(again.acceptIfHigher('in', v - 1n), false);
  });

  it('a record that authenticates but is not a counter (unknown kind, wrong length) fails mount as corrupt', () => {
    // Written with the store's own sealing key and purpose, as only code holding the device secret could.
    for (const [key, value] of [[new Uint8Array([0x7a, 0x61]), new Uint8Array(8)], [new Uint8Array([0x69, 0x61]), new Uint8Array(7)], [new Uint8Array([0x6f, 0x61]), new Uint8Array(9)]] as const) {
      const flash = new SimFlash(2 * 1024, 1024);
      new CounterStore(host(), flash).acceptIfHigher('ok', 1n);
      const j = new SealedJournal(host(), flash, 'xs-lwm2m counters', { scrubSuperseded: false });
      j.put(key, value);
      j.close();
      assert.throws(() => new CounterStore(host(2), flash), isStoreError('corrupt'), `key ${Array.from(key)} length ${value.length}`);
    }
  });
});
