/**
 * The Node host's boot loader: makes the boot decision on the firmware slots (counting a trial boot,
 * rolling back a trial that was never confirmed), writes the active slot's payload, the bundled
 * device application, to `<dataDir>/run/slot-<n>.mjs` and runs it in a child process. When the
 * application exits with RESTART_EXIT_CODE (75, it installed an update or rolled one back) or
 * crashes, it boots again, like a device reset; exit code 0 ends the launcher.
 *
 * CLI: node --import tsx hosts/node/launcher.ts <device-config.json>
 *   (the JSON of DeviceAppConfig: dataDir, endpoint, serverUri, pskIdentity, pskKey, publicKey, ...)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../modules/bytes/index';
import { nobleCrypto } from '../../modules/crypto/noble';
import { openNodeFirmware, slotPayload } from './fota';
import { RESTART_EXIT_CODE, type DeviceAppConfig } from './app';

export interface BootEvent {
  boot: number;
  slot: number;
  version: string;
  trial: boolean;
  rolledBack: boolean;
}

/** One boot: decide, extract, run; resolves with the application's exit code. */
export async function bootOnce(configPath: string, n: number, onBoot?: (e: BootEvent) => void, stdio: 'inherit' | 'pipe' = 'inherit', onOutput?: (line: string) => void, signal?: AbortSignal): Promise<number> {
  const cfg = JSON.parse(readFileSync(configPath, 'utf8')) as DeviceAppConfig;
  const fw = openNodeFirmware(cfg.dataDir, nobleCrypto, fromHex(cfg.publicKey), cfg.slotSectors);
  let file: string;
  try {
    const d = fw.slots.boot();
    if (!d.header) throw new Error('no slot holds an image that verifies');
    onBoot?.({ boot: n, slot: d.slot, version: d.header.versionString, trial: d.trial, rolledBack: d.rolledBack });
    const dir = join(cfg.dataDir, 'run');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    file = join(dir, `slot-${d.slot}.mjs`);
    writeFileSync(file, slotPayload(fw, d.slot), { mode: 0o600 });
  } finally {
    fw.close();
  }
  return new Promise((res) => {
    const child = spawn(process.execPath, [file], { stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'], env: { ...process.env, XS_LWM2M_DEVICE_CONFIG: resolve(configPath), XS_LWM2M_BOOTED: '1' }, signal, killSignal: 'SIGTERM' });
    child.on('error', () => {}); // an abort kills the child; its exit is reported below
    if (stdio === 'pipe') {
      for (const s of [child.stdout!, child.stderr!]) {
        let buf = '';
        s.on('data', (d: Buffer) => {
          buf += d.toString();
          let k;
          while ((k = buf.indexOf('\n')) >= 0) {
            onOutput?.(buf.slice(0, k));
            buf = buf.slice(k + 1);
          }
        });
      }
    }
    child.on('exit', (code, signal) => res(code ?? (signal ? 128 : 1)));
  });
}

/** Boots until the application exits with 0 (or `maxBoots` boots went by). */
export async function runLauncher(configPath: string, opts: { maxBoots?: number; onBoot?: (e: BootEvent) => void; stdio?: 'inherit' | 'pipe'; onOutput?: (line: string) => void; signal?: AbortSignal } = {}): Promise<number> {
  const max = opts.maxBoots ?? 50;
  for (let n = 1; n <= max; n++) {
    const code = await bootOnce(configPath, n, opts.onBoot, opts.stdio, opts.onOutput, opts.signal);
    if (code === 0 || opts.signal?.aborted) return code;
    if (code !== RESTART_EXIT_CODE) console.error(`launcher: the application exited with ${code}; booting again`);
  }
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cfg = process.argv[2];
  if (!cfg) {
    console.error('usage: launcher.ts <device-config.json>');
    process.exit(2);
  }
  void runLauncher(cfg, { onBoot: (e) => console.log(`launcher: boot ${e.boot}: slot ${e.slot}, version ${e.version}${e.trial ? ' (trial)' : ''}${e.rolledBack ? ' (rolled back)' : ''}`) }).then((c) => process.exit(c));
}
