/**
 * The desktop stand-in for an eFuse/secure-element root key: 32 random bytes in a file that only the
 * owner can read, created on first run. Losing the file makes the key store unreadable by design.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class DeviceSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceSecretError';
  }
}

export function loadOrCreateDeviceSecret(path: string): Uint8Array {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) throw new DeviceSecretError(`${path} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); refusing to use it: chmod 600 it`);
    const data = new Uint8Array(readFileSync(path));
    if (data.length !== 32) throw new DeviceSecretError(`${path} must hold exactly 32 bytes, found ${data.length}`);
    return data;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const secret = new Uint8Array(randomBytes(32));
  // 'wx': fail rather than overwrite if another process created it meanwhile.
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, secret);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return secret;
}
