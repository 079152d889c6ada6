/** Object 1, LwM2M Server (urn:oma:lwm2m:oma:1:1.1), resources 0-23 of LwM2M 1.1. */
import { defineObject, InstanceObject, type WriteMode } from '../model';
import type { InstanceContent, Value } from '../types';

export const SERVER_OBJECT = defineObject(
  1,
  'LwM2M Server',
  true,
  true,
  [
    [0, 'Short Server ID', 'R', false, true, 'integer'],
    [1, 'Lifetime', 'RW', false, true, 'integer'],
    [2, 'Default Minimum Period', 'RW', false, false, 'integer'],
    [3, 'Default Maximum Period', 'RW', false, false, 'integer'],
    [4, 'Disable', 'E', false, false, 'none'],
    [5, 'Disable Timeout', 'RW', false, false, 'integer'],
    [6, 'Notification Storing When Disabled or Offline', 'RW', false, true, 'boolean'],
    [7, 'Binding', 'RW', false, true, 'string'],
    [8, 'Registration Update Trigger', 'E', false, true, 'none'],
    [9, 'Bootstrap-Request Trigger', 'E', false, false, 'none'],
    [10, 'APN Link', 'RW', false, false, 'objlnk'],
    [11, 'TLS-DTLS Alert Code', 'R', false, false, 'unsigned'],
    [12, 'Last Bootstrapped', 'R', false, false, 'time'],
    [13, 'Registration Priority Order', 'RW', false, false, 'unsigned'],
    [14, 'Initial Registration Delay Timer', 'RW', false, false, 'unsigned'],
    [15, 'Registration Failure Block', 'RW', false, false, 'boolean'],
    [16, 'Bootstrap on Registration Failure', 'RW', false, false, 'boolean'],
    [17, 'Communication Retry Count', 'RW', false, false, 'unsigned'],
    [18, 'Communication Retry Timer', 'RW', false, false, 'unsigned'],
    [19, 'Communication Sequence Delay Timer', 'RW', false, false, 'unsigned'],
    [20, 'Communication Sequence Retry Count', 'RW', false, false, 'unsigned'],
    [21, 'Trigger', 'RW', false, false, 'boolean'],
    [22, 'Preferred Transport', 'RW', false, false, 'string'],
    [23, 'Mute Send', 'RW', false, false, 'boolean'],
  ],
  '1.1',
);

export class ServerObject extends InstanceObject {
  constructor() {
    super(SERVER_OBJECT);
  }
  protected override validateResource(_iid: number, rid: number, v: Value): string | null {
    if (rid === 0) return typeof v === 'number' && v >= 1 && v <= 65535 ? null : 'Short Server ID must be 1-65535';
    if ((rid === 1 || rid === 2 || rid === 3 || rid === 5) && (v as number) < 0) return `resource 1/${rid} must not be negative`;
    if (rid === 7 && !/^(U|S|T|N|UQ|SQ|UQS|US|UT|ST|UST)*$/.test(v as string)) return 'Binding must be a combination of U, S, T, N (and Q)';
    return null;
  }
  protected override validateInstance(_iid: number, c: InstanceContent, mode: WriteMode): string | null {
    if (mode === 'partial') return null;
    for (const rid of [0, 1, 6, 7]) if (!c.has(rid)) return `resource 1/${rid} (${this.resource(rid)!.name}) is mandatory`;
    return null;
  }
  /** The Server instance that belongs to a Short Server ID. */
  instanceOf(ssid: number): number | undefined {
    for (const iid of this.instanceIds()) if (this.instances.get(iid)?.get(0) === ssid) return iid;
    return undefined;
  }
  shortServerIds(): number[] {
    const out: number[] = [];
    for (const iid of this.instanceIds()) {
      const v = this.instances.get(iid)?.get(0);
      if (typeof v === 'number') out.push(v);
    }
    return out;
  }
}
