/**
 * The LwM2M data model: registered objects, the operations of the Device Management and Bootstrap
 * interfaces applied to them with access control, the content formats, persistence of Objects
 * 0/1/2 and the unbootstrapping procedure. Transport-neutral: the interfaces layer turns CoAP
 * requests into Operation values and the Response back into CoAP messages.
 */
import { DEVICE_PROFILE } from '../profile';
import { utf8Decode, utf8Encode, wipe } from '../bytes/index';
import type { Host } from '../host';
import { AccessPolicy, handOverScore, Rights } from './access';
import { parseExecuteArguments } from './execute-args';
import { Lwm2mFormatError } from './errors';
import { encodeLinks, formatLinks, type Link } from './formats/link';
import { decodeOpaque, encodeOpaque } from './formats/opaque';
import { decodeSenmlCbor, encodeSenmlCbor } from './formats/senml-cbor';
import { decodeSenmlJson, encodeSenmlJson } from './formats/senml-json';
import { decodeText, encodeText } from './formats/text';
import { decodeTlv, encodeTlv } from './formats/tlv';
import type { LwObject, ResourceDef, WriteMode } from './model';
import { AccessControlObject } from './objects/access-control';
import { SecurityObject } from './objects/security';
import { ServerObject } from './objects/server';
import {
  decodeIndex,
  decodeManifest,
  decodeSnapshot,
  encodeInstanceRecord,
  encodeManifest,
  encodeSnapshot,
  FACTORY_RECORD,
  instanceRecordBody,
  isConfigurationRecord,
  legacyIndexRecordName,
  legacyInstanceRecordName,
  MANIFEST_RECORD,
  PERSISTED_OBJECTS,
  recordName,
  type Manifest,
  type ManifestEntry,
  type ObjectStore,
} from './persistence';
import { checkValueType, Code, ContentFormat, formatPath, parsePath, type Entry, type InstanceContent, type Path, type TypeResolver, type Value } from './types';

export type OperationKind =
  | 'read'
  | 'write'
  | 'write-partial'
  | 'execute'
  | 'create'
  | 'delete'
  | 'discover'
  | 'observe'
  | 'write-attributes'
  | 'bootstrap-write'
  | 'bootstrap-read'
  | 'bootstrap-discover'
  | 'bootstrap-delete';

export interface Operation {
  kind: OperationKind;
  /** "/3/0/1" or [3, 0, 1]. */
  path: string | Path;
  payload?: Uint8Array;
  contentFormat?: number;
  accept?: number;
  /** Write-Attributes query, e.g. "pmin=10&pmax=60". */
  query?: string;
}

export interface Caller {
  kind: 'bootstrap' | 'server' | 'smartcard' | 'internal';
  shortServerId?: number;
}

export interface Response {
  code: number;
  payload?: Uint8Array;
  contentFormat?: number;
  /** Location-Path of a created instance ("/O/I"). */
  location?: string;
}

export interface DataModelOptions {
  host?: Pick<Host, 'log'>;
  store?: ObjectStore;
  /** Unbootstrapping step 3: cancel every observation of this server. */
  onCancelObservations?: (ssid: number) => void;
  /** Unbootstrapping step 5: send De-register to this server (Security instance still present during the call). */
  onDeregister?: (ssid: number) => void;
  /** Largest accepted request payload (bytes). */
  maxPayload?: number;
}

export interface UnbootstrapReport {
  ssid?: number;
  deleted: string[];
  handedOver: { aclInstance: number; from: number; to: number }[];
  aclEntriesRemoved: number[];
}

const ATTRIBUTES = new Set(['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax']);
/** Object 3, Device: its single instance survives every Delete and Bootstrap-Delete (Core §6.1.7.6, §6.3.6). */
const DEVICE_OID = 3;
const PERIOD_ATTRIBUTES = new Set(['pmin', 'pmax', 'epmin', 'epmax']);
/** Longest pmin/pmax/epmin/epmax accepted, seconds (as the Lifetime, 1/x/1). */
export const MAX_ATTRIBUTE_PERIOD_S = 0xffffffff;

/**
 * The cross-attribute rules of Core §5.1.2 on the attributes an entity would hold after the write:
 * pmax >= pmin, epmax >= epmin, lt < gt, and lt + 2*st < gt when all three are set.
 */
function attributeConflict(a: Map<string, number>): string | null {
  const pmin = a.get('pmin');
  const pmax = a.get('pmax');
  const epmin = a.get('epmin');
  const epmax = a.get('epmax');
  const gt = a.get('gt');
  const lt = a.get('lt');
  const st = a.get('st');
  if (pmin !== undefined && pmax !== undefined && pmax < pmin) return 'pmax is below pmin';
  if (epmin !== undefined && epmax !== undefined && epmax < epmin) return 'epmax is below epmin';
  if (gt !== undefined && lt !== undefined) {
    if (!(lt < gt)) return 'lt must be below gt';
    if (st !== undefined && !(lt + 2 * st < gt)) return 'lt + 2*st must be below gt';
  }
  return null;
}

class Refusal {
  constructor(
    readonly code: number,
    readonly diagnostic?: string,
  ) {}
}

function refuse(code: number, diagnostic?: string): never {
  throw new Refusal(code, diagnostic);
}

export class DataModel {
  readonly security = new SecurityObject();
  readonly servers = new ServerObject();
  readonly accessControl = new AccessControlObject();
  readonly access: AccessPolicy;
  private readonly objects = new Map<number, LwObject>();
  private readonly attributes = new Map<string, Map<string, number>>();
  private readonly maxPayload: number;
  /** Instances of Objects 0/1/2 changed since the last commit (oid * 65536 + iid). */
  private readonly dirty = new Set<number>();
  /** The committed configuration as the store holds it; null until restore() or the first commit reads it. */
  private manifest: Manifest | null = null;
  private inTransaction = false;
  private opDepth = 0;
  /** Factory snapshot for a data model without a store. */
  private factoryInMemory: Uint8Array | null = null;
  /** Objects 0/1/2 when the open transaction began, for a data model without a store. */
  private txSnapshot: Uint8Array | null = null;
  readonly resolve: TypeResolver = (oid, rid) => {
    const r = this.resourceDef(oid, rid);
    return r && r.type !== 'none' ? { type: r.type, multiple: r.multiple } : undefined;
  };

  constructor(private readonly opts: DataModelOptions = {}) {
    this.opts = { ...opts };
    this.access = new AccessPolicy(this.servers, this.accessControl);
    this.maxPayload = opts.maxPayload ?? DEVICE_PROFILE.lwm2mMaxPayload;
    this.register(this.security);
    this.register(this.servers);
    this.register(this.accessControl);
  }

