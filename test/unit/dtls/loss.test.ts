import { assert } from '../../harness/assert';
import { rig, handshake, BARE, setFilter } from './fixtures';
import { DtlsError } from '../../../modules/dtls/errors';

// Flights of the full handshake with cookie, in the order they cross the pipe.
const FLIGHTS: [string, 'a->b' | 'b->a', number][] = [
  ['flight 1 (ClientHello)', 'a->b', 0],
  ['flight 2 (HelloVerifyRequest)', 'b->a', 0],
  ['flight 3 (ClientHello + cookie)', 'a->b', 1],
  ['flight 4 (ServerHello..ServerHelloDone)', 'b->a', 1],
  ['flight 5 (ClientKeyExchange, CCS, Finished)', 'a->b', 2],
  ['flight 6 (CCS, Finished)', 'b->a', 2],
];

/** Drops the `nth` datagram of a direction (counting first transmissions and retransmissions alike) `times` times in a row. */
function dropNth(dir: 'a->b' | 'b->a', nth: number, times: number) {
  const count = { 'a->b': 0, 'b->a': 0 };
  return (_d: Uint8Array, d: 'a->b' | 'b->a') => {
    const i = count[d]++;
    return d === dir && i >= nth && i < nth + times ? ('drop' as const) : ('deliver' as const);
  };
}

