/**
 * The object plug-in interface (Anjay-like): the data model core knows LwM2M, objects only know
 * their own resources. Standard objects and application objects (IPSO and the like) are the same
 * kind of plug-in, registered with DataModel.register().
 */
import { wipe } from '../bytes/index';
import type { InstanceContent, ResourceContent, ResourceType, Value } from './types';

export type Operations = '' | 'R' | 'W' | 'RW' | 'E';

export interface ResourceDef {
  id: number;
  name: string;
  ops: Operations;
  multiple: boolean;
  mandatory: boolean;
  type: ResourceType;
  /** Never leaves the device through any interface (Security 5 and 8). */
  secret?: boolean;
}

export interface ObjectDef {
  id: number;
  name: string;
  /** Object version when not 1.0; announced as ";ver=" in the Register payload. */
  version?: string;
  multiple: boolean;
  mandatory: boolean;
  resources: ResourceDef[];
}

/** How a write arrived: a full instance (create, replace, bootstrap) or a partial update. */
export type WriteMode = 'create' | 'replace' | 'partial';

/** What an object plug-in implements. */
export interface LwObject {
  readonly def: ObjectDef;
  instanceIds(): number[];
  has(iid: number): boolean;
  /** A fresh copy of the instance's content (dynamic objects compute values here). */
  read(iid: number): InstanceContent | undefined;
  /** Checks a candidate instance before it is committed; returns a diagnostic or null. Must not echo values. */
  validate(iid: number, candidate: InstanceContent, mode: WriteMode): string | null;
  /** Commits a validated instance (takes ownership of `content`). */
  store(iid: number, content: InstanceContent): void;
  /** Deletes an instance; secrets in it are wiped. */
  remove(iid: number): void;
  /** Executes a resource; returns a CoAP code (0x44 Changed on success). */
  execute(iid: number, rid: number, args: string): number;
  /**
   * Optional: takes a DM server's Write itself (after the data model checked rights, types and that
   * every resource in it is writable) and returns the CoAP code, or 0 to let the data model merge and
   * store as usual. For resources whose write is an action, like Object 5's Package and Package URI.
   */
  writeResources?(iid: number, incoming: InstanceContent): number;
}

export type ExecuteHandler = (iid: number, args: string) => number;

/**
 * Stores instances in memory; the default for standard objects. Subclasses override
 * `validateResource`/`validateInstance` for ranges and `refresh` for values that change on their own.
 */
export class InstanceObject implements LwObject {
  protected readonly instances = new Map<number, InstanceContent>();
  readonly onExecute = new Map<number, ExecuteHandler>();

  constructor(readonly def: ObjectDef) {}

  resource(rid: number): ResourceDef | undefined {
    // A scan of the (preloaded, read-only) definition rather than a Map per object: a Map entry per resource cost
    // about 250 XS slots (4 KB on an ESP32) for Objects 0, 1, 2 and 3; an object has at most a few dozen resources.
    const rs = this.def.resources;
    for (let i = 0; i < rs.length; i++) if (rs[i].id === rid) return rs[i];
    return undefined;
  }

  instanceIds(): number[] {
    return [...this.instances.keys()].sort((a, b) => a - b);
  }

  has(iid: number): boolean {
    return this.instances.has(iid);
  }

  /** Hook for dynamic values (battery level, current time): update `content` in place. */
  protected refresh(_iid: number, _content: InstanceContent): void {}

  read(iid: number): InstanceContent | undefined {
    const inst = this.instances.get(iid);
    if (!inst) return undefined;
    this.refresh(iid, inst);
    const copy: InstanceContent = new Map();
    for (const [rid, rc] of inst) copy.set(rid, rc instanceof Map ? new Map(rc) : rc);
    return copy;
  }

  /** Per-resource range check; the type has already been checked by the data model. */
  protected validateResource(_iid: number, _rid: number, _value: Value, _riid?: number): string | null {
    return null;
  }

  /** Cross-resource rules for a complete instance. */
  protected validateInstance(_iid: number, _candidate: InstanceContent, _mode: WriteMode): string | null {
    return null;
  }

  validate(iid: number, candidate: InstanceContent, mode: WriteMode): string | null {
    for (const [rid, rc] of candidate) {
      if (rc instanceof Map) {
        for (const [riid, v] of rc) {
          const d = this.validateResource(iid, rid, v, riid);
          if (d) return d;
        }
      } else {
        const d = this.validateResource(iid, rid, rc);
        if (d) return d;
      }
    }
    return this.validateInstance(iid, candidate, mode);
  }

  store(iid: number, content: InstanceContent): void {
    const old = this.instances.get(iid);
    if (old) this.wipeReplaced(old, content);
    this.instances.set(iid, content);
  }

  remove(iid: number): void {
    const old = this.instances.get(iid);
    if (!old) return;
    this.wipeReplaced(old, new Map());
    this.instances.delete(iid);
  }

  /** Wipes secret byte arrays of `old` that `next` no longer references. */
  private wipeReplaced(old: InstanceContent, next: InstanceContent): void {
    for (const r of this.def.resources) {
      if (!r.secret) continue;
      const keep = new Set<Uint8Array>();
      collectBytes(next.get(r.id), keep);
      const gone = new Set<Uint8Array>();
      collectBytes(old.get(r.id), gone);
      for (const b of gone) if (!keep.has(b)) wipe(b);
    }
  }

  execute(iid: number, rid: number, args: string): number {
    const h = this.onExecute.get(rid);
    return h ? h(iid, args) : 0x44;
  }

  /** Direct application access (caller 'internal'), bypassing the interfaces. */
  setValue(iid: number, rid: number, value: ResourceContent): void {
    let inst = this.instances.get(iid);
    if (!inst) this.instances.set(iid, (inst = new Map()));
    inst.set(rid, value);
  }
}

function collectBytes(rc: ResourceContent | undefined, into: Set<Uint8Array>): void {
  if (rc instanceof Uint8Array) into.add(rc);
  else if (rc instanceof Map) for (const v of rc.values()) if (v instanceof Uint8Array) into.add(v);
}

/** Compact definition helper: [id, name, ops, multiple, mandatory, type, secret?]. */
export type ResourceRow = [number, string, Operations, boolean, boolean, ResourceType, boolean?];

export function defineObject(id: number, name: string, multiple: boolean, mandatory: boolean, rows: ResourceRow[], version?: string): ObjectDef {
  const def: ObjectDef = {
    id,
    name,
    multiple,
    mandatory,
    resources: rows.map(([rid, rname, ops, m, mand, type, secret]) => ({ id: rid, name: rname, ops, multiple: m, mandatory: mand, type, secret: secret === true })),
  };
  if (version) def.version = version;
  // Frozen: a definition is a constant table, preloaded into flash on a Moddable device.
  for (const r of def.resources) Object.freeze(r);
  Object.freeze(def.resources);
  return Object.freeze(def);
}
