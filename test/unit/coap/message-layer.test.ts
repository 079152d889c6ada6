/**
 * RFC 7252 §4 message layer on simulated time: retransmission timing, deduplication (exactly-once
 * processing of CON requests under loss, duplication and reordering), piggybacked and separate
 * responses, RST, NSTART, critical options, and the reaction to malformed datagrams.
 */
import { assert } from '../../harness/assert';
import { DatagramPipe, Prng, SimHost } from '../../harness/sim';
import { fromHex, utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import {
  CoapEndpoint,
  CoapFormatError,
  CoapResetError,
  CoapTimeoutError,
  Code,
  decodeMessage,
  emptyMessage,
  encodeMessage,
  MessageType,
  Method,
  type CoapConfig,
  type IncomingRequest,
  type ResponseSpec,
} from '../../../modules/coap/index';
import { run, ticks, track } from './sim-helpers';

function setup(seed = 1, cfg: Partial<CoapConfig> = {}, serverCfg: Partial<CoapConfig> = {}) {
  const host = new SimHost({ seed });
  const pipe = new DatagramPipe(host.clock, 1);
  const client = new CoapEndpoint(host, pipe.a, cfg);
  const server = new CoapEndpoint(host, pipe.b, serverCfg);
  return { host, clock: host.clock, pipe, client, server };
}

describe('coap message layer: retransmission (§4.2, §4.8)', () => {
  it('retransmits at T, 3T, 7T, 15T with T in [ACK_TIMEOUT, ACK_TIMEOUT*1.5], then fails at 31T', async () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const { clock, pipe, client } = setup(seed);
      const times: number[] = [];
      pipe.filter = (_d, dir) => {
        if (dir === 'a->b') times.push(clock.now());
        return 'drop';
      };
      const r = track(client.request({ method: 'GET', path: '/x' }));
      await run(clock, 100_000);
      assert.equal(times.length, 5, 'one transmission + MAX_RETRANSMIT 4');
      const T = times[1] - times[0];
      assert.ok(T >= 2000 && T <= 3000, `initial timeout ${T}`);
      assert.deepEqual(times.map((t) => t - times[0]), [0, T, 3 * T, 7 * T, 15 * T]);
      assert.ok(r.done && r.error instanceof CoapTimeoutError, 'rejects with CoapTimeoutError');
      assert.equal((r.error as CoapTimeoutError).transmissions, 5);
      seen.add(T);
      client.close();
    }
    assert.ok(seen.size > 6, `the random factor varies the timeout: ${[...seen]}`);
  });

  it('rejects exactly at 31T, not before', async () => {
    const { clock, pipe, client } = setup(3);
    const times: number[] = [];
    pipe.filter = () => {
      times.push(clock.now());
      return 'drop';
    };
    const r = track(client.request({ method: 'GET' }));
    await run(clock, 10);
    const T0 = times[0];
    await run(clock, 20_000);
    const T = times[1] - T0;
    await run(clock, 31 * T - clock.now() + T0 - 1);
    assert.equal(r.done, false, 'still pending 1 ms before 31T');
    await run(clock, 1);
    assert.ok(r.done && r.error instanceof CoapTimeoutError);
  });

  it('honours configured parameters (SMS-like: ACK_TIMEOUT 10 s, MAX_RETRANSMIT 2, factor 1.0)', async () => {
    const { clock, pipe, client } = setup(5, { ackTimeoutMs: 10_000, ackRandomFactor: 1, maxRetransmit: 2 });
    const times: number[] = [];
    pipe.filter = () => {
      times.push(clock.now());
      return 'drop';
    };
    const r = track(client.request({ method: 'GET' }));
    await run(clock, 100_000);
    assert.deepEqual(times, [0, 10_000, 30_000]);
    assert.ok(r.error instanceof CoapTimeoutError);
  });

  it('derives EXCHANGE_LIFETIME 247 s from the defaults (§4.8.2)', () => {
    const { client } = setup();
    assert.equal(client.exchangeLifetimeMs, 247_000);
  });
});

