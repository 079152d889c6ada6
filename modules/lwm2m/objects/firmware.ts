/** Object 5, Firmware Update: the data model only (the update state machine belongs to the client). */
import { defineObject, InstanceObject } from '../model';
import type { Value } from '../types';

export const FIRMWARE_OBJECT = defineObject(5, 'Firmware Update', false, false, [
  [0, 'Package', 'W', false, true, 'opaque'],
  [1, 'Package URI', 'RW', false, true, 'string'],
  [2, 'Update', 'E', false, true, 'none'],
  [3, 'State', 'R', false, true, 'integer'],
  [5, 'Update Result', 'R', false, true, 'integer'],
  [6, 'PkgName', 'R', false, false, 'string'],
  [7, 'PkgVersion', 'R', false, false, 'string'],
  [8, 'Firmware Update Protocol Support', 'R', true, false, 'integer'],
  [9, 'Firmware Update Delivery Method', 'R', false, true, 'integer'],
]);

export class FirmwareObject extends InstanceObject {
  constructor() {
    super(FIRMWARE_OBJECT);
    this.instances.set(0, new Map<number, Value>([[1, ''], [3, 0], [5, 0], [9, 2]]));
  }
  protected override validateResource(_iid: number, rid: number, v: Value): string | null {
    if (rid === 1 && (v as string).length > 255) return 'Package URI is longer than 255 characters';
    return null;
  }
}
