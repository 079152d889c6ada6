/**
 * RFC 7959 block-wise transfers and RFC 7641 observe on simulated time. The wire is checked against
 * what the RFCs prescribe (block numbers, M bits, SZX, Size1/Size2, 2.31, 4.08, 4.13, Observe
 * numbers and message types), with hand-built requests where the peer's behaviour matters.
 */
import { assert } from '../../harness/assert';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { concat, utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import {
  CoapEndpoint,
  Code,
  decodeBlock,
  decodeMessage,
  emptyMessage,
  encodeBlock,
  encodeMessage,
  getOption,
  getUint,
  isFresher,
  MessageType,
  Method,
  Option,
  pathOptions,
  uintOption,
  type CoapConfig,
  type CoapMessage,
  type CoapOption,
  type Observation,
} from '../../../modules/coap/index';
import { run, track } from './sim-helpers';

function setup(serverCfg: Partial<CoapConfig> = {}, clientCfg: Partial<CoapConfig> = {}) {
  const host = new SimHost({ seed: 11 });
  const pipe = new DatagramPipe(host.clock, 1);
  const client = new CoapEndpoint(host, pipe.a, clientCfg);
  const server = new CoapEndpoint(host, pipe.b, serverCfg);
  return { host, clock: host.clock, pipe, client, server };
}

function body(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

/** A hand-driven peer on side a of the pipe: sends raw messages, collects what the endpoint replies. */
function rawClient(clientCfg: Partial<CoapConfig> = {}, serverCfg: Partial<CoapConfig> = {}) {
  const s = setup(serverCfg, clientCfg);
  s.client.close();
  const replies: CoapMessage[] = [];
  s.pipe.a.onReceive = (d) => replies.push(decodeMessage(d));
  let mid = 100;
  const send = async (code: number, options: CoapOption[], payload: Uint8Array = new Uint8Array(0), token: Uint8Array = Uint8Array.of(7)): Promise<CoapMessage> => {
    const n = replies.length;
    s.pipe.a.send(encodeMessage({ type: MessageType.CON, code, messageId: mid++, token, options, payload }));
    await run(s.clock, 5);
    assert.equal(replies.length, n + 1, 'one reply');
    return replies[n];
  };
  return { ...s, replies, send };
}

const block = (number: number, num: number, more: boolean, szx: number): CoapOption => ({ number, value: encodeBlock({ num, more, szx }) });

describe('coap block-wise: Block2 (server side)', () => {
  it('serves a 100-byte representation in the 16-byte blocks a client asks for, with Size2 on block 0', async () => {
    const data = body(100);
    const { server, send } = rawClient();
    let calls = 0;
    server.onRequest(() => (calls++, { code: Code.Content, payload: data }));
    const got: Uint8Array[] = [];
    for (let num = 0; ; num++) {
      const r = await send(Method.GET, [...pathOptions('/big'), block(Option.Block2, num, false, 0)]);
      assert.equal(r.code, Code.Content);
      const b = decodeBlock(getOption(r.options, Option.Block2)!);
      assert.equal(b.num, num);
      assert.equal(b.szx, 0);
      if (num === 0) assert.equal(getUint(r.options, Option.Size2), 100);
      got.push(r.payload.slice());
      if (!b.more) break;
      assert.equal(r.payload.length, 16);
    }
    assert.equal(got.length, 7);
    assert.equal(got[6].length, 4);
    assert.deepEqual(concat(...got), data);
    assert.equal(calls, 1, 'later blocks come from the cached representation');
  });

  it('uses its own size (1024) without a Block2 in the request, and never more than the request asks', async () => {
    const { server, send } = rawClient();
    server.onRequest(() => ({ code: Code.Content, payload: body(2500) }));
    const r = await send(Method.GET, pathOptions('/big'));
    assert.deepEqual(decodeBlock(getOption(r.options, Option.Block2)!), { num: 0, more: true, szx: 6 });
    assert.equal(r.payload.length, 1024);
    const r2 = await send(Method.GET, [...pathOptions('/big'), block(Option.Block2, 2, false, 6)]);
    assert.deepEqual(decodeBlock(getOption(r2.options, Option.Block2)!), { num: 2, more: false, szx: 6 });
    assert.equal(r2.payload.length, 2500 - 2048);
  });

  it('a block number past the end is 4.02', async () => {
    const { server, send } = rawClient();
    server.onRequest(() => ({ code: Code.Content, payload: body(40) }));
    const r = await send(Method.GET, [...pathOptions('/big'), block(Option.Block2, 5, false, 0)]);
    assert.equal(r.code, Code.BadOption);
  });

  it('our client collects a 5000-byte body transparently, and in 32-byte blocks when asked', async () => {
    const { clock, server, client, pipe } = setup();
    const data = body(5000);
    server.onRequest(() => ({ code: Code.Content, payload: data }));
    const r = track(client.request({ method: 'GET', path: '/fw' }));
    await run(clock, 100);
    assert.deepEqual(r.value!.payload, data);
    const n0 = pipe.sent.length;
    const r2 = track(client.request({ method: 'GET', path: '/fw', block2Szx: 1 }));
    await run(clock, 1000);
    assert.deepEqual(r2.value!.payload, data);
    assert.equal((pipe.sent.length - n0) / 2, Math.ceil(5000 / 32), 'one exchange per 32-byte block');
  });
});

describe('coap block-wise: Block1 (server side)', () => {
  it('reassembles blocks, answering 2.31 Continue with the Block1 echo, then runs the handler once', async () => {
    const { server, send } = rawClient();
    let seen: Uint8Array | null = null;
    server.onRequest((req) => ((seen = req.payload), { code: Code.Changed }));
    const data = body(40);
    let r = await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, 0, true, 0), uintOption(Option.Size1, 40)], data.subarray(0, 16));
    assert.equal(r.code, Code.Continue);
    assert.deepEqual(decodeBlock(getOption(r.options, Option.Block1)!), { num: 0, more: true, szx: 0 });
    r = await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, 1, true, 0)], data.subarray(16, 32));
    assert.equal(r.code, Code.Continue);
    assert.equal(seen, null);
    r = await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, 2, false, 0)], data.subarray(32));
    assert.equal(r.code, Code.Changed);
    assert.deepEqual(decodeBlock(getOption(r.options, Option.Block1)!), { num: 2, more: false, szx: 0 });
    assert.deepEqual(seen, data);
  });

  it('a missing block is 4.08 Request Entity Incomplete', async () => {
    const { server, send } = rawClient();
    server.onRequest(() => ({ code: Code.Changed }));
    const data = body(48);
    await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, 0, true, 0)], data.subarray(0, 16));
    const r = await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, 2, false, 0)], data.subarray(32));
    assert.equal(r.code, Code.RequestEntityIncomplete);
    const r2 = await send(Method.PUT, [...pathOptions('/other'), block(Option.Block1, 1, false, 0)], data.subarray(16, 32));
    assert.equal(r2.code, Code.RequestEntityIncomplete, 'a middle block with no start');
  });

  it('a non-final block shorter than its SZX says is 4.00', async () => {
    const { server, send } = rawClient();
    server.onRequest(() => ({ code: Code.Changed }));
    const r = await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, 0, true, 1)], body(20));
    assert.equal(r.code, Code.BadRequest);
  });

  it('a body over the cap is 4.13 with Size1 telling the limit, whether announced or accumulated', async () => {
    const { server, send } = rawClient({}, { maxBodySize: 64 });
    server.onRequest(() => ({ code: Code.Changed }));
    let r = await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, 0, true, 0), uintOption(Option.Size1, 65)], body(16));
    assert.equal(r.code, Code.RequestEntityTooLarge);
    assert.equal(getUint(r.options, Option.Size1), 64);
    for (let i = 0; i < 4; i++) {
      r = await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, i, true, 0)], body(16));
      assert.equal(r.code, Code.Continue);
    }
    r = await send(Method.PUT, [...pathOptions('/up'), block(Option.Block1, 4, false, 0)], body(16));
    assert.equal(r.code, Code.RequestEntityTooLarge);
  });

  it('our client uploads 3000 bytes; a server preferring 64-byte blocks makes it switch size mid-transfer', async () => {
    const { clock, server, client, pipe } = setup({ maxSzx: 2 });
    let seen: Uint8Array | null = null;
    server.onRequest((req) => ((seen = req.payload), { code: Code.Changed }));
    const data = body(3000);
    const r = track(client.request({ method: 'PUT', path: '/5/0/0', payload: data }));
    await run(clock, 1000);
    assert.equal(r.value!.code, Code.Changed);
    assert.deepEqual(seen, data);
    const reqs = pipe.sent.filter((s) => s.direction === 'a->b').map((s) => decodeBlock(getOption(decodeMessage(s.data).options, Option.Block1)!));
    assert.deepEqual(reqs[0], { num: 0, more: true, szx: 6 }, 'first block at our size');
    assert.deepEqual(reqs[1], { num: 16, more: true, szx: 2 }, 'then 64-byte blocks continuing at byte 1024');
    assert.equal(reqs.length, 1 + Math.ceil((3000 - 1024) / 64));
  });
});