describe('coap message layer: responses', () => {
  it('piggybacks a synchronous response in the ACK, with the request token and message ID', async () => {
    const { clock, pipe, client, server } = setup();
    server.onRequest((req) => ({ code: Code.Content, contentFormat: 0, payload: utf8Encode(`hi ${req.path.join('/')}`) }));
    const r = track(client.request({ method: 'GET', path: '/3/0/0' }));
    await run(clock, 10);
    assert.equal(utf8Decode(r.value!.payload), 'hi 3/0/0');
    const [req, resp] = pipe.sent.map((s) => decodeMessage(s.data));
    assert.equal(pipe.sent.length, 2);
    assert.equal(req.type, MessageType.CON);
    assert.equal(resp.type, MessageType.ACK);
    assert.equal(resp.messageId, req.messageId);
    assert.deepEqual(resp.token, req.token);
    assert.equal(req.token.length, 4);
  });

  it('a slow handler gets an Empty ACK after the delay, then a CON response the client ACKs', async () => {
    const { clock, pipe, client, server } = setup(2, {}, { separateResponseDelayMs: 500 });
    let resolveLater: ((s: ResponseSpec) => void) | null = null;
    server.onRequest(() => new Promise<ResponseSpec>((res) => (resolveLater = res)));
    const r = track(client.request({ method: 'POST', path: '/exec' }));
    await run(clock, 600);
    const msgs = () => pipe.sent.map((s) => ({ dir: s.direction, m: decodeMessage(s.data) }));
    assert.equal(msgs().length, 2);
    assert.equal(msgs()[1].m.type, MessageType.ACK);
    assert.equal(msgs()[1].m.code, 0, 'Empty ACK');
    await run(clock, 20_000);
    assert.equal(msgs().length, 2, 'no retransmission of the request after the Empty ACK');
    assert.equal(r.done, false);
    resolveLater!({ code: Code.Changed });
    await run(clock, 10);
    const all = msgs();
    assert.equal(all[2].m.type, MessageType.CON);
    assert.equal(all[2].m.code, Code.Changed);
    assert.deepEqual(all[2].m.token, all[0].m.token);
    assert.equal(all[3].m.type, MessageType.ACK);
    assert.equal(all[3].m.messageId, all[2].m.messageId);
    assert.equal(r.value!.code, Code.Changed);
  });

  it('a separate response whose ACK is lost is retransmitted and taken once', async () => {
    const { clock, pipe, client, server } = setup(4, {}, { separateResponseDelayMs: 100 });
    let release: (() => void) | null = null;
    server.onRequest(() => new Promise<ResponseSpec>((res) => (release = () => res({ code: Code.Content, payload: utf8Encode('late') }))));
    let clientAcks = 0;
    pipe.filter = (d, dir) => {
      const m = decodeMessage(d);
      if (dir === 'a->b' && m.type === MessageType.ACK && clientAcks++ === 0) return 'drop';
      return 'deliver';
    };
    let resolved = 0;
    client.request({ method: 'GET' }).then(() => resolved++);
    await run(clock, 200);
    release!();
    await run(clock, 10_000);
    assert.equal(resolved, 1);
    const cons = pipe.sent.filter((s) => s.direction === 'b->a').map((s) => decodeMessage(s.data)).filter((m) => m.type === MessageType.CON);
    assert.equal(cons.length, 2, 'the separate response was retransmitted once');
    assert.equal(clientAcks, 2, 'the client ACKed the retransmission too');
  });

  it('a NON request gets a NON response', async () => {
    const { clock, pipe, client, server } = setup();
    server.onRequest(() => ({ code: Code.Content, payload: utf8Encode('n') }));
    const r = track(client.request({ method: 'GET', confirmable: false }));
    await run(clock, 10);
    assert.equal(r.value!.code, Code.Content);
    assert.deepEqual(pipe.sent.map((s) => decodeMessage(s.data).type), [MessageType.NON, MessageType.NON]);
  });

  it('a handler that throws gives 5.00', async () => {
    const { clock, client, server } = setup();
    server.onRequest(() => {
      throw new Error('boom');
    });
    const r = track(client.request({ method: 'GET' }));
    await run(clock, 10);
    assert.equal(r.value!.code, Code.InternalServerError);
  });

  it('RST to a request rejects with CoapResetError', async () => {
    const { clock, pipe, client } = setup();
    pipe.b.onReceive = (d) => pipe.b.send(emptyMessage(MessageType.RST, decodeMessage(d).messageId));
    const r = track(client.request({ method: 'GET' }));
    await run(clock, 10);
    assert.ok(r.error instanceof CoapResetError);
  });

  it('CoAP ping: an Empty CON is answered with RST', async () => {
    const { clock, pipe, client, server } = setup();
    void server;
    const r = track(client.ping());
    await run(clock, 10);
    assert.ok(r.done && !r.error);
    assert.equal(decodeMessage(pipe.sent[1].data).type, MessageType.RST);
  });

  it('NSTART 1 queues further requests until the outstanding one completes', async () => {
    const { clock, pipe, client, server } = setup();
    server.onRequest((req) => ({ code: Code.Content, payload: req.payload }));
    const order: string[] = [];
    pipe.filter = (d, dir) => {
      if (dir === 'a->b') order.push(utf8Decode(decodeMessage(d).payload));
      return 'deliver';
    };
    const rs = ['a', 'b', 'c'].map((p) => track(client.request({ method: 'POST', payload: utf8Encode(p) })));
    await ticks();
    assert.deepEqual(order, ['a'], 'only one request in flight');
    await run(clock, 50);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.deepEqual(rs.map((r) => utf8Decode(r.value!.payload)), ['a', 'b', 'c']);
  });

  it('NSTART 2 allows two outstanding requests', async () => {
    const { pipe, client } = setup(1, { nstart: 2 });
    let n = 0;
    pipe.filter = () => (n++, 'drop');
    client.request({ method: 'GET' }).catch(() => {});
    client.request({ method: 'GET' }).catch(() => {});
    client.request({ method: 'GET' }).catch(() => {});
    await ticks();
    assert.equal(n, 2);
    client.close();
  });
});

