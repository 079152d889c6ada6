/**
 * Object 3, Device (urn:oma:lwm2m:oma:3:1.1). Current Time (13) comes from a wall clock (the application's,
 * or the host's, wired by the client) and keeps running from whatever a server writes. Reboot (4) and
 * Factory Reset (5) are wired by the client to the host (Lwm2mClient).
 */
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
  /** Seconds since the epoch, when the application knows the time (else the host's wall clock is used). */
  currentTime?: () => number;
}

export class DeviceObject extends InstanceObject {
  /** Wall clock in ms since the epoch (undefined: not known yet). */
  private clock: (() => number | undefined) | undefined;

  constructor(info: DeviceInfo = { binding: 'U' }, clock?: () => number) {
    super(DEVICE_OBJECT);
    const seconds = info.currentTime;
    this.clock = clock ?? (seconds ? () => seconds() * 1000 : undefined);
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

  /** True when Current Time has a clock (the application's); the client wires the host's otherwise. */
  hasClock(): boolean {
    return this.clock !== undefined;
  }

  /** Uses `clock` (ms since the epoch, undefined while unknown) for Current Time (13). */
  useClock(clock: () => number | undefined): void {
    this.clock = clock;
  }

  private seconds(): number | undefined {
    const ms = this.clock?.();
    return typeof ms === 'number' && Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
  }

  protected override refresh(_iid: number, content: InstanceContent): void {
    // Current Time is kept as an offset from the clock so it keeps running after a Write.
    const now = this.seconds();
    if (now !== undefined) content.set(13, now + this.offset);
  }
  override store(iid: number, content: InstanceContent): void {
    const t = content.get(13);
    const now = this.seconds();
    if (now !== undefined && typeof t === 'number') this.offset = t - now;
    super.store(iid, content);
  }
  protected override validateResource(_iid: number, rid: number, v: Value): string | null {
    if (rid === 14 && !/^(UTC)?[+-][0-9]{2}(:?[0-9]{2})?$/.test(v as string)) return 'UTC Offset must look like +02:00';
    return null;
  }
}
