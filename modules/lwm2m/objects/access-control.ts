/**
 * Object 2, LwM2M Access Control (LwM2M 1.1 E.3). One instance per protected object instance
 * (or per object, with Object Instance ID 65535, for the Create right). ACL resource instance
 * ids are Short Server IDs; instance 0 is the default ACL for servers without their own entry.
 */
import { defineObject, InstanceObject, type WriteMode } from '../model';
import type { InstanceContent, Value } from '../types';

export const ACCESS_CONTROL_OBJECT = defineObject(2, 'LwM2M Access Control', true, false, [
  [0, 'Object ID', 'R', false, true, 'integer'],
  [1, 'Object Instance ID', 'R', false, true, 'integer'],
  [2, 'ACL', 'RW', true, false, 'integer'],
  [3, 'Access Control Owner', 'RW', false, true, 'integer'],
]);

export const Rights = { Read: 1, Write: 2, Execute: 4, Delete: 8, Create: 16, All: 31 } as const;
Object.freeze(Rights);

export class AccessControlObject extends InstanceObject {
  constructor() {
    super(ACCESS_CONTROL_OBJECT);
  }
  protected override validateResource(_iid: number, rid: number, v: Value, riid?: number): string | null {
    const n = v as number;
    if (rid === 0) return n >= 1 && n <= 65534 ? null : 'ACL Object ID must be 1-65534';
    if (rid === 1) return n >= 0 && n <= 65535 ? null : 'ACL Object Instance ID must be 0-65535';
    if (rid === 2) return n >= 0 && n <= 31 && (riid ?? 0) <= 65534 ? null : 'ACL rights must be a combination of R=1, W=2, E=4, D=8, C=16';
    if (rid === 3) return n >= 0 && n <= 65535 ? null : 'Access Control Owner must be 0-65535';
    return null;
  }
  protected override validateInstance(_iid: number, c: InstanceContent, mode: WriteMode): string | null {
    if (mode === 'partial') return null;
    for (const rid of [0, 1, 3]) if (!c.has(rid)) return `resource 2/${rid} (${this.resource(rid)!.name}) is mandatory`;
    return null;
  }
  /** The ACL instance that protects /oid/iid. */
  find(oid: number, iid: number): number | undefined {
    for (const aid of this.instanceIds()) {
      const inst = this.instances.get(aid)!;
      if (inst.get(0) === oid && inst.get(1) === iid) return aid;
    }
    return undefined;
  }
  acl(aid: number): Map<number, number> {
    const a = this.instances.get(aid)?.get(2);
    return a instanceof Map ? (a as Map<number, number>) : new Map();
  }
  owner(aid: number): number | undefined {
    const o = this.instances.get(aid)?.get(3);
    return typeof o === 'number' ? o : undefined;
  }
  target(aid: number): [number, number] | undefined {
    const inst = this.instances.get(aid);
    if (!inst) return undefined;
    return [inst.get(0) as number, inst.get(1) as number];
  }
  /** Mutates an ACL instance in place (used by the client itself: unbootstrapping, auto-created ACLs). */
  update(aid: number, acl: Map<number, number>, owner: number): void {
    const inst = this.instances.get(aid);
    if (!inst) return;
    inst.set(2, acl);
    inst.set(3, owner);
  }
  freeInstanceId(): number {
    for (let i = 0; i < 65535; i++) if (!this.instances.has(i)) return i;
    return 65535;
  }
}
