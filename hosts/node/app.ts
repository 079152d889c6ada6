/**
 * The device application the Node host runs from its active firmware slot: the LwM2M client with
 * Objects 3 and 5, Object 5 live (modules/fota) with push and pull delivery. It is what gets bundled,
 * signed and shipped as an update (tools/fw-build.ts), and what hosts/node/launcher.ts runs.
 *
 * Run as a program (the bundle's entry, app-main.ts) it reads its configuration from the JSON file
 * named by XS_LWM2M_DEVICE_CONFIG, and asks the launcher for a restart by exiting with code 75.
 */
import { readFileSync } from 'node:fs';
import { NodeHost } from './host';
import { openNodeFirmware, type NodeFirmware } from './fota';
import { fromHex } from '../../modules/bytes/index';
import { DataModel } from '../../modules/lwm2m/data-model';
import { coapLimits, NODE_PROFILE } from '../../modules/profile';
import { DeviceObject } from '../../modules/lwm2m/objects/device';
import { FirmwareObject } from '../../modules/lwm2m/objects/firmware';
import { KeyStore } from '../../modules/store/key-store';
import { Lwm2mClient, type ClientEvent } from '../../modules/client/client';
import { UdpDtlsConnector } from '../../modules/client/connector';
import { applyFactoryConfig, KeyStoreObjectStore } from '../../modules/client/factory';
import { readAccounts } from '../../modules/client/accounts';
import { CoapPackageSource } from '../../modules/client/fota-source';
import { FirmwareUpdate, type BootDecision } from '../../modules/fota/index';

/** Exit code that tells hosts/node/launcher.ts to boot again (into whatever the boot record names). */
export const RESTART_EXIT_CODE = 75;

export interface DeviceAppConfig {
  dataDir: string;
  endpoint: string;
  serverUri: string;
  pskIdentity: string;
  /** Hex. Used on first boot only (then it lives sealed in the key store). */
  pskKey: string;
  /** The firmware signer's public key, hex (65-byte uncompressed P-256 point). */
  publicKey: string;
  lifetime?: number;
  trialTimeoutMs?: number;
  slotSectors?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The launcher already made the boot decision (and counted a trial boot): do not boot() again. */
  booted?: boolean;
}

export interface DeviceApp {
  host: NodeHost;
  dm: DataModel;
  client: Lwm2mClient;
  engine: FirmwareUpdate;
  firmware: NodeFirmware;
  decision: BootDecision | null;
  /** Stops everything without de-registering (what a reboot looks like to the server). */
  shutdown(): Promise<void>;
}

export async function startDeviceApp(cfg: DeviceAppConfig, hooks: { restart: () => void; onEvent?: (e: ClientEvent) => void; onRunning?: (name: string, version: string) => void }): Promise<DeviceApp> {
  const host = new NodeHost({ dataDir: cfg.dataDir, logLevel: cfg.logLevel ?? 'warn' });
  const firmware = openNodeFirmware(cfg.dataDir, host.crypto, fromHex(cfg.publicKey), cfg.slotSectors);
  const decision = cfg.booted ? null : firmware.slots.boot();
  const running = firmware.slots.header(firmware.slots.active);
  hooks.onRunning?.(running?.name ?? '', running?.versionString ?? '');
  const keys = KeyStore.open(host, 'keys');
  // A Node process runs with the larger NODE_PROFILE limits (modules/profile.ts); a device keeps DEVICE_PROFILE.
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys), maxPayload: NODE_PROFILE.lwm2mMaxPayload });
  dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'node', serial: cfg.endpoint, firmwareVersion: running?.versionString ?? 'unknown', binding: 'U' }));
  dm.restore();
  if (readAccounts(dm).length === 0) {
    // coaps:// with the PSK; coap:// is NoSec (Security Mode 3), e.g. for a third-party server without DTLS.
    const nosec = cfg.serverUri.startsWith('coap://');
    applyFactoryConfig(dm, { accounts: [{ uri: cfg.serverUri, ...(nosec ? { securityMode: 3 } : { pskIdentity: cfg.pskIdentity, pskKey: fromHex(cfg.pskKey) }), shortServerId: 101, lifetime: cfg.lifetime ?? 60 }] });
  }
  const engine = new FirmwareUpdate({
    host,
    slots: firmware.slots,
    source: new CoapPackageSource(host, dm, new UdpDtlsConnector(host)),
    restart: () => hooks.restart(),
    trialTimeoutMs: cfg.trialTimeoutMs ?? 60_000,
    pullRetryDelayMs: 500,
  });
  dm.register(new FirmwareObject(engine));
  engine.start();
  const client = new Lwm2mClient({ host, endpointName: cfg.endpoint, dataModel: dm, firmware: engine, onEvent: hooks.onEvent, retry: { initialMs: 1000, maxMs: 5000 }, coap: coapLimits(NODE_PROFILE) });
  await client.start();
  let down = false;
  return {
    host,
    dm,
    client,
    engine,
    firmware,
    decision,
    async shutdown() {
      if (down) return;
      down = true;
      engine.stop();
      await client.stop({ deregister: false }).catch(() => {});
      host.dispose();
      keys.close();
      firmware.close();
    },
  };
}

/** The program: configuration from a file, restart through the launcher. */
export async function main(): Promise<void> {
  const path = process.env.XS_LWM2M_DEVICE_CONFIG;
  if (!path) {
    console.error('XS_LWM2M_DEVICE_CONFIG must name the device configuration file (JSON)');
    process.exit(2);
  }
  const cfg = JSON.parse(readFileSync(path, 'utf8')) as DeviceAppConfig;
  let app: DeviceApp | null = null;
  const restart = () => {
    void (app ? app.shutdown() : Promise.resolve()).finally(() => process.exit(RESTART_EXIT_CODE));
  };
  let running = '';
  app = await startDeviceApp({ ...cfg, booted: process.env.XS_LWM2M_BOOTED === '1' || cfg.booted }, {
    restart,
    onRunning: (name, version) => (running = `${name} ${version}`),
    onEvent: (e) => {
      if (e.type === 'registered') console.log(`device ${cfg.endpoint}: registered, running ${running}`);
      if (e.type === 'registration-failed') console.log(`device ${cfg.endpoint}: registration failed: ${e.reason}`);
    },
  });
  const stop = () => void app!.shutdown().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
