/**
 * The client benchmark scenario, host-neutral so it runs in Node and in XS: a device with the
 * standard objects bootstraps over DTLS PSK, registers with a DM server over DTLS PSK, is observed,
 * and sends one notification. Everything is on simulated time with seeded randomness.
 *
 * 'full' runs the device against scripted servers (our DtlsServer + CoapEndpoint) and records every
 * datagram. 'replay' runs the device alone against the recording: because the device is deterministic
 * for a given seed, it sends the same bytes, and the recorded server datagrams are delivered at the
 * same simulated times. In XS, replay's meters are the device's cost only.
 */
import { SimHost, DatagramPipe } from '../test/harness/sim';
import { CoapEndpoint, type IncomingRequest, type ResponseSpec } from '../modules/coap/endpoint';
import { Option, stringOption } from '../modules/coap/options';
import { DtlsServer } from '../modules/dtls/server';
import { DtlsClient } from '../modules/dtls/client';
import { DataModel } from '../modules/lwm2m/data-model';
import { DeviceObject } from '../modules/lwm2m/objects/device';
import { ConnectivityObject } from '../modules/lwm2m/objects/connectivity';
import { FirmwareObject } from '../modules/lwm2m/objects/firmware';
import { InstanceObject, defineObject } from '../modules/lwm2m/model';
import { MemoryObjectStore } from '../modules/lwm2m/persistence';
import { ContentFormat, type ResourceContent } from '../modules/lwm2m/types';
import { Lwm2mClient } from '../modules/client/client';
import { applyFactoryConfig, securityInstanceTlv, serverInstanceTlv } from '../modules/client/factory';
import type { Connector } from '../modules/client/connector';
import type { DatagramChannel } from '../modules/transport/types';
import { equalBytes, fromHex, toHex } from '../modules/bytes/index';

export type Phase = 'bootstrap' | 'register' | 'notify';
export interface Recorded {
  uri: string;
  events: { dir: 'c2s' | 's2c'; at: number; phase: Phase; hex: string }[];
}
export interface ScenarioResult {
  recordings: Recorded[];
  bytes: Record<Phase, { c2s: number; s2c: number; datagrams: number }>;
  notifications: number;
  done: boolean;
  /** The live client and its data model, so a caller can measure the heap they hold. */
  keep?: unknown;
}

const BS_URI = 'coaps://192.0.2.20:5684';
const DM_URI = 'coaps://192.0.2.10:5684';
const BS_KEY = fromHex('000102030405060708090a0b0c0d0e0f');
const DM_KEY = fromHex('f0e0d0c0b0a090807060504030201000');

const TEMPERATURE = defineObject(3303, 'Temperature', true, false, [
  [5700, 'Sensor Value', 'R', false, true, 'float'],
  [5701, 'Sensor Units', 'R', false, false, 'string'],
]);

function deviceModel(): { dm: DataModel; temp: InstanceObject } {
  const dm = new DataModel({ store: new MemoryObjectStore() });
  dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'bench', serial: 'B-1', firmwareVersion: '0.1.0', binding: 'U' }));
  dm.register(new ConnectivityObject());
  dm.register(new FirmwareObject());
  const temp = new InstanceObject(TEMPERATURE);
  temp.store(0, new Map<number, ResourceContent>([[5700, 21.5], [5701, 'Cel']]));
  dm.register(temp);
  applyFactoryConfig(dm, { accounts: [{ uri: BS_URI, bootstrap: true, pskIdentity: 'bench-bs', pskKey: BS_KEY.slice() }] });
  return { dm, temp };
}

function bootstrapWrites(): { path: string; payload: Uint8Array }[] {
  const account = { uri: DM_URI, pskIdentity: 'bench', pskKey: DM_KEY, shortServerId: 101, lifetime: 3600 };
  return [
    { path: '/0/1', payload: securityInstanceTlv(1, account) },
    { path: '/1/0', payload: serverInstanceTlv(0, account) },
  ];
}

/** Runs the clock in slices, letting promise jobs settle between them (works in XS: no real timers). */
/**
 * Replay only: awaited after every clock step in which the device received a datagram, so that the XS benchmark can
 * end the delivery there and take a heap snapshot between two steps of a handshake (bench/client.bench.ts).
 */
export const stepGate: { wait: (() => Promise<void>) | null; delivered: boolean } = { wait: null, delivered: false };

async function run(host: SimHost, until: () => boolean, limitMs: number): Promise<void> {
  for (let t = 0; t < limitMs && !until(); t += 20) {
    host.clock.advance(20);
    for (let i = 0; i < 4; i++) await Promise.resolve();
    if (stepGate.wait && stepGate.delivered) {
      stepGate.delivered = false;
      await stepGate.wait();
    }
  }
}

/** A channel that plays back the servers' side of a recording and checks the device says the same. */
class ReplayChannel implements DatagramChannel {
  readonly maxDatagramSize = 1152;
  onReceive: ((d: Uint8Array) => void) | null = null;
  onClose: ((r: Error | null) => void) | null = null;
  private next = 0;
  constructor(
    private readonly host: SimHost,
    private readonly rec: Recorded,
  ) {}
  send(data: Uint8Array): void {
    const e = this.rec.events[this.next];
    if (!e || e.dir !== 'c2s' || !equalBytes(fromHex(e.hex), data)) throw new Error(`replay diverged at event ${this.next} of ${this.rec.uri}`);
    this.next++;
    while (this.next < this.rec.events.length && this.rec.events[this.next].dir === 's2c') {
      const r = this.rec.events[this.next++];
      const bytes = fromHex(r.hex);
      this.host.setTimer(Math.max(0, r.at - this.host.now()), () => {
        stepGate.delivered = true;
        this.onReceive?.(bytes);
      });
    }
  }
  close(): void {}
}

