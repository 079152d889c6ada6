/** Shared fixtures of the UICC suites: a provisioned device and its simulated card. */
import { fromHex } from '../../../modules/bytes/index';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { KeyStore } from '../../../modules/store/key-store';
import { provisionSmartcardBinding } from '../../../modules/uicc/bootstrap';
import { SimUicc, type SimUiccOptions } from '../../../tools/uicc-sim/index';
import { pskBootstrapFile } from '../../../tools/uicc-sim/bootstrap-file';
import { SimHost } from '../../harness/sim';

export const ICCID = '8944500123456789012';
export const DEVICE_ENC = '404142434445464748494a4b4c4d4e4f';
export const DEVICE_MAC = '505152535455565758595a5b5c5d5e5f';
export const ADMIN_ENC = '606162636465666768696a6b6c6d6e6f';
export const ADMIN_MAC = '707172737475767778797a7b7c7d7e7f';
export const PSK = '000102030405060708090a0b0c0d0e0f';

/** The bootstrap information the card holds: one DM server account (PSK) at `uri`. */
export function bootstrapFile(uri: string, identity = 'card-dev', psk = PSK, ssid = 101): Uint8Array {
  return pskBootstrapFile(uri, identity, fromHex(psk), ssid);
}

export function makeCard(o: Partial<SimUiccOptions> & { uri?: string } = {}): SimUicc {
  return new SimUicc({
    iccid: o.iccid ?? ICCID,
    crypto: nobleCrypto,
    keySets: o.keySets ?? [
      { kvn: 0x30, enc: fromHex(DEVICE_ENC), mac: fromHex(DEVICE_MAC), role: 'device' },
      { kvn: 0x40, enc: fromHex(ADMIN_ENC), mac: fromHex(ADMIN_MAC), role: 'admin' },
    ],
    bootstrap: o.bootstrap ?? bootstrapFile(o.uri ?? 'coaps://127.0.0.1:5684'),
    sms: o.sms,
    t0: o.t0,
    plainSmsFiles: o.plainSmsFiles,
  });
}

/** A device host with the card binding sealed in its KeyStore. */
export function provisionedDevice(seed = 5, o: { iccid?: string; enc?: string; mac?: string; level?: number } = {}): { host: SimHost; keys: KeyStore } {
  const host = new SimHost({ seed });
  const keys = KeyStore.open(host, 'keys');
  provisionSmartcardBinding(keys, { iccid: o.iccid ?? ICCID, kvn: 0x30, enc: fromHex(o.enc ?? DEVICE_ENC), mac: fromHex(o.mac ?? DEVICE_MAC), level: o.level });
  return { host, keys };
}
