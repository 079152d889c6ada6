/**
 * The registration kept across deep sleep (modules/client/sleep.ts): its bytes against a hand-built record, and
 * the ways a kept record is refused (another URI, truncated, unknown version): used once, then gone.
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex, utf8Encode } from '../../../modules/bytes/index';
import { encodeRegistration, registrationName, saveRegistration, takeRegistration, type RegistrationStore } from '../../../modules/client/sleep';

function memoryStore(): RegistrationStore & { map: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>();
  return {
    map,
    get: (n) => map.get(n)?.slice(),
    put: (n, d) => void map.set(n, d.slice()),
    delete: (n) => map.delete(n),
  };
}

describe('client/sleep: the registration kept across deep sleep', () => {
  const uri = 'coaps://[2001:db8::1]:5684';
  // version 1 | lifetime 300 | flags 1 | uri<1> | location<1> "rd/5a3f"
  const expected = '01' + '0000012c' + '01' + '1a' + toHex(utf8Encode(uri)) + '07' + '72642f35613366';

  it('encodes as documented', () => {
    assert.equal(toHex(encodeRegistration({ uri, location: ['rd', '5a3f'], lifetimeS: 300, objectsChanged: true })), expected);
  });

  it('takes a saved record once, for the same URI only', () => {
    const s = memoryStore();
    saveRegistration(s, 7, { uri, location: ['rd', '5a3f'], lifetimeS: 300, objectsChanged: true });
    assert.equal(toHex(s.map.get(registrationName(7))!), expected);
    const r = takeRegistration(s, 7, uri)!;
    assert.deepEqual(r.location, ['rd', '5a3f']);
    assert.equal(r.lifetimeS, 300);
    assert.equal(r.objectsChanged, true);
    assert.equal(takeRegistration(s, 7, uri), null, 'consumed');
    saveRegistration(s, 7, { uri, location: ['rd', '5a3f'], lifetimeS: 300, objectsChanged: false });
    assert.equal(takeRegistration(s, 7, 'coaps://192.0.2.1:5684'), null, 'another server: not used');
    assert.equal(s.map.size, 0, 'and not kept');
  });

  it('ignores a damaged record', () => {
    const s = memoryStore();
    const full = fromHex(expected);
    for (const bad of [full.subarray(0, full.length - 1), Uint8Array.of(2, ...full.subarray(1)), Uint8Array.of(...full, 0), Uint8Array.of(...full.subarray(0, 6), 0x1a, ...full.subarray(7, full.length - 8), 0)]) {
      s.put(registrationName(1), bad);
      assert.equal(takeRegistration(s, 1, uri), null, toHex(bad));
      assert.equal(s.map.size, 0);
    }
  });
});
