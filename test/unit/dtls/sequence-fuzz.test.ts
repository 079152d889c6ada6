/**
 * The DTLS message-sequence fuzzer (./sequence-fuzz.ts), CI-sized, plus the replay of every kept input
 * (test/corpus/dtls-sequence) and every single-step skip. `npm run fuzz` runs it longer.
 */
import { assert } from '../../harness/assert';
import { fuzzDtlsSequences, runSeqCase, type SeqCase, type SeqSkip } from './sequence-fuzz';
import { CORPUS } from '../../corpus/dtls-sequence/index';
import { rig, handshake, BARE, setFilter } from './fixtures';

describe('DTLS handshake under message-sequence fuzzing', function () {
  this.timeout(120_000);

  it(`replays the kept corpus (${CORPUS.length} inputs): no invariant broken`, async () => {
    assert.ok(CORPUS.length >= 5, 'corpus present');
    for (const { file, value } of CORPUS) {
      const o = await runSeqCase(value as SeqCase);
      assert.equal(o.violation, null, `${file}: ${o.violation}`);
    }
  });

  it('200 seeded sequences: settle in bounded time, typed errors only, peers agree when established', async () => {
    const r = await fuzzDtlsSequences(7, 200);
    assert.equal(r.violations.length, 0, JSON.stringify(r.violations.slice(0, 2)));
    assert.equal(r.cases, 200);
    assert.ok(r.established > 50, `only ${r.established} established: the perturbations break everything`);
    assert.ok(r.failedTyped > 5, `only ${r.failedTyped} typed failures: the perturbations are too gentle`);
    assert.ok(r.skipped > 5, `only ${r.skipped} cases had a step removed`);
  });

  const steps: [string, SeqSkip][] = [
    ['HelloVerifyRequest', { dir: 'b->a', contentType: 22, hsType: 3, epoch: 0 }],
    ['ServerHello', { dir: 'b->a', contentType: 22, hsType: 2, epoch: 0 }],
    ['ServerKeyExchange', { dir: 'b->a', contentType: 22, hsType: 12, epoch: 0 }],
    ['ServerHelloDone', { dir: 'b->a', contentType: 22, hsType: 14, epoch: 0 }],
    ['server ChangeCipherSpec', { dir: 'b->a', contentType: 20, hsType: -1, epoch: 0 }],
    ['server Finished', { dir: 'b->a', contentType: 22, hsType: -1, epoch: 1 }],
    ['ClientKeyExchange', { dir: 'a->b', contentType: 22, hsType: 16, epoch: 0 }],
    ['client ChangeCipherSpec', { dir: 'a->b', contentType: 20, hsType: -1, epoch: 0 }],
    ['client Finished', { dir: 'a->b', contentType: 22, hsType: -1, epoch: 1 }],
  ];
  for (const suite of ['psk', 'ecdhe-psk'] as const) {
    for (const resume of [false, true]) {
      it(`${suite}${resume ? ', resumed' : ''}: removing any one handshake step never leaves its receiver established`, async () => {
        let removed = 0;
        for (const [name, skip] of steps) {
          const o = await runSeqCase({ seed: 11, suite, resume, ops: [], skip });
          assert.equal(o.violation, null, `${name}: ${o.violation}`);
          if (o.skipApplied) {
            removed++;
            if (skip.dir === 'b->a') assert.equal(o.established, false, `${name} removed, client established`);
            else assert.ok(o.error !== null || o.established, `${name}: the client settled`);
          }
        }
        // Full: HVR, SH, SHD, CCS, Fin both ways, CKE (+ SKE for ECDHE-PSK); resumed: HVR, SH, CCS and Finished both ways.
        assert.ok(removed >= (resume ? 5 : suite === 'psk' ? 8 : 9), `only ${removed} steps existed to remove`);
      });
    }
  }

  it('a late copy of the cookie-carrying ClientHello does not tear down the established server connection', async () => {
    const r = rig(BARE);
    let ch2: Uint8Array | null = null;
    setFilter(r, (d, dir) => {
      if (dir === 'a->b' && d[0] === 22 && d[13] === 1 && !ch2 && r.times.filter((t) => t.dir === 'a->b').length === 2) ch2 = d.slice();
      return 'deliver';
    });
    await handshake(r);
    assert.ok(ch2, 'captured the second ClientHello');
    const conn = r.serverConn()!;
    assert.equal(conn.state, 'established');
    r.pipe.b.onReceive?.(ch2!);
    r.host.clock.runAll();
    assert.equal(conn.state, 'established', 'the late ClientHello closed the connection');
    assert.equal(r.client.state, 'established');
  });
});

describe('DTLS epoch-0 records and the replay window (RFC 6347 §4.1.2.6)', function () {
  this.timeout(60_000);

  // Kept input test/corpus/dtls-sequence/seed-201289: an on-path copy of an epoch-0 record whose sequence number
  // was raised must not move the receiver's window past the records that follow (the CCS), since epoch 0 carries
  // no MAC and the window may only move on an authenticated record.
  for (const suite of ['psk', 'ecdhe-psk'] as const) {
    it(`${suite}: a forged epoch-0 record with a far-ahead sequence number does not stop the handshake`, async () => {
      const r = rig({ ...BARE, cipherSuites: [suite === 'psk' ? 0xc0a8 : 0xc037] }, { cipherSuites: [0xc0a8, 0xc037] });
      let upCount = 0;
      let injected = 0;
      setFilter(r, (d, dir) => {
        if (dir === 'a->b') {
          upCount++;
          // Just before the client's key-exchange flight (ClientKeyExchange, CCS, Finished) reaches the server, a
          // copy of its first record with the sequence number raised to 2^40 does.
          if (upCount === 3 && d[0] === 22) {
            const forged = d.slice(0, 13 + ((d[11] << 8) | d[12]));
            forged[5] = 0x01; // sequence_number high byte: 2^40
            r.host.clock.setTimer(0, () => {
              injected++;
              r.pipe.b.onReceive?.(forged);
            });
          }
        }
        return 'deliver';
      });
      await handshake(r);
      assert.equal(injected, 1, 'the forged record was delivered');
      assert.equal(r.client.state, 'established');
      assert.equal(r.serverConn()?.state, 'established');
    });
  }
});