  /**
   * Wires the unbootstrapping callbacks (steps 3 and 5) after construction: the client that owns the
   * CoAP sessions is usually created after the data model the application filled.
   */
  setHooks(hooks: Pick<DataModelOptions, 'onCancelObservations' | 'onDeregister'>): void {
    if (hooks.onCancelObservations) this.opts.onCancelObservations = hooks.onCancelObservations;
    if (hooks.onDeregister) this.opts.onDeregister = hooks.onDeregister;
  }

  /** Adds an object plug-in (standard or application). Ids 0-2 are built in. */
  register(obj: LwObject): void {
    if (this.objects.has(obj.def.id)) throw new Error(`object ${obj.def.id} is already registered`);
    this.objects.set(obj.def.id, obj);
  }

  object(oid: number): LwObject | undefined {
    return this.objects.get(oid);
  }

  objectIds(): number[] {
    return [...this.objects.keys()].sort((a, b) => a - b);
  }

  resourceDef(oid: number, rid: number): ResourceDef | undefined {
    const o = this.objects.get(oid);
    if (!o) return undefined;
    for (const r of o.def.resources) if (r.id === rid) return r;
    return undefined;
  }

  // ------------------------------------------------------------------ dispatch

  /**
   * Applies one operation. Changes to Objects 0/1/2 are stored before this returns (one transaction per
   * operation, or with the open transaction, see beginTransaction); if the store fails the answer is 5.00.
   */
  handle(op: Operation, caller: Caller): Response {
    this.opDepth++;
    let r: Response;
    try {
      r = this.dispatch(op, caller);
    } finally {
      this.opDepth--;
    }
    if (this.opDepth === 0 && !this.inTransaction && this.dirty.size > 0) {
      try {
        this.commit();
      } catch {
        // Not durable: the server must not believe it was done. (Memory is ahead; the next commit retries.)
        this.log('error', 'lwm2m: the configuration could not be stored', { kind: op.kind });
        return { code: Code.InternalServerError };
      }
    }
    return r;
  }

  private dispatch(op: Operation, caller: Caller): Response {
    try {
      const path = typeof op.path === 'string' ? parsePath(op.path) : op.path.slice();
      if (path.length > 4 || path.some((n) => !Number.isInteger(n) || n < 0 || n > 65535)) refuse(Code.BadRequest, 'invalid path');
      if (op.payload && op.payload.length > this.maxPayload) refuse(Code.RequestEntityTooLarge, 'payload too large');
      const bootstrapOp = op.kind.startsWith('bootstrap-');
      const bootstrapCaller = caller.kind === 'bootstrap' || caller.kind === 'smartcard';
      // Bootstrap operations belong to the Bootstrap-Server (or a smartcard); DM operations to DM servers.
      if (bootstrapOp ? !(bootstrapCaller || caller.kind === 'internal') : bootstrapCaller) refuse(Code.Unauthorized);
      switch (op.kind) {
        case 'read':
        case 'observe':
          return this.read(path, op.accept, caller);
        case 'discover':
          return this.discover(path, caller);
        case 'write':
        case 'write-partial':
          return this.write(path, op, caller);
        case 'execute':
          return this.execute(path, op.payload, caller);
        case 'create':
          return this.create(path, op, caller);
        case 'delete':
          return this.deleteInstance(path, caller);
        case 'write-attributes':
          return this.writeAttributes(path, op.query ?? '', caller);
        case 'bootstrap-write':
          return this.bootstrapWrite(path, op);
        case 'bootstrap-read':
          return this.bootstrapRead(path, op.accept);
        case 'bootstrap-discover':
          return this.bootstrapDiscover(path);
        case 'bootstrap-delete':
          return this.bootstrapDelete(path);
        default:
          return { code: Code.MethodNotAllowed };
      }
    } catch (e) {
      if (e instanceof Refusal) return e.diagnostic ? diagnostic(e.code, e.diagnostic) : { code: e.code };
      if (e instanceof Lwm2mFormatError) {
        return diagnostic(e.code === 'unknown-resource' ? Code.NotFound : e.code === 'unsupported' ? Code.NotAcceptable : Code.BadRequest, e.message);
      }
      // Anything else is our bug; report it without details that could echo request data.
      this.log('error', 'lwm2m: internal error while handling an operation', { kind: op.kind });
      return { code: Code.InternalServerError };
    }
  }

  // ------------------------------------------------------------------ access helpers

  private dm(caller: Caller): boolean {
    return caller.kind === 'server';
  }

  private requireObject(oid: number): LwObject {
    const o = this.objects.get(oid);
    if (!o) refuse(Code.NotFound);
    return o;
  }

  /** Object 0 is out of reach of every DM server: 4.01 whatever the operation or path. */
  private guardSecurity(path: Path, caller: Caller): void {
    if (this.dm(caller) && (path.length === 0 || path[0] === 0)) refuse(Code.Unauthorized);
    if (this.dm(caller) && !this.access.isKnownServer(caller.shortServerId)) refuse(Code.Unauthorized);
  }

  private rights(caller: Caller, oid: number, iid: number): number {
    return this.dm(caller) ? this.access.rights(caller.shortServerId, oid, iid) : Rights.All;
  }

  private requireRight(caller: Caller, oid: number, iid: number, bit: number): void {
    if ((this.rights(caller, oid, iid) & bit) === 0) refuse(Code.Unauthorized);
  }

  // ------------------------------------------------------------------ reading

  /** Values under `path`, secrets never included; `readableOnly` drops resources without R. */
  private collect(path: Path, iids: number[], readableOnly: boolean): Entry[] {
    const obj = this.requireObject(path[0]);
    const out: Entry[] = [];
    for (const iid of iids) {
      const content = obj.read(iid);
      if (!content) continue;
      const rids = [...content.keys()].sort((a, b) => a - b);
      for (const rid of rids) {
        if (path.length >= 3 && rid !== path[2]) continue;
        const def = this.resourceDef(path[0], rid);
        if (!def || def.secret || def.type === 'none') continue;
        if (readableOnly && !def.ops.includes('R')) continue;
        const rc = content.get(rid)!;
        if (rc instanceof Map) {
          for (const riid of [...rc.keys()].sort((a, b) => a - b)) {
            if (path.length === 4 && riid !== path[3]) continue;
            out.push({ path: [path[0], iid, rid, riid], type: def.type, value: rc.get(riid)! });
          }
        } else if (path.length < 4) out.push({ path: [path[0], iid, rid], type: def.type, value: rc });
      }
    }
    return out;
  }

