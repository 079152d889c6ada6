import { assert } from '../harness/assert';
import { SimClock, Prng, DatagramPipe, RamFlash } from '../harness/sim';

describe('test harness', () => {
  it('SimClock fires timers in due order and only when advanced', () => {
    const c = new SimClock();
    const fired: string[] = [];
    c.setTimer(30, () => fired.push('b'));
    c.setTimer(10, () => { fired.push('a'); c.setTimer(5, () => fired.push('a2')); });
    const h = c.setTimer(20, () => fired.push('cancelled'));
    c.clearTimer(h);
    c.advance(9);
    assert.deepEqual(fired, []);
    c.advance(100);
    assert.deepEqual(fired, ['a', 'a2', 'b']);
    assert.equal(c.now(), 109);
  });
  it('Prng is reproducible and spreads values', () => {
    const a = new Prng(42), b = new Prng(42);
    assert.deepEqual(a.bytes(16), b.bytes(16));
    const counts = new Array(4).fill(0);
    for (let i = 0; i < 4000; i++) counts[a.int(4)]++;
    for (const n of counts) assert.ok(n > 850 && n < 1150, `bucket count ${n}`);
  });
  it('DatagramPipe delivers, drops and duplicates on simulated time', () => {
    const c = new SimClock();
    const p = new DatagramPipe(c);
    const got: number[] = [];
    p.b.onReceive = (d) => got.push(d[0]);
    p.filter = (_d, _dir, i) => (i === 1 ? 'drop' : i === 2 ? 'duplicate' : 'deliver');
    p.a.send(Uint8Array.of(0));
    p.a.send(Uint8Array.of(1));
    p.a.send(Uint8Array.of(2));
    assert.deepEqual(got, []);
    c.advance(10);
    assert.deepEqual(got, [0, 2, 2]);
  });
  it('RamFlash refuses to set bits without an erase', () => {
    const f = new RamFlash(8192, 4096);
    f.write(0, Uint8Array.of(0x0f));
    assert.throws(() => f.write(0, Uint8Array.of(0xf0)));
    f.eraseSector(0);
    f.write(0, Uint8Array.of(0xf0));
    assert.hex(f.read(0, 2), 'f0ff');
  });
});
