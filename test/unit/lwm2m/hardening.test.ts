/**
 * What a hostile server tried and the data model must refuse (issue 13): Lifetime values the Server object
 * does not allow, Write-Attributes that break Core §5.1.2, and deleting the Device instance.
 */
import { assert } from '../../harness/assert';
import { utf8Encode } from '../../../modules/bytes/index';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { bootstrapped, server, specDevice, BS, tlvInstance } from './fixtures';

const text = (s: string) => utf8Encode(s);

describe('lwm2m Server object: Lifetime and periods (RFC 9176 lt range, issue 13 item 1)', () => {
  const cases: [string, number][] = [
    ['0', 0x80],
    ['-1', 0x80],
    ['4294967296', 0x80],
    ['1', 0x44],
    ['3000000', 0x44],
    ['4294967295', 0x44],
  ];
  for (const [value, code] of cases) {
    it(`DM Write /1/0/1 = ${value} -> ${code === 0x44 ? '2.04' : '4.00'}`, () => {
      const dm = bootstrapped();
      const r = dm.handle({ kind: 'write', path: '/1/0/1', payload: text(value), contentFormat: ContentFormat.Text }, server(101));
      assert.equal(r.code, code);
      assert.equal(dm.servers.read(0)!.get(1), code === 0x44 ? Number(value) : 86400);
    });
  }
  it('Bootstrap-Write of a Server instance with Lifetime 0 is refused', () => {
    const dm = bootstrapped();
    const r = dm.handle({ kind: 'bootstrap-write', path: '/1/5', payload: tlvInstance(dm, 1, 5, [[0, 105], [1, 0], [6, true], [7, 'U']]), contentFormat: ContentFormat.Tlv }, BS);
    assert.equal(r.code, 0x80);
    assert.equal(dm.servers.has(5), false);
  });
  it('Default Minimum/Maximum Period must be 0..2^32-1', () => {
    const dm = bootstrapped();
    for (const [rid, v, code] of [[2, '-1', 0x80], [3, '-5', 0x80], [3, '4294967296', 0x80], [2, '10', 0x44], [3, '3000000', 0x44]] as [number, string, number][]) {
      const r = dm.handle({ kind: 'write', path: `/1/0/${rid}`, payload: text(v), contentFormat: ContentFormat.Text }, server(101));
      assert.equal(r.code, code, `/1/0/${rid} = ${v}`);
    }
  });
});

describe('lwm2m Write-Attributes validation (Core §5.1.2, issue 13 item 2)', () => {
  const refused = [
    'pmin=-1',
    'pmax=-1',
    'st=-1',
    'gt=10&lt=20',
    'gt=10&lt=10',
    'gt=30&lt=10&st=10',
    'gt=30&lt=10&st=15',
    'pmin=1.5',
    'pmax=2.0',
    'pmin=1&pmin=2',
    'st=1&st',
    'epmin=10&epmax=5',
    'pmin=20&pmax=10',
    'pmin=1e3',
    'pmax=4294967296',
    'gt=abc',
    'gt=',
    'pmin=+5',
  ];
  for (const q of refused) {
    it(`refuses ${q} with 4.00 and keeps the attributes unchanged`, () => {
      const dm = bootstrapped();
      const before = [...dm.effectiveAttributes(101, [3303, 0, 5700])];
      const r = dm.handle({ kind: 'write-attributes', path: '/3303/0/5700', query: q }, server(101));
      assert.equal(r.code, 0x80, q);
      assert.deepEqual([...dm.effectiveAttributes(101, [3303, 0, 5700])], before);
    });
  }
  const accepted = ['pmin=0', 'pmin=10&pmax=10', 'pmin=3000000&pmax=3000000', 'gt=30&lt=10&st=9.5', 'gt=-1.5&lt=-2.25', 'st=0.5', 'epmin=5&epmax=5', 'pmax=4294967295'];
  for (const q of accepted) {
    it(`accepts ${q}`, () => {
      const dm = bootstrapped();
      const r = dm.handle({ kind: 'write-attributes', path: '/3303/0/5700', query: q }, server(101));
      assert.equal(r.code, 0x44, q);
    });
  }
  it('checks the rules against the attributes already set: lt written after gt', () => {
    const dm = bootstrapped();
    assert.equal(dm.handle({ kind: 'write-attributes', path: '/3303/0/5700', query: 'gt=10' }, server(101)).code, 0x44);
    assert.equal(dm.handle({ kind: 'write-attributes', path: '/3303/0/5700', query: 'lt=15' }, server(101)).code, 0x80);
    assert.equal(dm.handle({ kind: 'write-attributes', path: '/3303/0/5700', query: 'pmax=5' }, server(101)).code, 0x44);
    assert.equal(dm.handle({ kind: 'write-attributes', path: '/3303/0/5700', query: 'pmin=6' }, server(101)).code, 0x80);
    assert.equal(dm.effectiveAttributes(101, [3303, 0, 5700]).get('lt'), undefined);
  });
});

