/**
 * Node-side helpers for the DTLS suites (not a test file): a Host on real time and node:crypto
 * randomness, a UDP DatagramChannel over node:dgram, and child-process peers from PEERS.md.
 */
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Host, TimerHandle } from '../../../modules/host';
import type { DatagramChannel } from '../../../modules/transport/types';
import { nobleCrypto } from '../../../modules/crypto/noble';

export const PSK_HEX = '000102030405060708090a0b0c0d0e0f';
export const PSK = Uint8Array.from(Buffer.from(PSK_HEX, 'hex'));

export function nodeHost(): Host {
  return {
    now: () => performance.now(),
    setTimer: (ms: number, fn: () => void): TimerHandle => setTimeout(fn, ms),
    clearTimer: (t: TimerHandle) => clearTimeout(t as NodeJS.Timeout),
    randomBytes: (n: number) => new Uint8Array(randomBytes(n)),
    crypto: nobleCrypto,
    flash: () => {
      throw new Error('no flash in this test host');
    },
    deviceSecret: () => new Uint8Array(32),
    log: () => {},
  };
}

export interface UdpChannel extends DatagramChannel {
  sentDatagrams: number;
  sentBytes: number;
  receivedDatagrams: number;
  receivedBytes: number;
  ready: Promise<void>;
}

/** A connected UDP DatagramChannel to host:port, counting what crosses it. */
export function udpConnect(port: number, host = '127.0.0.1'): UdpChannel {
  const sock = dgram.createSocket('udp4');
  let closed = false;
  let pending = 0;
  let closeWhenIdle = false;
  const done = () => {
    pending--;
    if (closeWhenIdle && pending === 0) sock.close();
  };
  const ch: UdpChannel = {
    maxDatagramSize: 1400,
    onReceive: null,
    onClose: null,
    sentDatagrams: 0,
    sentBytes: 0,
    receivedDatagrams: 0,
    receivedBytes: 0,
    ready: new Promise((resolve) => sock.bind(0, '127.0.0.1', () => resolve())),
    send(data) {
      ch.sentDatagrams++;
      ch.sentBytes += data.length;
      pending++;
      sock.send(data, port, host, done);
    },
    close() {
      if (closed) return;
      closed = true;
      // dgram sends are asynchronous: let a final close_notify leave before the socket goes.
      if (pending === 0) sock.close();
      else closeWhenIdle = true;
    },
  };
  sock.on('message', (msg, rinfo) => {
    if (rinfo.port !== port) return;
    ch.receivedDatagrams++;
    ch.receivedBytes += msg.length;
    ch.onReceive?.(new Uint8Array(msg.buffer, msg.byteOffset, msg.length).slice());
  });
  sock.on('error', (e) => ch.onClose?.(e));
  return ch;
}

export interface Peer {
  proc: ChildProcess;
  out: () => string;
  waitFor: (re: RegExp, ms?: number) => Promise<string>;
  stop: () => Promise<void>;
}

/** Spawns a peer and collects its stdout+stderr; stdin stays open (s_server exits when it closes). */
export function spawnPeer(cmd: string, args: string[], opts: { cwd?: string } = {}): Peer {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd });
  let buf = '';
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  const onData = (d: Buffer) => {
    buf += d.toString();
    for (const w of [...waiters]) {
      const m = buf.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  return {
    proc,
    out: () => buf,
    waitFor(re, ms = 10000) {
      const m = buf.match(re);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolve, reject) => {
        const w = { re, resolve: (s: string) => { clearTimeout(t); resolve(s); } };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out waiting for ${re} in output of ${cmd}:\n${buf}`));
        }, ms);
        waiters.push(w);
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** openssl s_server in DTLS PSK mode (PEERS.md), ready once it prints ACCEPT. */
export async function opensslServer(port: number, extra: string[] = [], cipher = 'PSK-AES128-CCM8'): Promise<Peer> {
  const p = spawnPeer('openssl', ['s_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-nocert', '-psk', PSK_HEX, '-psk_identity', 'client1', '-cipher', cipher, ...extra]);
  await p.waitFor(/ACCEPT/);
  return p;
}