describe('coap message layer: exactly-once under loss, duplication and reordering (§4.5)', () => {
  function countingServer(server: CoapEndpoint) {
    const calls = new Map<string, number>();
    server.onRequest((req: IncomingRequest) => {
      const k = utf8Decode(req.payload);
      calls.set(k, (calls.get(k) ?? 0) + 1);
      return { code: Code.Changed, payload: utf8Encode(`ok ${k}`) };
    });
    return calls;
  }

  it('lost ACK: the retransmitted CON gets the cached response, the handler runs once', async () => {
    const { clock, pipe, client, server } = setup();
    const calls = countingServer(server);
    let b2a = 0;
    pipe.filter = (_d, dir) => (dir === 'b->a' && b2a++ === 0 ? 'drop' : 'deliver');
    const r = track(client.request({ method: 'POST', payload: utf8Encode('x') }));
    await run(clock, 10_000);
    assert.equal(utf8Decode(r.value!.payload), 'ok x');
    assert.equal(calls.get('x'), 1);
    const replies = pipe.sent.filter((s) => s.direction === 'b->a');
    assert.equal(replies.length, 2);
    assert.deepEqual(replies[0].data, replies[1].data, 'the same response bytes replayed');
  });

  it('every datagram duplicated both ways: one handler call and one resolution per request', async () => {
    const { clock, pipe, client, server } = setup();
    const calls = countingServer(server);
    pipe.filter = () => 'duplicate';
    let resolved = 0;
    for (const p of ['a', 'b', 'c']) client.request({ method: 'POST', payload: utf8Encode(p) }).then(() => resolved++);
    await run(clock, 1000);
    assert.equal(resolved, 3);
    assert.deepEqual([...calls.values()], [1, 1, 1]);
  });

  it('reordered: a held original request arriving after its retransmission is not processed again', async () => {
    const { clock, pipe, client, server } = setup();
    const calls = countingServer(server);
    let first = true;
    pipe.filter = (_d, dir) => (dir === 'a->b' && first ? ((first = false), 'hold') : 'deliver');
    const r = track(client.request({ method: 'POST', payload: utf8Encode('r') }));
    await run(clock, 4000);
    assert.equal(r.value!.code, Code.Changed);
    pipe.releaseHeld();
    await run(clock, 10);
    assert.equal(calls.get('r'), 1);
    assert.equal(pipe.sent.filter((s) => s.direction === 'b->a').length, 2, 'the late copy got the cached reply');
  });

  it('random loss 25% and duplication 20% both ways over 60 requests: never processed twice', async () => {
    const { clock, pipe, client, server } = setup(7);
    const calls = countingServer(server);
    const prng = new Prng(99);
    pipe.filter = () => {
      const x = prng.float();
      return x < 0.25 ? 'drop' : x < 0.45 ? 'duplicate' : 'deliver';
    };
    const results: ReturnType<typeof track>[] = [];
    for (let i = 0; i < 60; i++) results.push(track(client.request({ method: 'POST', payload: utf8Encode(`m${i}`) })));
    await run(clock, 60 * 100_000);
    let ok = 0;
    for (let i = 0; i < 60; i++) {
      const r = results[i];
      assert.ok(r.done, `request ${i} settled`);
      const n = calls.get(`m${i}`) ?? 0;
      assert.ok(n <= 1, `m${i} handled ${n} times`);
      if (!r.error) {
        ok++;
        assert.equal(n, 1);
        assert.equal(utf8Decode((r.value as { payload: Uint8Array }).payload), `ok m${i}`);
      } else assert.ok(r.error instanceof CoapTimeoutError);
    }
    assert.ok(ok >= 55, `most requests succeed despite loss: ${ok}/60`);
  });

  it('a duplicate NON request is dropped silently', async () => {
    const { clock, pipe, client, server } = setup();
    const calls = countingServer(server);
    pipe.filter = (_d, dir) => (dir === 'a->b' ? 'duplicate' : 'deliver');
    const r = track(client.request({ method: 'POST', payload: utf8Encode('n'), confirmable: false }));
    await run(clock, 100);
    assert.equal(r.value!.code, Code.Changed);
    assert.equal(calls.get('n'), 1);
    assert.equal(pipe.sent.filter((s) => s.direction === 'b->a').length, 1);
  });
});

