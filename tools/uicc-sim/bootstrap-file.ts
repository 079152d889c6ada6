/**
 * The EF LwM2M_Bootstrap a simulated card holds (LwM2M Core 1.1.1 Appendix G.3.4, modules/uicc/pkcs15.ts): one DM server account,
 * DTLS PSK (Security Mode 0), at `uri`, with its Server instance. Shared by the UICC tests and the demo.
 */
import { utf8Encode } from '../../modules/bytes/index';
import { encodeTlv } from '../../modules/lwm2m/formats/tlv';
import type { Entry } from '../../modules/lwm2m/types';
import { encodeBootstrapFile } from '../../modules/uicc/pkcs15';

export function pskBootstrapFile(uri: string, identity: string, psk: Uint8Array, ssid: number): Uint8Array {
  const sec: Entry[] = [
    { path: [0, 0, 0], type: 'string', value: uri },
    { path: [0, 0, 1], type: 'boolean', value: false },
    { path: [0, 0, 2], type: 'integer', value: 0 },
    { path: [0, 0, 3], type: 'opaque', value: utf8Encode(identity) },
    { path: [0, 0, 4], type: 'opaque', value: new Uint8Array(0) },
    { path: [0, 0, 5], type: 'opaque', value: psk },
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
