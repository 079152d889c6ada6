import { assert } from '../../harness/assert';
import { ReplayWindow } from '../../../modules/dtls/replay';
import { parseRecords, marshalRecord } from '../../../modules/dtls/record';
import { ContentType } from '../../../modules/dtls/constants';
import { rig, handshake, BARE, text, setFilter } from './fixtures';
import { fromHex } from '../../../modules/bytes/index';
import { pskPremasterSecret } from '../../../modules/dtls/keys';

describe('DTLS record layer (RFC 6347 §4.1)', () => {
  it('parses the 13-byte header: type, version, epoch, 48-bit sequence, length', () => {
    const d = fromHex('17 fefd 0001 123456789abc 0003 aabbcc');
    const [r] = parseRecords(d);
    assert.equal(r.type, 23);
    assert.equal(r.version, 0xfefd);
    assert.equal(r.epoch, 1);
    assert.equal(r.sequence, 0x123456789abc);
    assert.hex(r.fragment, 'aabbcc');
    assert.hex(marshalRecord(ContentType.application_data, 1, 0x123456789abc, fromHex('aabbcc')), '17fefd0001123456789abc0003aabbcc');
  });
  it('splits several records in one datagram and stops at a truncated one', () => {
    const a = marshalRecord(ContentType.handshake, 0, 1, fromHex('01'));
    const b = marshalRecord(ContentType.alert, 0, 2, fromHex('0100'));
    const c = marshalRecord(ContentType.handshake, 0, 3, fromHex('0102030405'));
    const d = new Uint8Array([...a, ...b, ...c.subarray(0, c.length - 1)]);
    const recs = parseRecords(d);
    assert.equal(recs.length, 2);
    assert.deepEqual(recs.map((r) => r.sequence), [1, 2]);
  });
  it('skips records of unknown type or version', () => {
    const bad = fromHex('63 fefd 0000 000000000001 0001 00');
    const badVer = fromHex('16 0303 0000 000000000002 0001 00');
    const ok = marshalRecord(ContentType.handshake, 0, 3, fromHex('01'));
    assert.equal(parseRecords(new Uint8Array([...bad, ...badVer, ...ok])).length, 1);
  });
  it('PSK premaster secret layout (RFC 4279 §2): uint16 N, N zeros, uint16 N, psk', () => {
    assert.hex(pskPremasterSecret(fromHex('0a0b0c')), '0003 000000 0003 0a0b0c');
  });
});

describe('anti-replay window (RFC 6347 §4.1.2.6, 64 entries)', () => {
  it('accepts new numbers, rejects duplicates and anything 64 or more behind the highest', () => {
    const w = new ReplayWindow();
    for (const s of [0, 1, 5, 3]) {
      assert.ok(w.check(s));
      w.accept(s);
    }
    assert.ok(!w.check(3));
    assert.ok(!w.check(5));
    assert.ok(w.check(2));
    w.accept(100);
    assert.ok(!w.check(36), '100 - 64');
    assert.ok(w.check(37), '100 - 63');
    assert.ok(!w.check(100));
    w.accept(37);
    assert.ok(!w.check(37));
    w.accept(0x7fffffffffff);
    assert.ok(!w.check(100));
    assert.ok(w.check(0x7fffffffffff - 1));
  });
  it('bits survive a shift of exactly 32 and of more than 32', () => {
    const w = new ReplayWindow();
    w.accept(10);
    w.accept(42); // shift 32
    assert.ok(!w.check(10));
    assert.ok(w.check(11));
    w.accept(80); // shift 38: 42 is 38 behind, 10 is 70 behind (out)
    assert.ok(!w.check(42));
    assert.ok(!w.check(10));
    assert.ok(w.check(43));
  });
});

describe('DTLS record protection on an established connection', () => {
  async function established() {
    const r = rig(BARE);
    await handshake(r);
    const conn = r.serverConn()!;
    const got: string[] = [];
    conn.onReceive = (d) => got.push(String.fromCharCode(...d));
    const before = r.pipe.sent.length;
    r.client.send(text('record'));
    r.host.clock.runAll();
    const record = r.pipe.sent[before].data;
    return { r, conn, got, record };
  }
  it('drops a tampered record silently (every byte of the protected part)', async () => {
    const { conn, got, record } = await established();
    const dropped0 = conn.stats.droppedRecords;
    for (let i = 0; i < record.length; i++) {
      const t = record.slice();
      t[i] ^= 0x01;
      conn.receiveDatagram(t);
    }
    assert.deepEqual(got, ['record']);
    assert.ok(conn.stats.droppedRecords - dropped0 >= record.length - 13, 'every tampered copy dropped');
    assert.equal(conn.state, 'established');
  });
  it('drops every single-bit change of a protected record, the header included (the version too: FD -> FF is DTLS 1.0)', async () => {
    const { r, conn, got } = await established();
    // A second record the server has not seen yet (held back), so the replay window cannot be what drops the copies.
    setFilter(r, () => 'drop');
    const before = r.pipe.sent.length;
    r.client.send(text('held'));
    r.host.clock.runAll();
    const held = r.pipe.sent[before].data;
    for (let i = 0; i < held.length; i++) {
      for (let b = 0; b < 8; b++) {
        const t = held.slice();
        t[i] ^= 1 << b;
        conn.receiveDatagram(t);
      }
    }
    assert.deepEqual(got, ['record'], 'no altered copy was delivered');
    conn.receiveDatagram(held);
    assert.deepEqual(got, ['record', 'held'], 'the unaltered record is delivered');
    assert.equal(conn.state, 'established');
  });
  it('drops a replayed record', async () => {
    const { conn, got, record } = await established();
    conn.receiveDatagram(record);
    conn.receiveDatagram(record);
    assert.deepEqual(got, ['record']);
    assert.equal(conn.state, 'established');
  });
  it('drops truncated records', async () => {
    const { conn, got, record } = await established();
    for (let n = 0; n < record.length; n++) conn.receiveDatagram(record.subarray(0, n));
    // a record whose length field is shortened (still a valid header) fails authentication
    const short = record.slice(0, record.length - 1);
    short[12] -= 1;
    conn.receiveDatagram(short);
    assert.deepEqual(got, ['record']);
    assert.equal(conn.state, 'established');
  });
  it('ignores unprotected (epoch 0) alerts once established', async () => {
    const { conn } = await established();
    conn.receiveDatagram(marshalRecord(ContentType.alert, 0, 99, fromHex('0228')));
    assert.equal(conn.state, 'established');
  });
  it('a protected fatal alert from the peer closes with a typed error', async () => {
    const { r } = await established();
    let reason: unknown = 'open';
    r.client.onClose = (e) => (reason = e);
    r.serverConn()!.close();
    r.host.clock.runAll();
    assert.equal(reason, null, 'close_notify is a clean close');
    assert.equal(r.client.state, 'closed');
  });
});
