/**
 * Versioned configuration records and transactions (issue 13 item 10; format in modules/lwm2m/persistence.ts).
 */
import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { utf8Encode } from '../../../modules/bytes/index';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { encodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { MemoryObjectStore, MANIFEST_RECORD, FACTORY_RECORD } from '../../../modules/lwm2m/persistence';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { BS, bootstrapped, PSK_B, tlvInstance } from './fixtures';

function names(store: MemoryObjectStore): string[] {
  return [...store.records.keys()].sort();
}

describe('lwm2m persistence: versioned records and transactions', () => {
  it('migrates version 0 records (index + bare TLV) into one version 1 transaction and removes them', () => {
    const store = new MemoryObjectStore();
    const src = bootstrapped();
    for (const oid of [0, 1, 2]) {
      const obj = src.object(oid)!;
      const iids = obj.instanceIds();
      store.records.set(`lwm2m.${oid}`, Uint8Array.from(iids.flatMap((i) => [i >> 8, i & 255])));
      for (const iid of iids) {
        const c = obj.read(iid)!;
        const entries = [...c].flatMap(([rid, v]) => {
          const def = src.resourceDef(oid, rid)!;
          return v instanceof Map ? [...v].map(([riid, x]) => ({ path: [oid, iid, rid, riid], type: def.type, value: x })) : [{ path: [oid, iid, rid], type: def.type, value: v }];
        });
        store.records.set(`lwm2m.${oid}.${iid}`, encodeTlv([oid, iid], entries, (o, r) => src.resourceDef(o, r)!.multiple));
      }
    }
    const dm = new DataModel({ store });
    assert.equal(dm.restore(), 11);
    assert.ok(store.records.has(MANIFEST_RECORD));
    assert.ok(names(store).every((n) => n === MANIFEST_RECORD || /^lwm2m\.[012]\.[0-9]+\.a$/.test(n)), names(store).join(','));
    const again = new DataModel({ store });
    assert.equal(again.restore(), 11);
    assert.equal(again.servers.instanceOf(103), 2);
  });

  it('refuses a record whose version, or whose oid/iid/generation, does not match the manifest', () => {
    for (const tamper of ['version', 'swap'] as const) {
      const store = new MemoryObjectStore();
      bootstrapped({ store });
      if (tamper === 'version') store.records.get('lwm2m.0.1.a')![0] = 2;
      else store.records.set('lwm2m.0.1.a', store.records.get('lwm2m.0.2.a')!.slice());
      const logs: string[] = [];
      const dm = new DataModel({ store, host: { log: (level, msg) => logs.push(`${level} ${msg}`) } });
      dm.restore();
      assert.deepEqual(dm.security.instanceIds(), [0, 2, 3], tamper);
      assert.ok(logs.some((l) => l.startsWith('error') && l.includes('corrupt')), logs.join('\n'));
    }
  });

  it('restore removes what an interrupted transaction left, and nothing else under the prefix', () => {
    const store = new MemoryObjectStore();
    bootstrapped({ store });
    store.records.set('lwm2m.0.1.b', Uint8Array.of(1, 2, 3)); // a slot written by a transaction that never committed
    store.records.set('lwm2m.1.9.a', Uint8Array.of(4)); // an instance a cut transaction created
    store.records.set('lwm2m.fw.state', Uint8Array.of(5)); // another module's record
    const dm = new DataModel({ store });
    assert.equal(dm.restore(), 11);
    assert.ok(!store.records.has('lwm2m.0.1.b') && !store.records.has('lwm2m.1.9.a'));
    assert.ok(store.records.has('lwm2m.fw.state') && store.records.has('lwm2m.0.1.a'));
  });

  it('a transaction is stored only at commit; abort brings back the committed configuration (and wipes nothing kept)', () => {
    const store = new MemoryObjectStore();
    const dm = bootstrapped({ store });
    const before = new Map(store.records);
    dm.beginTransaction();
    assert.equal(dm.handle({ kind: 'bootstrap-delete', path: '/' }, BS).code, 0x42);
    assert.equal(dm.handle({ kind: 'bootstrap-write', path: '/1/7', payload: tlvInstance(dm, 1, 7, [[0, 107], [1, 60], [6, true], [7, 'U']]), contentFormat: ContentFormat.Tlv }, BS).code, 0x44);
    assert.deepEqual(names(store), [...before.keys()].sort(), 'nothing stored before commit');
    dm.abortTransaction();
    assert.deepEqual(dm.security.instanceIds(), [0, 1, 2, 3]);
    assert.equal(dm.servers.instanceOf(107), undefined);
    assert.deepEqual(dm.accessControl.acl(0), new Map([[101, 15], [102, 1]]));
    dm.beginTransaction();
    dm.handle({ kind: 'bootstrap-delete', path: '/0/2' }, BS);
    dm.commitTransaction();
    const dm2 = new DataModel({ store });
    dm2.restore();
    assert.deepEqual(dm2.security.instanceIds(), [0, 1, 3]);
  });

  it('without a store, abort goes back to the configuration at begin', () => {
    const dm = bootstrapped();
    dm.beginTransaction();
    dm.handle({ kind: 'bootstrap-delete', path: '/' }, BS);
    assert.deepEqual(dm.security.instanceIds(), [0]);
    dm.abortTransaction();
    assert.deepEqual(dm.security.instanceIds(), [0, 1, 2, 3]);
    assert.equal(dm.servers.instanceOf(102), 1);
  });

  it('factory reset returns Objects 0/1/2 to the saved factory configuration in one transaction, wiping removed keys', () => {
    const host = new SimHost();
    const store = new MemoryObjectStore();
    const dm = new DataModel({ store, host });
    const bw = (path: string, payload: Uint8Array) => assert.equal(dm.handle({ kind: 'bootstrap-write', path, payload, contentFormat: ContentFormat.Tlv }, BS).code, 0x44);
    bw('/0', tlvInstance(dm, 0, 0, [[0, 'coaps://bs.example.com'], [1, true], [2, 3], [3, new Uint8Array(0)], [4, new Uint8Array(0)], [5, new Uint8Array(0)]]));
    dm.saveFactoryConfiguration();
    assert.ok(store.records.has(FACTORY_RECORD));
    bw('/0', tlvInstance(dm, 0, 4, [[0, 'coaps://dm.example.com'], [1, false], [2, 0], [3, utf8Encode('x')], [4, new Uint8Array(0)], [5, PSK_B.slice()], [10, 101]]));
    bw('/1', tlvInstance(dm, 1, 0, [[0, 101], [1, 60], [6, true], [7, 'U']]));
    const key = dm.security.read(4)!.get(5) as Uint8Array;
    assert.equal(dm.factoryReset(), true);
    assert.deepEqual(dm.security.instanceIds(), [0]);
    assert.deepEqual(dm.servers.instanceIds(), []);
    assert.ok(key.every((b) => b === 0), 'the removed PSK is wiped in memory');
    for (const [n, rec] of store.records) if (n !== FACTORY_RECORD) assert.ok(!rec.some((_b, i) => PSK_B.every((p, k) => rec[i + k] === p)), `${n} still holds the PSK`);
    const dm2 = new DataModel({ store });
    dm2.restore();
    assert.deepEqual(dm2.security.instanceIds(), [0]);
  });
});
