import { assert } from '../../harness/assert';
import { SimFlash, PowerCut, SimFlashError } from '../../../modules/store/sim-flash';
import { Journal } from '../../../modules/store/journal';
import { StoreError } from '../../../modules/store/errors';
import { utf8Encode } from '../../../modules/bytes/index';

describe('store: simulated NOR flash', () => {
  it('writes only clear bits, erases whole sectors to 0xff, and counts both per sector', () => {
    const f = new SimFlash(2 * 256, 256);
    f.write(10, Uint8Array.of(0xf0, 0x0f));
    f.write(10, Uint8Array.of(0x30, 0x0f));
    assert.hex(f.read(10, 2), '300f');
    assert.throws(() => f.write(10, Uint8Array.of(0xf0)), SimFlashError);
    f.write(250, new Uint8Array(12)); // spans both sectors
    assert.deepEqual([f.programs[0], f.programs[1]], [3, 1]);
    f.eraseSector(0);
    assert.hex(f.read(10, 2), 'ffff');
    assert.hex(f.read(256, 2), '0000');
    assert.deepEqual([f.erases[0], f.erases[1]], [1, 0]);
    assert.throws(() => f.read(500, 20), SimFlashError);
  });

  it('a cut write leaves a prefix plus one partially programmed byte, then the flash is dead until powerOn', () => {
    for (let byte = 0; byte <= 8; byte++) {
      const f = new SimFlash(2 * 256, 256, byte + 1);
      f.armCut({ op: 0, byte });
      assert.throws(() => f.write(0, new Uint8Array(8)), PowerCut);
      assert.throws(() => f.read(0, 1), PowerCut);
      f.powerOn();
      const d = f.read(0, 10);
      for (let i = 0; i < Math.min(byte, 8); i++) assert.equal(d[i], 0, `byte ${i} programmed`);
      for (let i = byte + 1; i < 10; i++) assert.equal(d[i], 0xff, `byte ${i} untouched`);
    }
  });

  it('a cut erase leaves a half-erased sector: some bytes 0xff, the rest old content', () => {
    const f = new SimFlash(2 * 256, 256, 7);
    f.write(0, new Uint8Array(256));
    f.armCut({ op: f.ops });
    assert.throws(() => f.eraseSector(0), PowerCut);
    f.powerOn();
    const d = f.read(0, 256);
    const ff = d.filter((b) => b === 0xff).length;
    assert.equal(d.filter((b) => b === 0).length + ff, 256);
    assert.ok(ff > 64 && ff < 192, `${ff} bytes erased`);
  });
});

describe('store: journal', () => {
  const k = (s: string) => utf8Encode(s);
  it('refuses a region of one sector', () => {
    assert.throws(() => new Journal(new SimFlash(4096, 4096)), (e) => e instanceof StoreError && e.code === 'bad-geometry');
  });
  it('newest record wins across remounts and compactions; sequence numbers keep rising', () => {
    const f = new SimFlash(3 * 256, 256);
    let j = new Journal(f, { scrubSuperseded: false });
    let lastSeq = 0;
    for (let i = 0; i < 100; i++) {
      const seq = j.put(k(`k${i % 3}`), () => Uint8Array.of(i));
      assert.ok(seq > lastSeq);
      lastSeq = seq;
      if (i % 17 === 0) j = new Journal(f, { scrubSuperseded: false });
    }
    j = new Journal(f);
    assert.deepEqual([j.get(k('k0'))!.value[0], j.get(k('k1'))!.value[0], j.get(k('k2'))!.value[0]], [99, 97, 98]);
    assert.ok(j.put(k('k0'), () => new Uint8Array(1)) > lastSeq);
  });
  it('refuses to format over a region holding foreign data', () => {
    const f = new SimFlash(2 * 256, 256);
    f.write(100, Uint8Array.of(1, 2, 3));
    assert.throws(() => new Journal(f), (e) => e instanceof StoreError && e.code === 'corrupt');
  });
  it('mounts random garbage only with StoreError, in bounded time', () => {
    let seed = 99;
    for (let t = 0; t < 200; t++) {
      const f = new SimFlash(2 * 256, 256, t + 1);
      // A valid journal, then random bytes written over random places (bits only clear, as flash allows).
      const j = new Journal(f);
      for (let i = 0; i < 5; i++) j.put(k(`n${i}`), () => new Uint8Array(10).fill(i));
      for (let n = 0; n < 1 + (t % 4); n++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        f.data[seed % f.size] &= seed >>> 24;
      }
      try {
        const m = new Journal(f);
        for (const key of m.keys()) m.get(key);
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
      }
    }
  });
});
