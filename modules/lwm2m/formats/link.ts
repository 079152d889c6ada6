/**
 * CoRE Link Format, content format 40 (RFC 6690) as LwM2M uses it for Discover (1.1 5.4.2,
 * 5.2.7.4 Bootstrap-Discover) and the Register payload (5.3.1).
 */
import { utf8Encode } from '../../bytes/index';
import type { Path } from '../types';
import { formatPath } from '../types';

export interface Link {
  path: Path;
  /** Attributes in output order; values of rt, uri and ep are quoted strings, the rest bare tokens (ver=1.1, ssid=101). */
  attrs?: [string, string | number | null][];
}

const QUOTED = new Set(['rt', 'uri', 'ep']);

function attr([k, v]: [string, string | number | null]): string {
  if (v === null) return `;${k}`;
  if (typeof v === 'number' || !QUOTED.has(k)) return `;${k}=${v}`;
  return `;${k}="${v.replace(/["\\]/g, '\\$&')}"`;
}

export function formatLinks(links: Link[], prefix = ''): string {
  return links.map((l) => `<${prefix}${formatPath(l.path)}>${(l.attrs ?? []).map(attr).join('')}`).join(',');
}

export function encodeLinks(links: Link[], prefix = ''): Uint8Array {
  return utf8Encode(formatLinks(links, prefix));
}
