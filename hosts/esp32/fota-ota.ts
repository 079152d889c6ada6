/**
 * Platform installers for modules/fota on Moddable (FirmwareInstaller): what happens after an image
 * was downloaded into a slot, verified (SHA-256 + ECDSA P-256 with the native provider) and switched to.
 * NOT BUILT OR RUN in this repository's checks: `embedded:storage/flash` and `embedded:update` exist on
 * ESP32 only (not in the Linux simulator), and there is no ESP-IDF here. Type-checked against the SDK's
 * typings (see hosts/esp32/README-fota.md).
 *
 * - esp32AppInstaller: full firmware. The payload is an ESP-IDF application image; it is streamed from
 *   the slot into the next OTA partition with ECMA-419 `embedded:update` (esp_ota_begin/write/end, which
 *   checks the app image, then esp_ota_set_boot_partition on complete()). With the bootloader's rollback
 *   enabled (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) the new app starts in ESP_OTA_IMG_PENDING_VERIFY:
 *   confirm() marks it valid once it registered, rollback() marks it invalid and reboots into the old one,
 *   and a reset before either makes the bootloader go back by itself. Natives in fota-native.c (ffi).
 * - xsModInstaller: JavaScript only, the way Moddable updates JS in the field. The payload is an XS
 *   archive (an .xsa built by `mcrun`), written to the "xs" (mods) partition; the host loads it at the
 *   next start. rollback() writes the previous slot's archive back, so the old mod runs again.
 */
import Update from 'embedded:update';
import FlashStorage from 'embedded:storage/flash';
import FFI from 'mc/ffi';
import { Digest } from 'crypt';
import type { FlashRegion } from '../../modules/host';
import { HEADER_LENGTH, type ImageHeader } from '../../modules/fota/image';
import type { FirmwareInstaller } from '../../modules/fota/update';

export class FotaInstallError extends Error {
  // A field (define semantics): Error.prototype is frozen on Moddable.
  override name = 'FotaInstallError';
}

/** Bytes copied per step: one flash sector, so RAM use stays at one buffer. */
const CHUNK = 4096;

function copyPayload(slot: FlashRegion, header: ImageHeader, write: (chunk: Uint8Array, offset: number) => void): void {
  for (let o = 0; o < header.size; o += CHUNK) write(slot.read(HEADER_LENGTH + o, Math.min(CHUNK, header.size - o)), o);
}

export function esp32AppInstaller(): FirmwareInstaller {
  const natives = new FFI();
  return {
    install(slot, header) {
      const partition = FlashStorage.open({ path: 'nextota', mode: 'r+' });
      try {
        const ota = Update.open({ partition, mode: 'w', byteLength: header.size });
        try {
          copyPayload(slot, header, (chunk) => ota.write(chunk));
          ota.complete();
        } catch (e) {
          ota.close();
          throw e;
        }
      } finally {
        partition.close();
      }
    },
    confirm() {
      if (natives.xslwm2m_ota_mark_valid() !== 0) throw new FotaInstallError('esp_ota_mark_app_valid_cancel_rollback failed');
    },
    rollback() {
      // Does not return: the bootloader boots the previous app.
      natives.xslwm2m_ota_rollback();
    },
  };
}

export function xsModInstaller(): FirmwareInstaller {
  const write = (slot: FlashRegion, header: ImageHeader) => {
    const xs = FlashStorage.open({ path: 'xs', mode: 'r+' });
    try {
      const st = xs.status();
      if (header.size > st.size) throw new FotaInstallError(`mod of ${header.size} bytes does not fit the ${st.size}-byte xs partition`);
      xs.eraseBlock(0, Math.ceil(header.size / st.blockLength));
      copyPayload(slot, header, (chunk, offset) => xs.write(chunk, offset));
    } finally {
      xs.close();
    }
  };
  return {
    install: write,
    rollback(previous, header) {
      if (header) write(previous, header);
    },
  };
}

/** SlotsOptions.hasher on Moddable: the native SHA-256 (crypt Digest), fed a sector at a time. */
export function nativeSha256(): { update(data: Uint8Array): void; digest(): Uint8Array } {
  const d = new Digest('SHA256');
  return {
    update(data) {
      d.write((data.buffer as ArrayBuffer).slice(data.byteOffset, data.byteOffset + data.byteLength));
    },
    digest: () => new Uint8Array(d.close()),
  };
}
