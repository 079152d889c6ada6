/**
 * Host self-check, shared by the simulator and ESP32 apps: exercises every part of a Host the way
 * modules/ will and traces one line per check, then `N passed, N failed`. Runs on XS only (trace).
 */
import * as xs from '../../modules/index';
import type { Host } from '../../modules/host';

export function selfCheck(host: Host, label: string): void {
  host.log('info', `xs-lwm2m ${label} self-check (crypto: ${host.crypto.name})`);
  const { fromHex, toHex } = xs.bytes;
  let passed = 0;
  let failed = 0;

  function check(name: string, ok: boolean, detail = ''): void {
    if (ok) passed++;
    else failed++;
    trace(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ' ' + detail : ''}\n`);
  }

  function attempt(name: string, fn: () => boolean | string): void {
    try {
      const r = fn();
      check(name, r === true || typeof r === 'string', typeof r === 'string' ? r : '');
    } catch (e) {
      check(name, false, `threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
  }

  function finish(): void {
    trace(`${passed} passed, ${failed} failed\n`);
  }


  attempt('RFC 3610 packet vector #1 (CCM over host.crypto.aes)', () => {
    const key = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
    const nonce = fromHex('00000003020100a0a1a2a3a4a5');
    const aad = fromHex('0001020304050607');
    const msg = fromHex('08090a0b0c0d0e0f101112131415161718191a1b1c1d1e');
    const out = toHex(xs.crypto.ccmSeal(host.crypto.aes(key), nonce, aad, msg, 8));
    return out === '588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0' ? out : false;
  });

  attempt('typed errors construct on this engine (a CCM open with a bad tag throws CryptoError)', () => {
    const key = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
    const nonce = fromHex('00000003020100a0a1a2a3a4a5');
    try {
      xs.crypto.ccmOpen(host.crypto.aes(key), nonce, new Uint8Array(0), new Uint8Array(16), 8);
    } catch (e) {
      if (e instanceof xs.crypto.CryptoError) return e.name;
      throw e; // reported with its name and message
    }
    return false;
  });

  attempt('randomBytes: 32 bytes, two draws differ, not all zero', () => {
    const a = host.randomBytes(32);
    const b = host.randomBytes(32);
    return a.length === 32 && toHex(a) !== toHex(b) && a.some((x) => x !== 0) ? toHex(a).slice(0, 16) + '...' : false;
  });

  attempt('deviceSecret: 32 bytes, stable across calls', () => {
    const a = host.deviceSecret();
    const b = host.deviceSecret();
    return a.length === 32 && toHex(a) === toHex(b);
  });

  attempt('flash: erase, program (1->0 only), read back, reject 0->1', () => {
    const f = host.flash('selfcheck');
    f.eraseSector(0);
    if (f.read(0, 4).some((x) => x !== 0xff)) return false;
    f.write(0, fromHex('a55a0ff0'));
    f.write(0, fromHex('a0500ff0')); // clears more bits: allowed
    if (toHex(f.read(0, 4)) !== 'a0500ff0') return false;
    let rejected = false;
    try {
      f.write(0, fromHex('ffffffff'));
    } catch {
      rejected = true;
    }
    f.eraseSector(0);
    return rejected && f.read(0, 4).every((x) => x === 0xff) ? `size ${f.size} sector ${f.sectorSize}` : false;
  });

  attempt('P-256: two key pairs agree on the ECDH secret, ECDSA sign/verify', () => {
    const start = host.now();
    const a = host.crypto.p256.keyPairFromRandom(host.randomBytes(32));
    const b = host.crypto.p256.keyPairFromRandom(host.randomBytes(32));
    const ab = host.crypto.p256.ecdh(a.privateKey, b.publicKey);
    const ba = host.crypto.p256.ecdh(b.privateKey, a.publicKey);
    const digest = host.crypto.sha256(fromHex('616263'));
    const sig = host.crypto.p256.sign(a.privateKey, digest, host.randomBytes(32));
    const ok = toHex(ab) === toHex(ba) && host.crypto.p256.verify(a.publicKey, digest, sig) && !host.crypto.p256.verify(b.publicKey, digest, sig);
    xs.bytes.wipe(a.privateKey, b.privateKey, ab, ba);
    return ok ? `${host.now() - start} ms` : false;
  });

  const t0 = host.now();
  const never = host.setTimer(10, () => check('clearTimer cancels', false));
  host.clearTimer(never);
  host.setTimer(50, () => {
    const dt = host.now() - t0;
    check('setTimer fires after >= 50 ms by now()', dt >= 50, `${dt} ms`);
    udpLoopback();
  });

  function udpLoopback(): void {
    const port = 47000 + (host.randomBytes(1)[0] % 200);
    let socket: ReturnType<NonNullable<typeof host.udp>>;
    try {
      socket = host.udp!({ port });
    } catch (e) {
      check('udp socket', false, `threw ${(e as Error).message}`);
      finish();
      return;
    }
    const guard = host.setTimer(2000, () => {
      check('udp loopback datagram', false, 'timed out');
      socket.close();
      finish();
    });
    socket.onMessage = (data, address, fromPort) => {
      host.clearTimer(guard);
      check('udp loopback datagram', toHex(data) === 'c0ffee' && fromPort === port, `${address}:${fromPort} ${toHex(data)}`);
      socket.close();
      finish();
    };
    socket.send(fromHex('c0ffee'), '127.0.0.1', port);
  }
}
