/** HelloVerifyRequest (RFC 6347 §4.2.1): server_version(2), cookie<0..2^8-1>. */
import { ByteReader, ByteWriter } from '../../bytes/index';
import { decodeError } from '../errors';

export interface HelloVerifyRequest {
  version: number;
  cookie: Uint8Array;
}

export function marshalHelloVerifyRequest(m: HelloVerifyRequest): Uint8Array {
  return new ByteWriter(3 + m.cookie.length).u16(m.version).vector(1, m.cookie).toBytes();
}

export function unmarshalHelloVerifyRequest(body: Uint8Array): HelloVerifyRequest {
  const r = new ByteReader(body, decodeError);
  const version = r.u16('server_version');
  const cookie = r.vector(1, 'cookie');
  r.expectEnd('HelloVerifyRequest');
  return { version, cookie };
}