  private read(path: Path, accept: number | undefined, caller: Caller): Response {
    this.guardSecurity(path, caller);
    if (path.length === 0) refuse(Code.MethodNotAllowed);
    const obj = this.requireObject(path[0]);
    let iids: number[];
    if (path.length === 1) {
      const all = obj.instanceIds();
      iids = all.filter((iid) => this.rights(caller, path[0], iid) & Rights.Read);
      if (all.length > 0 && iids.length === 0) refuse(Code.Unauthorized);
    } else {
      this.requireRight(caller, path[0], path[1], Rights.Read);
      if (!obj.has(path[1])) refuse(Code.NotFound);
      iids = [path[1]];
    }
    if (path.length >= 3) {
      const def = this.resourceDef(path[0], path[2]);
      if (!def) refuse(Code.NotFound);
      if (def.secret) refuse(Code.Unauthorized);
      if ((this.dm(caller) && !def.ops.includes('R')) || def.type === 'none') refuse(Code.MethodNotAllowed);
      if (path.length === 4 && !def.multiple) refuse(Code.NotFound);
    }
    const entries = this.collect(path, iids, this.dm(caller));
    if (path.length >= 3 && entries.length === 0 && !(path.length === 3 && this.resourceDef(path[0], path[2])!.multiple && this.hasResource(path))) refuse(Code.NotFound);
    return this.encode(path, entries, accept);
  }

  private hasResource(path: Path): boolean {
    return this.objects.get(path[0])?.read(path[1])?.has(path[2]) ?? false;
  }

  private singleValue(path: Path): ResourceDef | undefined {
    if (path.length < 3) return undefined;
    const def = this.resourceDef(path[0], path[2]);
    if (!def) return undefined;
    return path.length === 4 || !def.multiple ? def : undefined;
  }

  private encode(path: Path, entries: Entry[], accept: number | undefined): Response {
    const single = this.singleValue(path);
    const cf = accept ?? (single ? (single.type === 'opaque' ? ContentFormat.Opaque : ContentFormat.Text) : ContentFormat.Tlv);
    const multiple = (oid: number, rid: number) => this.resourceDef(oid, rid)?.multiple ?? false;
    switch (cf) {
      case ContentFormat.Text:
        if (!single || entries.length !== 1) refuse(Code.NotAcceptable);
        return { code: Code.Content, contentFormat: cf, payload: encodeText(entries[0].type, entries[0].value) };
      case ContentFormat.Opaque:
        if (!single || entries.length !== 1 || single.type !== 'opaque') refuse(Code.NotAcceptable);
        return { code: Code.Content, contentFormat: cf, payload: encodeOpaque(entries[0].type, entries[0].value).slice() };
      case ContentFormat.Tlv:
        return { code: Code.Content, contentFormat: cf, payload: encodeTlv(path, entries, multiple) };
      case ContentFormat.SenmlJson:
        return { code: Code.Content, contentFormat: cf, payload: encodeSenmlJson(path, entries) };
      case ContentFormat.SenmlCbor:
        return { code: Code.Content, contentFormat: cf, payload: encodeSenmlCbor(path, entries) };
      default:
        refuse(Code.NotAcceptable);
    }
  }

  private decode(base: Path, op: Operation): Entry[] {
    const payload = op.payload ?? new Uint8Array(0);
    switch (op.contentFormat) {
      case ContentFormat.Text:
      case ContentFormat.Opaque: {
        const def = this.singleValue(base);
        if (!def) refuse(Code.BadRequest, 'plain text and opaque carry exactly one resource value');
        const value = op.contentFormat === ContentFormat.Text ? decodeText(def.type, payload) : decodeOpaque(def.type, payload, this.maxPayload);
        return [{ path: base.length === 4 ? base.slice() : [base[0], base[1], base[2]], type: def.type, value }];
      }
      case ContentFormat.Tlv:
        return requestBody(() => decodeTlv(base, payload, this.resolve));
      case ContentFormat.SenmlJson:
        return requestBody(() => decodeSenmlJson(base, payload, this.resolve));
      case ContentFormat.SenmlCbor:
        return requestBody(() => decodeSenmlCbor(base, payload, this.resolve));
      default:
        refuse(Code.UnsupportedContentFormat);
    }
  }

  // ------------------------------------------------------------------ writing

  /** Groups decoded entries into instance contents; values are type-checked again (defence in depth). */
  private group(entries: Entry[]): Map<number, InstanceContent> {
    const out = new Map<number, InstanceContent>();
    for (const e of entries) {
      const def = this.resourceDef(e.path[0], e.path[2]);
      if (!def) refuse(Code.NotFound);
      const problem = checkValueType(def.type, e.value);
      if (problem) refuse(Code.BadRequest, `resource ${e.path[0]}/${e.path[2]}: ${problem}`);
      let inst = out.get(e.path[1]);
      if (!inst) out.set(e.path[1], (inst = new Map()));
      if (def.multiple) {
        let m = inst.get(e.path[2]);
        if (!(m instanceof Map)) inst.set(e.path[2], (m = new Map<number, Value>()));
        m.set(e.path[3], e.value);
      } else inst.set(e.path[2], e.value);
    }
    return out;
  }

  /** Applies `incoming` onto `current` (copy) at the depth of `path`. */
  private merge(path: Path, current: InstanceContent, incoming: InstanceContent, replace: boolean, writableOnly: boolean): InstanceContent {
    const next: InstanceContent = new Map(current);
    if (replace && path.length === 2) {
      for (const rid of [...next.keys()]) {
        const def = this.resourceDef(path[0], rid);
        if (def && (!writableOnly || def.ops.includes('W'))) next.delete(rid);
      }
    }
    for (const [rid, rc] of incoming) {
      const old = next.get(rid);
      if (rc instanceof Map && old instanceof Map && (path.length === 4 || (!replace && path.length === 3))) {
        const m = new Map(old);
        for (const [riid, v] of rc) m.set(riid, v);
        next.set(rid, m);
      } else next.set(rid, rc);
    }
    return next;
  }

  private write(path: Path, op: Operation, caller: Caller): Response {
    this.guardSecurity(path, caller);
    if (path.length < 2) refuse(Code.MethodNotAllowed);
    const obj = this.requireObject(path[0]);
    this.requireRight(caller, path[0], path[1], Rights.Write);
    if (!obj.has(path[1])) refuse(Code.NotFound);
    if (path.length >= 3 && !this.resourceDef(path[0], path[2])) refuse(Code.NotFound);
    const grouped = this.group(this.decode(path, op));
    const incoming = grouped.get(path[1]) ?? new Map();
    if (grouped.size > 1 || (grouped.size === 1 && !grouped.has(path[1]))) refuse(Code.BadRequest, 'payload addresses another instance');
    for (const rid of incoming.keys()) {
      const def = this.resourceDef(path[0], rid)!;
      if (this.dm(caller) && !def.ops.includes('W')) refuse(Code.MethodNotAllowed, `resource ${path[0]}/${rid} is not writable`);
    }
    const replace = op.kind === 'write';
    if (obj.writeResources && this.dm(caller)) {
      const code = obj.writeResources(path[1], incoming);
      if (code) return { code };
    }
    const candidate = this.merge(path, obj.read(path[1]) ?? new Map(), incoming, replace, this.dm(caller));
    const mode: WriteMode = replace && path.length === 2 ? 'replace' : 'partial';
    const problem = obj.validate(path[1], candidate, mode);
    if (problem) refuse(Code.BadRequest, problem);
    obj.store(path[1], candidate);
    this.persist(path[0], path[1]);
    return { code: Code.Changed };
  }

