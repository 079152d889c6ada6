/**
 * Firmware update self-check for the Moddable simulator (and any Moddable host): the whole modules/fota
 * cycle on the host's own flash regions and crypto provider (the native one: crypt Digest + ecdsa), with
 * images signed by OpenSSL on the build machine (passed in as hex). One trace line per check, then
 * `N passed, N failed`. Runs on XS only (trace, real timers). See hosts/esp32/README-fota.md.
 */
import { fromHex } from '../../modules/bytes/index';
import type { Host } from '../../modules/host';
import { FirmwareSlots, FirmwareUpdate, FwResult, FwState, regionView, type SlotIndex } from '../../modules/fota/index';

export interface FotaVectors {
  publicKey: string;
  /** Version 1 (factory), version 2 (the update), and version 3 signed with another key. */
  v1: string;
  v2: string;
  bad: string;
}

export async function fotaSelfCheck(host: Host, label: string, vectors: FotaVectors): Promise<void> {
  host.log('info', `xs-lwm2m ${label} fota self-check (crypto: ${host.crypto.name})`);
  let passed = 0;
  let failed = 0;
  const check = (name: string, ok: boolean, detail = '') => {
    if (ok) passed++;
    else failed++;
    trace(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ' ' + detail : ''}\n`);
  };
  const tick = () => new Promise<void>((r) => host.setTimer(0, r));
  try {
    const chip = host.flash('fota');
    const ss = chip.sectorSize;
    const per = Math.floor((chip.size / ss - 2) / 2);
    const layout = { meta: regionView(chip, 0, 2), slots: [regionView(chip, 2, per), regionView(chip, 2 + per, per)] as const };
    for (let s = 0; s < chip.size / ss; s++) chip.eraseSector(s);
    const publicKey = fromHex(vectors.publicKey);
    const v1 = fromHex(vectors.v1);
    const v2 = fromHex(vectors.v2);
    const bad = fromHex(vectors.bad);
    layout.slots[0].write(0, v1);
    let restarts = 0;
    const bootDevice = () => {
      const slots = new FirmwareSlots({ ...layout, crypto: host.crypto, publicKey });
      const t0 = host.now();
      const d = slots.boot();
      const ms = host.now() - t0;
      const fw = new FirmwareUpdate({ host, slots, restart: () => restarts++, trialTimeoutMs: 60_000 });
      fw.start();
      return { slots, fw, d, ms };
    };
    const push = async (fw: FirmwareUpdate, img: Uint8Array) => {
      let code = 0;
      for (let o = 0, num = 0; o < img.length; o += 1024, num++) {
        code = fw.pushBlock(num, 6, o + 1024 < img.length, img.subarray(o, Math.min(img.length, o + 1024)));
        await tick();
      }
      return code;
    };

    let dev = bootDevice();
    check('boot: factory image in slot A verifies (SHA-256 + ECDSA P-256)', dev.d.slot === 0 && dev.d.header?.versionString === '1.0', `${dev.ms} ms`);
    const t1 = host.now();
    const code = await push(dev.fw, v2);
    check('push: Block1-sized blocks to slot B, verified: State Downloaded', code === 0x44 && dev.fw.state === FwState.Downloaded, `${host.now() - t1} ms, PkgVersion ${dev.fw.pkgVersion}`);
    check('Update executed: 2.04', dev.fw.executeUpdate() === 0x44);
    await tick();
    check('switched to slot B and asked for a restart', restarts === 1);
    dev = bootDevice();
    check('boot after restart: slot B in trial, State Updating', dev.d.slot === 1 && dev.d.trial && dev.fw.state === FwState.Updating);
    dev.fw.registered();
    check('registered: confirmed, State Idle, Update Result 1', dev.fw.state === FwState.Idle && dev.fw.result === FwResult.Success && !dev.slots.bootRecord().trial);
    await push(dev.fw, bad);
    check('image signed with another key: refused, Update Result 5', dev.fw.state === FwState.Idle && dev.fw.result === FwResult.IntegrityFailure);
    dev = bootDevice();
    check('still running slot B after the refusal', dev.d.slot === (1 as SlotIndex) && dev.d.header?.versionString === '2.0');
  } catch (e) {
    check('fota cycle', false, `threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  trace(`${passed} passed, ${failed} failed\n`);
}
