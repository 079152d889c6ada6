/**
 * Object 5, Firmware Update (OMA LwM2M 1.1 Core §E.6; urn:oma:lwm2m:oma:5). With a FirmwareUpdate
 * engine (modules/fota) the object is live: Package and Package URI writes start downloads, Update
 * installs, and State, Update Result, PkgName, PkgVersion, Protocol Support and Delivery Method are
 * read from the engine. Without one it is the bare data model (for tests of the data model itself).
 */
import { defineObject, InstanceObject } from '../model';
import type { InstanceContent, Value } from '../types';
import type { FirmwareUpdate } from '../../fota/update';

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
  constructor(readonly engine?: FirmwareUpdate) {
    super(FIRMWARE_OBJECT);
    this.instances.set(0, new Map<number, Value>([[1, ''], [3, 0], [5, 0], [9, 2]]));
  }

  protected override refresh(_iid: number, content: InstanceContent): void {
    const e = this.engine;
    if (!e) return;
    content.set(1, e.packageUri);
    content.set(3, e.state);
    content.set(5, e.result);
    content.set(6, e.pkgName);
    content.set(7, e.pkgVersion);
    content.set(8, new Map<number, Value>(e.protocols.map((p, i) => [i, p] as [number, Value])));
    content.set(9, e.deliveryMethod);
  }

  protected override validateResource(_iid: number, rid: number, v: Value): string | null {
    if (rid === 1 && (v as string).length > 255) return 'Package URI is longer than 255 characters';
    return null;
  }

  /** Package (0) and Package URI (1) writes are actions on the engine; their answer is its CoAP code. */
  writeResources(_iid: number, incoming: InstanceContent): number {
    const e = this.engine;
    if (!e) return 0;
    let code = 0x44;
    const uri = incoming.get(1);
    if (uri !== undefined) {
      if (typeof uri !== 'string' || uri.length > 255) return 0x80;
      code = e.writeUri(uri);
    }
    const pkg = incoming.get(0);
    if (pkg !== undefined) {
      if (!(pkg instanceof Uint8Array)) return 0x80;
      code = e.writePackage(pkg);
    }
    return code;
  }

  override execute(iid: number, rid: number, args: string): number {
    if (this.engine && rid === 2) return this.engine.executeUpdate();
    return super.execute(iid, rid, args);
  }
}
