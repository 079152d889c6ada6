/** LwM2M Server URIs (Security Object resource 0): coap://, coaps:// (and sms:// for the SMS binding). */
import { ClientError } from './errors';

export interface ServerUri {
  scheme: 'coap' | 'coaps' | 'sms';
  /** IP literal (v4, or v6 without brackets), a host name for hosts that can resolve, or an MSISDN for sms. */
  host: string;
  port: number;
}

const DEFAULT_PORT = { coap: 5683, coaps: 5684, sms: 0 } as const;
Object.freeze(DEFAULT_PORT);

export function parseServerUri(uri: string): ServerUri {
  // RFC 3986 §3.2.2: an IPv6 literal is bracketed; a reg-name / IPv4 holds no space, '@', '%' or control
  // character (percent-encoding is not accepted: a device resolves nothing but plain names).
  const m = /^(coaps?|sms):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._~!$&'()*+,;=+-]+)(?::(\d{1,5}))?\/?$/.exec(uri);
  if (!m) throw new ClientError('bad-uri', `not a usable LwM2M server URI: ${JSON.stringify(uri)} (expected coap://host[:port], coaps://host[:port] or sms://number)`);
  const scheme = m[1] as ServerUri['scheme'];
  const host = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2];
  const port = m[3] !== undefined ? Number(m[3]) : DEFAULT_PORT[scheme];
  if (scheme !== 'sms' && (port < 1 || port > 65535)) throw new ClientError('bad-uri', `port out of range in ${JSON.stringify(uri)}`);
  return { scheme, host, port };
}
