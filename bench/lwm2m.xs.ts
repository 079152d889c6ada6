// XS side of the lwm2m benchmark: a device with the standard objects loaded, then reads of /3/0.
import { DataModel } from '../modules/lwm2m/data-model';
import { DeviceObject } from '../modules/lwm2m/objects/device';
import { ConnectivityObject } from '../modules/lwm2m/objects/connectivity';
import { FirmwareObject } from '../modules/lwm2m/objects/firmware';

const dm = new DataModel();
const device = new DeviceObject({ manufacturer: 'Open Mobile Alliance', model: 'Lightweight M2M Client', serial: '345000123', firmwareVersion: '1.0', binding: 'U' });
device.setValue(0, 6, new Map([[0, 1], [1, 5]]));
device.setValue(0, 7, new Map([[0, 3800], [1, 5000]]));
device.setValue(0, 8, new Map([[0, 125], [1, 900]]));
device.setValue(0, 9, 100);
device.setValue(0, 10, 15);
device.setValue(0, 13, 1367491215);
device.setValue(0, 14, '+02:00');
dm.register(device);
dm.register(new ConnectivityObject());
dm.register(new FirmwareObject());
const caller = { kind: 'internal' } as const;

(globalThis as any).benchCases = {
  'standard-objects-loaded': () => {},
  'read-3-0-tlv': () => dm.handle({ kind: 'read', path: '/3/0', accept: 11542 }, caller),
  'read-3-0-senml-json': () => dm.handle({ kind: 'read', path: '/3/0', accept: 110 }, caller),
};
