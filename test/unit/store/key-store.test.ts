import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { SimFlash } from '../../../modules/store/sim-flash';
import { KeyStore } from '../../../modules/store/key-store';
import { StoreError } from '../../../modules/store/errors';
import { crc32 } from '../../../modules/store/crc32';
import { utf8Encode, fromHex, toHex } from '../../../modules/bytes/index';

const SECRET = new Uint8Array(32).fill(0x42);
const host = (seed = 1, secret = SECRET) => new SimHost({ seed, deviceSecret: secret });
const isStoreError = (code?: string) => (e: unknown) => e instanceof StoreError && (code === undefined || e.code === code);

/** A sealed record as the journal lays it out (test-side knowledge of the documented format). */
interface RawRecord {
  off: number;
  len: number;
  statusAt: number;
  valueAt: number;
  valueLen: number;
  crcAt: number;
}
function findRecord(data: Uint8Array, name: string, from = 0): RawRecord {
  const key = utf8Encode(name);
  for (let p = from; p + 12 + key.length < data.length; p++) {
    if (data[p] !== 0xa5 || data[p + 1] !== key.length) continue;
    let match = true;
    for (let i = 0; i < key.length; i++) if (data[p + 12 + i] !== key[i]) match = false;
    if (!match) continue;
    const valueLen = (data[p + 2] << 8) | data[p + 3];
    const statusAt = p + 12 + key.length;
    if (data[statusAt] !== 0xff) continue;
    return { off: p, len: 18 + key.length + valueLen, statusAt, valueAt: statusAt + 1, valueLen, crcAt: statusAt + 1 + valueLen };
  }
  throw new Error(`no live record for ${name}`);
}
/** What an attacker with a flash programmer does after editing a record: recompute its (public) CRC. */
function fixCrc(data: Uint8Array, r: RawRecord): void {
  const c = crc32(data, crc32(data, 0, r.off, r.statusAt), r.valueAt, r.crcAt);
  data[r.crcAt] = c >>> 24;
  data[r.crcAt + 1] = (c >>> 16) & 0xff;
  data[r.crcAt + 2] = (c >>> 8) & 0xff;
  data[r.crcAt + 3] = c & 0xff;
}
function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
function cloneFlash(f: SimFlash): SimFlash {
  const c = new SimFlash(f.size, f.sectorSize);
  c.data.set(f.data);
  return c;
}