describe('coap observe (RFC 7641), server side', () => {
  async function observed(cfg: Partial<CoapConfig> = {}) {
    const s = rawClient({}, cfg);
    const events: string[] = [];
    let n = 0;
    s.server.onRequest(() => ({ code: Code.Content, payload: utf8Encode(`v${n++}`) }));
    s.server.onObserve = (o) => events.push(`observe ${o.path.join('/')}`);
    s.server.onCancel = (o, why) => events.push(`cancel ${o.path.join('/')} ${why}`);
    const r = await s.send(Method.GET, [uintOption(Option.Observe, 0), ...pathOptions('/3/0/9')], undefined, Uint8Array.of(0xab, 0xcd));
    return { ...s, events, first: r };
  }

  it('registers on GET Observe 0, lists the observation with its token, and numbers notifications upward', async () => {
    const { server, clock, replies, events, first } = await observed();
    assert.equal(first.code, Code.Content);
    const seq0 = getUint(first.options, Option.Observe)!;
    assert.ok(seq0 !== undefined);
    assert.deepEqual(events, ['observe 3/0/9']);
    const list = server.listObservations();
    assert.equal(list.length, 1);
    assert.equal(list[0].key, 'abcd');
    assert.hex(list[0].token, 'abcd');
    assert.equal(server.notify('/3/0/9', { code: Code.Content, payload: utf8Encode('n1') }), 1);
    assert.equal(server.notify('abcd', { code: Code.Content, payload: utf8Encode('n2') }), 1);
    assert.equal(server.notify('/3/0/8', { code: Code.Content }), 0);
    await run(clock, 5);
    const notes = replies.slice(1);
    assert.deepEqual(notes.map((m) => utf8Decode(m.payload)), ['n1', 'n2']);
    for (const m of notes) assert.hex(m.token, 'abcd');
    const seqs = notes.map((m) => getUint(m.options, Option.Observe)!);
    assert.ok(isFresher(seq0, 0, seqs[0], 0) && isFresher(seqs[0], 0, seqs[1], 0));
  });

  it('sends every Nth notification as CON and the rest as NON', async () => {
    const { server, clock, replies, pipe } = await observed({ observeConEvery: 3 });
    pipe.a.onReceive = (d) => {
      const m = decodeMessage(d);
      replies.push(m);
      if (m.type === MessageType.CON) pipe.a.send(emptyMessage(MessageType.ACK, m.messageId));
    };
    for (let i = 0; i < 6; i++) {
      server.notify('/3/0/9', { code: Code.Content, payload: utf8Encode(`n${i}`) });
      await run(clock, 5);
    }
    assert.deepEqual(replies.slice(1).map((m) => m.type), [MessageType.NON, MessageType.NON, MessageType.CON, MessageType.NON, MessageType.NON, MessageType.CON]);
  });

  it('sends a CON when 24 hours have passed since the last one', async () => {
    const { server, clock, replies } = await observed({ observeConEvery: 1000 });
    server.notify('/3/0/9', { code: Code.Content });
    await run(clock, 24 * 3600 * 1000);
    server.notify('/3/0/9', { code: Code.Content });
    await run(clock, 5);
    assert.deepEqual(replies.slice(1).map((m) => m.type), [MessageType.NON, MessageType.CON]);
  });

  it('an RST in reply to a NON notification cancels the observation', async () => {
    const { server, clock, pipe, replies, events } = await observed();
    server.notify('/3/0/9', { code: Code.Content });
    await run(clock, 5);
    pipe.a.send(emptyMessage(MessageType.RST, replies[1].messageId));
    await run(clock, 5);
    assert.deepEqual(events, ['observe 3/0/9', 'cancel 3/0/9 reset']);
    assert.equal(server.listObservations().length, 0);
    assert.equal(server.notify('/3/0/9', { code: Code.Content }), 0);
  });

  it('GET with Observe 1 deregisters and is answered like a plain GET', async () => {
    const { send, events, server } = await observed();
    const r = await send(Method.GET, [uintOption(Option.Observe, 1), ...pathOptions('/3/0/9')], undefined, Uint8Array.of(0xab, 0xcd));
    assert.equal(r.code, Code.Content);
    assert.equal(getOption(r.options, Option.Observe), undefined);
    assert.deepEqual(events, ['observe 3/0/9', 'cancel 3/0/9 deregister']);
    assert.equal(server.listObservations().length, 0);
  });

  it('a CON notification never acknowledged ends the observation after the retransmissions', async () => {
    const { server, clock, pipe, events } = await observed();
    pipe.filter = () => 'drop';
    server.notify('/3/0/9', { code: Code.Content }, true);
    await run(clock, 200_000);
    assert.deepEqual(events, ['observe 3/0/9', 'cancel 3/0/9 timeout']);
  });

  it('notifications issued while a CON is in flight are held and only the newest is sent after the ACK', async () => {
    const { server, clock, pipe, replies } = await observed();
    let ackCon = false;
    pipe.a.onReceive = (d) => {
      const m = decodeMessage(d);
      replies.push(m);
      if (m.type === MessageType.CON && ackCon) pipe.a.send(emptyMessage(MessageType.ACK, m.messageId));
    };
    server.notify('/3/0/9', { code: Code.Content, payload: utf8Encode('c') }, true);
    server.notify('/3/0/9', { code: Code.Content, payload: utf8Encode('x') });
    server.notify('/3/0/9', { code: Code.Content, payload: utf8Encode('y') });
    await run(clock, 5);
    assert.deepEqual(replies.slice(1).map((m) => utf8Decode(m.payload)), ['c']);
    ackCon = true;
    await run(clock, 4000); // the CON is retransmitted and now ACKed
    const texts = replies.slice(1).map((m) => utf8Decode(m.payload));
    assert.equal(texts[texts.length - 1], 'y');
    assert.ok(!texts.includes('x'), 'the superseded state is not sent');
  });

  it('a non-2.xx notification ends the observation and carries no Observe option', async () => {
    const { server, clock, replies, events } = await observed();
    server.notify('/3/0/9', { code: Code.NotFound });
    await run(clock, 5);
    const m = replies[1];
    assert.equal(m.code, Code.NotFound);
    assert.equal(getOption(m.options, Option.Observe), undefined);
    assert.deepEqual(events, ['observe 3/0/9', 'cancel 3/0/9 final-response']);
  });

  it('a large notification carries block 0 (M set, Size2); GETs for the later blocks get the rest of that representation', async () => {
    const { server, clock, replies, send } = await observed();
    const data = body(2100);
    server.notify('/3/0/9', { code: Code.Content, payload: data });
    await run(clock, 5);
    const n = replies[1];
    assert.deepEqual(decodeBlock(getOption(n.options, Option.Block2)!), { num: 0, more: true, szx: 6 });
    assert.equal(getUint(n.options, Option.Size2), 2100);
    assert.ok(getUint(n.options, Option.Observe) !== undefined);
    const parts = [n.payload.slice()];
    for (let num = 1; num <= 2; num++) {
      const r = await send(Method.GET, [...pathOptions('/3/0/9'), block(Option.Block2, num, false, 6)]);
      assert.equal(getOption(r.options, Option.Observe), undefined);
      parts.push(r.payload.slice());
    }
    assert.deepEqual(concat(...parts), data);
  });

  it('holds at most maxObservations: one more registration is answered 2.05 without Observe and not kept', async () => {
    const { server, send, events } = await observed({ maxObservations: 2 });
    const second = await send(Method.GET, [uintOption(Option.Observe, 0), ...pathOptions('/3/0/10')], undefined, Uint8Array.of(0x02));
    assert.ok(getUint(second.options, Option.Observe) !== undefined);
    const third = await send(Method.GET, [uintOption(Option.Observe, 0), ...pathOptions('/3/0/11')], undefined, Uint8Array.of(0x03));
    assert.equal(third.code, Code.Content);
    assert.equal(getOption(third.options, Option.Observe), undefined);
    assert.equal(server.listObservations().length, 2);
    assert.deepEqual(events, ['observe 3/0/9', 'observe 3/0/10']);
    // Re-registering an existing token still works at the bound (it replaces, RFC 7641 §4.1).
    const again = await send(Method.GET, [uintOption(Option.Observe, 0), ...pathOptions('/3/0/10')], undefined, Uint8Array.of(0x02));
    assert.ok(getUint(again.options, Option.Observe) !== undefined);
    assert.equal(server.listObservations().length, 2);
  });
});

