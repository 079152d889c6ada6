// Shared set-up of the SMS end-to-end suites: the local LwM2M Server reached through the virtual SMSC,
// and a device on the Node host whose only link is a simulated modem driven by modules/modem.
import { mkdtempSync, rmSync } from 'node:fs';
import { assert } from '../../harness/assert';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NodeHost } from '../../../hosts/node/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import type { ResourceContent } from '../../../modules/lwm2m/types';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { UdpDtlsConnector } from '../../../modules/client/connector';
import { BindingConnector, SmsConnector } from '../../../modules/client/sms-connector';
import { applyFactoryConfig, KeyStoreObjectStore, type FactoryAccount } from '../../../modules/client/factory';
import { Modem } from '../../../modules/modem/modem';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { SimModem, VirtualSmsc } from '../../../tools/modem-sim/index';
import { SmsServerGateway, type SmsDeviceConfig } from '../../../tools/sms-gateway';
import { TemperatureObject } from '../../unit/lwm2m/fixtures';

export const SERVER_NUMBER = '+15550009';

export type Mode = 'aes' | '3des' | 'dtls' | 'nosec';

/** KIc/KID codings (TS 102 225 §5.1.2/§5.1.3): 0x02 AES (CBC / CMAC), 0x09 3-key 3DES (CBC / CBC-MAC). */
export function keyParameters(mode: 'aes' | '3des', tar = 0x01): Uint8Array {
  const k = mode === 'aes' ? 0x02 : 0x09;
  return Uint8Array.of(k, k, 0x16, 0x00, 0xbf, 0xff, tar);
}

export function credentials(mode: Mode, msisdn: string, ep: string) {
  if (mode === 'aes' || mode === '3des') {
    const keys = new Uint8Array(randomBytes(mode === 'aes' ? 32 : 48));
    const params = keyParameters(mode);
    const server: SmsDeviceConfig = { msisdn, mode: 'secured', keyParameters: params, secretKeys: keys.slice() };
    const sms: FactoryAccount['sms'] = { mode: 2, keyParameters: params, secretKeys: keys.slice(), number: SERVER_NUMBER };
    return { server, sms, identity: undefined as string | undefined };
  }
  if (mode === 'dtls') {
    const psk = new Uint8Array(randomBytes(16));
    return { server: { msisdn, mode: 'dtls', identity: ep, psk: psk.slice() } as SmsDeviceConfig, sms: { mode: 1, secretKeys: psk.slice(), number: SERVER_NUMBER }, identity: ep };
  }
  return { server: { msisdn, mode: 'nosec' } as SmsDeviceConfig, sms: { mode: 3, number: SERVER_NUMBER }, identity: undefined };
}

export interface SmsWorld {
  smsc: VirtualSmsc;
  server: Lwm2mTestServer;
  gateway: SmsServerGateway;
  close(): Promise<void>;
}

export async function smsWorld(opts: { psk?: { identity: string; key: Uint8Array }[]; queueAwakeMs?: number } = {}): Promise<SmsWorld> {
  const smsc = new VirtualSmsc({ latencyMs: 2 });
  const server = await Lwm2mTestServer.start({ port: 0, psk: opts.psk, queueAwakeMs: opts.queueAwakeMs });
  const gateway = new SmsServerGateway(server, smsc, SERVER_NUMBER);
  return {
    smsc,
    server,
    gateway,
    async close() {
      gateway.close();
      await server.stop();
    },
  };
}

export interface SmsDevice {
  host: NodeHost;
  dm: DataModel;
  temp: TemperatureObject;
  sim: SimModem;
  modem: Modem;
  counters: CounterStore;
  keys: KeyStore;
  client: Lwm2mClient;
  events: ClientEvent[];
  logs: { level: string; msg: string }[];
  close(): Promise<void>;
}

export async function smsDevice(world: SmsWorld, o: { ep: string; msisdn: string; accounts: FactoryAccount[]; dataDir?: string; queueIdleMs?: number; retry?: { initialMs: number; maxMs: number; failuresBeforeBootstrap: number } }): Promise<SmsDevice> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'xs-lwm2m-sms-'));
  const logs: { level: string; msg: string }[] = [];
  const host = new NodeHost({ dataDir, logLevel: 'warn', log: (level, msg) => logs.push({ level, msg }) });
  const keys = KeyStore.open(host, 'keys');
  const counters = CounterStore.open(host, 'counters');
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
  dm.register(new DeviceObject({ manufacturer: 'sms-e2e', model: 'node+modem', serial: 'S-' + o.msisdn, firmwareVersion: '1.0.0', binding: 'S' }));
  const temp = new TemperatureObject();
  temp.store(0, new Map<number, ResourceContent>([[5700, 20], [5701, 'Cel']]));
  dm.register(temp);
  dm.restore();
  applyFactoryConfig(dm, { accounts: o.accounts });
  const sim = new SimModem({ number: o.msisdn, smsc: world.smsc });
  const modem = new Modem(host, sim.stream(), { at: { defaultTimeoutMs: 5000 } });
  await modem.init();
  const events: ClientEvent[] = [];
  const connector = new BindingConnector(new UdpDtlsConnector(host), new SmsConnector(host, { bearer: modem.sms, counters }));
  const client = new Lwm2mClient({ host, endpointName: o.ep, dataModel: dm, connector, smsNumber: o.msisdn, queueIdleMs: o.queueIdleMs, retry: o.retry, onEvent: (e) => events.push(e) });
  return {
    host, dm, temp, sim, modem, counters, keys, client, events, logs,
    async close() {
      await client.stop({ deregister: false }).catch(() => {});
      modem.close();
      world.smsc.detach(o.msisdn);
      counters.close();
      keys.close();
      host.dispose();
      if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Injects SMS-DELIVER TPDUs to `msisdn` as an attacker would, one at a time, each until modules/modem has handed
 * it up (a burst would overflow the simulated modem's storage), then waits `settleMs` for the device to act.
 */
export async function injectSms(world: SmsWorld, dev: SmsDevice, msisdn: string, tpdus: readonly Uint8Array[], settleMs: number): Promise<void> {
  for (const t of tpdus) {
    const target = dev.modem.sms.stats.received + 1;
    world.smsc.inject(msisdn, t, 'attacker');
    for (let i = 0; i < 400 && dev.modem.sms.stats.received < target; i++) await sleep(2);
    assert.equal(dev.modem.sms.stats.received, target, 'the SMS reached the device');
  }
  for (let i = 0; i < 400 && dev.modem.at.busy; i++) await sleep(5);
  await sleep(settleMs);
  assert.equal(dev.sim.stats.storageFull, 0);
}
