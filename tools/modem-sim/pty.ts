/**
 * Puts a SimModem behind a pseudo-terminal (Node has no PTY API: a small python3 relay using the
 * standard pty module opens it), so independent AT clients such as gammu can open it as a serial port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimModem } from './modem';

export interface PtyModem {
  /** e.g. /dev/pts/7 */
  path: string;
  close(): void;
}

export async function serveOnPty(modem: SimModem, python = '/usr/bin/python3'): Promise<PtyModem> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'pty-bridge.py');
  const child: ChildProcess = spawn(python, ['-u', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const path = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /^(\/dev\/[^\n]+)\n/.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`pty bridge exited (${code}): ${err}`)));
    child.on('error', reject);
  });
  child.stdout!.on('data', (d: Buffer) => modem.input(new Uint8Array(d)));
  modem.onOutput = (d) => {
    if (child.stdin!.writable) child.stdin!.write(Buffer.from(d));
  };
  return {
    path,
    close() {
      modem.onOutput = null;
      child.stdin!.end();
      child.kill();
    },
  };
}
