/**
 * ClientHello (RFC 6347 §4.2.1 / RFC 5246 §7.4.1.2): client_version, random(32),
 * session_id<0..32>, cookie<0..2^8-1>, cipher_suites<2..2^16-2>, compression_methods<1..2^8-1>, extensions.
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { decodeError } from '../errors';
import { type Extensions, marshalExtensions, unmarshalExtensions } from '../extensions/index';

export interface ClientHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cookie: Uint8Array;
  cipherSuites: number[];
  compressionMethods: number[];
  extensions: Extensions;
}

export function marshalClientHello(m: ClientHello): Uint8Array {
  const w = new ByteWriter(128);
  w.u16(m.version).bytes(m.random).vector(1, m.sessionId).vector(1, m.cookie);
  w.u16(2 * m.cipherSuites.length);
  for (const s of m.cipherSuites) w.u16(s);
  w.u8(m.compressionMethods.length);
  for (const c of m.compressionMethods) w.u8(c);
  marshalExtensions(m.extensions, w);
  return w.toBytes();
}

export function unmarshalClientHello(body: Uint8Array): ClientHello {
  const r = new ByteReader(body, decodeError);
  const version = r.u16('client_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vector(1, 'session_id', 32);
  const cookie = r.vector(1, 'cookie');
  const suites = r.vector(2, 'cipher_suites');
  if (suites.length < 2 || suites.length % 2 !== 0) throw decodeError('cipher_suites length must be even and non-zero');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push((suites[i] << 8) | suites[i + 1]);
  const comp = r.vector(1, 'compression_methods');
  if (comp.length < 1) throw decodeError('no compression method');
  const extensions = unmarshalExtensions(r);
  return { version, random, sessionId, cookie, cipherSuites, compressionMethods: Array.from(comp), extensions };
}