  private execute(path: Path, payload: Uint8Array | undefined, caller: Caller): Response {
    this.guardSecurity(path, caller);
    if (path.length !== 3) refuse(Code.MethodNotAllowed);
    const obj = this.requireObject(path[0]);
    this.requireRight(caller, path[0], path[1], Rights.Execute);
    if (!obj.has(path[1])) refuse(Code.NotFound);
    const def = this.resourceDef(path[0], path[2]);
    if (!def) refuse(Code.NotFound);
    if (def.ops !== 'E') refuse(Code.MethodNotAllowed);
    let args = '';
    if (payload && payload.length) {
      if (payload.length > 1024) refuse(Code.BadRequest, 'execute arguments too long');
      try {
        args = utf8Decode(payload);
      } catch {
        refuse(Code.BadRequest, 'execute arguments are not UTF-8');
      }
      if (!parseExecuteArguments(args)) refuse(Code.BadRequest, 'execute arguments do not follow Core §5.4.5 (e.g. 0,1=\'value\')');
    }
    return { code: obj.execute(path[1], path[2], args) };
  }

  private create(path: Path, op: Operation, caller: Caller): Response {
    this.guardSecurity(path, caller);
    if (path.length !== 1) refuse(Code.MethodNotAllowed);
    const obj = this.requireObject(path[0]);
    if (this.dm(caller) && (path[0] === 2 || !this.access.canCreate(caller.shortServerId, path[0]))) refuse(Code.Unauthorized);
    const payload = op.payload ?? new Uint8Array(0);
    // TLV may or may not wrap the resources in an Object Instance TLV; SenML names carry the id.
    const wrapped = op.contentFormat !== ContentFormat.Tlv || (payload.length > 0 && payload[0] >> 6 === 0);
    const freeId = this.freeInstanceId(obj);
    const base = wrapped ? path : [path[0], freeId];
    const grouped = this.group(this.decode(base, op));
    if (grouped.size === 0) grouped.set(freeId, new Map());
    if (grouped.size !== 1) refuse(Code.BadRequest, 'create takes exactly one instance');
    const [iid, content] = [...grouped][0];
    if (iid === 65535) refuse(Code.BadRequest, 'instance id 65535 is reserved');
    if (obj.has(iid)) refuse(Code.BadRequest, `instance /${path[0]}/${iid} already exists`);
    if (!obj.def.multiple && obj.instanceIds().length > 0) refuse(Code.BadRequest, 'single-instance object already has its instance');
    for (const rid of content.keys()) if (this.resourceDef(path[0], rid)!.ops === 'E') refuse(Code.MethodNotAllowed);
    const problem = obj.validate(iid, content, 'create');
    if (problem) refuse(Code.BadRequest, problem);
    obj.store(iid, content);
    if (this.dm(caller) && !this.access.singleServer()) this.createAcl(path[0], iid, caller.shortServerId!);
    this.persist(path[0], iid);
    return { code: Code.Created, location: `/${path[0]}/${iid}` };
  }

  /** The creating server becomes Access Control Owner of the new instance (LwM2M 1.1 E.3). */
  private createAcl(oid: number, iid: number, owner: number): void {
    const aid = this.accessControl.freeInstanceId();
    this.accessControl.store(aid, new Map<number, Value | Map<number, Value>>([[0, oid], [1, iid], [2, new Map()], [3, owner]]));
    this.persist(2, aid);
  }

  private freeInstanceId(obj: LwObject): number {
    for (let i = 0; i < 65535; i++) if (!obj.has(i)) return i;
    refuse(Code.BadRequest, 'no free instance id');
  }

  private deleteInstance(path: Path, caller: Caller): Response {
    this.guardSecurity(path, caller);
    if (path.length !== 2) refuse(Code.MethodNotAllowed);
    const obj = this.requireObject(path[0]);
    if (this.dm(caller) && path[0] === 2) refuse(Code.Unauthorized);
    // Core §6.3.6 (1.0.x §5.4.7): the single instance of the mandatory Device object is never deleted.
    if (path[0] === DEVICE_OID) refuse(Code.MethodNotAllowed, 'the Device instance cannot be deleted');
    this.requireRight(caller, path[0], path[1], Rights.Delete);
    if (!obj.has(path[1])) refuse(Code.NotFound);
    this.removeInstance(path[0], path[1]);
    return { code: Code.Deleted };
  }

  /** Removes an instance, its ACL instance and its stored record. */
  /**
   * Bootstrap-Server Account Timeout (0/x/12, Core §E.1): the client itself removes the Bootstrap-Server
   * account, which no Bootstrap-Delete may touch. Its secrets are wiped in memory and in the store.
   */
  purgeBootstrapAccount(): boolean {
    const iid = this.security.bootstrapInstance();
    if (iid === undefined) return false;
    this.atomically(() => this.removeInstance(0, iid));
    return true;
  }

  private removeInstance(oid: number, iid: number): void {
    if (oid === 0) {
      this.security.remove(iid);
      this.unpersist(0, iid);
      return;
    }
    this.objects.get(oid)?.remove(iid);
    this.unpersist(oid, iid);
    if (oid !== 2) {
      const aid = this.accessControl.find(oid, iid);
      if (aid !== undefined) {
        this.accessControl.remove(aid);
        this.unpersist(2, aid);
      }
    }
    for (const key of [...this.attributes.keys()]) if (key.includes(`|/${oid}/${iid}`)) this.attributes.delete(key);
  }

  // ------------------------------------------------------------------ discover and attributes

  private attrsFor(ssid: number | undefined, path: Path): [string, number][] {
    const a = this.attributes.get(`${ssid ?? 0}|${formatPath(path)}`);
    return a ? [...a] : [];
  }

  /**
   * Notification attributes in force for `path` as server `ssid` sees them: the resource's own over its
   * instance's over its object's (LwM2M 1.1 Core §5.1.1), pmin/pmax falling back to the Server
   * Object's Default Minimum/Maximum Period (resources 2 and 3).
   */
  effectiveAttributes(ssid: number | undefined, path: Path): Map<string, number> {
    const out = new Map<string, number>();
    if (ssid !== undefined) {
      const iid = this.servers.instanceOf(ssid);
      const srv = iid === undefined ? undefined : this.servers.read(iid);
      const dmin = srv?.get(2);
      const dmax = srv?.get(3);
      if (typeof dmin === 'number') out.set('pmin', dmin);
      if (typeof dmax === 'number' && dmax > 0) out.set('pmax', dmax);
    }
    for (let n = 1; n <= path.length; n++) for (const [k, v] of this.attrsFor(ssid, path.slice(0, n))) out.set(k, v);
    return out;
  }

