import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { utf8Encode } from '../../../modules/bytes/index';
import { pickOwner } from '../../../modules/lwm2m/data-model';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { BS, bootstrapped, containsBytes, PSK_B, server, tlvInstance } from './fixtures';

describe('lwm2m unbootstrapping (Bootstrap-Delete of a Security instance)', () => {
  it('deletes exclusive instances with their ACL, hands over shared ones, cancels observations, removes the Server instance', () => {
    const cancelled: number[] = [];
    const deregistered: number[] = [];
    const host = new SimHost();
    const store = new MemoryObjectStore();
    const dm = bootstrapped({ host, store, onCancelObservations: (s) => cancelled.push(s), onDeregister: (s) => deregistered.push(s) });
    // 102 alone owns /3303/1 (ACL instance 1); /3303/0 is owned by 101 and shared with 102.
    const r = dm.handle({ kind: 'bootstrap-delete', path: '/0/2' }, BS);
    assert.equal(r.code, 0x42);
    assert.ok(!dm.object(3303)!.has(1), 'exclusive /3303/1 deleted');
    assert.ok(!dm.accessControl.has(1), 'its ACL instance deleted');
    assert.ok(store.records.has('lwm2m.2.0.b') && !store.records.has('lwm2m.2.0.a'), 'the updated ACL went to the other slot, the old one is gone');
    assert.ok(!store.records.has('lwm2m.2.1.a') && !store.records.has('lwm2m.2.1.b'));
    assert.ok(dm.object(3303)!.has(0), 'shared /3303/0 kept');
    assert.deepEqual(dm.accessControl.acl(0), new Map([[101, 15]]), '102 entry removed from shared ACL');
    assert.deepEqual(dm.accessControl.acl(2), new Map([[101, 1], [103, 1]]));
    assert.deepEqual(cancelled, [102]);
    assert.deepEqual(deregistered, [102]);
    assert.equal(dm.servers.instanceOf(102), undefined, 'Server instance of 102 deleted');
    assert.ok(!dm.security.has(2));
    assert.equal(dm.handle({ kind: 'read', path: '/3303/0' }, server(102)).code, 0x81, '102 is now unknown');
  });

  it('owner hand-over: highest Write+Delete score wins', () => {
    const dm = bootstrapped();
    // /3303/0 owned by 101; give 102 RW (score 1) and 103 RWD (score 2)
    dm.handle({ kind: 'bootstrap-write', path: '/2', payload: tlvInstance(dm, 2, 0, [[0, 3303], [1, 0], [2, new Map([[101, 15], [102, 3], [103, 11]])], [3, 101]]), contentFormat: 11542 }, BS);
    const report = dm.unbootstrap(1);
    assert.equal(report.ssid, 101);
    assert.equal(dm.accessControl.owner(0), 103);
    assert.deepEqual(report.handedOver.find((h) => h.aclInstance === 0), { aclInstance: 0, from: 101, to: 103 });
    assert.ok(!dm.accessControl.has(3), 'ACL instance granting only 101 the Create right deleted');
  });

  it('owner hand-over tie: equal scores go to the lowest Short Server ID', () => {
    const dm = bootstrapped();
    // 103 RW (1) and 102 RE... make both score 2: 103 = W|D, 102 = R|W|D
    dm.handle({ kind: 'bootstrap-write', path: '/2', payload: tlvInstance(dm, 2, 0, [[0, 3303], [1, 0], [2, new Map([[101, 15], [102, 11], [103, 10]])], [3, 101]]), contentFormat: 11542 }, BS);
    dm.unbootstrap(1);
    assert.equal(dm.accessControl.owner(0), 102);
    assert.equal(pickOwner([105, 104, 106], new Map([[104, 1], [105, 2], [106, 8]])), 105, 'W beats R, D equals W, lowest of 105/106');
    assert.equal(pickOwner([9, 4], new Map([[9, 31], [4, 10]])), 4);
  });

  it('owner with only the default ACL entry left hands over to the lowest other server', () => {
    const dm = bootstrapped();
    dm.handle({ kind: 'bootstrap-write', path: '/2', payload: tlvInstance(dm, 2, 0, [[0, 3303], [1, 0], [2, new Map([[0, 1], [101, 15]])], [3, 101]]), contentFormat: 11542 }, BS);
    dm.unbootstrap(1);
    assert.ok(dm.object(3303)!.has(0));
    assert.equal(dm.accessControl.owner(0), 102);
    assert.deepEqual(dm.accessControl.acl(0), new Map([[0, 1]]));
  });

  it('Bootstrap-Delete of "/" keeps the Bootstrap-Server account and the Device object; secrets are wiped', () => {
    const cancelled: number[] = [];
    const dm = bootstrapped({ onCancelObservations: (s) => cancelled.push(s) });
    const psk = dm.security.read(1)!.get(5) as Uint8Array;
    assert.equal(dm.handle({ kind: 'bootstrap-delete', path: '/' }, BS).code, 0x42);
    assert.deepEqual(dm.security.instanceIds(), [0]);
    assert.deepEqual(dm.servers.instanceIds(), []);
    assert.deepEqual(dm.accessControl.instanceIds(), []);
    assert.ok(dm.object(3)!.has(0));
    assert.deepEqual(cancelled.sort(), [101, 102, 103]);
    assert.ok(!containsBytes(psk, PSK_B) && psk.every((b) => b === 0));
    assert.equal(dm.handle({ kind: 'bootstrap-delete', path: '/0/0' }, BS).code, 0x80, 'the Bootstrap-Server account cannot be deleted');
  });

  it('log lines of the whole procedure never carry key bytes', () => {
    const host = new SimHost();
    const dm = bootstrapped({ host });
    dm.handle({ kind: 'bootstrap-delete', path: '/' }, BS);
    for (const l of host.logs) assert.ok(!containsBytes(utf8Encode(l.msg + JSON.stringify(l.fields ?? {})), PSK_B));
    assert.ok(host.logs.length > 0);
  });
});