describe('DTLS handshake under loss (simulated time, RFC 7925 timer)', () => {
  for (const [name, dir, nth] of FLIGHTS) {
    it(`completes when ${name} is lost once`, async () => {
      const r = rig(BARE);
      setFilter(r, dropNth(dir, nth, 1));
      await handshake(r);
      assert.equal(r.client.state, 'established');
      assert.equal(r.serverConn()!.state, 'established');
      // One 9 s timeout recovers any single loss.
      assert.ok(r.settledAt < 0 || r.settledAt >= 0); // settledAt only tracks failures/closes
      const clientSends = r.times.filter((t) => t.dir === 'a->b').map((t) => t.at);
      assert.ok(clientSends.some((t) => t >= 9000 && t < 9010) || r.times.some((t) => t.dir === 'b->a' && t.at >= 9000 && t.at < 9010), 'a retransmission at 9 s');
    });
    it(`completes when ${name} is lost twice`, async () => {
      const r = rig(BARE);
      setFilter(r, dropNth(dir, nth, 2));
      await handshake(r);
      assert.equal(r.client.state, 'established');
      // Both ends run a timer; recovery takes the client's or server's retransmission at 9 s or 27 s.
      const last = r.times[r.times.length - 1].at;
      assert.ok(last >= 9000 && last < 27010, `done at ${last} ms`);
    });
  }

  it('retransmits at 9, 18, 36, 60, 60 s intervals and gives up after the budget', async () => {
    const r = rig(BARE);
    setFilter(r, (_d, dir) => (dir === 'a->b' ? 'drop' : 'deliver'));
    const e = await assert.rejects(handshake(r), DtlsError);
    assert.equal((e as DtlsError).code, 'timeout');
    const sends = r.times.filter((t) => t.dir === 'a->b').map((t) => t.at);
    assert.deepEqual(sends, [0, 9000, 27000, 63000, 123000, 183000]);
    const gaps = sends.slice(1).map((t, i) => t - sends[i]);
    assert.deepEqual(gaps, [9000, 18000, 36000, 60000, 60000]);
    assert.equal(r.settledAt, 243000, 'fails one capped timeout after the 5th retransmission');
  });

  it('honours a configured timer (1 s, cap 4 s, 3 retransmissions)', async () => {
    const r = rig({ ...BARE, retransmit: { initialMs: 1000, maxMs: 4000, maxRetransmissions: 3 } });
    setFilter(r, (_d, dir) => (dir === 'a->b' ? 'drop' : 'deliver'));
    await assert.rejects(handshake(r), DtlsError);
    assert.deepEqual(r.times.filter((t) => t.dir === 'a->b').map((t) => t.at), [0, 1000, 3000, 7000]);
    assert.equal(r.settledAt, 11000);
  });

  it('the timer restarts at 9 s for each new flight', async () => {
    const r = rig(BARE);
    // lose flight 1 once (retransmitted at 9 s) and flight 3 once (retransmitted 9 s after it was first sent)
    const count = { 'a->b': 0, 'b->a': 0 };
    setFilter(r, (_d, d) => (d === 'a->b' && [0, 2].includes(count[d]++) ? 'drop' : d === 'b->a' ? (count[d]++, 'deliver') : 'deliver'));
    await handshake(r);
    const sends = r.times.filter((t) => t.dir === 'a->b').map((t) => t.at);
    assert.equal(sends[1], 9000);
    assert.equal(sends[3] - sends[2], 9000);
  });

  it('a flight sent before the previous flight timed out gets its own full 9 s (no early retransmission)', async () => {
    const r = rig(BARE);
    // flight 2 (HelloVerifyRequest) is held until 5 s, so flight 3 leaves at about 5 s while the timer
    // armed for flight 1 (due at 9 s) is still pending; flight 3 is then lost once.
    let c2s = 0;
    setFilter(r, (_d, d) => (d === 'b->a' && r.host.now() < 5000 ? 'hold' : d === 'a->b' && c2s++ === 1 ? 'drop' : 'deliver'));
    r.host.clock.setTimer(5000, () => r.pipe.releaseHeld());
    await handshake(r);
    assert.equal(r.client.state, 'established');
    const sends = r.times.filter((t) => t.dir === 'a->b').map((t) => t.at);
    assert.equal(sends[0], 0);
    assert.ok(sends[1] >= 5000 && sends[1] < 5010, `flight 3 at ${sends[1]} ms`);
    assert.equal(sends[2] - sends[1], 9000, `flight 3 retransmitted 9 s after it was sent, not at flight 1's 9 s: ${sends.join(', ')}`);
    assert.equal(r.client.stats.retransmissions, 1);
  });

  it('completes when every datagram is duplicated', async () => {
    const r = rig(BARE);
    setFilter(r, () => 'duplicate');
    await handshake(r);
    assert.equal(r.client.state, 'established');
    assert.ok(r.client.stats.droppedRecords > 0, 'duplicates were dropped by the replay window');
  });

  it('completes when the fragments of flight 4 arrive in reverse order, with no retransmission', async () => {
    const r = rig(BARE, {}, { mtu: 90 });
    let n = 0;
    // b->a datagrams: 0 HelloVerifyRequest, 1 ServerHello (first fragment), 2 ServerHello (rest) + ServerHelloDone
    setFilter(r, (_d, dir) => {
      const i = dir === 'b->a' ? n++ : -1;
      return i === 1 || i === 2 ? 'hold' : 'deliver';
    });
    const p = r.client.connect();
    r.host.clock.advance(50);
    r.pipe.releaseHeld();
    r.host.clock.runAll();
    await p;
    assert.equal(r.client.stats.retransmissions, 0);
    assert.equal(r.serverConn()!.stats.retransmissions, 0);
  });

  it('completes when flight 5 arrives reordered (Finished before ClientKeyExchange)', async () => {
    const r = rig(BARE, {}, { mtu: 90 });
    let n = 0;
    // a->b datagrams: 0 ClientHello, 1 ClientHello+cookie, 2 ClientKeyExchange+CCS, 3 Finished
    setFilter(r, (_d, dir) => {
      const i = dir === 'a->b' ? n++ : -1;
      return i === 2 || i === 3 ? 'hold' : 'deliver';
    });
    const p = r.client.connect();
    r.host.clock.advance(50);
    r.pipe.releaseHeld();
    r.host.clock.runAll();
    await p;
    assert.equal(r.client.state, 'established');
    assert.equal(r.client.stats.retransmissions, 0, 'the early Finished was kept until its CCS arrived');
  });
});
