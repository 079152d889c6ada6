/**
 * Package URI (Object 5 resource 1) parsing, RFC 3986 §3 for the coap/coaps schemes of RFC 7252 §6.
 * http/https and CoAP over TCP/TLS (RFC 8323) are recognised and refused as unsupported protocols
 * (Update Result 9); anything else unparsable is an invalid URI (Update Result 7).
 */
import { FotaError } from './errors';

export interface PackageUri {
  scheme: 'coap' | 'coaps';
  host: string;
  port: number;
  /** Decoded Uri-Path segments. */
  path: string[];
  /** Decoded Uri-Query arguments. */
  query: string[];
  /** scheme://host:port, to match a Security Object instance's Server URI. */
  origin: string;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new FotaError('bad-uri', 'bad percent-encoding in the Package URI');
  }
}

export function parsePackageUri(uri: string): PackageUri {
  if (uri.length > 255) throw new FotaError('bad-uri', 'Package URI longer than 255 characters');
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#\[\]]+)(?::(\d{1,5}))?(\/[^?#]*)?(?:\?([^#]*))?$/.exec(uri);
  if (!m) throw new FotaError('bad-uri', 'Package URI is not scheme://host[:port]/path');
  const scheme = m[1].toLowerCase();
  if (scheme === 'http' || scheme === 'https' || scheme === 'coap+tcp' || scheme === 'coaps+tcp') throw new FotaError('unsupported-protocol', `${scheme} downloads are not supported (coap and coaps are)`);
  if (scheme !== 'coap' && scheme !== 'coaps') throw new FotaError('bad-uri', `unknown scheme ${scheme}`);
  const host = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2];
  const port = m[3] !== undefined ? Number(m[3]) : scheme === 'coap' ? 5683 : 5684;
  if (port < 1 || port > 65535) throw new FotaError('bad-uri', 'port out of range');
  const path = (m[4] ?? '').split('/').slice(1).filter((s, i, a) => !(s === '' && i === a.length - 1)).map(decode);
  const query = m[5] ? m[5].split('&').map(decode) : [];
  if (path.length > 16 || query.length > 16 || path.some((s) => s.length > 255)) throw new FotaError('bad-uri', 'too many path or query segments');
  return { scheme, host, port, path, query, origin: `${scheme}://${m[2]}:${port}` };
}
