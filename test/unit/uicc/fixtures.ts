/** Shared fixtures of the UICC suites: a provisioned device and its simulated card. */
import { fromHex, utf8Encode } from '../../../modules/bytes/index';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { encodeTlv } from '../../../modules/lwm2m/formats/tlv';
import type { Entry } from '../../../modules/lwm2m/types';
import { KeyStore } from '../../../modules/store/key-store';
import { encodeBootstrapFile } from '../../../modules/uicc/pkcs15';
import { provisionSmartcardBinding } from '../../../modules/uicc/bootstrap';
import { SimUicc, type SimUiccOptions } from '../../../tools/uicc-sim/index';
import { SimHost } from '../../harness/sim';

export const ICCID = '8944500123456789012';
export const DEVICE_ENC = '404142434445464748494a4b4c4d4e4f';
export const DEVICE_MAC = '505152535455565758595a5b5c5d5e5f';
export const ADMIN_ENC = '606162636465666768696a6b6c6d6e6f';
export const ADMIN_MAC = '707172737475767778797a7b7c7d7e7f';
export const PSK = '000102030405060708090a0b0c0d0e0f';

/** The bootstrap information the card holds: one DM server account (PSK) at `uri`. */
export function bootstrapFile(uri: string, identity = 'card-dev', psk = PSK, ssid = 101): Uint8Array {
  const sec: Entry[] = [
    { path: [0, 0, 0], type: 'string', value: uri },
    { path: [0, 0, 1], type: 'boolean', value: false },
    { path: [0, 0, 2], type: 'integer', value: 0 },
    { path: [0, 0, 3], type: 'opaque', value: utf8Encode(identity) },
    { path: [0, 0, 4], type: 'opaque', value: new Uint8Array(0) },
    { path: [0, 0, 5], type: 'opaque', value: fromHex(psk) },
    { path: [0, 0, 10], type: 'integer', value: ssid },
  ];
  const srv: Entry[] = [
    { path: [1, 0, 0], type: 'integer', value: ssid },
    { path: [1, 0, 1], type: 'integer', value: 300 },
    { path: [1, 0, 6], type: 'boolean', value: false },
    { path: [1, 0, 7], type: 'string', value: 'U' },
  ];
  return encodeBootstrapFile([
    { objectId: 0, tlv: encodeTlv([0], sec, () => false) },
    { objectId: 1, tlv: encodeTlv([1], srv, () => false) },
  ]);
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