describe('coap observe: an observation taken back after deep sleep (adoptObservation)', () => {
  it('sends nothing on adoption; notifications carry the kept token and numbers after the kept one; bounded; no duplicate token', async () => {
    const s = rawClient({}, { maxObservations: 2 });
    const token = Uint8Array.of(0xa1, 0xb2);
    const obs = s.server.adoptObservation({ token, path: ['3303', '0', '5700'], query: [], accept: 0 }, 0xfffffe);
    assert.ok(obs);
    await run(s.clock, 5);
    assert.equal(s.replies.length, 0, 'nothing sent');
    assert.equal(s.server.adoptObservation({ token, path: ['3'], query: [], accept: undefined }, 5), null, 'the token is in use');
    assert.ok(s.server.adoptObservation({ token: Uint8Array.of(1), path: ['3'], query: [], accept: undefined }, 0xfffffe));
    assert.equal(s.server.adoptObservation({ token: Uint8Array.of(2), path: ['4'], query: [], accept: undefined }, 0xfffffe), null, 'at maxObservations');
    assert.equal(s.server.notify('/3303/0/5700', { code: Code.Content, payload: utf8Encode('24.5') }), 1);
    s.server.notify(obs!, { code: Code.Content, payload: utf8Encode('25') });
    await run(s.clock, 5);
    assert.equal(s.replies.length, 2);
    assert.deepEqual([...s.replies[0].token], [0xa1, 0xb2]);
    // 24-bit wrap (RFC 7641 §4.4): 0xfffffe -> 0xffffff -> 0.
    assert.deepEqual(s.replies.map((m) => getUint(m.options, Option.Observe)), [0xffffff, 0]);
    assert.ok(isFresher(0xfffffe, 0, 0, 1), 'still fresher after the wrap');
  });
});

