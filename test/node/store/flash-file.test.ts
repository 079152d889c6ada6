import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assert } from '../../harness/assert';
import { Prng, SimHost } from '../../harness/sim';
import { FileFlash, FlashFileError, fileFlashProvider } from '../../../hosts/node/flash-file';
import { SimFlash } from '../../../modules/store/sim-flash';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';

describe('store: file-backed flash (Node host)', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xs-lwm2m-flash-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates an owner-only file of the region size, filled with 0xff', () => {
    const f = new FileFlash(dir, 'keys', { size: 8192, sectorSize: 4096 });
    const st = fs.statSync(f.file);
    assert.equal(st.size, 8192);
    if (process.platform !== 'win32') assert.equal(st.mode & 0o777, 0o600);
    assert.ok(fs.readFileSync(f.file).every((b) => b === 0xff));
    f.close();
  });

  it('refuses path tricks in region names and a file of the wrong size', () => {
    assert.throws(() => new FileFlash(dir, '../escape'), FlashFileError);
    assert.throws(() => new FileFlash(dir, 'a/b'), FlashFileError);
    new FileFlash(dir, 'r', { size: 4096, sectorSize: 1024 }).close();
    assert.throws(() => new FileFlash(dir, 'r', { size: 8192, sectorSize: 1024 }), FlashFileError);
  });

  it('behaves exactly like the simulated flash under 800 random reads, writes (legal and bit-setting) and erases', function () {
    this.timeout(30000);
    const file = new FileFlash(dir, 'cmp', { size: 4 * 256, sectorSize: 256 });
    const sim = new SimFlash(4 * 256, 256);
    const rng = new Prng(77);
    for (let i = 0; i < 800; i++) {
      const r = rng.int(10);
      if (r < 6) {
        const off = rng.int(1024 - 16);
        const data = rng.bytes(1 + rng.int(16));
        // Half the time make the write legal (only clears bits) to keep content evolving.
        if (rng.int(2)) for (let j = 0; j < data.length; j++) data[j] &= sim.data[off + j];
        let simErr = false;
        let fileErr = false;
        try { sim.write(off, data); } catch { simErr = true; }
        try { file.write(off, data); } catch (e) { fileErr = e instanceof FlashFileError; }
        assert.equal(fileErr, simErr, `write ${i} at ${off}`);
      } else if (r < 7) {
        const s = rng.int(4);
        sim.eraseSector(s);
        file.eraseSector(s);
      } else {
        const off = rng.int(1024);
        const len = rng.int(1024 - off + 1);
        assert.deepEqual(file.read(off, len), sim.read(off, len), `read ${i}`);
      }
    }
    assert.deepEqual(new Uint8Array(fs.readFileSync(file.file)), sim.data);
    file.close();
  });

  it('keeps a KeyStore and a CounterStore across process-like restarts (close and reopen)', function () {
    this.timeout(30000);
    const secret = new Uint8Array(32).fill(5);
    const open = () => new SimHost({ seed: 3, deviceSecret: secret, flash: fileFlashProvider(dir, { size: 2 * 4096, sectorSize: 4096 }) });
    let h = open();
    const ks = KeyStore.open(h);
    ks.put('psk/1', new Uint8Array(16).fill(0xab));
    const cs = CounterStore.open(h);
    const issued = [cs.next('cntr'), cs.next('cntr')];
    assert.equal(cs.acceptIfHigher('in', 42n), true);
    (h.flash('keys') as FileFlash).close();
    (h.flash('counters') as FileFlash).close();
    h = open();
    assert.hex(KeyStore.open(h).get('psk/1')!, 'ab'.repeat(16));
    const cs2 = CounterStore.open(h);
    assert.ok(cs2.next('cntr') > issued[1]);
    assert.equal(cs2.highWater('in'), 42n);
    assert.ok(!fs.readFileSync(path.join(dir, 'keys.flash')).includes(Buffer.from(new Uint8Array(16).fill(0xab))), 'plaintext on disk');
  });
});
