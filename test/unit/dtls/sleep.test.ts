/**
 * A DTLS connection that survives deep sleep: sealed in the KeyStore with its write sequence numbers from the
 * CounterStore, woken with no handshake (the first datagram is an application record), no close_notify on sleep,
 * fallback to resumption and then a full handshake when the server has forgotten; and power cuts at every flash
 * operation while sealing and waking never reuse a sequence number (so never a CCM nonce) nor restore a torn state.
 */
import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { rig, handshake, text, type Rig } from './fixtures';
import { toHex } from '../../../modules/bytes/index';
import { ContentType } from '../../../modules/dtls/constants';
import { DtlsClient } from '../../../modules/dtls/client';
import { parseRecords } from '../../../modules/dtls/record';
import { importSession } from '../../../modules/dtls/session';
import { sleepInto, takeSleepState, type SleepStore } from '../../../modules/dtls/sleep';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { PowerCut, SimFlash } from '../../../modules/store/sim-flash';
import type { DtlsServerConnection } from '../../../modules/dtls/server';

const SECRET = new Uint8Array(32).fill(0x5a);
const NAME = 'dtls.sleep.1';

function stores(seed: number, kf = new SimFlash(4 * 1024, 1024, seed), cf = new SimFlash(2 * 1024, 1024, seed)) {
  const h = new SimHost({ seed, deviceSecret: SECRET });
  return { kf, cf, store: { keys: new KeyStore(h, kf), counters: new CounterStore(h, cf, { reserve: 8 }) } as SleepStore };
}

/** Every datagram the server receives arrives from `from.peer` (a NAT may change it while the device sleeps). */
function movable(r: Rig): { peer: string } {
  const from = { peer: 'peer' };
  r.pipe.b.onReceive = (d) => r.server.handle(d, from.peer, (x) => r.pipe.b.send(x));
  return from;
}

function wake(r: Rig, store: SleepStore): DtlsClient | null {
  const w = takeSleepState(store, NAME);
  return w ? new DtlsClient(r.host, r.pipe.a, { wake: w }) : null;
}

/** Sequence numbers of the client's epoch-1 records seen on the wire. */
function clientSeqs(r: Rig, from = 0): number[] {
  const out: number[] = [];
  for (const s of r.pipe.sent.slice(from)) if (s.direction === 'a->b') for (const rec of parseRecords(s.data, 4)) if (rec.epoch === 1) out.push(rec.sequence);
  return out;
}