export async function runScenario(mode: 'full' | 'replay', recordings: Recorded[] = []): Promise<ScenarioResult> {
  const host = new SimHost({ seed: 11 });
  const serverHost = new SimHost({ seed: 12 });
  // The servers share the device's clock so that one timeline orders everything.
  serverHost.now = () => host.now();
  serverHost.setTimer = (ms, fn) => host.setTimer(ms, fn);
  serverHost.clearTimer = (t) => host.clearTimer(t);
  let phase: Phase = 'bootstrap';
  const result: ScenarioResult = { recordings: [], bytes: { bootstrap: { c2s: 0, s2c: 0, datagrams: 0 }, register: { c2s: 0, s2c: 0, datagrams: 0 }, notify: { c2s: 0, s2c: 0, datagrams: 0 } }, notifications: 0, done: false };
  const { dm, temp } = deviceModel();
  let dmEndpoint: CoapEndpoint | null = null;
  let registered = false;
  let bootstrapDone = false;

  const serve = (uri: string, pipe: DatagramPipe, key: Uint8Array, handler: (ep: CoapEndpoint) => (req: IncomingRequest) => ResponseSpec) => {
    const dtls = new DtlsServer(serverHost, { psk: () => key.slice() });
    dtls.onConnection = (conn) => {
      const ep = new CoapEndpoint(serverHost, conn);
      ep.onRequest(handler(ep));
      if (uri === DM_URI) dmEndpoint = ep;
    };
    dtls.attach(pipe.b);
  };

  const connector: Connector = {
    open: async (account) => {
      if (mode === 'replay') {
        const rec = recordings.find((r) => r.uri === account.uri)!;
        return openDtls(host, new ReplayChannel(host, rec), dm, account.securityIid, account.identity);
      }
      const pipe = new DatagramPipe(host.clock, 20);
      const rec: Recorded = { uri: account.uri, events: [] };
      result.recordings.push(rec);
      pipe.filter = (data, dir) => {
        rec.events.push({ dir: dir === 'a->b' ? 'c2s' : 's2c', at: host.now() + (dir === 'b->a' ? 20 : 0), phase, hex: toHex(data) });
        return 'deliver';
      };
      if (account.uri === BS_URI) {
        serve(BS_URI, pipe, BS_KEY, (ep) => (req) => {
          if (req.path[0] === 'bs') {
            host.setTimer(50, async () => {
              for (const w of bootstrapWrites()) await ep.request({ method: 'PUT', path: w.path, contentFormat: ContentFormat.Tlv, payload: w.payload });
              const fin = await ep.request({ method: 'POST', path: '/bs' });
              bootstrapDone = fin.code === 0x44;
            });
            return { code: 0x44 };
          }
          return { code: 0x84 };
        });
      } else {
        serve(DM_URI, pipe, DM_KEY, () => (req) => {
          if (req.path.join('/') === 'rd') {
            registered = true;
            return { code: 0x41, options: [stringOption(Option.LocationPath, 'rd'), stringOption(Option.LocationPath, 'b1')] };
          }
          return { code: 0x44 };
        });
      }
      return openDtls(host, pipe.a, dm, account.securityIid, account.identity);
    },
  };

  const client = new Lwm2mClient({ host, endpointName: 'bench', dataModel: dm, connector });
  void client.start();
  // The device sets bootstrapDone's counterpart by emitting nothing we can see in replay: use its own account list.
  await run(host, () => (mode === 'full' ? bootstrapDone : dm.security.instanceIds().length > 1), 120_000);
  if (mode === 'full' && !bootstrapDone) throw new Error('bootstrap did not finish');
  phase = 'register';
  await run(host, () => client.registrations().size > 0 && (mode === 'replay' || registered), 60_000);
  phase = 'notify';
  if (mode === 'full') {
    const ep = dmEndpoint as CoapEndpoint | null;
    if (!ep) throw new Error('no DM endpoint');
    // The clock only moves inside run(): start the requests, then let time pass.
    void ep.request({ method: 'PUT', path: '/3303/0/5700', query: ['pmin=0'] }).catch(() => {});
    await run(host, () => false, 500);
    void ep.observe({ method: 'GET', path: '/3303/0/5700', accept: ContentFormat.Text }, () => result.notifications++);
  }
  await run(host, () => false, 2_000);
  temp.setValue(0, 5700, 23.25);
  client.changed('/3303/0/5700');
  await run(host, () => false, 2_000);
  result.done = client.registrations().size > 0;
  result.keep = { client, dm };
  if (mode === 'full') {
    for (const rec of result.recordings) {
      for (const e of rec.events) {
        const b = result.bytes[e.phase];
        b.datagrams++;
        if (e.dir === 'c2s') b.c2s += e.hex.length / 2;
        else b.s2c += e.hex.length / 2;
      }
    }
  }
  return result;
}

async function openDtls(host: SimHost, lower: DatagramChannel, dm: DataModel, securityIid: number, identity: Uint8Array) {
  const psk = dm.secret(securityIid, 5)!;
  const c = new DtlsClient(host, lower, { psk, identity });
  psk.fill(0);
  await c.connect();
  return { channel: c, security: 'dtls-psk' as const };
}
