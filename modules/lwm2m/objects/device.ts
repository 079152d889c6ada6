/** Object 3, Device (urn:oma:lwm2m:oma:3:1.1). Current Time follows the host clock once set. */
import { defineObject, InstanceObject } from '../model';
import type { InstanceContent, Value } from '../types';

export const DEVICE_OBJECT = defineObject(
  3,
  'Device',
  false,
  true,
  [
    [0, 'Manufacturer', 'R', false, false, 'string'],
    [1, 'Model Number', 'R', false, false, 'string'],
    [2, 'Serial Number', 'R', false, false, 'string'],
    [3, 'Firmware Version', 'R', false, false, 'string'],
    [4, 'Reboot', 'E', false, true, 'none'],
    [5, 'Factory Reset', 'E', false, false, 'none'],
    [6, 'Available Power Sources', 'R', true, false, 'integer'],
    [7, 'Power Source Voltage', 'R', true, false, 'integer'],
    [8, 'Power Source Current', 'R', true, false, 'integer'],
    [9, 'Battery Level', 'R', false, false, 'integer'],
    [10, 'Memory Free', 'R', false, false, 'integer'],
    [11, 'Error Code', 'R', true, true, 'integer'],
    [12, 'Reset Error Code', 'E', false, false, 'none'],
    [13, 'Current Time', 'RW', false, false, 'time'],
    [14, 'UTC Offset', 'RW', false, false, 'string'],
    [15, 'Timezone', 'RW', false, false, 'string'],
    [16, 'Supported Binding and Modes', 'R', false, true, 'string'],
    [17, 'Device Type', 'R', false, false, 'string'],
    [18, 'Hardware Version', 'R', false, false, 'string'],
    [19, 'Software Version', 'R', false, false, 'string'],
    [20, 'Battery Status', 'R', false, false, 'integer'],
    [21, 'Memory Total', 'R', false, false, 'integer'],
    [22, 'ExtDevInfo', 'R', true, false, 'objlnk'],
  ],
  '1.1',
);

export interface DeviceInfo {
  manufacturer?: string;
  model?: string;
  serial?: string;
  firmwareVersion?: string;
  binding: string;
  /** Seconds since the epoch, when the application knows the time. */
  currentTime?: () => number;
}

export class DeviceObject extends InstanceObject {
  constructor(info: DeviceInfo = { binding: 'U' }, private readonly clock?: () => number) {
    super(DEVICE_OBJECT);
    const inst: InstanceContent = new Map();
    if (info.manufacturer !== undefined) inst.set(0, info.manufacturer);
    if (info.model !== undefined) inst.set(1, info.model);
    if (info.serial !== undefined) inst.set(2, info.serial);
    if (info.firmwareVersion !== undefined) inst.set(3, info.firmwareVersion);
    inst.set(11, new Map([[0, 0]]));
    inst.set(16, info.binding);
    this.instances.set(0, inst);
    this.onExecute.set(12, () => {
      this.instances.get(0)!.set(11, new Map([[0, 0]]));
      return 0x44;
    });
  }
  private offset = 0;
  protected override refresh(_iid: number, content: InstanceContent): void {
    // Current Time is kept as an offset from the host clock so it keeps running after a Write.
    if (this.clock && content.has(13)) content.set(13, Math.floor(this.clock() / 1000) + this.offset);
  }
  override store(iid: number, content: InstanceContent): void {
    const t = content.get(13);
    if (this.clock && typeof t === 'number') this.offset = t - Math.floor(this.clock() / 1000);
    super.store(iid, content);
  }
  protected override validateResource(_iid: number, rid: number, v: Value): string | null {
    if (rid === 14 && !/^(UTC)?[+-][0-9]{2}(:?[0-9]{2})?$/.test(v as string)) return 'UTC Offset must look like +02:00';
    return null;
  }
}
