// Shared fixtures for the lwm2m suites: the spec's example device, an IPSO object and a bootstrapped model.
import { utf8Encode } from '../../../modules/bytes/index';
import { DataModel, type DataModelOptions, type Caller } from '../../../modules/lwm2m/data-model';
import { defineObject, InstanceObject } from '../../../modules/lwm2m/model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { encodeTlv } from '../../../modules/lwm2m/formats/tlv';
import type { Entry } from '../../../modules/lwm2m/types';

/** The Device instance of the LwM2M 1.1 TLV / SenML examples (7.4.3, 7.4.4). */
export function specDevice(): DeviceObject {
  const d = new DeviceObject({ manufacturer: 'Open Mobile Alliance', model: 'Lightweight M2M Client', serial: '345000123', firmwareVersion: '1.0', binding: 'U' });
  d.setValue(0, 6, new Map([[0, 1], [1, 5]]));
  d.setValue(0, 7, new Map([[0, 3800], [1, 5000]]));
  d.setValue(0, 8, new Map([[0, 125], [1, 900]]));
  d.setValue(0, 9, 100);
  d.setValue(0, 10, 15);
  d.setValue(0, 13, 1367491215);
  d.setValue(0, 14, '+02:00');
  return d;
}

/** IPSO 3303 Temperature: an application object registered through the same plug-in interface. */
export const TEMPERATURE = defineObject(3303, 'Temperature', true, false, [
  [5700, 'Sensor Value', 'R', false, true, 'float'],
  [5601, 'Min Measured Value', 'R', false, false, 'float'],
  [5602, 'Max Measured Value', 'R', false, false, 'float'],
  [5603, 'Min Range Value', 'R', false, false, 'float'],
  [5604, 'Max Range Value', 'R', false, false, 'float'],
  [5605, 'Reset Min and Max Measured Values', 'E', false, false, 'none'],
  [5701, 'Sensor Units', 'R', false, false, 'string'],
  [5750, 'Application Type', 'RW', false, false, 'string'],
]);

export class TemperatureObject extends InstanceObject {
  constructor() {
    super(TEMPERATURE);
    this.onExecute.set(5605, (iid) => {
      const v = this.instances.get(iid)!.get(5700)!;
      this.setValue(iid, 5601, v);
      this.setValue(iid, 5602, v);
      return 0x44;
    });
  }
}

export const BS: Caller = { kind: 'bootstrap' };
export const server = (ssid: number): Caller => ({ kind: 'server', shortServerId: ssid });

/** Secrets planted in Security instances; tests scan every output for them. */
export const PSK_A = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
export const PSK_B = Uint8Array.from({ length: 64 }, (_, i) => (0x31 * i + 7) & 255);
export const SMS_KEYS = Uint8Array.from({ length: 32 }, (_, i) => 0xc0 ^ (i * 5));

type Val = Entry['value'];
export function tlvInstance(dm: DataModel, oid: number, iid: number, values: [number, Val | Map<number, Val>][]): Uint8Array {
  const entries: Entry[] = [];
  for (const [rid, v] of values) {
    const def = dm.resourceDef(oid, rid)!;
    if (v instanceof Map) for (const [riid, x] of v) entries.push({ path: [oid, iid, rid, riid], type: def.type, value: x });
    else entries.push({ path: [oid, iid, rid], type: def.type, value: v });
  }
  return encodeTlv([oid], entries, (o, r) => dm.resourceDef(o, r)?.multiple ?? false);
}

/**
 * A device bootstrapped with: Security 0 = Bootstrap-Server, Security 1/2/3 = DM servers 101/102/103
 * (PSKs PSK_A, PSK_B, and SMS keys on 3), Server instances for 101/102/103, Device, and a
 * temperature sensor /3303/0 with ACL {101: RWED, 102: R} owned by 101, /3303/1 owned by 102 alone.
 */
export function bootstrapped(opts: DataModelOptions = {}): DataModel {
  const dm = new DataModel(opts);
  dm.register(specDevice());
  const temp = new TemperatureObject();
  dm.register(temp);
  const bw = (path: string, payload: Uint8Array) => {
    const r = dm.handle({ kind: 'bootstrap-write', path, payload, contentFormat: 11542 }, BS);
    if (r.code !== 0x44) throw new Error(`fixture bootstrap-write ${path} failed: ${r.code.toString(16)} ${r.payload ? new TextDecoderShim(r.payload) : ''}`);
  };
  bw('/0', tlvInstance(dm, 0, 0, [[0, 'coaps://bs.example.com:5684'], [1, true], [2, 0], [3, utf8Encode('bs-identity')], [4, new Uint8Array(0)], [5, PSK_A.slice()], [11, 10]]));
  bw('/0', tlvInstance(dm, 0, 1, [[0, 'coaps://dm1.example.com'], [1, false], [2, 0], [3, utf8Encode('dev-101')], [4, new Uint8Array(0)], [5, PSK_B.slice()], [10, 101]]));
  bw('/0', tlvInstance(dm, 0, 2, [[0, 'coaps://dm2.example.com'], [1, false], [2, 0], [3, utf8Encode('dev-102')], [4, new Uint8Array(0)], [5, PSK_A.slice()], [10, 102]]));
  bw('/0', tlvInstance(dm, 0, 3, [[0, 'sms://+447700900123'], [1, false], [2, 3], [3, new Uint8Array(0)], [4, new Uint8Array(0)], [5, new Uint8Array(0)], [6, 2], [7, Uint8Array.of(0x12, 0x12, 0x16, 0x21, 0xbf, 0xff, 0x01)], [8, SMS_KEYS.slice()], [9, '+447700900123'], [10, 103]]));
  for (const [iid, ssid] of [[0, 101], [1, 102], [2, 103]]) bw('/1', tlvInstance(dm, 1, iid, [[0, ssid], [1, 86400], [6, true], [7, 'U']]));
  temp.setValue(0, 5700, 21.5);
  temp.setValue(0, 5701, 'Cel');
  temp.setValue(1, 5700, -3.25);
  bw('/2', tlvInstance(dm, 2, 0, [[0, 3303], [1, 0], [2, new Map([[101, 15], [102, 1]])], [3, 101]]));
  bw('/2', tlvInstance(dm, 2, 1, [[0, 3303], [1, 1], [2, new Map([[102, 15]])], [3, 102]]));
  bw('/2', tlvInstance(dm, 2, 2, [[0, 3], [1, 0], [2, new Map([[101, 1], [102, 1], [103, 1]])], [3, 101]]));
  bw('/2', tlvInstance(dm, 2, 3, [[0, 3303], [1, 65535], [2, new Map([[101, 16]])], [3, 101]]));
  return dm;
}

class TextDecoderShim {
  constructor(private readonly b: Uint8Array) {}
  toString(): string {
    let s = '';
    for (const c of this.b) s += String.fromCharCode(c);
    return s;
  }
}

/** Every occurrence of `needle` (length >= 4) in `hay`. */
export function containsBytes(hay: Uint8Array, needle: Uint8Array, minRun = 6): boolean {
  // A leak of any 6-byte window of the secret counts, not only the whole key.
  const n = Math.min(minRun, needle.length);
  for (let s = 0; s + n <= needle.length; s++) {
    outer: for (let i = 0; i + n <= hay.length; i++) {
      for (let k = 0; k < n; k++) if (hay[i + k] !== needle[s + k]) continue outer;
      return true;
    }
  }
  return false;
}
