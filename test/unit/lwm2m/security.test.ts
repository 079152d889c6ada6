import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import type { Operation, OperationKind, Response } from '../../../modules/lwm2m/data-model';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { BS, bootstrapped, containsBytes, PSK_A, PSK_B, server, SMS_KEYS, tlvInstance, TemperatureObject, specDevice } from './fixtures';

const C = { Changed: 0x44, Content: 0x45, Created: 0x41, Deleted: 0x42, BadRequest: 0x80, Unauthorized: 0x81, NotFound: 0x84, MethodNotAllowed: 0x85 };
const SECRETS = [PSK_A, PSK_B, SMS_KEYS];

function leaks(r: Response, host: SimHost): boolean {
  const outputs: Uint8Array[] = [];
  if (r.payload) outputs.push(r.payload);
  for (const l of host.logs) outputs.push(utf8Encode(l.msg + JSON.stringify(l.fields ?? {})));
  return outputs.some((o) => SECRETS.some((s) => containsBytes(o, s)));
}

describe('lwm2m access matrix', () => {
  const DM_OPS: OperationKind[] = ['read', 'observe', 'discover', 'write', 'write-partial', 'execute', 'create', 'delete', 'write-attributes'];
  const BS_OPS: OperationKind[] = ['bootstrap-read', 'bootstrap-discover', 'bootstrap-write', 'bootstrap-delete'];
  const payloadFor = (kind: OperationKind, path: string): Partial<Operation> => {
    if (kind === 'write' || kind === 'write-partial' || kind === 'create' || kind === 'bootstrap-write') {
      if (path.startsWith('/0')) return { payload: utf8Encode('coaps://evil.example.com'), contentFormat: 0 };
      return { payload: utf8Encode('x'), contentFormat: 0 };
    }
    if (kind === 'write-attributes') return { query: 'pmin=10' };
    return {};
  };
  const roles = { bootstrap: BS, owner: server(101), other: server(102), unknown: server(999) };
  const secPaths = ['/0', '/0/1', '/0/1/0', '/0/1/5', '/0/3/8', '/0/0/5'];

  it('LightweightM2M-1.1-int-221 Attempt to perform operations on Security: Object 0: every DM role x every DM operation x every path is 4.01; no byte of a secret anywhere', () => {
    let checked = 0;
    for (const [name, caller] of Object.entries(roles)) {
      for (const kind of DM_OPS) {
        for (const path of secPaths) {
          const host = new SimHost();
          const dm = bootstrapped({ host });
          const r = dm.handle({ kind, path, ...payloadFor(kind, path) }, caller);
          assert.equal(r.code, C.Unauthorized, `${name} ${kind} ${path}`);
          assert.ok(!leaks(r, host), `${name} ${kind} ${path} leaked a secret`);
          checked++;
        }
      }
    }
    assert.equal(checked, 4 * DM_OPS.length * secPaths.length);
  });

  it('LightweightM2M-1.1-int-8 Bootstrap Read (the refused part): Object 0: Bootstrap-Read and Bootstrap-Read of secrets are refused; DM servers cannot use bootstrap operations', () => {
    const host = new SimHost();
    const dm = bootstrapped({ host });
    for (const path of secPaths) assert.equal(dm.handle({ kind: 'bootstrap-read', path }, BS).code, C.Unauthorized, path);
    assert.equal(dm.handle({ kind: 'bootstrap-read', path: '/3/0' }, BS).code, C.Unauthorized, 'Bootstrap-Read limited to 1 and 2');
    for (const kind of BS_OPS) for (const role of [server(101), server(102), server(999)]) assert.equal(dm.handle({ kind, path: '/0/1', ...payloadFor(kind, '/0/1/0') }, role).code, C.Unauthorized, kind);
    assert.equal(dm.handle({ kind: 'read', path: '/3/0' }, BS).code, C.Unauthorized, 'Bootstrap-Server uses the bootstrap interface only');
  });

  it('Bootstrap-Discover lists Security instances with ssid and uri but never a key', () => {
    const host = new SimHost();
    const dm = bootstrapped({ host });
    const r = dm.handle({ kind: 'bootstrap-discover', path: '/' }, BS);
    assert.equal(r.code, C.Content);
    const text = utf8Decode(r.payload!);
    assert.ok(text.startsWith('</>;lwm2m=1.1,</0/0>;uri="coaps://bs.example.com:5684",</0/1>;ssid=101;uri="coaps://dm1.example.com"'), text);
    assert.ok(text.includes('</1>;ver=1.1,</1/0>;ssid=101'), text);
    assert.ok(!leaks(r, host));
  });

  it('Bootstrap-Read of /1 and /2 works and contains no secret', () => {
    const host = new SimHost();
    const dm = bootstrapped({ host });
    for (const path of ['/1', '/2', '/1/0', '/2/0/2']) {
      const r = dm.handle({ kind: 'bootstrap-read', path, accept: 110 }, BS);
      assert.equal(r.code, C.Content, path);
      assert.ok(!leaks(r, host));
    }
  });

  it('ACL-protected /3303: expected code for each role x operation x path', () => {
    // owner 101 has RWED on /3303/0 (and C on /3303), 102 has R, 103 nothing, 999 is unknown.
    const expect: Record<string, Record<string, number>> = {
      'read /3303/0': { b: C.Unauthorized, o: C.Content, r: C.Content, n: C.Unauthorized, u: C.Unauthorized },
      'observe /3303/0/5700': { b: C.Unauthorized, o: C.Content, r: C.Content, n: C.Unauthorized, u: C.Unauthorized },
      'discover /3303/0': { b: C.Unauthorized, o: C.Content, r: C.Content, n: C.Unauthorized, u: C.Unauthorized },
      'write-attributes /3303/0/5700': { b: C.Unauthorized, o: C.Changed, r: C.Changed, n: C.Unauthorized, u: C.Unauthorized },
      'write-partial /3303/0/5750': { b: C.Unauthorized, o: C.Changed, r: C.Unauthorized, n: C.Unauthorized, u: C.Unauthorized },
      'write-partial /3303/0/5700': { b: C.Unauthorized, o: C.MethodNotAllowed, r: C.Unauthorized, n: C.Unauthorized, u: C.Unauthorized },
      'execute /3303/0/5605': { b: C.Unauthorized, o: C.Changed, r: C.Unauthorized, n: C.Unauthorized, u: C.Unauthorized },
      'read /3303/1': { b: C.Unauthorized, o: C.Unauthorized, r: C.Content, n: C.Unauthorized, u: C.Unauthorized },
      'read /3303/7': { b: C.Unauthorized, o: C.Unauthorized, r: C.Unauthorized, n: C.Unauthorized, u: C.Unauthorized },
      'create /3303': { b: C.Unauthorized, o: C.Created, r: C.Unauthorized, n: C.Unauthorized, u: C.Unauthorized },
      'delete /3303/0': { b: C.Unauthorized, o: C.Deleted, r: C.Unauthorized, n: C.Unauthorized, u: C.Unauthorized },
      'read /2/0': { b: C.Unauthorized, o: C.Content, r: C.Content, n: C.Unauthorized, u: C.Unauthorized },
      'write-partial /2/0/3': { b: C.Unauthorized, o: C.Changed, r: C.Unauthorized, n: C.Unauthorized, u: C.Unauthorized },
      'delete /2/0': { b: C.Unauthorized, o: C.Unauthorized, r: C.Unauthorized, n: C.Unauthorized, u: C.Unauthorized },
      'read /1/1': { b: C.Unauthorized, o: C.Unauthorized, r: C.Content, n: C.Unauthorized, u: C.Unauthorized },
      'read /3/0/0': { b: C.Unauthorized, o: C.Content, r: C.Content, n: C.Content, u: C.Unauthorized },
    };
    const who = { b: BS, o: server(101), r: server(102), n: server(103), u: server(999) };
    for (const [op, row] of Object.entries(expect)) {
      const [kind, path] = op.split(' ') as [OperationKind, string];
      for (const [k, code] of Object.entries(row)) {
        const host = new SimHost();
        const dm = bootstrapped({ host });
        const extra: Partial<Operation> =
          kind === 'write-partial' ? { payload: utf8Encode(path.endsWith('/3') ? '101' : path.endsWith('5700') ? '1.0' : 'room'), contentFormat: 0 } : kind === 'write-attributes' ? { query: 'pmin=5&pmax=60' } : kind === 'create' ? { payload: new Uint8Array(0), contentFormat: 11542 } : {};
        const r = dm.handle({ kind, path, ...extra }, who[k as keyof typeof who]);
        assert.equal(r.code, code, `${op} by ${k}`);
        assert.ok(!leaks(r, host));
      }
    }
  });

  it('object-level read returns only the instances the server may read', () => {
    const dm = bootstrapped();
    const r = dm.handle({ kind: 'read', path: '/3303', accept: 110 }, server(101));
    assert.equal(r.code, C.Content);
    assert.equal(utf8Decode(r.payload!), '[{"bn":"/3303/","n":"0/5700","v":21.5},{"n":"0/5701","vs":"Cel"}]');
  });

  it('single-server rule: with one DM server and no ACL instance it has full access', () => {
    const dm = new DataModel();
    dm.register(specDevice());
    const temp = new TemperatureObject();
    dm.register(temp);
    temp.setValue(0, 5700, 20);
    dm.handle({ kind: 'bootstrap-write', path: '/1', payload: tlvInstance(dm, 1, 0, [[0, 7], [1, 60], [6, false], [7, 'U']]), contentFormat: 11542 }, BS);
    assert.equal(dm.handle({ kind: 'read', path: '/3303/0/5700' }, server(7)).code, C.Content);
    assert.equal(dm.handle({ kind: 'delete', path: '/3303/0' }, server(7)).code, C.Deleted);
    assert.equal(dm.handle({ kind: 'read', path: '/0' }, server(7)).code, C.Unauthorized, 'but never Object 0');
    assert.equal(dm.handle({ kind: 'read', path: '/3/0' }, server(8)).code, C.Unauthorized, 'unknown server');
  });

  it('create by a server in a multi-server setup makes it the Access Control Owner', () => {
    const dm = bootstrapped();
    const r = dm.handle({ kind: 'create', path: '/3303', payload: new Uint8Array(0), contentFormat: 11542 }, server(101));
    assert.equal(r.code, C.Created);
    assert.equal(r.location, '/3303/2');
    const aid = dm.accessControl.find(3303, 2)!;
    assert.equal(dm.accessControl.owner(aid), 101);
    assert.equal(dm.handle({ kind: 'read', path: '/3303/2' }, server(102)).code, C.Unauthorized);
  });
});