  private discover(path: Path, caller: Caller): Response {
    this.guardSecurity(path, caller);
    if (path.length === 0 || path.length === 4) refuse(Code.MethodNotAllowed);
    const obj = this.requireObject(path[0]);
    const ssid = caller.shortServerId;
    const links: Link[] = [];
    let iids = obj.instanceIds();
    if (path.length >= 2) {
      this.requireRight(caller, path[0], path[1], Rights.Read);
      if (!obj.has(path[1])) refuse(Code.NotFound);
      iids = [path[1]];
    } else {
      const visible = iids.filter((iid) => this.rights(caller, path[0], iid) & Rights.Read);
      if (iids.length > 0 && visible.length === 0) refuse(Code.Unauthorized);
      iids = visible;
      links.push({ path: [path[0]], attrs: [...(obj.def.version ? ([['ver', obj.def.version]] as [string, string][]) : []), ...this.attrsFor(ssid, [path[0]])] });
    }
    if (path.length === 3 && !this.resourceDef(path[0], path[2])) refuse(Code.NotFound);
    for (const iid of iids) {
      const content = obj.read(iid) ?? new Map();
      if (path.length < 3) links.push({ path: [path[0], iid], attrs: this.attrsFor(ssid, [path[0], iid]) });
      for (const def of obj.def.resources) {
        if (path.length === 3 && def.id !== path[2]) continue;
        if (def.secret || (!content.has(def.id) && def.ops !== 'E')) continue;
        const rc = content.get(def.id);
        const rpath = [path[0], iid, def.id];
        const attrs: [string, string | number | null][] = [];
        if (rc instanceof Map) attrs.push(['dim', rc.size]);
        links.push({ path: rpath, attrs: [...attrs, ...this.attrsFor(ssid, rpath)] });
        if (path.length === 3 && rc instanceof Map) for (const riid of [...rc.keys()].sort((a, b) => a - b)) links.push({ path: [...rpath, riid], attrs: this.attrsFor(ssid, [...rpath, riid]) });
      }
    }
    if (path.length === 3 && links.length === 0) refuse(Code.NotFound);
    return { code: Code.Content, contentFormat: ContentFormat.LinkFormat, payload: encodeLinks(links) };
  }

  private writeAttributes(path: Path, query: string, caller: Caller): Response {
    this.guardSecurity(path, caller);
    if (path.length === 0) refuse(Code.MethodNotAllowed);
    const obj = this.requireObject(path[0]);
    if (path.length >= 2) {
      this.requireRight(caller, path[0], path[1], Rights.Read);
      if (!obj.has(path[1])) refuse(Code.NotFound);
    } else if (!obj.instanceIds().some((iid) => this.rights(caller, path[0], iid) & Rights.Read)) refuse(Code.Unauthorized);
    if (path.length >= 3 && !this.resourceDef(path[0], path[2])) refuse(Code.NotFound);
    const key = `${caller.shortServerId ?? 0}|${formatPath(path)}`;
    const attrs = new Map(this.attributes.get(key) ?? []);
    if (query.length > 256) refuse(Code.BadRequest, 'attribute query too long');
    const seen = new Set<string>();
    for (const part of query.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      if (!ATTRIBUTES.has(name)) refuse(Code.BadRequest, `unknown attribute "${name.slice(0, 8)}"`);
      // Core §5.1.2: each attribute at most once per request.
      if (seen.has(name)) refuse(Code.BadRequest, `attribute ${name} repeated`);
      seen.add(name);
      if (eq < 0) {
        attrs.delete(name);
        continue;
      }
      const text = part.slice(eq + 1);
      // pmin, pmax, epmin, epmax: Integer seconds, never negative; gt, lt, st: Float (Core §5.1.2, Table 5.1.2-1).
      const integer = PERIOD_ATTRIBUTES.has(name);
      const v = Number(text);
      if (!(integer ? /^[0-9]{1,10}$/ : /^-?[0-9]{1,20}(\.[0-9]{1,20})?$/).test(text) || !Number.isFinite(v)) refuse(Code.BadRequest, `attribute ${name} needs ${integer ? 'a non-negative integer' : 'a number'}`);
      if (integer && v > MAX_ATTRIBUTE_PERIOD_S) refuse(Code.BadRequest, `attribute ${name} is above ${MAX_ATTRIBUTE_PERIOD_S} s`);
      if (name === 'st' && v < 0) refuse(Code.BadRequest, 'st must not be negative');
      attrs.set(name, v);
    }
    const problem = attributeConflict(attrs);
    if (problem) refuse(Code.BadRequest, problem);
    this.attributes.set(key, attrs);
    return { code: Code.Changed };
  }

  // ------------------------------------------------------------------ bootstrap interface

  private bootstrapWrite(path: Path, op: Operation): Response {
    if (path.length === 0) refuse(Code.BadRequest, 'Bootstrap-Write needs an object path');
    const obj = this.requireObject(path[0]);
    if (path.length >= 3 && !this.resourceDef(path[0], path[2])) refuse(Code.NotFound);
    const grouped = this.group(this.decode(path, op));
    const staged: [number, InstanceContent][] = [];
    for (const [iid, incoming] of grouped) {
      if (path.length >= 2 && iid !== path[1]) refuse(Code.BadRequest, 'payload addresses another instance');
      const exists = obj.has(iid);
      // A whole instance replaces what was there; a resource write updates it (creating it if needed).
      const candidate = path.length <= 2 ? incoming : this.merge(path, obj.read(iid) ?? new Map(), incoming, false, false);
      const mode: WriteMode = path.length <= 2 ? (exists ? 'replace' : 'create') : 'partial';
      if (!obj.def.multiple && !exists && obj.instanceIds().length > 0) refuse(Code.BadRequest, 'single-instance object already has its instance');
      const problem = obj.validate(iid, candidate, mode);
      if (problem) refuse(Code.BadRequest, `/${path[0]}/${iid}: ${problem}`);
      staged.push([iid, candidate]);
    }
    for (const [iid, content] of staged) {
      obj.store(iid, content);
      this.persist(path[0], iid);
    }
    this.log('info', 'lwm2m: bootstrap-write', { path: formatPath(path), instances: staged.map(([iid]) => iid) });
    return { code: Code.Changed };
  }

  private bootstrapRead(path: Path, accept: number | undefined): Response {
    // LwM2M 1.1 5.2.7.5: Bootstrap-Read is limited to the Server and Access Control objects.
    if (path.length === 0 || (path[0] !== 1 && path[0] !== 2)) refuse(Code.Unauthorized);
    return this.read(path, accept, { kind: 'internal' });
  }

