/**
 * tools/lwm2m-server.ts over plain CoAP with a CoapEndpoint fake device: queue mode (requests held
 * while a UQ client sleeps, sent when it wakes with an Update), re-registration replacing the old
 * registration, and Send (POST /dp).
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex, utf8Encode } from '../../../modules/bytes/index';
import { CoapEndpoint, Code, Method, Option, getStrings } from '../../../modules/coap/index';
import { udpChannel } from '../../../modules/transport/types';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { createNodeTestHost } from '../../../tools/server-common';
import { NodeUdpSocket } from '../../../hosts/node/udp';

const PORT = 5805;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tools/lwm2m-server: queue mode, re-registration and Send (plain CoAP fake device)', function () {
  this.timeout(15000);
  let server: Lwm2mTestServer;
  let socket: NodeUdpSocket;
  let ep: CoapEndpoint;
  const seen: string[] = [];
  const log: string[] = [];

  before(async () => {
    server = await Lwm2mTestServer.start({ port: PORT, queueAwakeMs: 200, queueHoldMs: 3000, log: (l) => log.push(l) });
    socket = await NodeUdpSocket.open({ address: '127.0.0.1' });
    ep = new CoapEndpoint(createNodeTestHost(), udpChannel(socket, '127.0.0.1', PORT));
    ep.onRequest((req) => {
      seen.push(`${req.method} /${req.path.join('/')}`);
      return { code: Code.Content, contentFormat: 0, payload: utf8Encode('42') };
    });
  });
  after(async () => {
    ep?.close();
    socket?.close();
    await server?.stop();
  });

  let location = '';

  it('holds a Read for a sleeping UQ client until its next Update, then sends it at once', async () => {
    const r = await ep.request({ method: 'POST', path: '/rd', query: ['ep=sleepy', 'lt=60', 'lwm2m=1.1', 'b=UQ'], contentFormat: 40, payload: utf8Encode('</3/0>') });
    assert.equal(r.code, Code.Created);
    location = '/' + getStrings(r.options, Option.LocationPath)!.join('/');
    const reg = server.registration('sleepy')!;
    assert.equal(reg.queue, true);

    // awake: the request goes out straight away
    const awake = await server.read('sleepy', '/3/0/9');
    assert.equal(awake.code, Code.Content);
    assert.deepEqual(seen, [`${Method.GET} /3/0/9`]);

    await sleep(300); // past queueAwakeMs: asleep now
    let done = false;
    const held = server.read('sleepy', '/3/0/9').then((x) => ((done = true), x));
    await sleep(150);
    assert.equal(done, false);
    assert.equal(seen.length, 1, 'nothing is sent to a sleeping client');

    const u = await ep.request({ method: 'POST', path: location });
    assert.equal(u.code, Code.Changed);
    const res = await held;
    assert.equal(res.code, Code.Content);
    assert.equal(res.contentFormat, 0);
    assert.equal(seen.length, 2);
    assert.ok(log.some((l) => l.includes('sleepy is asleep (queue mode)')));
  });

  it('a held request fails when the client never wakes up', async () => {
    const s2 = await Lwm2mTestServer.start({ port: PORT + 1, queueAwakeMs: 0, queueHoldMs: 200 });
    const sock2 = await NodeUdpSocket.open({ address: '127.0.0.1' });
    const ep2 = new CoapEndpoint(createNodeTestHost(), udpChannel(sock2, '127.0.0.1', PORT + 1));
    try {
      const r = await ep2.request({ method: 'POST', path: '/rd', query: ['ep=deep', 'b=UQ'], payload: utf8Encode('</3/0>') });
      assert.equal(r.code, Code.Created);
      await sleep(10);
      await assert.rejects(s2.read('deep', '/3/0/0'), /wake up/);
    } finally {
      ep2.close();
      sock2.close();
      await s2.stop();
    }
  });

  it('a second Register from the same endpoint name replaces the first (new location)', async () => {
    const r = await ep.request({ method: 'POST', path: '/rd', query: ['ep=sleepy', 'lt=90', 'lwm2m=1.1'], payload: utf8Encode('</3/0>,</4/0>') });
    assert.equal(r.code, Code.Created);
    const loc = '/' + getStrings(r.options, Option.LocationPath)!.join('/');
    assert.notEqual(loc, location);
    const regs = server.registrations();
    assert.equal(regs.length, 1);
    assert.equal(regs[0].location, loc);
    assert.equal(regs[0].lifetime, 90);
    assert.equal(regs[0].queue, false);
    assert.equal((await ep.request({ method: 'POST', path: location })).code, Code.NotFound);
    location = loc;
  });

  it('records a Send (POST /dp) from a registered client', async () => {
    const payload = fromHex('c40041636d65');
    const r = await ep.request({ method: 'POST', path: '/dp', contentFormat: 11542, payload });
    assert.equal(r.code, Code.Changed);
    assert.equal(server.sends.length, 1);
    assert.equal(server.sends[0].endpoint, 'sleepy');
    assert.equal(server.sends[0].contentFormat, 11542);
    assert.equal(toHex(server.sends[0].payload), 'c40041636d65');
  });

  it('forgets idle plain-CoAP peers, but never the one a registration uses', async () => {
    const lines: string[] = [];
    const s3 = await Lwm2mTestServer.start({ port: PORT + 3, idlePeerMs: 100, log: (l) => lines.push(l) });
    const a = await NodeUdpSocket.open({ address: '127.0.0.1' });
    const b = await NodeUdpSocket.open({ address: '127.0.0.1' });
    const epA = new CoapEndpoint(createNodeTestHost(), udpChannel(a, '127.0.0.1', PORT + 3));
    const epB = new CoapEndpoint(createNodeTestHost(), udpChannel(b, '127.0.0.1', PORT + 3));
    epA.onRequest(() => ({ code: Code.Content, payload: utf8Encode('still here') }));
    try {
      assert.equal((await epA.request({ method: 'POST', path: '/rd', query: ['ep=kept'], payload: utf8Encode('</3/0>') })).code, Code.Created);
      assert.equal((await epB.request({ method: 'GET', path: '/nothing' })).code, Code.NotFound);
      await sleep(350);
      assert.ok(lines.some((l) => l.endsWith(`forgetting idle peer 127.0.0.1:${b.localPort}`)), lines.join('\n'));
      assert.ok(!lines.some((l) => l.endsWith(`forgetting idle peer 127.0.0.1:${a.localPort}`)));
      const r = await s3.read('kept', '/3/0/0');
      assert.equal(r.code, Code.Content);
    } finally {
      epA.close();
      epB.close();
      a.close();
      b.close();
      await s3.stop();
    }
  });
});
