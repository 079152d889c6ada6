import { assert } from '../../harness/assert';
import { fromHex, utf8Encode } from '../../../modules/bytes/index';
import { Prng, SimClock, SimHost } from '../../harness/sim';
import { Reassembler, splitForConcatenation } from '../../../modules/sms/concat';
import { decodeDeliver, encodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { decodeSubmit } from '../../../modules/sms/tpdu-submit';
import { parseNumber } from '../../../modules/sms/address';
import { SmsSecurityPolicy } from '../../../modules/sms/policy';
import { SecureSmsLink } from '../../../modules/sms/link';
import { MemoryCounters } from './memory-counters';

const udh = { elements: [] };

describe('concatenation (§9.2.3.24.1) and reassembly', () => {
  it('splits with 132 octets in segment 1 (concat + IE 70) and 134 after, max 140 per SMS', () => {
    const body = new Uint8Array(300).map((_, i) => i);
    const plan = splitForConcatenation(body, { reference: 9, firstElements: [{ iei: 0x70, data: new Uint8Array(0) }] });
    assert.deepEqual(plan.map((p) => p.payload.length), [132, 134, 34]);
    assert.hex(plan[0].elements[0].data, '090301');
    assert.equal(plan[0].elements[1].iei, 0x70);
    assert.equal(plan[1].elements.length, 1);
    assert.equal(splitForConcatenation(new Uint8Array(137), { reference: 1, firstElements: [{ iei: 0x70, data: new Uint8Array(0) }] }).length, 1);
  });
  it('reassembles out of order and drops duplicates and conflicting copies', () => {
    const clock = new SimClock();
    const r = new Reassembler(() => clock.now());
    assert.deepEqual(r.add('a', { reference: 1, wide: false, total: 3, sequence: 3 }, udh, fromHex('05')), { kind: 'pending' });
    assert.deepEqual(r.add('a', { reference: 1, wide: false, total: 3, sequence: 1 }, udh, fromHex('0102')), { kind: 'pending' });
    assert.deepEqual(r.add('a', { reference: 1, wide: false, total: 3, sequence: 1 }, udh, fromHex('0102')), { kind: 'dropped', reason: 'duplicate' });
    assert.deepEqual(r.add('a', { reference: 1, wide: false, total: 3, sequence: 3 }, udh, fromHex('06')), { kind: 'dropped', reason: 'conflict' });
    const done = r.add('a', { reference: 1, wide: false, total: 3, sequence: 2 }, udh, fromHex('0304'));
    assert.ok(done.kind === 'complete');
    assert.hex(done.body, '0102030405');
    assert.equal(r.pending, 0);
    assert.equal(r.bufferedOctets, 0);
  });
  it('times out on the Host clock, caps partials, segments and buffered octets', () => {
    const clock = new SimClock();
    const r = new Reassembler(() => clock.now(), { timeoutMs: 1000, maxPartials: 2, maxSegments: 4, maxBufferedOctets: 300 });
    r.add('a', { reference: 1, wide: false, total: 2, sequence: 1 }, udh, new Uint8Array(10));
    clock.advance(1000);
    assert.equal(r.expire(), 1);
    assert.equal(r.drops.expired, 1);
    assert.deepEqual(r.add('a', { reference: 2, wide: false, total: 5, sequence: 1 }, udh, new Uint8Array(1)), { kind: 'dropped', reason: 'too-many-segments' });
    for (let ref = 0; ref < 5; ref++) r.add('a', { reference: ref, wide: false, total: 2, sequence: 1 }, udh, new Uint8Array(100));
    assert.ok(r.pending <= 2 && r.bufferedOctets <= 300);
    assert.equal(r.drops.evicted, 3);
  });
  it('a hostile flood of random headers never holds more than the caps', () => {
    const prng = new Prng(7);
    const clock = new SimClock();
    const r = new Reassembler(() => clock.now());
    for (let i = 0; i < 3000; i++) {
      const total = 1 + prng.int(255);
      const res = r.add(prng.pick(['a', 'b']), { reference: prng.int(4), wide: prng.int(2) === 1, total, sequence: 1 + prng.int(total) }, udh, prng.bytes(prng.int(140)));
      assert.ok(res.kind !== 'complete' || res.body.length <= 4096);
      assert.ok(r.pending <= 4 && r.bufferedOctets <= 4096);
      clock.advance(prng.int(1000));
    }
  });
});

describe('SecureSmsLink: payload <-> SMS-SUBMIT / SMS-DELIVER TPDUs', () => {
  const KEYS = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const SERVER = '+447700900123';
  const mk = (host: SimHost) => new SecureSmsLink({
    policy: new SmsSecurityPolicy({ keyParameters: fromHex('1212 1621 bfff00'), secretKeys: KEYS, serverNumber: SERVER, counters: new MemoryCounters(), crypto: host.crypto }),
    host, serverNumber: SERVER,
  });
  // the server side: turn our SUBMITs into the DELIVERs the network would hand the peer
  const toDeliver = (submit: Uint8Array) => {
    const s = decodeSubmit(submit);
    return encodeDeliver({ originator: parseNumber(SERVER), pid: s.pid, dcs: s.dcs, timestamp: { year: 26, month: 1, day: 1, hour: 0, minute: 0, second: 0, tzQuarterHours: 0 }, elements: s.userData.udh!.elements, payload: s.userData.payload });
  };
  it('a 400-octet payload goes out as 4 class-1 TP-PID 7D SUBMITs and comes back through reassembly', () => {
    const host = new SimHost({ seed: 3 });
    const a = mk(host), b = mk(host);
    const payload = new Uint8Array(400).map((_, i) => i * 7);
    const tpdus = a.send(payload);
    assert.equal(tpdus.length, 4);
    for (const t of tpdus) {
      const s = decodeSubmit(t);
      assert.equal(s.pid, 0x7d);
      assert.equal(s.dcs, 0xf5);
      assert.ok(s.userData.raw.length <= 140);
    }
    const delivers = tpdus.map(toDeliver).reverse();
    const results = delivers.map((d) => b.receive(d, false));
    assert.deepEqual(results.slice(0, 3).map((r) => r.kind), ['pending', 'pending', 'pending']);
    const last = results[3];
    assert.ok(last.kind === 'device');
    assert.deepEqual(last.data, payload);
    // replaying the whole message is dropped silently
    const again = delivers.map((d) => b.receive(d, false));
    assert.deepEqual(again[3], { kind: 'dropped', reason: 'replay' });
    // segments from any other number are dropped before they can occupy the reassembler
    const spoofed = tpdus.map((t) => {
      const s = decodeSubmit(t);
      return encodeDeliver({ originator: parseNumber('+447700900999'), pid: s.pid, dcs: s.dcs, timestamp: { year: 26, month: 1, day: 1, hour: 0, minute: 0, second: 0, tzQuarterHours: 0 }, elements: s.userData.udh!.elements, payload: s.userData.payload });
    });
    for (const d of spoofed) assert.deepEqual(b.receive(d, false), { kind: 'dropped', reason: 'originator' });
  });
  it('routes class 2 / TP-PID 7F to the UICC unchanged and drops plain SMS', () => {
    const host = new SimHost({ seed: 4 });
    const link = mk(host);
    const ts = { year: 26, month: 1, day: 1, hour: 0, minute: 0, second: 0, tzQuarterHours: 0 };
    const uicc = encodeDeliver({ originator: parseNumber('+33600000000'), pid: 0x7f, dcs: 0xf6, timestamp: ts, elements: [{ iei: 0x70, data: new Uint8Array(0) }], payload: fromHex('0001') });
    const r = link.receive(uicc, false);
    assert.ok(r.kind === 'uicc');
    assert.deepEqual(r.tpdu, uicc);
    const plain = encodeDeliver({ originator: parseNumber(SERVER), pid: 0, dcs: 0x04, timestamp: ts, payload: utf8Encode('hi') });
    assert.deepEqual(link.receive(plain, false), { kind: 'dropped', reason: 'not-secured-sms' });
    assert.deepEqual(link.receive(fromHex('00'), true), { kind: 'dropped', reason: 'malformed' });
    assert.equal(decodeDeliver(uicc).pid, 0x7f);
  });
});