  private bootstrapDiscover(path: Path): Response {
    if (path.length > 1) refuse(Code.BadRequest, 'Bootstrap-Discover takes "/" or an object');
    const links: Link[] = [];
    const oids = path.length ? [path[0]] : this.objectIds();
    if (path.length) this.requireObject(path[0]);
    for (const oid of oids) {
      const obj = this.objects.get(oid)!;
      const iids = obj.instanceIds();
      if (obj.def.version || iids.length === 0) links.push({ path: [oid], attrs: obj.def.version ? [['ver', obj.def.version]] : [] });
      for (const iid of iids) {
        const attrs: [string, string | number | null][] = [];
        if (oid === 0) {
          const ssid = this.security.shortServerId(iid);
          if (ssid !== undefined) attrs.push(['ssid', ssid]);
          const uri = obj.read(iid)?.get(0);
          if (typeof uri === 'string') attrs.push(['uri', uri]);
        } else if (oid === 1) {
          const ssid = obj.read(iid)?.get(0);
          if (typeof ssid === 'number') attrs.push(['ssid', ssid]);
        }
        links.push({ path: [oid, iid], attrs });
      }
    }
    const text = `</>;lwm2m=1.1${links.length ? ',' : ''}${formatLinks(links)}`;
    return { code: Code.Content, contentFormat: ContentFormat.LinkFormat, payload: utf8Encode(text) };
  }

  private bootstrapDelete(path: Path): Response {
    if (path.length > 2) refuse(Code.BadRequest, 'Bootstrap-Delete takes "/", an object or an instance');
    const bsIid = this.security.bootstrapInstance();
    const targets: [number, number][] = [];
    const oids = path.length ? [path[0]] : this.objectIds();
    if (path.length) this.requireObject(path[0]);
    for (const oid of oids) {
      // The Bootstrap-Server account and the Device object survive a Bootstrap-Delete of "/" or "/0" (5.2.7.6).
      if (path.length < 2 && oid === DEVICE_OID) continue;
      if (oid === DEVICE_OID) refuse(Code.BadRequest, 'the Device instance cannot be deleted');
      const iids = path.length === 2 ? [path[1]] : this.objects.get(oid)!.instanceIds();
      for (const iid of iids) {
        if (oid === 0 && iid === bsIid) {
          if (path.length === 2) refuse(Code.BadRequest, 'the Bootstrap-Server account cannot be deleted');
          continue;
        }
        targets.push([oid, iid]);
      }
    }
    if (path.length === 2 && !this.objects.get(path[0])!.has(path[1])) refuse(Code.NotFound);
    // Security instances first, so unbootstrapping sees the ACLs and Server instances it must clean up.
    for (const [oid, iid] of targets) if (oid === 0) this.unbootstrap(iid);
    for (const [oid, iid] of targets) if (oid !== 0 && this.objects.get(oid)!.has(iid)) this.removeInstance(oid, iid);
    return { code: Code.Deleted };
  }

  // ------------------------------------------------------------------ unbootstrapping

  /**
   * LwM2M 1.1 D.1.3 / SPEC-NOTES 1: deleting a Security instance over the Bootstrap interface.
   *  1. Instances only that server could access (it owns the ACL and no other server, nor the
   *     default entry, has rights) are deleted with their ACL instance.
   *  2. Shared instances lose that server's ACL entry; if it owned the ACL, ownership goes to the
   *     server with the highest Write(1) + Delete(1) score among the remaining ACL entries.
   *     Tie rule: the lowest Short Server ID wins. If only the default entry remains, the lowest
   *     other configured Short Server ID takes over; if no other server exists, the instance is
   *     deleted as exclusive (except the instance of a mandatory single-instance object such as
   *     Device, which only loses its ACL instance).
   *  3. onCancelObservations(ssid);  4. its Server instance is deleted;  5. onDeregister(ssid),
   *     called while the Security instance still exists; then the Security instance is deleted and
   *     its secrets wiped (memory and store).
   */
  unbootstrap(securityIid: number): UnbootstrapReport {
    return this.atomically(() => this.unbootstrapNow(securityIid));
  }

  private unbootstrapNow(securityIid: number): UnbootstrapReport {
    const report: UnbootstrapReport = { deleted: [], handedOver: [], aclEntriesRemoved: [] };
    if (!this.security.has(securityIid)) return report;
    const ssid = this.security.shortServerId(securityIid);
    if (ssid !== undefined) {
      report.ssid = ssid;
      const acl = this.accessControl;
      const otherServers = this.servers.shortServerIds().filter((s) => s !== ssid).sort((a, b) => a - b);
      for (const aid of acl.instanceIds()) {
        const entries = new Map(acl.acl(aid));
        const owner = acl.owner(aid);
        const mentions = entries.has(ssid) || owner === ssid;
        if (!mentions) continue;
        const others = [...entries.keys()].filter((s) => s !== ssid && s !== 0);
        const shared = others.length > 0 || (entries.has(0) && otherServers.length > 0);
        const [oid, iid] = acl.target(aid)!;
        if (owner === ssid && !shared) {
          const target = this.objects.get(oid);
          // A mandatory single-instance object (Device) is never deleted; only its ACL goes.
          if (iid !== 65535 && target?.has(iid) && !(target.def.mandatory && !target.def.multiple)) {
            this.removeInstance(oid, iid);
            report.deleted.push(`/${oid}/${iid}`);
          }
          if (acl.has(aid)) {
            acl.remove(aid);
            this.unpersist(2, aid);
          }
          report.deleted.push(`/2/${aid}`);
          continue;
        }
        if (entries.delete(ssid)) report.aclEntriesRemoved.push(aid);
        let newOwner = owner ?? 0;
        if (owner === ssid) {
          newOwner = others.length ? pickOwner(others, entries) : otherServers[0];
          report.handedOver.push({ aclInstance: aid, from: ssid, to: newOwner });
        }
        acl.update(aid, entries, newOwner);
        this.persist(2, aid);
      }
      this.opts.onCancelObservations?.(ssid);
      const sid = this.servers.instanceOf(ssid);
      if (sid !== undefined) {
        this.removeInstance(1, sid);
        report.deleted.push(`/1/${sid}`);
      }
      for (const key of [...this.attributes.keys()]) if (key.startsWith(`${ssid}|`)) this.attributes.delete(key);
      this.opts.onDeregister?.(ssid);
    }
    this.removeInstance(0, securityIid);
    report.deleted.push(`/0/${securityIid}`);
    this.log('info', 'lwm2m: unbootstrapped a server account', { securityInstance: securityIid, ssid });
    return report;
  }

  // ------------------------------------------------------------------ registration

