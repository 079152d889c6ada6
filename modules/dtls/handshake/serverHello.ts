/**
 * ServerHello (RFC 5246 §7.4.1.3): server_version, random(32), session_id<0..32>, cipher_suite(2),
 * compression_method(1), extensions. ServerHelloDone (§7.4.5) has an empty body.
 */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { decodeError } from '../errors';
import { type Extensions, marshalExtensions, unmarshalExtensions } from '../extensions/index';

export interface ServerHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  extensions: Extensions;
}

export function marshalServerHello(m: ServerHello): Uint8Array {
  const w = new ByteWriter(96);
  w.u16(m.version).bytes(m.random).vector(1, m.sessionId).u16(m.cipherSuite).u8(m.compressionMethod);
  marshalExtensions(m.extensions, w, true);
  return w.toBytes();
}

export function unmarshalServerHello(body: Uint8Array): ServerHello {
  const r = new ByteReader(body, decodeError);
  const version = r.u16('server_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vector(1, 'session_id', 32);
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('compression_method');
  const extensions = unmarshalExtensions(r, true);
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

export function unmarshalServerHelloDone(body: Uint8Array): void {
  if (body.length !== 0) throw decodeError('ServerHelloDone must be empty');
}
