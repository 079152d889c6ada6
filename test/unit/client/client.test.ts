/**
 * The client's state machine on simulated time, against a scripted LwM2M/Bootstrap server written
 * here from the LwM2M 1.1 Transport binding (the interop and end-to-end suites use real servers).
 */
import { assert } from '../../harness/assert';
import { SimHost, DatagramPipe } from '../../harness/sim';
import { CoapEndpoint, type IncomingRequest, type ResponseSpec } from '../../../modules/coap/endpoint';
import { Option, stringOption } from '../../../modules/coap/options';
import { Method } from '../../../modules/coap/codes';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { encodeTlv, decodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { ContentFormat, type Entry, type ResourceContent } from '../../../modules/lwm2m/types';
import { utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { Lwm2mClient, type ClientEvent, type Lwm2mClientOptions } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import type { Connector } from '../../../modules/client/connector';
import type { ServerAccount } from '../../../modules/client/accounts';
import { TemperatureObject } from '../lwm2m/fixtures';

interface Rig {
  host: SimHost;
  dm: DataModel;
  client: Lwm2mClient;
  events: ClientEvent[];
  /** Server-side endpoint per account URI, created when the client connects. */
  servers: Map<string, { endpoint: CoapEndpoint; requests: IncomingRequest[]; pipe: DatagramPipe }>;
  handlers: Map<string, (req: IncomingRequest) => ResponseSpec>;
  opened: string[];
}

function makeDm(): DataModel {
  const dm = new DataModel({ store: new MemoryObjectStore() });
  dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'sim', serial: 'SN1', firmwareVersion: '0.1', binding: 'U' }));
  const t = new TemperatureObject();
  t.store(0, new Map<number, ResourceContent>([[5700, 21.5], [5701, 'Cel']]));
  dm.register(t);
  return dm;
}

function rig(factory: Parameters<typeof applyFactoryConfig>[1], handlers: Record<string, (req: IncomingRequest) => ResponseSpec>, extra: Partial<Lwm2mClientOptions> = {}, dm = makeDm()): Rig {
  const host = new SimHost({ seed: 7 });
  applyFactoryConfig(dm, factory);
  const r: Rig = { host, dm, client: null as unknown as Lwm2mClient, events: [], servers: new Map(), handlers: new Map(Object.entries(handlers)), opened: [] };
  const connector: Connector = {
    open: async (account: ServerAccount) => {
      r.opened.push(account.uri);
      const pipe = new DatagramPipe(host.clock, 5);
      const endpoint = new CoapEndpoint(host, pipe.b);
      const requests: IncomingRequest[] = [];
      endpoint.onRequest((req) => {
        requests.push(req);
        const h = r.handlers.get(account.uri);
        return h ? h(req) : { code: 0x84 };
      });
      r.servers.set(account.uri, { endpoint, requests, pipe });
      return { channel: pipe.a, security: 'nosec' };
    },
  };
  r.client = new Lwm2mClient({ host, endpointName: 'dev-1', dataModel: dm, connector, onEvent: (e) => r.events.push(e), retry: { initialMs: 1000, maxMs: 8000, failuresBeforeBootstrap: 3 }, ...extra });
  return r;
}

