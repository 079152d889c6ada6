// The device both sides of the lwm2m benchmark use: objects 0-2 built in, 3 (with the spec example's values), 4 and 5.
import { DataModel } from '../modules/lwm2m/data-model';
import { DeviceObject } from '../modules/lwm2m/objects/device';
import { ConnectivityObject } from '../modules/lwm2m/objects/connectivity';
import { FirmwareObject } from '../modules/lwm2m/objects/firmware';

export function buildDevice(): DataModel {
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
  return dm;
}