describe('lwm2m Security Object write validation', () => {
  const base = (dm: DataModel, extra: [number, unknown][]) =>
    tlvInstance(dm, 0, 9, [
      ...([[0, 'coaps://x.example'], [1, false], [2, 0], [3, utf8Encode('id')], [4, new Uint8Array(0)], [5, PSK_A.slice()], [10, 9]] as [number, never][]).filter(([rid]) => !extra.some(([x]) => x === rid)),
      ...(extra as [number, never][]),
    ]);
  const cases: [string, [number, unknown][], RegExp | null][] = [
    ['valid', [], null],
    ['mode 4 (EST)', [[2, 4]], null],
    ['mode 5', [[2, 5]], /Security Mode/],
    ['SSID 0', [[10, 0]], /Short Server ID/],
    ['SSID 65536', [[10, 65536]], /Short Server ID/],
    ['http URI', [[0, 'http://x.example']], /scheme/],
    ['URI of 256 bytes', [[0, 'coap://' + 'a'.repeat(249)]], /255/],
    ['sms URI', [[0, 'sms://+447700900123']], null],
    ['SMS mode 0 reserved', [[6, 0]], /reserved/],
    ['SMS mode 4 reserved', [[6, 4]], /reserved/],
    ['SMS mode 100 reserved', [[6, 100]], /reserved/],
    ['SMS mode 204 proprietary', [[6, 204]], null],
    ['SMS mode 256', [[6, 256]], /0-255/],
    ['key params 6 octets', [[7, Uint8Array.of(0x12, 0x12, 0x16, 0x21, 0xbf, 0xff)]], /7 octets/],
    ['key params single DES', [[7, Uint8Array.of(0x01, 0x12, 0x16, 0x21, 0xbf, 0xff, 0x00)]], /single DES/],
    ['key params 2-key 3DES KID', [[7, Uint8Array.of(0x12, 0x05, 0x16, 0x21, 0xbf, 0xff, 0x00)]], /2-key 3DES/],
    ['key params 3-key 3DES', [[7, Uint8Array.of(0x09, 0x09, 0x16, 0x21, 0xbf, 0xff, 0xff)]], null],
    ['key params TAR B2 02 03', [[7, Uint8Array.of(0x12, 0x12, 0x16, 0x21, 0xb2, 0x02, 0x03)]], null],
    ['key params TAR B2 02 04', [[7, Uint8Array.of(0x12, 0x12, 0x16, 0x21, 0xb2, 0x02, 0x04)]], /TAR/],
    ['key params TAR BF FE 00', [[7, Uint8Array.of(0x12, 0x12, 0x16, 0x21, 0xbf, 0xfe, 0x00)]], /TAR/],
    ['SMS keys 24 bytes', [[8, new Uint8Array(24).fill(0x5a)]], /16, 32 or 48/],
    ['SMS keys 48 bytes', [[8, new Uint8Array(48).fill(0x5a)]], null],
    ['PSK of 64 bytes', [[5, PSK_B.slice()]], null],
    ['identity of 128 bytes', [[3, new Uint8Array(128).fill(0x41)]], null],
  ];
  for (const [name, extra, problem] of cases) {
    it(`${problem ? 'refuses' : 'accepts'} ${name}`, () => {
      const host = new SimHost();
      const dm = bootstrapped({ host });
      const r = dm.handle({ kind: 'bootstrap-write', path: '/0', payload: base(dm, extra), contentFormat: 11542 }, BS);
      if (problem) {
        assert.equal(r.code, C.BadRequest, name);
        assert.equal(r.contentFormat, 0);
        assert.ok(problem.test(utf8Decode(r.payload!)), utf8Decode(r.payload!));
        assert.ok(!dm.security.has(9), 'nothing committed');
      } else assert.equal(r.code, C.Changed, r.payload ? utf8Decode(r.payload) : name);
      assert.ok(!leaks(r, host));
    });
  }
  it('Short Server ID is required when Bootstrap-Server is false', () => {
    const dm = bootstrapped();
    const p = tlvInstance(dm, 0, 9, [[0, 'coaps://x.example'], [1, false], [2, 3], [3, new Uint8Array(0)], [4, new Uint8Array(0)], [5, new Uint8Array(0)]]);
    const r = dm.handle({ kind: 'bootstrap-write', path: '/0', payload: p, contentFormat: 11542 }, BS);
    assert.equal(r.code, C.BadRequest);
    assert.ok(/required/.test(utf8Decode(r.payload!)));
  });
  it('replacing a Security instance wipes the old key in memory', () => {
    const dm = bootstrapped();
    const old = (dm.security.read(1)!.get(5) as Uint8Array);
    assert.hex(old, Array.from(PSK_B, (b) => b.toString(16).padStart(2, '0')).join(''));
    const r = dm.handle({ kind: 'bootstrap-write', path: '/0/1/5', payload: Uint8Array.of(1, 2, 3, 4), contentFormat: 42 }, BS);
    assert.equal(r.code, C.Changed);
    assert.ok(old.every((b) => b === 0), 'old PSK wiped');
    assert.hex(dm.secret(1, 5)!, '01020304');
  });
});

