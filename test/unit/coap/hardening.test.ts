/**
 * CoAP edges a hostile server tried (issue 13 item 6): OSCORE and Proxy-Uri requests must not be served as
 * plain requests (RFC 7252 §5.4.1, §5.7.2), and an RST to any NON notification still within NON_LIFETIME
 * ends its observation however many notifications were sent since (RFC 7641 §3.6).
 */
import { assert } from '../../harness/assert';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { utf8Encode } from '../../../modules/bytes/index';
import { CoapEndpoint, Code, decodeMessage, emptyMessage, encodeMessage, MessageType, Method, Option, pathOptions, uintOption, type CoapMessage, type CoapOption } from '../../../modules/coap/index';
import { run } from './sim-helpers';

function peer(cfg = {}) {
  const host = new SimHost({ seed: 5 });
  const pipe = new DatagramPipe(host.clock, 1);
  const server = new CoapEndpoint(host, pipe.b, cfg);
  const replies: CoapMessage[] = [];
  pipe.a.onReceive = (d) => {
    const m = decodeMessage(d);
    replies.push(m);
    if (m.type === MessageType.CON) pipe.a.send(emptyMessage(MessageType.ACK, m.messageId));
  };
  let mid = 500;
  let served = 0;
  server.onRequest(() => {
    served++;
    return { code: Code.Content, payload: utf8Encode('v') };
  });
  const send = async (options: CoapOption[], token = Uint8Array.of(9)): Promise<CoapMessage> => {
    const n = replies.length;
    pipe.a.send(encodeMessage({ type: MessageType.CON, code: Method.GET, messageId: mid++, token, options, payload: new Uint8Array(0) }));
    await run(host.clock, 5);
    assert.equal(replies.length, n + 1, 'one reply');
    return replies[n];
  };
  return { host, clock: host.clock, pipe, server, replies, send, served: () => served };
}

describe('coap hardening: options the endpoint must not ignore', () => {
  it('a request with an OSCORE option (9) gets 4.02 and reaches no handler', async () => {
    const p = peer();
    const r = await p.send([{ number: Option.OSCORE, value: Uint8Array.of(0x09, 0x01) }, ...pathOptions('/3/0/0')]);
    assert.equal(r.code, Code.BadOption);
    const empty = await p.send([{ number: Option.OSCORE, value: new Uint8Array(0) }, ...pathOptions('/3/0/0')]);
    assert.equal(empty.code, Code.BadOption);
    assert.equal(p.served(), 0);
  });
  it('a request with Proxy-Uri (35) or Proxy-Scheme (39) gets 5.05 and reaches no handler', async () => {
    const p = peer();
    const r = await p.send([{ number: Option.ProxyUri, value: utf8Encode('coap://192.0.2.9/3/0/0') }]);
    assert.equal(r.code, 0xa5);
    const s = await p.send([...pathOptions('/3/0/0'), { number: Option.ProxyScheme, value: utf8Encode('coap') }]);
    assert.equal(s.code, 0xa5);
    assert.equal(p.served(), 0);
    const plain = await p.send(pathOptions('/3/0/0'));
    assert.equal(plain.code, Code.Content);
  });
});

describe('coap hardening: RST to a NON notification (RFC 7641 §3.6)', () => {
  it('ends the observation even after 100 later notifications (within NON_LIFETIME)', async () => {
    const p = peer({ observeConEvery: 1000 });
    const cancels: string[] = [];
    p.server.onCancel = (_o, why) => cancels.push(why);
    const first = await p.send([uintOption(Option.Observe, 0), ...pathOptions('/3/0/9')], Uint8Array.of(0xab));
    assert.equal(first.code, Code.Content);
    for (let i = 0; i < 101; i++) {
      p.server.notify('/3/0/9', { code: Code.Content, payload: utf8Encode(`n${i}`) });
      await run(p.clock, 400);
    }
    const notes = p.replies.slice(1);
    assert.ok(notes.length >= 90, `${notes.length} notifications`);
    assert.equal(notes[0].type, MessageType.NON);
    p.pipe.a.send(emptyMessage(MessageType.RST, notes[0].messageId));
    await run(p.clock, 5);
    assert.deepEqual(cancels, ['reset']);
    assert.equal(p.server.listObservations().length, 0);
  });
  it('an RST to a notification older than NON_LIFETIME does not end a later observation with that token', async () => {
    const p = peer({ observeConEvery: 1000 });
    const cancels: string[] = [];
    p.server.onCancel = (_o, why) => cancels.push(why);
    await p.send([uintOption(Option.Observe, 0), ...pathOptions('/3/0/9')], Uint8Array.of(0xab));
    p.server.notify('/3/0/9', { code: Code.Content });
    await run(p.clock, 5);
    const old = p.replies[p.replies.length - 1];
    await run(p.clock, 200_000);
    p.pipe.a.send(emptyMessage(MessageType.RST, old.messageId));
    await run(p.clock, 5);
    assert.deepEqual(cancels, []);
    assert.equal(p.server.listObservations().length, 1);
  });
});
