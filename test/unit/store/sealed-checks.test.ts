/**
 * Checks of the sealed store that mutation testing (npm run mutate, set store-sealed) showed no test
 * would miss: each case fails when its check is removed.
 */
import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { SimFlash } from '../../../modules/store/sim-flash';
import { KeyStore, MAX_NAME_LENGTH } from '../../../modules/store/key-store';
import { StoreError } from '../../../modules/store/errors';
import { Journal } from '../../../modules/store/journal';

const SECRET = new Uint8Array(32).fill(0x42);
const isStoreError = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

/** A host that hands out the device secret in buffers the test can inspect afterwards. */
class WatchedHost extends SimHost {
  readonly handedOut: Uint8Array[] = [];
  shortRandom = false;
  override deviceSecret(): Uint8Array {
    const s = super.deviceSecret();
    this.handedOut.push(s);
    return s;
  }
  override randomBytes(n: number): Uint8Array {
    return super.randomBytes(this.shortRandom ? n - 1 : n);
  }
}

describe('store: sealed-journal checks', () => {
  it('the device secret handed to the store is wiped once the storage key is derived', () => {
    const h = new WatchedHost({ seed: 1, deviceSecret: SECRET });
    new KeyStore(h, new SimFlash(2 * 1024, 1024)).put('a', new Uint8Array(4));
    assert.ok(h.handedOut.length > 0);
    for (const s of h.handedOut) assert.ok(s.every((b) => b === 0), 'a copy of the device secret was left in memory');
  });

  it('a host whose randomBytes returns a short salt is refused (nonces must not repeat)', () => {
    const h = new WatchedHost({ seed: 2, deviceSecret: SECRET });
    h.shortRandom = true;
    assert.throws(() => new KeyStore(h, new SimFlash(2 * 1024, 1024)), isStoreError('bad-argument'));
  });

  it('records without the key-check record are refused at mount (tampered), not silently re-keyed', () => {
    const flash = new SimFlash(2 * 1024, 1024);
    new KeyStore(new SimHost({ seed: 3, deviceSecret: SECRET }), flash).put('psk/1', new Uint8Array(16).fill(1));
    // kill the "\0chk" record: status byte after its 12-byte header and 4-byte name
    let killed = false;
    for (let p = 0; p + 17 < flash.data.length && !killed; p++) {
      if (flash.data[p] === 0xa5 && flash.data[p + 1] === 4 && flash.data[p + 12] === 0 && flash.data[p + 13] === 0x63 && flash.data[p + 16] === 0xff) {
        flash.data[p + 16] = 0;
        killed = true;
      }
    }
    assert.ok(killed, 'found the key-check record');
    assert.throws(() => new KeyStore(new SimHost({ seed: 4, deviceSecret: SECRET }), flash), (e: unknown) => e instanceof StoreError && (e.code === 'tampered' || e.code === 'corrupt'));
  });

  it('a journal with records but no key-check record is refused at mount (tampered)', () => {
    // What a flash programmer leaves after rewriting a sector without the "\0chk" record.
    const flash = new SimFlash(2 * 1024, 1024);
    new Journal(flash).put(Uint8Array.of(0x70, 0x73, 0x6b), () => new Uint8Array(40).fill(9));
    assert.throws(() => new KeyStore(new SimHost({ seed: 7, deviceSecret: SECRET }), flash), isStoreError('tampered'));
  });

  it('a closed store refuses reads and writes with needs-remount', () => {
    const ks = new KeyStore(new SimHost({ seed: 5, deviceSecret: SECRET }), new SimFlash(2 * 1024, 1024));
    ks.put('a', new Uint8Array(4).fill(1));
    ks.close();
    assert.throws(() => ks.get('a'), isStoreError('needs-remount'));
    assert.throws(() => ks.put('b', new Uint8Array(4)), isStoreError('needs-remount'));
  });

  it(`names of 1 and ${MAX_NAME_LENGTH} bytes are accepted, 0 and ${MAX_NAME_LENGTH + 1} refused`, () => {
    const ks = new KeyStore(new SimHost({ seed: 6, deviceSecret: SECRET }), new SimFlash(4 * 1024, 1024));
    ks.put('x', Uint8Array.of(1));
    ks.put('n'.repeat(MAX_NAME_LENGTH), Uint8Array.of(2));
    assert.deepEqual(ks.get('x'), Uint8Array.of(1));
    assert.deepEqual(ks.get('n'.repeat(MAX_NAME_LENGTH)), Uint8Array.of(2));
    assert.throws(() => ks.put('n'.repeat(MAX_NAME_LENGTH + 1), Uint8Array.of(3)), isStoreError('bad-argument'));
    assert.throws(() => ks.put('', Uint8Array.of(3)), isStoreError('bad-argument'));
  });
});
