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

/** Shortest Lifetime (1/x/1) accepted, seconds. */
export const MIN_LIFETIME_S = 1;
/** Longest Lifetime and period (1/x/1, 2, 3, 5) accepted, seconds: 2^32-1 (RFC 9176 §5.3 "lt"). */
export const MAX_PERIOD_S = 0xffffffff;

export class ServerObject extends InstanceObject {
  constructor() {
    super(SERVER_OBJECT);
  }
  protected override validateResource(_iid: number, rid: number, v: Value): string | null {
    if (rid === 0) return typeof v === 'number' && v >= 1 && v <= 65535 ? null : 'Short Server ID must be 1-65535';
    // Lifetime: the registration lifetime in seconds, 1..2^32-1 as the CoRE Resource Directory's "lt" (RFC 9176
    // §5.3, which the LwM2M Register "lt" parameter is); 0 would ask for an Update every second.
    if (rid === 1) return Number.isInteger(v) && (v as number) >= MIN_LIFETIME_S && (v as number) <= MAX_PERIOD_S ? null : `Lifetime must be ${MIN_LIFETIME_S}-${MAX_PERIOD_S} s`;
    if ((rid === 2 || rid === 3 || rid === 5) && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_PERIOD_S)) return `resource 1/${rid} must be 0-${MAX_PERIOD_S} s`;
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