describe('coap observe (RFC 7641), client side', () => {
  it('delivers fresh notifications in order, drops stale ones, and cancels with Observe 1', async () => {
    const { server, clock, client } = setup();
    server.onRequest(() => ({ code: Code.Content, payload: utf8Encode('first') }));
    const got: string[] = [];
    const o = track(client.observe({ method: 'GET', path: '/3/0/13' }, (r) => got.push(utf8Decode(r.payload))));
    await run(clock, 10);
    const obs = o.value!;
    assert.equal(utf8Decode(obs.response.payload), 'first');
    let cancelled: string | null = null;
    server.onCancel = (_o: Observation, why) => (cancelled = why);
    server.notify('/3/0/13', { code: Code.Content, payload: utf8Encode('a') });
    server.notify('/3/0/13', { code: Code.Content, payload: utf8Encode('b') });
    await run(clock, 10);
    assert.deepEqual(got, ['a', 'b']);
    const c = track(obs.cancel());
    await run(clock, 10);
    assert.equal(c.value!.code, Code.Content);
    assert.equal(cancelled, 'deregister');
  });

  it('a large notification arrives as block 0 and is completed with GETs before delivery', async () => {
    const { server, clock, client } = setup();
    const data = body(2100);
    server.onRequest(() => ({ code: Code.Content, payload: utf8Encode('small') }));
    const notes: Uint8Array[] = [];
    const o = track(client.observe({ method: 'GET', path: '/big' }, (r) => notes.push(r.payload)));
    await run(clock, 10);
    assert.ok(o.done && !o.error);
    server.notify('/big', { code: Code.Content, payload: data });
    await run(clock, 50);
    assert.equal(notes.length, 1);
    assert.deepEqual(notes[0], data);
  });

  it('isFresher follows §3.4, including the 24-bit wraparound and the 128-second rule', () => {
    assert.equal(isFresher(1, 0, 2, 0), true);
    assert.equal(isFresher(2, 0, 1, 0), false);
    assert.equal(isFresher(0xffffff, 0, 0, 0), true, 'wraps around');
    assert.equal(isFresher(0, 0, 0xffffff, 0), false);
    assert.equal(isFresher(5, 0, 5 + 0x800000, 0), false, 'half the space away is not newer');
    assert.equal(isFresher(5, 0, 5 + 0x7fffff, 0), true);
    assert.equal(isFresher(10, 0, 3, 128_001), true, 'more than 128 s later is fresh regardless');
    assert.equal(isFresher(10, 0, 3, 128_000), false);
  });
});

void [Method, encodeMessage];
