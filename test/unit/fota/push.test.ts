/**
 * The Object 5 state machine with push delivery (Package written in RFC 7959 Block1 blocks), driven
 * through FirmwareUpdate's block interface on simulated flash and time.
 */
import { assert } from '../../harness/assert';
import { FwResult, FwState, HEADER_LENGTH, signImage } from '../../../modules/fota/index';
import { nobleCrypto } from '../../../modules/crypto/noble';
import type { FlashRegion } from '../../../modules/host';
import { OTHER_SIGNER, SIGNER, boot, image, newChip, program, push } from './fixtures';

const CONTINUE = 0x5f, CHANGED = 0x44, INCOMPLETE = 0x88, NOT_ALLOWED = 0x85, TOO_LARGE = 0x8d;

function factory(version = 1) {
  const chip = newChip();
  program(chip, 0, image(version));
  return chip;
}

describe('fota: Object 5 push delivery and install', () => {
  it('push, verify, Update, restart into the trial image, confirm after registering', () => {
    const chip = factory();
    let dev = boot(chip);
    assert.equal(dev.fw.state, FwState.Idle);
    assert.equal(dev.fw.pkgVersion, '1.1.0');
    const img = image(2);
    const codes = push(dev, img);
    assert.deepEqual(codes, [...codes.slice(0, -1).map(() => CONTINUE), CHANGED]);
    assert.equal(dev.fw.state, FwState.Downloaded);
    assert.equal(dev.fw.result, FwResult.Initial);
    assert.equal(dev.fw.pkgVersion, '1.2.0', 'PkgVersion names the downloaded package');
    assert.equal(dev.fw.executeUpdate(), CHANGED);
    assert.equal(dev.fw.state, FwState.Updating);
    dev.host.clock.advance(0);
    assert.equal(dev.restarts, 1);
    dev = boot(chip);
    assert.equal(dev.slots.active, 1);
    assert.ok(dev.slots.bootRecord().trial);
    assert.equal(dev.fw.state, FwState.Updating);
    dev.fw.registered();
    assert.equal(dev.fw.state, FwState.Idle);
    assert.equal(dev.fw.result, FwResult.Success);
    assert.equal(dev.fw.pkgVersion, '1.2.0');
    dev = boot(chip);
    assert.equal(dev.slots.active, 1);
    assert.ok(!dev.slots.bootRecord().trial);
    assert.equal(dev.fw.result, FwResult.Success);
  });

  it('a new block 0 restarts the transfer; a retried block is harmless; a gap is 4.08', () => {
    const chip = factory();
    const dev = boot(chip);
    const bad = image(9, 5000);
    const img = image(2);
    const blk = (d: Uint8Array, n: number) => d.subarray(n * 1024, (n + 1) * 1024);
    assert.equal(dev.fw.pushBlock(0, 6, true, blk(bad, 0)), CONTINUE);
    assert.equal(dev.fw.pushBlock(1, 6, true, blk(bad, 1)), CONTINUE);
    dev.host.clock.advance(0);
    assert.equal(dev.fw.pushBlock(3, 6, true, blk(bad, 3)), INCOMPLETE, 'block 2 is missing');
    // The server starts over with another image: block 0 restarts.
    assert.equal(dev.fw.pushBlock(0, 6, true, blk(img, 0)), CONTINUE);
    assert.equal(dev.fw.pushBlock(0, 6, true, blk(img, 0)), CONTINUE, 'block 0 again restarts once more');
    dev.host.clock.advance(0);
    assert.equal(dev.fw.pushBlock(1, 6, true, blk(img, 1)), CONTINUE);
    assert.equal(dev.fw.pushBlock(1, 6, true, blk(img, 1)), CONTINUE, 'a retried block is acknowledged again');
    dev.host.clock.advance(0);
    assert.equal(dev.fw.pushBlock(1, 6, true, blk(img, 1)), CONTINUE, 'even after it reached flash');
    const n = Math.ceil(img.length / 1024);
    for (let i = 2; i < n; i++) {
      assert.equal(dev.fw.pushBlock(i, 6, i < n - 1, blk(img, i)), i < n - 1 ? CONTINUE : CHANGED);
      dev.host.clock.advance(0);
    }
    assert.equal(dev.fw.state, FwState.Downloaded, dev.fw.lastError);
    assert.equal(dev.fw.pushBlock(n - 1, 6, false, blk(img, n - 1)), CHANGED, 'a retried last block after completion');
    assert.equal(dev.fw.pkgVersion, '1.2.0');
  });

  it('every block is acknowledged before the flash erase it needs (the erase runs after the answer)', () => {
    const chip = factory();
    const events: string[] = [];
    const spy: FlashRegion = {
      size: chip.size,
      sectorSize: chip.sectorSize,
      read: (o, n) => chip.read(o, n),
      write: (o, d) => chip.write(o, d),
      eraseSector: (i) => {
        events.push('erase');
        chip.eraseSector(i);
      },
    };
    const dev = boot(spy);
    const img = image(2);
    for (let o = 0, num = 0; o < img.length; o += 1024, num++) {
      const before = events.length;
      const code = dev.fw.pushBlock(num, 6, o + 1024 < img.length, img.subarray(o, o + 1024));
      assert.equal(events.length, before, `block ${num}: no erase before its answer`);
      events.push(`ack ${num} ${code}`);
      dev.host.clock.advance(0);
    }
    assert.ok(events.filter((e) => e === 'erase').length >= 3, 'the slot was erased sector by sector');
    assert.equal(dev.fw.state, FwState.Downloaded, dev.fw.lastError);
  });

  it('a bad signature ends in Idle with Update Result 5 and nothing installed', () => {
    const chip = factory();
    const dev = boot(chip);
    push(dev, image(2, 9000, OTHER_SIGNER.privateKey));
    assert.equal(dev.fw.state, FwState.Idle);
    assert.equal(dev.fw.result, FwResult.IntegrityFailure);
    assert.equal(dev.fw.executeUpdate(), NOT_ALLOWED);
    assert.equal(boot(chip).slots.active, 0);
  });

  it('a payload byte changed (hash) and a truncated image each end with Update Result 5', () => {
    for (const mutate of [(d: Uint8Array) => ((d[HEADER_LENGTH + 5000] ^= 1), d), (d: Uint8Array) => d.subarray(0, d.length - 100)]) {
      const chip = factory();
      const dev = boot(chip);
      push(dev, mutate(image(2).slice()));
      assert.equal(dev.fw.state, FwState.Idle);
      assert.equal(dev.fw.result, FwResult.IntegrityFailure);
      assert.equal(boot(chip).slots.active, 0);
    }
  });

  it('a download shorter than the header declares is refused (Result 5) even when the missing tail reads like erased flash', () => {
    const chip = factory();
    const dev = boot(chip);
    const body = new Uint8Array(5000).fill(0x42);
    body.fill(0xff, 4900);
    const img = signImage(nobleCrypto, SIGNER.privateKey, body, { version: 2, name: 'x', versionString: 'tail' }, new Uint8Array(32).fill(9));
    push(dev, img.subarray(0, img.length - 100));
    assert.equal(dev.fw.state, FwState.Idle);
    assert.equal(dev.fw.result, FwResult.IntegrityFailure);
  });

  it('an older version is refused (anti-rollback) with Update Result 6; an image too large for the slot with 2', () => {
    const chip = factory(5);
    let dev = boot(chip);
    push(dev, image(4));
    assert.equal(dev.fw.state, FwState.Idle);
    assert.equal(dev.fw.result, FwResult.UnsupportedPackage);
    dev = boot(chip);
    const big = image(6, 4 * 4096);
    const codes = push(dev, big);
    assert.equal(codes[codes.length - 1], TOO_LARGE);
    assert.equal(dev.fw.result, FwResult.NotEnoughFlash);
    assert.equal(boot(chip).slots.active, 0);
  });

  it('an empty Package write resets to Idle with Update Result 0; Update outside Downloaded is 4.05', () => {
    const dev = boot(factory());
    assert.equal(dev.fw.executeUpdate(), NOT_ALLOWED);
    push(dev, image(2));
    assert.equal(dev.fw.state, FwState.Downloaded);
    assert.equal(dev.fw.writePackage(new Uint8Array(0)), CHANGED);
    assert.equal(dev.fw.state, FwState.Idle);
    assert.equal(dev.fw.result, FwResult.Initial);
    assert.equal(dev.fw.executeUpdate(), NOT_ALLOWED);
  });

  it('a platform installer gets the verified slot after the switch; if it fails the switch is undone (Result 8)', () => {
    const calls: string[] = [];
    const chip = factory();
    let fail = true;
    const installer = {
      install: (region: FlashRegion, h: { size: number; versionString: string }) => {
        calls.push(`install ${h.versionString} ${region.read(HEADER_LENGTH, 4).length}`);
        if (fail) throw new Error('esp_ota_end: image invalid');
      },
      confirm: () => calls.push('confirm'),
      rollback: () => calls.push('rollback'),
    };
    let dev = boot(chip, undefined, { installer });
    push(dev, image(2));
    dev.fw.executeUpdate();
    dev.host.clock.advance(0);
    assert.deepEqual(calls, ['install 1.2.0 4']);
    assert.equal(dev.restarts, 0, 'no restart into an image the platform refused');
    assert.equal(dev.fw.result, FwResult.UpdateFailed);
    assert.ok(!dev.slots.bootRecord().trial);
    assert.equal(dev.slots.active, 0);
    fail = false;
    push(dev, image(2));
    dev.fw.executeUpdate();
    dev.host.clock.advance(0);
    assert.equal(dev.restarts, 1);
    dev = boot(chip, undefined, { installer });
    dev.fw.registered();
    assert.deepEqual(calls, ['install 1.2.0 4', 'install 1.2.0 4', 'confirm']);
  });

  it('a trial image that never registers rolls back by itself (timer), and at the next boot if power goes', () => {
    const chip = factory();
    let dev = boot(chip);
    push(dev, image(2));
    dev.fw.executeUpdate();
    dev.host.clock.advance(0);
    dev = boot(chip);
    assert.equal(dev.slots.active, 1);
    dev.host.clock.advance(60_000);
    assert.equal(dev.restarts, 1, 'restarted into the old image');
    assert.equal(dev.fw.result, FwResult.UpdateFailed);
    dev = boot(chip);
    assert.equal(dev.slots.active, 0);
    assert.equal(dev.fw.state, FwState.Idle);
    assert.equal(dev.fw.result, FwResult.UpdateFailed);
    // Again, but the trial image dies before its timer: the boot counter rolls back.
    push(dev, image(3));
    dev.fw.executeUpdate();
    dev.host.clock.advance(0);
    dev = boot(chip);
    assert.equal(dev.slots.active, 1);
    dev = boot(chip); // a second boot in trial without a confirm
    assert.equal(dev.slots.active, 0);
    assert.equal(dev.fw.result, FwResult.UpdateFailed);
    assert.equal(dev.fw.pkgVersion, '1.1.0');
  });
});
