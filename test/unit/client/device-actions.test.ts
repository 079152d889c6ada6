/**
 * Device Reboot (3/0/4), Factory Reset (3/0/5) and Current Time (3/0/13) wired to the host (issue 13 item 4),
 * on simulated time against a scripted LwM2M server.
 */
import { assert } from '../../harness/assert';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { CoapEndpoint, type IncomingRequest, type ResponseSpec } from '../../../modules/coap/endpoint';
import { Option, stringOption } from '../../../modules/coap/options';
import { Method } from '../../../modules/coap/codes';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import type { Connector } from '../../../modules/client/connector';
import type { ServerAccount } from '../../../modules/client/accounts';
import { ContentFormat } from '../../../modules/lwm2m/types';

const DM_URI = 'coap://192.0.2.10:5683';
const EPOCH_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z

function rig(opts: { restart?: boolean; wallClock?: boolean; appReboot?: () => number } = {}) {
  const base = new SimHost({ seed: 9 });
  const restarts: number[] = [];
  const host = Object.assign(base, {
    ...(opts.restart ? { restart: () => restarts.push(base.now()) } : {}),
    ...(opts.wallClock ? { wallClock: () => EPOCH_MS + base.now() } : {}),
  });
  const dm = new DataModel({ store: new MemoryObjectStore() });
  const device = new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'U' });
  if (opts.appReboot) device.onExecute.set(4, opts.appReboot);
  dm.register(device);
  applyFactoryConfig(dm, { accounts: [{ uri: DM_URI, securityMode: 3, shortServerId: 101, lifetime: 60 }] });
  const requests: IncomingRequest[] = [];
  let server: CoapEndpoint | null = null;
  let regs = 0;
  const forgotten: string[] = [];
  const handler = (req: IncomingRequest): ResponseSpec => {
    requests.push(req);
    if (req.method === Method.POST && req.path.join('/') === 'rd') return { code: 0x41, options: ['rd', `r${++regs}`].map((s) => stringOption(Option.LocationPath, s)) };
    if (req.method === Method.DELETE) return { code: 0x42 };
    return { code: 0x44 };
  };
  const connector: Connector = {
    open: async (_a: ServerAccount) => {
      const pipe = new DatagramPipe(host.clock, 5);
      server = new CoapEndpoint(host, pipe.b);
      server.onRequest(handler);
      return { channel: pipe.a, security: 'nosec' };
    },
  };
  const events: ClientEvent[] = [];
  const client = new Lwm2mClient({ host, endpointName: 'dev-1', dataModel: dm, connector, onEvent: (e) => events.push(e), sessions: { load: () => null, save: () => {}, forget: (a) => forgotten.push(a.uri) } });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      host.clock.advance(50);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  const ask = async (req: Parameters<CoapEndpoint['request']>[0]) => {
    const p = server!.request(req);
    await run(200);
    return p;
  };
  return { host, dm, client, events, requests, restarts, forgotten, run, ask, registrations: () => requests.filter((r) => r.method === Method.POST && r.path.join('/') === 'rd').length };
}

describe('Device object wired to the host (issue 13 item 4)', () => {
  it('Reboot (3/0/4): 2.04, then De-register, then host.restart()', async () => {
    const r = rig({ restart: true });
    void r.client.start();
    await r.run(500);
    assert.equal(r.registrations(), 1);
    const res = await r.ask({ method: 'POST', path: '/3/0/4' });
    assert.equal(res.code, 0x44);
    assert.deepEqual(r.restarts, [], 'nothing happens before the response is out');
    await r.run(3_000);
    const del = r.requests.find((q) => q.method === Method.DELETE);
    assert.ok(del, 'De-register sent');
    assert.deepEqual(del!.path, ['rd', 'r1']);
    assert.equal(r.restarts.length, 1);
    assert.ok(r.events.some((e) => e.type === 'device-restart' && e.reason === 'reboot' && !e.inPlace));
  });

  it('Reboot without a host restart: the client de-registers and registers again in place', async () => {
    const r = rig();
    void r.client.start();
    await r.run(500);
    assert.equal((await r.ask({ method: 'POST', path: '/3/0/4' })).code, 0x44);
    await r.run(3_000);
    assert.ok(r.requests.some((q) => q.method === Method.DELETE));
    assert.equal(r.registrations(), 2);
    assert.equal(r.client.registrations().get(101), '/rd/r2');
  });

  it('Factory Reset (3/0/5): the configuration and stored DTLS sessions return to the factory ones', async () => {
    const r = rig({ restart: true });
    void r.client.start();
    await r.run(500);
    assert.equal((await r.ask({ method: 'PUT', path: '/1/0/1', contentFormat: ContentFormat.Text, payload: utf8Encode('120') })).code, 0x44);
    assert.equal(r.dm.servers.read(0)!.get(1), 120);
    assert.equal((await r.ask({ method: 'POST', path: '/3/0/5' })).code, 0x44);
    await r.run(3_000);
    assert.ok(r.requests.some((q) => q.method === Method.DELETE), 'De-register sent');
    assert.equal(r.dm.servers.read(0)!.get(1), 60, 'Lifetime back to the factory value');
    assert.deepEqual(r.forgotten, [DM_URI]);
    assert.equal(r.restarts.length, 1);
    const again = new DataModel({ store: (r.dm as unknown as { opts: { store: MemoryObjectStore } }).opts.store });
    again.restore();
    assert.equal(again.servers.read(0)!.get(1), 60, 'and so it is stored');
  });

  it("an application's own Reboot handler is kept", async () => {
    let calls = 0;
    const r = rig({ restart: true, appReboot: () => (calls++, 0x44) });
    void r.client.start();
    await r.run(500);
    assert.equal((await r.ask({ method: 'POST', path: '/3/0/4' })).code, 0x44);
    await r.run(3_000);
    assert.equal(calls, 1);
    assert.deepEqual(r.restarts, []);
  });

  it('Current Time (3/0/13) is read from the host wall clock and keeps running after a Write', async () => {
    const r = rig({ wallClock: true });
    void r.client.start();
    await r.run(500);
    const t = await r.ask({ method: 'GET', path: '/3/0/13', accept: ContentFormat.Text });
    assert.equal(t.code, 0x45);
    const read1 = Number(utf8Decode(t.payload));
    assert.ok(Math.abs(read1 - (EPOCH_MS + r.host.now()) / 1000) <= 1, `${read1}`);
    assert.equal((await r.ask({ method: 'PUT', path: '/3/0/13', contentFormat: ContentFormat.Text, payload: utf8Encode('1000') })).code, 0x44);
    await r.run(10_000);
    const t2 = Number(utf8Decode((await r.ask({ method: 'GET', path: '/3/0/13', accept: ContentFormat.Text })).payload));
    assert.ok(t2 >= 1010 && t2 <= 1011, `${t2}`);
  });
});