describe('coap message layer: the duplicate cache is bounded in bytes (§4.5, device profile)', () => {
  // A raw peer on side a: CON POSTs with chosen message IDs, each answered with a 900-byte piggybacked reply.
  function bigReplyPeer(dedupMaxBytes: number) {
    const { clock, pipe, server } = setup(1, {}, { dedupMaxBytes });
    const calls = new Map<number, number>();
    server.onRequest((req: IncomingRequest) => {
      const id = req.payload[0];
      calls.set(id, (calls.get(id) ?? 0) + 1);
      return { code: Code.Changed, payload: new Uint8Array(900).fill(id) };
    });
    const replies: Uint8Array[] = [];
    pipe.a.onReceive = (d) => replies.push(d);
    const post = (mid: number) =>
      encodeMessage({ type: MessageType.CON, code: Method.POST, messageId: mid, token: Uint8Array.of(mid & 0xff), options: [], payload: Uint8Array.of(mid & 0xff) });
    const send = async (mid: number) => {
      pipe.a.send(post(mid));
      await run(clock, 5);
    };
    return { replies, calls, send };
  }

  it('a 4 KB bound keeps the newest replies only; older duplicates are recognised but not processed again', async () => {
    const { replies, calls, send } = bigReplyPeer(4096);
    for (let mid = 1; mid <= 10; mid++) await send(mid);
    assert.equal(replies.length, 10);
    // Ten remembered IDs cost 10 x 96 = 960 bytes; the 3,136 left hold three ~908-byte replies (900 + CoAP header), not four.
    replies.length = 0;
    for (let mid = 1; mid <= 10; mid++) await send(mid);
    const answered = replies.map((r) => decodeMessage(r).messageId);
    assert.deepEqual(answered, [8, 9, 10], 'only the newest cached replies are replayed');
    for (let mid = 1; mid <= 10; mid++) assert.equal(calls.get(mid), 1, `message ${mid} handled once`);
  });

  it('with a large byte bound the entry count bounds the cache instead', async () => {
    const { replies, send } = bigReplyPeer(1 << 20);
    for (let mid = 1; mid <= 10; mid++) await send(mid);
    replies.length = 0;
    for (let mid = 1; mid <= 10; mid++) await send(mid);
    assert.equal(replies.length, 10, 'every duplicate gets its cached reply');
  });

  it('a reply larger than the whole bound is not cached', async () => {
    const { replies, calls, send } = bigReplyPeer(512);
    await send(1);
    await send(1);
    assert.equal(replies.length, 1);
    assert.equal(calls.get(1), 1);
  });
});