describe('DTLS sleeping connection (sealed state + durable sequence numbers)', () => {
  it('sleeps without a datagram, wakes with an application record: 2 datagrams for a request/response, zero handshake bytes', async () => {
    const r = rig({ connectionId: new Uint8Array(0) }, { connectionIdLength: 4 });
    const from = movable(r);
    await handshake(r);
    const conn = r.server.connection('peer') as DtlsServerConnection;
    const { store } = stores(1);
    const sentBefore = r.pipe.sent.length;
    assert.equal(sleepInto(r.client, store, NAME), true);
    r.host.clock.runAll();
    assert.equal(r.pipe.sent.length, sentBefore, 'nothing sent on sleep (no close_notify)');
    assert.equal(conn.state, 'established', 'the server keeps the connection');
    // An hour later, through a new NAT mapping.
    r.host.clock.advance(3600_000);
    from.peer = '198.51.100.9:50000';
    const woken = wake(r, store)!;
    assert.ok(woken && woken.state === 'established' && woken.woken);
    const atServer: string[] = [];
    const atClient: string[] = [];
    conn.onReceive = (d) => {
      atServer.push(String.fromCharCode(...d));
      conn.send(text('2.04'));
    };
    woken.onReceive = (d) => atClient.push(String.fromCharCode(...d));
    const mark = r.pipe.sent.length;
    woken.send(text('POST /rd/x'));
    r.host.clock.runAll();
    assert.deepEqual(atServer, ['POST /rd/x']);
    assert.deepEqual(atClient, ['2.04']);
    const wakeDatagrams = r.pipe.sent.slice(mark);
    assert.equal(wakeDatagrams.length, 2);
    assert.equal(wakeDatagrams[0].data[0], ContentType.tls12_cid, 'the first datagram is an application record (with the CID)');
    assert.equal(wakeDatagrams[0].data.length, 13 + 4 + 8 + 10 + 1 + 8, 'DTLS overhead 29 B + CID 4 B + inner type 1 B');
    assert.equal(wakeDatagrams[1].data.length, 13 + 8 + 4 + 8, 'the reply: 29 B overhead (zero-length client CID)');
    assert.equal(r.server.addressChanges, 1);
    assert.equal(takeSleepState(store, NAME), null, 'the state is consumed by the wake');
  });

  it('the server forgot the connection: the woken record gets no answer; resumption from the sealed session, then a full handshake', async () => {
    const r = rig({ connectionId: new Uint8Array(0) }, { connectionIdLength: 4 });
    movable(r);
    await handshake(r);
    const { store } = stores(2);
    const blob = takeSleepStateAfterSleep(r, store);
    // The server drops its connection state (kept its session cache).
    (r.server.connection('peer') as DtlsServerConnection).close();
    const woken = new DtlsClient(r.host, r.pipe.a, { wake: blob });
    const got: Uint8Array[] = [];
    woken.onReceive = (d) => got.push(d);
    woken.send(text('hello?'));
    r.host.clock.runAll();
    assert.equal(got.length, 0, 'no answer: the caller (CoAP timeout) falls back');
    woken.suspend();
    // Fallback 1: resumption with the session sealed along with the state.
    const session = importSession(blob.state.session);
    const r2 = new DtlsClient(r.host, r.pipe.a, { psk: new Uint8Array(16).fill(0), identity: 'client1', session, connectionId: new Uint8Array(0) });
    // (the rig's PSK is 00..0f; resumption does not use it)
    const p = r2.connect();
    r.host.clock.runAll();
    await p;
    assert.equal(r2.resumed, true, 'abbreviated handshake');
    // Fallback 2: a server that lost its sessions too -> a full handshake.
    r.server.close();
    const r3 = rig({ connectionId: new Uint8Array(0), session: importSession(blob.state.session) }, { connectionIdLength: 4 }, { seed: 99 });
    await handshake(r3);
    assert.equal(r3.client.resumed, false);
    assert.equal(r3.client.state, 'established');
  });

  /**
   * One device history up to the moment of interest: handshake, 3 records, sleep, wake, 20 records (their numbers
   * come from the counter). Returns the woken client, the stores on their flashes, and the highest number used.
   */
  async function history(seed: number) {
    const r = rig({ connectionId: new Uint8Array(0) }, { connectionIdLength: 4 }, { seed });
    movable(r);
    await handshake(r);
    const s = stores(seed);
    for (let i = 0; i < 3; i++) r.client.send(text(`a${i}`));
    sleepInto(r.client, s.store, NAME);
    const w1 = wake(r, s.store)!;
    for (let i = 0; i < 20; i++) w1.send(text(`b${i}`));
    return { r, s, w1, expected: w1.sleepState()!.state, usedBefore: Math.max(...clientSeqs(r)) };
  }

  /** After power returns: wake if there is a whole state; a woken record must carry a new number. */
  function checkAfterCut(h: Awaited<ReturnType<typeof history>>, what: string): boolean {
    h.s.kf.powerOn();
    h.s.cf.powerOn();
    h.s.kf.disarm();
    h.s.cf.disarm();
    const again = stores(7, h.s.kf, h.s.cf);
    const mark = h.r.pipe.sent.length;
    const w2 = wake(h.r, again.store);
    if (!w2) return false;
    const got = w2.sleepState()!.state;
    assert.equal(toHex(got.keyBlock), toHex(h.expected.keyBlock), `${what}: restored keys are the sealed ones (no torn state)`);
    assert.deepEqual(got.window, h.expected.window, `${what}: replay window`);
    w2.send(text('after the cut'));
    const seqs = clientSeqs(h.r, mark);
    assert.equal(seqs.length, 1);
    assert.ok(seqs[0] > h.usedBefore, `${what}: sequence ${seqs[0]} after the cut must exceed ${h.usedBefore}`);
    return true;
  }

  it('power cut at every flash write while sealing (every byte offset class): never a reused sequence number, never a torn state', async () => {
    let cuts = 0;
    let restored = 0;
    for (const which of ['counters', 'keys'] as const) {
      for (let k = 0; ; k++) {
        let reached = false;
        for (const byte of [0, 1, 9, 33, 70, 1 << 20]) {
          const h = await history(50 + k);
          const flash = which === 'keys' ? h.s.kf : h.s.cf;
          flash.armCut({ op: flash.ops + k, byte });
          try {
            sleepInto(h.w1, h.s.store, NAME);
          } catch (e) {
            if (!(e instanceof PowerCut)) throw e;
          }
          if (flash.armed) break; // sealing made fewer than k+1 operations on this flash
          reached = true;
          cuts++;
          if (checkAfterCut(h, `${which} op ${k} byte ${byte}`)) restored++;
        }
        if (!reached) break;
      }
    }
    assert.ok(cuts >= 12, `${cuts} cuts`);
    assert.ok(restored >= 1 && restored < cuts, `restored after ${restored} of ${cuts} cuts: a cut before the state is whole restores nothing`);
  });

  it('power cut at every flash write while waking (the state is consumed) and while counting after the wake', async () => {
    let cuts = 0;
    for (const which of ['counters', 'keys'] as const) {
      for (let k = 0; k < 8; k++) {
        const h = await history(80 + k);
        sleepInto(h.w1, h.s.store, NAME);
        const flash = which === 'keys' ? h.s.kf : h.s.cf;
        flash.armCut({ op: flash.ops + k, byte: k * 5 });
        try {
          const w = wake(h.r, h.s.store);
          for (let i = 0; i < 30 && w; i++) w.send(text(`c${i}`));
        } catch (e) {
          if (!(e instanceof PowerCut)) throw e;
        }
        if (flash.armed) continue;
        cuts++;
        h.usedBefore = Math.max(...clientSeqs(h.r));
        checkAfterCut(h, `wake ${which} op ${k}`);
      }
    }
    assert.ok(cuts >= 3, `${cuts} cuts`);
  });
});

function takeSleepStateAfterSleep(r: Rig, store: SleepStore) {
  sleepInto(r.client, store, NAME);
  return takeSleepState(store, NAME)!;
}