describe('lwm2m persistence', () => {
  it('Objects 0, 1 and 2 survive a reboot; Security records are named lwm2m.0*', () => {
    const store = new MemoryObjectStore();
    bootstrapped({ store });
    const names = [...store.records.keys()].sort();
    // Version 1 records: one per instance (slot a after its first commit) and the manifest.
    assert.ok(names.includes('lwm2m.0.1.a') && names.includes('lwm2m.cfg') && names.includes('lwm2m.2.3.a'), names.join(','));
    assert.deepEqual(names.filter((n) => n.startsWith('lwm2m.0.')), ['lwm2m.0.0.a', 'lwm2m.0.1.a', 'lwm2m.0.2.a', 'lwm2m.0.3.a']);
    const dm2 = new DataModel({ store });
    assert.equal(dm2.restore(), 4 + 3 + 4);
    assert.deepEqual(dm2.security.instanceIds(), [0, 1, 2, 3]);
    assert.hex(dm2.secret(3, 8)!, Array.from(SMS_KEYS, (b) => b.toString(16).padStart(2, '0')).join(''));
    assert.deepEqual(dm2.accessControl.acl(0), new Map([[101, 15], [102, 1]]));
    assert.equal(dm2.servers.instanceOf(103), 2);
  });
  it('deleting a Security instance wipes its secrets in memory and removes its record', () => {
    const store = new MemoryObjectStore();
    const dm = bootstrapped({ store });
    const inMemory = dm.security.read(3)!.get(8) as Uint8Array;
    const stored = store.records.get('lwm2m.0.3.a')!;
    assert.ok(containsBytes(stored, SMS_KEYS), 'the in-memory store holds the key before deletion');
    assert.equal(dm.handle({ kind: 'bootstrap-delete', path: '/0/3' }, BS).code, C.Deleted);
    assert.ok(inMemory.every((b) => b === 0), 'in-memory key wiped');
    assert.ok(stored.every((b) => b === 0), 'stored copy wiped by the store');
    assert.ok(!store.records.has('lwm2m.0.3.a') && !store.records.has('lwm2m.0.3.b'));
    for (const rec of store.records.values()) assert.ok(!containsBytes(rec, SMS_KEYS));
    const dm2 = new DataModel({ store });
    dm2.restore();
    assert.deepEqual(dm2.security.instanceIds(), [0, 1, 2]);
  });
});