  /**
   * Register (and Update) payload, LwM2M 1.1 Core §6.2.1: every object but Security, with versions and instances.
   * The root link carries no `ct`: the attribute advertises an optional format a server would not otherwise
   * assume, and servers refuse a Register whose root `ct` they do not know (TLV, 11542, is the default and is
   * never listed there). The client still answers TLV, SenML JSON and SenML CBOR requests.
   */
  registerPayload(): string {
    const links: Link[] = [];
    for (const oid of this.objectIds()) {
      if (oid === 0) continue;
      const obj = this.objects.get(oid)!;
      const iids = obj.instanceIds();
      if (obj.def.version || iids.length === 0) links.push({ path: [oid], attrs: obj.def.version ? [['ver', obj.def.version]] : [] });
      for (const iid of iids) links.push({ path: [oid, iid] });
    }
    return `</>;rt="oma.lwm2m"${links.length ? ',' : ''}${formatLinks(links)}`;
  }

  // ------------------------------------------------------------------ persistence (transactions)

  /** Marks an instance of Objects 0/1/2 changed (written, created or deleted): the next commit stores it. */
  private persist(oid: number, iid: number): void {
    if ((PERSISTED_OBJECTS as readonly number[]).includes(oid)) this.dirty.add(oid * 0x10000 + iid);
  }

  private unpersist(oid: number, iid: number): void {
    this.persist(oid, iid);
  }

  /**
   * Opens a transaction over Objects 0/1/2: until commitTransaction() nothing reaches the store, so a power
   * cut leaves the configuration as it was before. The client opens one for a whole bootstrap session
   * (committed when Bootstrap-Finish is accepted); outside one, every operation is its own transaction.
   */
  beginTransaction(): void {
    this.inTransaction = true;
    // Without a store there is no committed configuration to go back to: keep one in memory.
    if (!this.opts.store) {
      wipe(this.txSnapshot ?? undefined);
      this.txSnapshot = this.snapshot();
    }
  }

  /** Stores every change since beginTransaction() as one transaction. Throws what the store throws. */
  commitTransaction(): void {
    this.inTransaction = false;
    wipe(this.txSnapshot ?? undefined);
    this.txSnapshot = null;
    this.commit();
  }

  /** Drops every change since beginTransaction(): Objects 0/1/2 are reloaded from the committed configuration. */
  abortTransaction(): void {
    this.inTransaction = false;
    this.dirty.clear();
    if (this.opts.store) {
      this.clearConfiguration();
      this.restore();
    } else if (this.txSnapshot) {
      this.loadSnapshot(this.txSnapshot);
      this.dirty.clear();
      wipe(this.txSnapshot);
      this.txSnapshot = null;
    }
  }

  /** Removes every instance of Objects 0/1/2 from memory (secrets wiped), marking each for the next commit. */
  private clearConfiguration(): void {
    for (const oid of PERSISTED_OBJECTS) {
      const obj = this.objects.get(oid)!;
      for (const iid of obj.instanceIds()) {
        obj.remove(iid);
        this.persist(oid, iid);
      }
    }
  }

  /** Objects 0/1/2 as one byte string (secrets included: wipe it). */
  private snapshot(): Uint8Array {
    const parts: { oid: number; iid: number; tlv: Uint8Array }[] = [];
    for (const oid of PERSISTED_OBJECTS) for (const iid of this.objects.get(oid)!.instanceIds()) parts.push({ oid, iid, tlv: this.serialize(oid, iid)! });
    try {
      return encodeSnapshot(parts);
    } finally {
      for (const p of parts) wipe(p.tlv);
    }
  }

  /** Replaces Objects 0/1/2 in memory with a snapshot's instances (each marked for the next commit). */
  private loadSnapshot(data: Uint8Array): void {
    const parts = decodeSnapshot(data);
    this.clearConfiguration();
    this.attributes.clear();
    for (const p of parts) {
      if ((PERSISTED_OBJECTS as readonly number[]).includes(p.oid) && this.loadInstance(p.oid, p.iid, p.tlv)) this.persist(p.oid, p.iid);
    }
  }

  /** Runs `fn` as one operation: its changes are committed together unless a transaction is open. */
  private atomically<T>(fn: () => T): T {
    this.opDepth++;
    let out: T;
    try {
      out = fn();
    } finally {
      this.opDepth--;
    }
    if (this.opDepth === 0 && !this.inTransaction) this.commit();
    return out;
  }

  private serialize(oid: number, iid: number): Uint8Array | null {
    const obj = this.objects.get(oid)!;
    const content = obj.read(iid);
    if (!content) return null;
    // Internal serialisation includes secrets: the store seals Object 0 records; our copies are wiped.
    const entries: Entry[] = [];
    for (const rid of [...content.keys()].sort((a, b) => a - b)) {
      const def = this.resourceDef(oid, rid);
      if (!def || def.type === 'none') continue;
      const rc = content.get(rid)!;
      if (rc instanceof Map) for (const riid of [...rc.keys()].sort((a, b) => a - b)) entries.push({ path: [oid, iid, rid, riid], type: def.type, value: rc.get(riid)! });
      else entries.push({ path: [oid, iid, rid], type: def.type, value: rc });
    }
    return encodeTlv([oid, iid], entries, (o, r) => this.resourceDef(o, r)?.multiple ?? false);
  }

  /**
   * One transaction (see persistence.ts): changed instances go to the slot the committed manifest does not
   * use, then the new manifest is written (the commit point), then the superseded records are removed.
   */
  private commit(): void {
    const store = this.opts.store;
    if (!store) {
      this.dirty.clear();
      return;
    }
    if (this.dirty.size === 0) return;
    if (!this.manifest) {
      // restore() was not called: keep what the store holds, change only what changed here.
      const m = store.load(MANIFEST_RECORD);
      this.manifest = m ? decodeManifest(m) : { generation: 0, entries: [] };
    }
    const generation = (this.manifest.generation + 1) >>> 0;
    const entries = new Map<number, ManifestEntry>();
    for (const e of this.manifest.entries) entries.set(e.oid * 0x10000 + e.iid, e);
    const superseded: string[] = [];
    for (const k of [...this.dirty].sort((a, b) => a - b)) {
      const oid = Math.floor(k / 0x10000);
      const iid = k % 0x10000;
      const cur = entries.get(k);
      const tlv = this.serialize(oid, iid);
      if (tlv) {
        const slot: 0 | 1 = cur ? (cur.slot === 0 ? 1 : 0) : 0;
        const rec = encodeInstanceRecord(generation, oid, iid, tlv);
        wipe(tlv);
        try {
          store.save(recordName(oid, iid, slot), rec);
        } finally {
          wipe(rec);
        }
        if (cur) superseded.push(recordName(oid, iid, cur.slot));
        entries.set(k, { oid, iid, slot, generation });
      } else if (cur) {
        superseded.push(recordName(oid, iid, cur.slot));
        entries.delete(k);
      }
    }
    const next: Manifest = { generation, entries: [...entries.values()].sort((a, b) => a.oid - b.oid || a.iid - b.iid) };
    store.save(MANIFEST_RECORD, encodeManifest(next));
    this.manifest = next;
    this.dirty.clear();
    // After the commit point: old copies (old keys among them) go; the store zeroes them.
    for (const name of superseded) store.remove(name);
  }