describe('store: CRC-32', () => {
  it('matches the published check value for "123456789" and continues across chunks', () => {
    const msg = utf8Encode('123456789');
    assert.equal(crc32(msg), 0xcbf43926);
    assert.equal(crc32(msg, crc32(msg, 0, 0, 4), 4), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });
});

describe('store: KeyStore', () => {
  it('puts, gets, overwrites, deletes, and keeps it all across a remount', () => {
    const flash = new SimFlash(2 * 4096, 4096);
    const ks = new KeyStore(host(), flash);
    assert.equal(ks.get('psk/1'), undefined);
    ks.put('psk/1', fromHex('000102030405060708090a0b0c0d0e0f'));
    ks.put('sms/kic', new Uint8Array(32).fill(3));
    ks.put('psk/1', fromHex('ffeeddccbbaa99887766554433221100'));
    assert.equal(ks.delete('sms/kic'), true);
    assert.equal(ks.delete('sms/kic'), false);
    const again = new KeyStore(host(2), flash);
    assert.hex(again.get('psk/1')!, 'ffeeddccbbaa99887766554433221100');
    assert.equal(again.get('sms/kic'), undefined);
    assert.deepEqual(again.names(), ['psk/1']);
  });

  it('stores no plaintext: a 64-byte PSK does not appear in flash', () => {
    const flash = new SimFlash(2 * 4096, 4096);
    const psk = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
    new KeyStore(host(), flash).put('psk/big', psk);
    assert.ok(!contains(flash.data, psk.subarray(0, 8)), 'plaintext found in flash');
  });

  it('rejects bad names and oversize values with StoreError bad-argument', () => {
    const ks = new KeyStore(host(), new SimFlash(2 * 1024, 1024));
    assert.throws(() => ks.put('', new Uint8Array(1)), isStoreError('bad-argument'));
    assert.throws(() => ks.put('\u0000chk', new Uint8Array(1)), isStoreError('bad-argument'));
    assert.throws(() => ks.put('n'.repeat(49), new Uint8Array(1)), isStoreError('bad-argument'));
    assert.throws(() => ks.put('big', new Uint8Array(ks.maxSecretLength('big') + 1)), isStoreError('bad-argument'));
    ks.put('big', new Uint8Array(ks.maxSecretLength('big')));
    assert.throws(() => ks.put('other', new Uint8Array(200)), isStoreError('full'));
    assert.equal(ks.get('big')!.length, ks.maxSecretLength('big'));
  });

  it('compacts across many updates, wearing every sector, and a 4 KB sector still holds 20 x 64-byte PSKs', () => {
    const flash = new SimFlash(3 * 4096, 4096);
    const ks = new KeyStore(host(), flash);
    for (let round = 0; round < 10; round++) for (let i = 0; i < 20; i++) ks.put(`psk/${i}`, new Uint8Array(64).fill(round * 20 + i));
    const again = new KeyStore(host(3), flash);
    for (let i = 0; i < 20; i++) assert.equal(again.get(`psk/${i}`)![0], 180 + i);
    for (let s = 0; s < 3; s++) assert.ok(flash.erases[s] > 0, `sector ${s} never erased`);
  });

  it('a wrong device secret gives StoreError wrong-secret, never garbage', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    new KeyStore(host(), flash).put('psk/1', new Uint8Array(16).fill(1));
    assert.throws(() => new KeyStore(host(1, new Uint8Array(32).fill(0x43)), flash), isStoreError('wrong-secret'));
  });

  it('flipping any bit pattern in any byte of a sealed record is detected (or, in journal bookkeeping, changes nothing read)', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const value = new Uint8Array(16).map((_, i) => i + 1);
    new KeyStore(host(), flash).put('psk/1', value);
    const r = findRecord(flash.data, 'psk/1');
    let detected = 0;
    for (let i = r.off; i < r.off + r.len; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const f = cloneFlash(flash);
        f.data[i] ^= mask;
        try {
          const got = new KeyStore(host(5), f).get('psk/1');
          // The only tolerated outcome besides an error: the exact original value (the byte was the trailer, which mount repairs).
          assert.ok(got && toHex(got) === toHex(value), `flip 0x${mask.toString(16)} at record byte ${i - r.off} read ${got ? toHex(got) : 'nothing'}`);
        } catch (e) {
          if (!(e instanceof StoreError)) throw e;
          detected++;
        }
      }
    }
    assert.ok(detected >= 3 * (r.len - 1), `detected ${detected} of ${3 * r.len}`);
  });

  it('a modified ciphertext with a recomputed CRC fails authentication (tampered)', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    new KeyStore(host(), flash).put('psk/1', new Uint8Array(16).fill(9));
    for (let k = 0; k < 40; k++) {
      const f = cloneFlash(flash);
      const r = findRecord(f.data, 'psk/1');
      f.data[r.valueAt + (k % r.valueLen)] ^= 1 << (k % 8);
      fixCrc(f.data, r);
      const ks = new KeyStore(host(6), f);
      assert.throws(() => ks.get('psk/1'), isStoreError('tampered'));
    }
  });

  it('swapping the sealed values of two records is detected', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const ks = new KeyStore(host(), flash);
    ks.put('psk/1', new Uint8Array(16).fill(1));
    ks.put('psk/2', new Uint8Array(16).fill(2));
    const a = findRecord(flash.data, 'psk/1');
    const b = findRecord(flash.data, 'psk/2');
    assert.equal(a.valueLen, b.valueLen);
    const va = flash.data.slice(a.valueAt, a.crcAt);
    flash.data.set(flash.data.slice(b.valueAt, b.crcAt), a.valueAt);
    flash.data.set(va, b.valueAt);
    fixCrc(flash.data, a);
    fixCrc(flash.data, b);
    const again = new KeyStore(host(7), flash);
    assert.throws(() => again.get('psk/1'), isStoreError('tampered'));
    assert.throws(() => again.get('psk/2'), isStoreError('tampered'));
  });

  it('replaying an older sealed value of the same name under the newer record is detected', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const ks = new KeyStore(host(), flash);
    ks.put('psk/1', new Uint8Array(16).fill(1));
    const r1 = findRecord(flash.data, 'psk/1');
    const old = flash.data.slice(r1.valueAt, r1.crcAt);
    ks.put('psk/1', new Uint8Array(16).fill(2));
    const r2 = findRecord(flash.data, 'psk/1');
    flash.data.set(old, r2.valueAt);
    fixCrc(flash.data, r2);
    assert.throws(() => new KeyStore(host(8), flash).get('psk/1'), isStoreError('tampered'));
  });

  it('renaming a sealed record (its name bytes edited, CRC recomputed) is detected: the name is in the additional data', () => {
    // Same sequence number, same salt, same ciphertext: only the record name binds it to "psk/1".
    const flash = new SimFlash(2 * 1024, 1024);
    new KeyStore(host(), flash).put('psk/1', new Uint8Array(16).fill(1));
    const r = findRecord(flash.data, 'psk/1');
    flash.data.set(utf8Encode('psk/2'), r.off + 12);
    fixCrc(flash.data, findRecord(flash.data, 'psk/2'));
    const again = new KeyStore(host(10), flash);
    assert.deepEqual(again.names(), ['psk/2'], 'the journal itself accepts the renamed record');
    assert.throws(() => again.get('psk/2'), isStoreError('tampered'));
  });

  it('killing a record without a successor (status byte zeroed by a tamperer) is detected at mount', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    new KeyStore(host(), flash).put('psk/1', new Uint8Array(16).fill(1));
    const r = findRecord(flash.data, 'psk/1');
    flash.data[r.statusAt] = 0;
    assert.throws(() => new KeyStore(host(9), flash), isStoreError('tampered'));
  });

  it('leaves no copy of overwritten or deleted sealed values in flash, before and after compaction', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    const ks = new KeyStore(host(), flash);
    const gone: Uint8Array[] = [];
    for (let i = 0; i < 30; i++) {
      ks.put('psk/1', new Uint8Array(40).fill(i));
      gone.push(flash.data.slice(findRecord(flash.data, 'psk/1').valueAt, findRecord(flash.data, 'psk/1').crcAt));
      ks.put('keep', new Uint8Array(8).fill(i));
      if (i % 3 === 2) ks.delete('psk/1');
      // Every sealed value except the live one is gone (first 24 bytes: salt and leading ciphertext).
      const liveOff = ks.has('psk/1') ? findRecord(flash.data, 'psk/1').valueAt : -1;
      for (let j = 0; j < gone.length; j++) {
        const still = contains(flash.data, gone[j].subarray(0, 24));
        const isLive = j === gone.length - 1 && liveOff >= 0;
        assert.equal(still, isLive, `round ${i}: sealed value ${j} ${still ? 'still in' : 'missing from'} flash`);
      }
    }
    assert.ok(flash.totalErases() >= 4, `compactions happened (${flash.totalErases()} erases)`);
  });
});