/** Runs the simulated clock until `done` or `limitMs` pass, letting promise jobs run between timer slices. */
async function runUntil(host: SimHost, done: () => boolean, limitMs = 600_000, stepMs = 50): Promise<void> {
  for (let t = 0; t < limitMs && !done(); t += stepMs) {
    host.clock.advance(stepMs);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

const DM_URI = 'coap://192.0.2.10:5683';
const BS_URI = 'coap://192.0.2.20:5683';

function registrar(location = 'rd/x1') {
  return (req: IncomingRequest): ResponseSpec => {
    if (req.method === Method.POST && req.path.join('/') === 'rd') return { code: 0x41, options: location.split('/').map((s) => stringOption(Option.LocationPath, s)) };
    if (req.method === Method.POST && req.path.join('/') === location) return { code: 0x44 };
    if (req.method === Method.DELETE && req.path.join('/') === location) return { code: 0x42 };
    return { code: 0x84 };
  };
}

const dmFactory = { accounts: [{ uri: DM_URI, securityMode: 3, shortServerId: 101, lifetime: 60 }] };

describe('LwM2M client on simulated time', () => {
  it('LightweightM2M-1.1-int-101 Initial Registration: registers with the query and link payload the Transport binding asks for', async () => {
    const r = rig(dmFactory, { [DM_URI]: registrar() });
    const started = r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'));
    await started;
    const reg = r.servers.get(DM_URI)!.requests[0];
    assert.equal(reg.method, Method.POST);
    assert.deepEqual(reg.path, ['rd']);
    assert.deepEqual([...reg.query].sort(), ['b=U', 'ep=dev-1', 'lt=60', 'lwm2m=1.1']);
    assert.equal(reg.contentFormat, ContentFormat.LinkFormat);
    const links = utf8Decode(reg.payload);
    assert.ok(links.includes('</3/0>') && links.includes('</3303/0>') && links.includes('</1/0>'), links);
    assert.ok(!links.includes('</0/'), 'the Security Object is never announced');
    assert.equal(r.client.registrations().get(101), '/rd/x1');
  });

  it('LightweightM2M-1.1-int-102 Registration Update / LightweightM2M-1.1-int-103 Deregistration: sends Update before the lifetime runs out, and De-register on stop', async () => {
    const r = rig(dmFactory, { [DM_URI]: registrar() });
    void r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'));
    const t0 = r.host.now();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'updated'), 120_000);
    const upd = r.servers.get(DM_URI)!.requests[1];
    assert.deepEqual(upd.path, ['rd', 'x1']);
    assert.equal(upd.payload.length, 0, 'a plain Update carries no links');
    const elapsed = r.host.now() - t0;
    assert.ok(elapsed >= 50_000 && elapsed <= 60_000, `update after ${elapsed} ms, lifetime 60 s`);
    const stopping = r.client.stop();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'stopped'));
    await stopping;
    const last = r.servers.get(DM_URI)!.requests.at(-1)!;
    assert.equal(last.method, Method.DELETE);
    assert.deepEqual(last.path, ['rd', 'x1']);
    assert.ok(r.events.some((e) => e.type === 'deregistered'));
  });

  it('LightweightM2M-1.1-int-203 Querying basic information in TLV / LightweightM2M-1.1-int-260 Discover / LightweightM2M-1.1-int-227 Write on Resource / LightweightM2M-1.1-int-221 operations on Security: serves Read, Discover and Write, and refuses the Security Object and its secrets', async () => {
    const r = rig({ accounts: [{ uri: DM_URI, securityMode: 3, shortServerId: 101, lifetime: 300 }] }, { [DM_URI]: registrar() });
    void r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'));
    const srv = r.servers.get(DM_URI)!.endpoint;
    const get = (path: string, accept?: number) => {
      const p = srv.request({ method: 'GET', path, accept });
      return runUntil(r.host, () => false, 200).then(() => p);
    };
    const dev = await get('/3/0', ContentFormat.Tlv);
    assert.equal(dev.code, 0x45);
    const entries = decodeTlv([3, 0], dev.payload, r.dm.resolve);
    assert.equal(entries.find((e: Entry) => e.path[2] === 0)?.value, 'xs-lwm2m');
    assert.equal((await get('/0')).code, 0x81);
    assert.equal((await get('/0/0/5')).code, 0x81);
    const disc = await get('/3303', ContentFormat.LinkFormat);
    assert.equal(disc.code, 0x45);
    assert.ok(utf8Decode(disc.payload).includes('</3303/0/5700>'));
    const w = srv.request({ method: 'PUT', path: '/1/0/1', contentFormat: 0, payload: utf8Encode('120') });
    await runUntil(r.host, () => false, 200);
    assert.equal((await w).code, 0x44);
    // The lifetime change is reported to the server with an Update carrying lt=120.
    await runUntil(r.host, () => r.servers.get(DM_URI)!.requests.some((q) => q.query.includes('lt=120')), 5000);
    assert.ok(r.servers.get(DM_URI)!.requests.some((q) => q.method === Method.POST && q.query.includes('lt=120')));
  });

  it('LightweightM2M-1.1-int-301 Observation and Notification of parameter values: notifies an observer honouring pmin and pmax', async () => {
    const r = rig(dmFactory, { [DM_URI]: registrar() });
    void r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'));
    const srv = r.servers.get(DM_URI)!.endpoint;
    const wa = srv.request({ method: 'PUT', path: '/3303/0/5700', query: ['pmin=10', 'pmax=30'] });
    await runUntil(r.host, () => false, 200);
    assert.equal((await wa).code, 0x44);
    const notes: { at: number; value: string }[] = [];
    const obsP = srv.observe({ method: 'GET', path: '/3303/0/5700', accept: 0 }, (n) => notes.push({ at: r.host.now(), value: utf8Decode(n.payload) }));
    await runUntil(r.host, () => false, 200);
    const obs = await obsP;
    assert.equal(utf8Decode(obs.response.payload), '21.5');
    const t0 = r.host.now();
    const temp = r.dm.object(3303) as TemperatureObject;
    temp.setValue(0, 5700, 22);
    r.client.changed('/3303/0/5700');
    await runUntil(r.host, () => notes.length >= 1, 20_000);
    assert.equal(notes[0].value, '22');
    assert.ok(notes[0].at - t0 >= 9_500, `first change notified after ${notes[0].at - t0} ms despite pmin=10 s`);
    // No change: pmax forces a notification 30 s after the last one.
    await runUntil(r.host, () => notes.length >= 2, 40_000);
    assert.ok(notes[1].at - notes[0].at >= 29_000 && notes[1].at - notes[0].at <= 31_000, `pmax notification after ${notes[1].at - notes[0].at} ms`);
  });

  it('LightweightM2M-1.1-int-301 (gt/lt/st): notifies only when gt/lt are crossed or the step st is reached', async () => {
    const r = rig(dmFactory, { [DM_URI]: registrar() });
    void r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'));
    const srv = r.servers.get(DM_URI)!.endpoint;
    const wa = srv.request({ method: 'PUT', path: '/3303/0/5700', query: ['gt=25', 'st=5'] });
    await runUntil(r.host, () => false, 200);
    assert.equal((await wa).code, 0x44);
    const notes: string[] = [];
    const obsP = srv.observe({ method: 'GET', path: '/3303/0/5700', accept: 0 }, (n) => notes.push(utf8Decode(n.payload)));
    await runUntil(r.host, () => false, 200);
    await obsP;
    const temp = r.dm.object(3303) as TemperatureObject;
    const set = async (v: number) => {
      temp.setValue(0, 5700, v);
      r.client.changed('/3303/0/5700');
      await runUntil(r.host, () => false, 500);
    };
    await set(22); // from 21.5: below gt, step 0.5 < 5 -> nothing
    await set(24.9); // step 3.4 from last notified 21.5 -> nothing
    assert.deepEqual(notes, []);
    await set(25.5); // crosses gt=25 -> notify
    assert.deepEqual(notes, ['25.5']);
    await set(26); // no crossing, step 0.5
    await set(31); // step 5.5 from 25.5 -> notify
    assert.deepEqual(notes, ['25.5', '31']);
  });

  it('LightweightM2M-1.1-int-0 Client Initiated Bootstrap: bootstraps from the factory Bootstrap-Server account, then registers with what it wrote', async () => {
    const dmPsk = new Uint8Array(16).fill(0x42);
    let bsRequests = 0;
    const r = rig({ accounts: [{ uri: BS_URI, bootstrap: true, securityMode: 3, holdOffS: 3 }] }, {
      [BS_URI]: (req) => {
        bsRequests++;
        return req.method === Method.POST && req.path[0] === 'bs' && req.query.includes('ep=dev-1') ? { code: 0x44 } : { code: 0x84 };
      },
      [DM_URI]: registrar('rd/bs1'),
    });
    const started = r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'bootstrap-request-sent'), 10_000);
    assert.ok(r.host.now() >= 3000, 'Client Hold Off Time respected');
    assert.equal(bsRequests, 1);
    const bs = r.servers.get(BS_URI)!.endpoint;
    const sec: Entry[] = [
      { path: [0, 1, 0], type: 'string', value: DM_URI },
      { path: [0, 1, 1], type: 'boolean', value: false },
      { path: [0, 1, 2], type: 'integer', value: 3 },
      { path: [0, 1, 3], type: 'opaque', value: utf8Encode('dev-1') },
      { path: [0, 1, 5], type: 'opaque', value: dmPsk },
      { path: [0, 1, 10], type: 'integer', value: 101 },
    ];
    const srv: Entry[] = [
      { path: [1, 0, 0], type: 'integer', value: 101 },
      { path: [1, 0, 1], type: 'integer', value: 300 },
      { path: [1, 0, 6], type: 'boolean', value: false },
      { path: [1, 0, 7], type: 'string', value: 'U' },
    ];
    const send = async (req: Parameters<CoapEndpoint['request']>[0]) => {
      const p = bs.request(req);
      await runUntil(r.host, () => false, 300);
      return p;
    };
    assert.equal((await send({ method: 'PUT', path: '/0/1', contentFormat: ContentFormat.Tlv, payload: encodeTlv([0, 1], sec, () => false) })).code, 0x44);
    assert.equal((await send({ method: 'PUT', path: '/1/0', contentFormat: ContentFormat.Tlv, payload: encodeTlv([1, 0], srv, () => false) })).code, 0x44);
    // Bootstrap-Read of the Security Object is refused, and its secret is not readable at all.
    assert.equal((await send({ method: 'GET', path: '/0/1' })).code, 0x81);
    const fin = await send({ method: 'POST', path: '/bs' });
    assert.equal(fin.code, 0x44);
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'), 20_000);
    await started;
    assert.deepEqual(r.opened, [BS_URI, DM_URI]);
    assert.equal(r.client.registrations().get(101), '/rd/bs1');
  });

  it('LightweightM2M-1.1-int-7 Fallback to bootstrap: retries a failing registration with back-off, then falls back to bootstrap', async () => {
    let refusals = 0;
    const r = rig({ accounts: [{ uri: BS_URI, bootstrap: true, securityMode: 3 }, { uri: DM_URI, securityMode: 3, shortServerId: 101, lifetime: 60 }] }, {
      [DM_URI]: () => {
        refusals++;
        return { code: 0x83 }; // 4.03 Forbidden
      },
      [BS_URI]: (req) => (req.path[0] === 'bs' ? { code: 0x44 } : { code: 0x84 }),
    });
    void r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'bootstrap-request-sent'), 60_000);
    const fails = r.events.filter((e): e is Extract<ClientEvent, { type: 'registration-failed' }> => e.type === 'registration-failed');
    assert.equal(fails.length, 3);
    assert.deepEqual(fails.map((f) => f.retryInMs), [1000, 2000, 4000]);
    assert.equal(refusals, 3);
    assert.ok(fails[0].reason.includes('4.03'), fails[0].reason);
  });

  it('LightweightM2M-1.1-int-4 Bootstrap Delete: unbootstrapping a DM server de-registers from it on the wire', async () => {
    const r = rig({ accounts: [{ uri: BS_URI, bootstrap: true, securityMode: 3 }, { uri: DM_URI, securityMode: 3, shortServerId: 101, lifetime: 300 }] }, {
      [DM_URI]: registrar('rd/u1'),
      [BS_URI]: (req) => (req.path[0] === 'bs' ? { code: 0x44 } : { code: 0x84 }),
    });
    void r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'));
    // A Bootstrap-Server-initiated session (Server-Initiated Bootstrap): delete the DM account.
    const dmIid = r.dm.security.instanceIds().find((i) => r.dm.security.shortServerId(i) === 101)!;
    const res = r.dm.handle({ kind: 'bootstrap-delete', path: [0, dmIid] }, { kind: 'bootstrap' });
    assert.equal(res.code, 0x42);
    await runUntil(r.host, () => r.events.some((e) => e.type === 'deregistered'), 10_000);
    const last = r.servers.get(DM_URI)!.requests.at(-1)!;
    assert.equal(last.method, Method.DELETE);
    assert.deepEqual(last.path, ['rd', 'u1']);
    assert.equal(r.dm.servers.instanceOf(101), undefined, 'the Server instance went with it');
  });

  it('LightweightM2M-1.1-int-108 Turn on Queue Mode / LightweightM2M-1.1-int-109 Behavior in Queue Mode: allows sleep after the idle time, wakes with an Update', async () => {
    const r = rig({ accounts: [{ uri: DM_URI, securityMode: 3, shortServerId: 101, lifetime: 600, binding: 'UQ' }] }, { [DM_URI]: registrar() }, { queueIdleMs: 30_000 });
    void r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'));
    const reg = r.servers.get(DM_URI)!.requests[0];
    assert.ok(reg.query.includes('b=UQ'), reg.query.join('&'));
    const t0 = r.host.now();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'sleep-allowed'), 60_000);
    const sleep = r.events.find((e) => e.type === 'sleep-allowed') as Extract<ClientEvent, { type: 'sleep-allowed' }>;
    assert.ok(sleep, 'no sleep-allowed event');
    const idle = r.host.now() - t0;
    assert.ok(idle >= 29_000 && idle <= 31_000, `sleep allowed after ${idle} ms of idle time`);
    // Sleep may last until shortly before the next Update is due (lifetime 600 s, margin 60 s).
    assert.ok(sleep.untilMs > r.host.now() && sleep.untilMs <= t0 + 540_000, `sleep until ${sleep.untilMs}`);
    const wake = r.client.wake();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'updated'), 5_000);
    await wake;
    const upd = r.servers.get(DM_URI)!.requests.at(-1)!;
    assert.deepEqual(upd.path, ['rd', 'x1']);
  });

  it('purges the Bootstrap-Server account after its Account Timeout', async () => {
    let bsSeen = 0;
    const r = rig({ accounts: [{ uri: BS_URI, bootstrap: true, securityMode: 3, bootstrapAccountTimeoutS: 120 }] }, {
      [BS_URI]: (req) => {
        bsSeen++;
        return req.path[0] === 'bs' ? { code: 0x44 } : { code: 0x84 };
      },
      [DM_URI]: registrar(),
    });
    void r.client.start();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'bootstrap-request-sent'), 10_000);
    const bs = r.servers.get(BS_URI)!.endpoint;
    const sec: Entry[] = [
      { path: [0, 1, 0], type: 'string', value: DM_URI },
      { path: [0, 1, 1], type: 'boolean', value: false },
      { path: [0, 1, 2], type: 'integer', value: 3 },
      { path: [0, 1, 10], type: 'integer', value: 101 },
    ];
    const srv: Entry[] = [
      { path: [1, 0, 0], type: 'integer', value: 101 },
      { path: [1, 0, 1], type: 'integer', value: 3600 },
      { path: [1, 0, 6], type: 'boolean', value: false },
      { path: [1, 0, 7], type: 'string', value: 'U' },
    ];
    void bs.request({ method: 'PUT', path: '/0/1', contentFormat: ContentFormat.Tlv, payload: encodeTlv([0, 1], sec, () => false) });
    await runUntil(r.host, () => false, 300);
    void bs.request({ method: 'PUT', path: '/1/0', contentFormat: ContentFormat.Tlv, payload: encodeTlv([1, 0], srv, () => false) });
    await runUntil(r.host, () => false, 300);
    void bs.request({ method: 'POST', path: '/bs' });
    await runUntil(r.host, () => r.events.some((e) => e.type === 'bootstrap-finished'), 10_000);
    const finishedAt = r.host.now();
    await runUntil(r.host, () => r.events.some((e) => e.type === 'registered'), 10_000);
    assert.ok(r.dm.security.bootstrapInstance() !== undefined, 'bootstrap account present right after bootstrap');
    await runUntil(r.host, () => r.events.some((e) => e.type === 'bootstrap-account-purged'), 200_000);
    const purgedAfter = r.host.now() - finishedAt;
    assert.ok(purgedAfter >= 119_000 && purgedAfter <= 121_000, `purged after ${purgedAfter} ms`);
    assert.equal(r.dm.security.bootstrapInstance(), undefined);
    assert.ok(bsSeen >= 1);
    assert.equal(r.client.registrations().get(101), '/rd/x1', 'the DM registration is untouched');
  });

  it('a refused Bootstrap-Request is retried with back-off and reported, never left dangling', async () => {
    // In Node, watch for unhandled rejections (XS has no such hook; the Node run covers it).
    const g = globalThis as { process?: { on(e: string, f: (r: unknown) => void): void; off(e: string, f: (r: unknown) => void): void }; setTimeout?: (f: () => void, ms: number) => unknown };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    g.process?.on('unhandledRejection', onUnhandled);
    const r = rig({ accounts: [{ uri: BS_URI, bootstrap: true, securityMode: 3 }] }, { [BS_URI]: () => ({ code: 0x83 }) }, { bootstrapTimeoutMs: 5_000 });
    const started = r.client.start();
    await runUntil(r.host, () => r.events.filter((e) => e.type === 'bootstrap-failed').length >= 3, 60_000);
    await started;
    const fails = r.events.filter((e): e is Extract<ClientEvent, { type: 'bootstrap-failed' }> => e.type === 'bootstrap-failed');
    assert.deepEqual(fails.slice(0, 3).map((f) => f.retryInMs), [1000, 2000, 4000]);
    assert.ok(fails[0].reason.includes('4.03'), fails[0].reason);
    // Long after the Bootstrap-Finish timeout would have fired: nothing else happened.
    await runUntil(r.host, () => false, 20_000);
    assert.ok(!r.events.some((e) => e.type === 'registered'));
    await r.client.stop();
    if (g.setTimeout) await new Promise<void>((resolve) => g.setTimeout!(resolve, 20));
    g.process?.off('unhandledRejection', onUnhandled);
    assert.equal(unhandled.length, 0, `unhandled rejection: ${String(unhandled[0])}`);
  });
});