describe('coap message layer: critical options and malformed input', () => {
  function rawPeer() {
    const { clock, pipe, server } = setup();
    server.onRequest(() => ({ code: Code.Content }));
    const replies: Uint8Array[] = [];
    pipe.a.onReceive = (d) => replies.push(d);
    const inject = async (hex: string | Uint8Array) => {
      pipe.a.send(typeof hex === 'string' ? fromHex(hex) : hex);
      await run(clock, 5);
    };
    return { clock, pipe, server, replies, inject };
  }

  it('an unknown critical option in a CON request gets a piggybacked 4.02', async () => {
    const { replies, inject } = rawPeer();
    // GET, token aa, option 2001 (critical, unknown): delta 2001-269 = 0x06c4
    await inject('41011234aae106c478');
    const m = decodeMessage(replies[0]);
    assert.equal(m.type, MessageType.ACK);
    assert.equal(m.code, Code.BadOption);
    assert.equal(m.messageId, 0x1234);
  });

  it('an unknown elective option in a request is ignored', async () => {
    const { replies, inject } = rawPeer();
    await inject('41011234aae106c378'); // option 2000 (elective)
    assert.equal(decodeMessage(replies[0]).code, Code.Content);
  });

  it('an unknown critical option in a NON request gets a NON 4.02', async () => {
    const { replies, inject } = rawPeer();
    await inject('51011234aae106c478');
    const m = decodeMessage(replies[0]);
    assert.equal(m.type, MessageType.NON);
    assert.equal(m.code, Code.BadOption);
  });

  const malformed: [string, string, 'rst' | 'drop'][] = [
    ['CON with token length 9', '49011234' + '00'.repeat(9), 'rst'],
    ['CON with option length 15', '400112340f', 'rst'],
    ['CON with option delta 15', '40011234f0', 'rst'],
    ['CON with a payload marker and no payload', '40011234ff', 'rst'],
    ['CON with reserved code class 7', '40e01234', 'rst'],
    ['CON with a truncated option', '40011234b361', 'rst'],
    ['NON with token length 15', '5f011234' + '00'.repeat(15), 'drop'],
    ['NON with a payload marker and no payload', '50011234ff', 'drop'],
    ['ACK with option length 15', '6045123401', 'drop'],
    ['version 2', '80011234', 'drop'],
    ['version 0 CON', '00011234', 'drop'],
    ['truncated header', '4001', 'drop'],
    ['Empty CON with a token (ping must be empty)', '41001234aa', 'rst'],
  ];
  for (const [name, hex, reaction] of malformed) {
    it(`${name}: ${reaction === 'rst' ? 'RST with its message ID' : 'silently dropped'}`, async () => {
      const { replies, inject } = rawPeer();
      await inject(hex);
      if (reaction === 'drop') assert.equal(replies.length, 0);
      else {
        assert.equal(replies.length, 1);
        assert.hex(replies[0], '70001234');
      }
    });
  }

  it('a CON response with an unknown critical option is rejected with RST and the request fails', async () => {
    const { clock, pipe, client } = setup();
    let sentRst = false;
    pipe.b.onReceive = (d) => {
      const m = decodeMessage(d);
      if (m.type === MessageType.CON && m.code === Method.GET) {
        pipe.b.send(emptyMessage(MessageType.ACK, m.messageId));
        pipe.b.send(encodeMessage({ type: MessageType.CON, code: Code.Content, messageId: 0x7777, token: m.token, options: [{ number: 2001, value: Uint8Array.of(1) }], payload: new Uint8Array(0) }));
      } else if (m.type === MessageType.RST && m.messageId === 0x7777) sentRst = true;
    };
    const r = track(client.request({ method: 'GET' }));
    await run(clock, 50);
    assert.ok(sentRst, 'client sent RST for the response');
    assert.ok(r.error instanceof CoapFormatError && (r.error as CoapFormatError).code === 'bad-option');
  });

  it('a response with an unknown elective option is accepted', async () => {
    const { clock, pipe, client } = setup();
    pipe.b.onReceive = (d) => {
      const m = decodeMessage(d);
      pipe.b.send(encodeMessage({ type: MessageType.ACK, code: Code.Content, messageId: m.messageId, token: m.token, options: [{ number: 2000, value: Uint8Array.of(1) }], payload: Uint8Array.of(0x41) }));
    };
    const r = track(client.request({ method: 'GET' }));
    await run(clock, 50);
    assert.equal(r.value!.code, Code.Content);
  });

  it('a CON response for an unknown token is rejected with RST', async () => {
    const { replies, inject } = rawPeer();
    await inject('4245beef0102'); // CON 2.05 token 0102 nobody asked for
    assert.hex(replies[0], '7000beef');
  });
});
