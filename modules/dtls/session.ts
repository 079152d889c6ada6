/**
 * Resumable session state (RFC 5246 §7.4.1.2 session IDs; RFC 7925 §10 recommends resumption).
 * The encoding is ours, for the key store: version(1)=1 | suite(2) | flags(1: bit0 EMS) | mfl(1) |
 * session_id<1> | master_secret[48]. It holds a secret: store it sealed, wipe it after use.
 */
import { ByteReader, ByteWriter } from '../bytes/index';
import { DtlsError } from './errors';
import type { MaxFragmentLength } from './extensions/index';

export interface DtlsSession {
  id: Uint8Array;
  masterSecret: Uint8Array;
  cipherSuite: number;
  extendedMasterSecret: boolean;
  maxFragmentLength?: MaxFragmentLength;
}

export function exportSession(s: DtlsSession): Uint8Array {
  const w = new ByteWriter(90);
  w.u8(1).u16(s.cipherSuite).u8(s.extendedMasterSecret ? 1 : 0).u8(s.maxFragmentLength ?? 0).vector(1, s.id).bytes(s.masterSecret);
  const out = w.toBytes();
  w.wipe();
  return out;
}

export function importSession(data: Uint8Array): DtlsSession {
  const r = new ByteReader(data, (m) => new DtlsError('bad-config', `bad session blob: ${m}`));
  if (r.u8() !== 1) throw new DtlsError('bad-config', 'unknown session blob version');
  const cipherSuite = r.u16();
  const flags = r.u8();
  const mfl = r.u8();
  if (mfl > 4) throw new DtlsError('bad-config', 'bad max_fragment_length in session blob');
  const id = r.vector(1, 'session_id', 32).slice();
  if (id.length === 0) throw new DtlsError('bad-config', 'session blob without a session id');
  const masterSecret = r.bytes(48, 'master_secret').slice();
  r.expectEnd('session blob');
  return { id, masterSecret, cipherSuite, extendedMasterSecret: (flags & 1) !== 0, maxFragmentLength: mfl ? (mfl as MaxFragmentLength) : undefined };
}

export function wipeSession(s: DtlsSession): void {
  s.masterSecret.fill(0);
}
