/**
 * Access control decisions (LwM2M 1.1 E.3 and 7.3.x). Pure functions of the Server and Access
 * Control objects, so the matrix of roles x operations x paths is easy to test.
 *
 * Rules, in order, for a DM server with Short Server ID s asking about /oid/iid:
 *  - s must belong to an instance of Object 1; an unknown server has no rights anywhere.
 *  - Object 0 (Security): no rights, ever (only the Bootstrap-Server or a smartcard changes it).
 *  - Object 2 (Access Control): the instance's owner may read and write it; a server with an ACL
 *    entry in it may read it; nobody creates or deletes ACL instances but the client itself.
 *  - Object 1: a server always reads, writes and executes its own Server instance.
 *  - Single-server rule: with only one DM server configured, it has full access (no ACL needed).
 *  - Otherwise the ACL instance for /oid/iid decides: the server's own entry, else full rights
 *    (R, W, E, D) when it is the Access Control Owner, else the default entry (ACL instance 0),
 *    else nothing. With no ACL instance there is no access.
 *  - Create needs the C bit in the ACL instance whose Object Instance ID is 65535.
 */
import { Rights, type AccessControlObject } from './objects/access-control';
import type { ServerObject } from './objects/server';

export { Rights };

export class AccessPolicy {
  constructor(
    private readonly servers: ServerObject,
    private readonly acl: AccessControlObject,
  ) {}

  isKnownServer(ssid: number | undefined): ssid is number {
    return ssid !== undefined && this.servers.instanceOf(ssid) !== undefined;
  }

  singleServer(): boolean {
    return this.servers.instanceIds().length <= 1;
  }

  /** Rights bits of server `ssid` on /oid/iid. */
  rights(ssid: number | undefined, oid: number, iid: number): number {
    if (!this.isKnownServer(ssid) || oid === 0) return 0;
    if (oid === 2) {
      if (this.acl.owner(iid) === ssid) return Rights.Read | Rights.Write;
      return this.acl.acl(iid).has(ssid) ? Rights.Read : 0;
    }
    if (oid === 1 && this.servers.instanceOf(ssid) === iid) return Rights.Read | Rights.Write | Rights.Execute;
    if (this.singleServer()) return Rights.Read | Rights.Write | Rights.Execute | Rights.Delete;
    const aid = this.acl.find(oid, iid);
    if (aid === undefined) return 0;
    const entries = this.acl.acl(aid);
    const own = entries.get(ssid);
    if (own !== undefined) return own & ~Rights.Create;
    if (this.acl.owner(aid) === ssid) return Rights.Read | Rights.Write | Rights.Execute | Rights.Delete;
    return (entries.get(0) ?? 0) & ~Rights.Create;
  }

  canCreate(ssid: number | undefined, oid: number): boolean {
    if (!this.isKnownServer(ssid) || oid === 0 || oid === 2) return false;
    if (this.singleServer()) return true;
    const aid = this.acl.find(oid, 65535);
    if (aid === undefined) return false;
    const entries = this.acl.acl(aid);
    const r = entries.get(ssid) ?? (this.acl.owner(aid) === ssid ? Rights.Create : entries.get(0) ?? 0);
    return (r & Rights.Create) !== 0;
  }
}

/** Hand-over score of the unbootstrapping procedure: Write counts 1, Delete counts 1. */
export function handOverScore(rights: number): number {
  return (rights & Rights.Write ? 1 : 0) + (rights & Rights.Delete ? 1 : 0);
}