describe('lwm2m Device instance /3/0 is never deleted (Core §6.1.7.6, §6.3.6, issue 13 item 3)', () => {
  function singleServer(): DataModel {
    // One DM server and no ACL instance: that server has every right, Delete included.
    const dm = new DataModel();
    dm.register(specDevice());
    const bw = (path: string, payload: Uint8Array) => assert.equal(dm.handle({ kind: 'bootstrap-write', path, payload, contentFormat: ContentFormat.Tlv }, BS).code, 0x44);
    bw('/0', tlvInstance(dm, 0, 1, [[0, 'coap://dm.example.com'], [1, false], [2, 3], [3, new Uint8Array(0)], [4, new Uint8Array(0)], [5, new Uint8Array(0)], [10, 101]]));
    bw('/1', tlvInstance(dm, 1, 0, [[0, 101], [1, 300], [6, true], [7, 'U']]));
    return dm;
  }
  it('a DM Delete of /3/0 by a server with full rights gets 4.05 and the instance stays', () => {
    const dm = singleServer();
    const r = dm.handle({ kind: 'delete', path: '/3/0' }, server(101));
    assert.equal(r.code, 0x85);
    assert.equal(dm.object(3)!.has(0), true);
  });
  it('a Bootstrap-Delete of /3/0 gets 4.00 and the instance stays; "/" and "/3" leave it too', () => {
    const dm = bootstrapped();
    assert.equal(dm.handle({ kind: 'bootstrap-delete', path: '/3/0' }, BS).code, 0x80);
    assert.equal(dm.object(3)!.has(0), true);
    assert.equal(dm.handle({ kind: 'bootstrap-delete', path: '/3' }, BS).code, 0x42);
    assert.equal(dm.handle({ kind: 'bootstrap-delete', path: '/' }, BS).code, 0x42);
    assert.equal(dm.object(3)!.has(0), true);
  });
});

describe('lwm2m request bodies and Execute arguments (issue 13 item 6)', () => {
  it('a SenML CBOR write using a CBOR tag or an indefinite length gets 4.00, not 4.06', () => {
    const dm = bootstrapped();
    // [{0: "/3303/0/5750", 3: "indoor"}] with the map wrapped in tag 6 (a tag we do not accept)
    const name = [0x6c, ...utf8Encode('/3303/0/5750')];
    const value = [0x66, ...utf8Encode('indoor')];
    const tagged = Uint8Array.of(0x81, 0xc6, 0xa2, 0x00, ...name, 0x03, ...value);
    const indefinite = Uint8Array.of(0x9f, 0xa2, 0x00, ...name, 0x03, ...value, 0xff);
    for (const payload of [tagged, indefinite]) {
      const r = dm.handle({ kind: 'write-partial', path: '/3303/0', payload, contentFormat: ContentFormat.SenmlCbor }, server(101));
      assert.equal(r.code, 0x80);
    }
    // The same pack without the unsupported feature is accepted: the refusal is about the feature.
    const plain = Uint8Array.of(0x81, 0xa2, 0x00, ...name, 0x03, ...value);
    assert.equal(dm.handle({ kind: 'write-partial', path: '/3303/0', payload: plain, contentFormat: ContentFormat.SenmlCbor }, server(101)).code, 0x44);
    assert.equal(dm.object(3303)!.read(0)!.get(5750), 'indoor');
  });
  it('a SenML JSON write with a must-understand label gets 4.00', () => {
    const dm = bootstrapped();
    const r = dm.handle({ kind: 'write-partial', path: '/3303/0', payload: text('[{"n":"/3303/0/5750","vs":"indoor","x_":1}]'), contentFormat: ContentFormat.SenmlJson }, server(101));
    assert.equal(r.code, 0x80);
  });
  const good = ['', '5', "0='x'", "0,1='a!b#c'", "1='',2", "9='~'"];
  const bad = ['a', '10', "0=x", "0='a b'", "0='a\"b'", "0='it''s'", '0,', ',0', "0='x", '0;1', ' 0', "0='é'"];
  for (const args of good) {
    it(`Execute with arguments ${JSON.stringify(args)} runs`, () => {
      const dm = bootstrapped();
      const r = dm.handle({ kind: 'execute', path: '/3303/0/5605', payload: text(args) }, server(101));
      assert.equal(r.code, 0x44);
    });
  }
  for (const args of bad) {
    it(`Execute with arguments ${JSON.stringify(args)} gets 4.00 and does not run`, () => {
      const dm = bootstrapped();
      const before = dm.object(3303)!.read(0)!.get(5601);
      const r = dm.handle({ kind: 'execute', path: '/3303/0/5605', payload: text(args) }, server(101));
      assert.equal(r.code, 0x80);
      assert.equal(dm.object(3303)!.read(0)!.get(5601), before);
    });
  }
});
