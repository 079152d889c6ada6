/**
 * Maps CoAP requests from a server onto data-model operations (LwM2M 1.1 Transport §6.4 / Core §6):
 * which method on which path depth means Read, Discover, Observe, Write, Write-Attributes, Execute,
 * Create, Delete, and on the Bootstrap interface Bootstrap-Write/Read/Discover/Delete.
 */
import { Method } from '../coap/codes';
import type { IncomingRequest } from '../coap/endpoint';
import type { Operation } from '../lwm2m/data-model';
import { ContentFormat, parsePath, type Path } from '../lwm2m/types';

export type Interface = 'dm' | 'bootstrap';

/** A request that is not an operation: Bootstrap-Finish, or something to answer with a code directly. */
export type Mapped = { op: Operation; path: Path } | { finish: true } | { code: number };

const BAD_REQUEST = 0x80;
const NOT_FOUND = 0x84;
const METHOD_NOT_ALLOWED = 0x85;

function pathOf(req: IncomingRequest): Path | null {
  try {
    return parsePath('/' + req.path.join('/'));
  } catch {
    return null;
  }
}

export function mapRequest(req: IncomingRequest, iface: Interface): Mapped {
  if (iface === 'bootstrap' && req.method === Method.POST && req.path.length === 1 && req.path[0] === 'bs') return { finish: true };
  const path = pathOf(req);
  if (!path) return { code: NOT_FOUND };
  const query = req.query.join('&');
  const payload = req.payload;
  const cf = req.contentFormat;
  if (iface === 'bootstrap') {
    switch (req.method) {
      case Method.GET:
        return req.accept === ContentFormat.LinkFormat
          ? { op: { kind: 'bootstrap-discover', path }, path }
          : { op: { kind: 'bootstrap-read', path, accept: req.accept }, path };
      case Method.PUT:
        return { op: { kind: 'bootstrap-write', path, payload, contentFormat: cf }, path };
      case Method.DELETE:
        return { op: { kind: 'bootstrap-delete', path }, path };
      default:
        return { code: METHOD_NOT_ALLOWED };
    }
  }
  switch (req.method) {
    case Method.GET:
      if (req.accept === ContentFormat.LinkFormat) return { op: { kind: 'discover', path }, path };
      if (req.observe === 0) return { op: { kind: 'observe', path, accept: req.accept }, path };
      return { op: { kind: 'read', path, accept: req.accept }, path };
    case Method.PUT:
      // Write-Attributes is a PUT with a query and no payload (Transport §6.4.4).
      if (payload.length === 0 && query.length > 0 && cf === undefined) return { op: { kind: 'write-attributes', path, query }, path };
      if (path.length < 2) return { code: METHOD_NOT_ALLOWED };
      return { op: { kind: 'write', path, payload, contentFormat: cf }, path };
    case Method.POST:
      if (path.length === 1) return { op: { kind: 'create', path, payload, contentFormat: cf }, path };
      if (path.length === 3) return { op: { kind: 'execute', path, payload }, path };
      if (path.length === 2 || path.length === 4) return { op: { kind: 'write-partial', path, payload, contentFormat: cf }, path };
      return { code: METHOD_NOT_ALLOWED };
    case Method.DELETE:
      return { op: { kind: 'delete', path }, path };
    default:
      return { code: BAD_REQUEST };
  }
}