  /** Decodes, validates and stores one instance; false (logged) when it does not validate. */
  private loadInstance(oid: number, iid: number, tlv: Uint8Array): boolean {
    const obj = this.objects.get(oid)!;
    const grouped = this.group(decodeTlv([oid, iid], tlv, this.resolve));
    const content = grouped.get(iid) ?? new Map();
    const problem = obj.validate(iid, content, 'create');
    if (problem) {
      this.log('warn', 'lwm2m: stored instance failed validation, skipped', { path: `/${oid}/${iid}` });
      return false;
    }
    obj.store(iid, content);
    return true;
  }

  /**
   * Loads Objects 0, 1 and 2 from the committed configuration (call once at start) and removes what an
   * interrupted transaction left behind. A version 0 configuration is migrated. Returns the instances loaded.
   */
  restore(): number {
    const store = this.opts.store;
    if (!store) return 0;
    const raw = store.load(MANIFEST_RECORD);
    if (!raw) return this.migrateLegacy(store);
    let manifest: Manifest;
    try {
      manifest = decodeManifest(raw);
    } catch (e) {
      this.log('error', 'lwm2m: the stored configuration manifest is unreadable; starting unconfigured', { reason: e instanceof Error ? e.message : 'unknown' });
      this.manifest = { generation: 0, entries: [] };
      return 0;
    }
    let n = 0;
    const kept: ManifestEntry[] = [];
    for (const e of manifest.entries) {
      if (!(PERSISTED_OBJECTS as readonly number[]).includes(e.oid)) continue;
      const data = store.load(recordName(e.oid, e.iid, e.slot));
      if (!data) {
        this.log('error', 'lwm2m: a committed configuration record is missing', { path: `/${e.oid}/${e.iid}` });
        continue;
      }
      try {
        if (this.loadInstance(e.oid, e.iid, instanceRecordBody(data, e))) {
          n++;
          kept.push(e);
        }
      } catch {
        this.log('error', 'lwm2m: a committed configuration record is corrupt, skipped', { path: `/${e.oid}/${e.iid}` });
      } finally {
        wipe(data);
      }
    }
    this.manifest = { generation: manifest.generation, entries: kept };
    if (store.names) {
      const referenced = new Set(kept.map((e) => recordName(e.oid, e.iid, e.slot)));
      for (const name of store.names()) {
        // Only names this layer writes (instance records, version 0 records): other modules may share the prefix.
        if (isConfigurationRecord(name) && !referenced.has(name)) store.remove(name);
      }
    }
    return n;
  }

  /** Version 0 records (no manifest): loaded, committed as one version 1 transaction, then deleted. */
  private migrateLegacy(store: ObjectStore): number {
    let n = 0;
    const legacy: string[] = [];
    for (const oid of PERSISTED_OBJECTS) {
      const indexName = legacyIndexRecordName(oid);
      const index = store.load(indexName);
      if (!index) continue;
      legacy.push(indexName);
      for (const iid of decodeIndex(index)) {
        const name = legacyInstanceRecordName(oid, iid);
        const data = store.load(name);
        if (!data) continue;
        legacy.push(name);
        try {
          if (this.loadInstance(oid, iid, data)) {
            n++;
            this.persist(oid, iid);
          }
        } catch {
          this.log('warn', 'lwm2m: stored instance is corrupt, skipped', { path: `/${oid}/${iid}` });
        } finally {
          wipe(data);
        }
      }
    }
    this.manifest = { generation: 0, entries: [] };
    if (legacy.length === 0) return 0;
    this.commit();
    for (const name of legacy) store.remove(name);
    this.log('info', 'lwm2m: configuration migrated to versioned records', { instances: n });
    return n;
  }

  /**
   * Keeps the current Objects 0/1/2 as the factory configuration (sealed with the rest when the store is the
   * KeyStore) that factoryReset() returns to. applyFactoryConfig calls it on first boot.
   */
  saveFactoryConfiguration(): void {
    const snapshot = this.snapshot();
    if (this.opts.store) {
      try {
        this.opts.store.save(FACTORY_RECORD, snapshot);
      } finally {
        wipe(snapshot);
      }
    } else {
      wipe(this.factoryInMemory ?? undefined);
      this.factoryInMemory = snapshot;
    }
  }

  /** True when saveFactoryConfiguration() stored a configuration that factoryReset() can return to. */
  hasFactoryConfiguration(): boolean {
    if (!this.opts.store) return this.factoryInMemory !== null;
    const snapshot = this.opts.store.load(FACTORY_RECORD);
    wipe(snapshot ?? undefined);
    return snapshot !== null;
  }

  /**
   * Device Factory Reset (3/0/5): Objects 0/1/2 go back to the factory configuration in one transaction
   * (every server account, ACL and attribute set since is gone; removed secrets are wiped). False when no
   * factory configuration was saved (nothing is changed then).
   */
  factoryReset(): boolean {
    const snapshot = this.opts.store ? this.opts.store.load(FACTORY_RECORD) : (this.factoryInMemory?.slice() ?? null);
    if (!snapshot) return false;
    try {
      decodeSnapshot(snapshot); // malformed: throw before anything is removed
      this.atomically(() => this.loadSnapshot(snapshot));
      this.log('info', 'lwm2m: factory reset: configuration returned to the factory one');
      return true;
    } finally {
      wipe(snapshot);
    }
  }

  /** Credentials for the transport layer (never through handle()): a copy the caller must wipe. */
  secret(securityIid: number, rid: 5 | 8): Uint8Array | undefined {
    return this.security.secret(securityIid, rid);
  }

  private log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    this.opts.host?.log(level, msg, fields);
  }
}

/** Highest Write+Delete score; ties go to the lowest Short Server ID. */
export function pickOwner(candidates: number[], entries: Map<number, number>): number {
  let best = -1;
  let bestScore = -1;
  for (const s of [...candidates].sort((a, b) => a - b)) {
    const score = handOverScore(entries.get(s) ?? 0);
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/**
 * A request body in a format we know but using a feature we do not accept (CBOR tags, indefinite lengths,
 * a SenML must-understand label) is a bad request (4.00, RFC 7252 §5.9.2.1), not 4.06: Not Acceptable is
 * about the Accept option of a response.
 */
function requestBody(decode: () => Entry[]): Entry[] {
  try {
    return decode();
  } catch (e) {
    if (e instanceof Lwm2mFormatError && e.code === 'unsupported') refuse(Code.BadRequest, e.message);
    throw e;
  }
}

function diagnostic(code: number, text: string): Response {
  return { code, payload: utf8Encode(text), contentFormat: ContentFormat.Text };
}
