/**
 * The whole client on a Moddable host (simulator or ESP32), against the servers of tools/sim-scenario.ts:
 * client-initiated bootstrap over DTLS PSK, registration, the server's Read of /3/0 and Observe of /3/0/13
 * (Current Time, notified every second while observed), then De-register three seconds after the observation began
 * (OMA LwM2M 1.1 Core §6.1-§6.4). Each step is traced; the last line is `scenario done` or `scenario FAILED`.
 * Memory figures (when the build has instrumentation) are traced at load, after registration and at the end.
 */
import Timer from 'timer';
import type { Host } from '../../modules/host';
import { DataModel } from '../../modules/lwm2m/data-model';
import { DeviceObject } from '../../modules/lwm2m/objects/device';
import { KeyStore } from '../../modules/store/key-store';
import { Lwm2mClient, type ClientEvent } from '../../modules/client/client';
import { applyFactoryConfig, KeyStoreObjectStore } from '../../modules/client/factory';
import { keyStoreSessions } from '../../modules/client/connector';
import { fromHex } from '../../modules/bytes/index';
import { memoryLine } from './memory';

export interface ScenarioOptions {
  /** The Bootstrap-Server, coaps://<IP>:<port> (tools/sim-scenario.ts listens on 127.0.0.1:15100 by default). */
  bootstrapUri: string;
  /** DTLS suites to offer to the Bootstrap-Server, e.g. [0xC037] for ECDHE-PSK. Default: the client's own. */
  cipherSuites?: number[];
  endpoint?: string;
  /** Appended to the memory lines (the simulator's live-peak meter, memory.ts). */
  report?: () => string;
}

/** The fixed test credentials of tools/sim-scenario.ts (test values, never a real device's). */
const BS_IDENTITY = 'xs-lwm2m-sim-bs';
const BS_KEY_HEX = '000102030405060708090a0b0c0d0e0f';

export function runClientScenario(host: Host, options: ScenarioOptions): void {
  const mem = () => (options.report ? `${memoryLine()} ${options.report()}` : memoryLine());
  trace(`scenario: start ${mem()}\n`);
  const step = (what: string) => {
    if (options.report) trace(`scenario: ${what} ${mem()}\n`);
  };
  const keys = KeyStore.open(host, 'keys');
  step('key store open');
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
  step('data model');
  let now = 1_767_225_600; // 2026-01-01T00:00:00Z, advanced by the ticker below
  const device = new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'moddable', serial: 'SIM-0001', firmwareVersion: '0.1.0', binding: 'U' }, () => now * 1000);
  device.setValue(0, 13, now); // Current Time is present once set; it then follows the clock
  dm.register(device);
  step('device object');
  dm.restore();
  step('restored');
  applyFactoryConfig(dm, { accounts: [{ uri: options.bootstrapUri, bootstrap: true, pskIdentity: BS_IDENTITY, pskKey: fromHex(BS_KEY_HEX), cipherSuites: options.cipherSuites }] });
  step('factory config');
  let notified = 0;
  let stopping = false;
  let observing = false;
  let ticker: Timer | null = null;
  const finish = (ok: boolean, why: string) => {
    if (ticker) Timer.clear(ticker);
    ticker = null;
    trace(`scenario ${ok ? 'done' : 'FAILED'}: ${why} ${mem()}\n`);
  };
  const onEvent = (e: ClientEvent) => {
    const code = 'code' in e ? ` ${e.code >> 5}.${String(e.code & 31).padStart(2, '0')}` : '';
    const path = 'path' in e ? ` ${e.path}` : '';
    const op = 'op' in e ? ` ${e.op}` : '';
    const suite = e.type === 'connected' && e.cipherSuite !== undefined ? ` suite 0x${e.cipherSuite.toString(16)}` : '';
    trace(`scenario: ${e.type}${op}${path}${code}${suite}\n`);
    if (options.report || e.type === 'registered') trace(`scenario: ${e.type} ${mem()}\n`);
    if (e.type === 'observe' && e.active > 0) observing = true;
  };
  // Three seconds (three changes of /3/0/13, each notified) after the observation began: de-register.
  const tick = () => {
    if (!observing || stopping || ++notified < 3) return;
    {
      stopping = true;
      trace(`scenario: observed ${mem()}\n`);
      client.stop({ deregister: true }).then(
        () => { keys.close(); finish(true, 'de-registered'); },
        (err: unknown) => finish(false, `de-register: ${String(err)}`),
      );
    }
  };
  const client = new Lwm2mClient({ host, endpointName: options.endpoint ?? 'xs-lwm2m-sim', dataModel: dm, sessions: keyStoreSessions(keys), onEvent });
  step('client');
  ticker = Timer.repeat(() => {
    now++;
    client.changed('/3/0/13');
    tick();
  }, 1000);
  client.start().catch((err: unknown) => finish(false, `start: ${String(err)}`));
}
