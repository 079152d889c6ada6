/**
 * The Node host against the real node:timers and node:dgram (issue 13 items 1 and 7): a delay above
 * 2^31-1 ms must not fire (Node's setTimeout would fire it after 1 ms), and the UDP bind address is
 * the caller's choice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dgram from 'node:dgram';
import { assert } from '../../harness/assert';
import { NodeHost } from '../../../hosts/node/host';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('NodeHost', () => {
  let dir: string;
  let host: NodeHost;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-host-'));
  });
  afterEach(() => {
    host?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('setTimer holds a Lifetime of 3,000,000 s (and 2^32-1 s): nothing fires within 200 ms', async () => {
    host = new NodeHost({ dataDir: dir, logLevel: 'error' });
    const fired: number[] = [];
    host.setTimer(3_000_000 * 1000, () => fired.push(1));
    host.setTimer((2 ** 32 - 1) * 1000, () => fired.push(2));
    host.setTimer(2 ** 31, () => fired.push(3));
    const near = host.setTimer(20, () => fired.push(4));
    assert.ok(near);
    await sleep(200);
    assert.deepEqual(fired, [4]);
  });

  it('clearTimer and dispose cancel chained timers', async () => {
    host = new NodeHost({ dataDir: dir, logLevel: 'error' });
    const fired: number[] = [];
    const t = host.setTimer(30, () => fired.push(1));
    host.clearTimer(t);
    host.setTimer(40, () => fired.push(2));
    host.dispose();
    await sleep(100);
    assert.deepEqual(fired, []);
  });

  it('udp() binds the address the caller names, else the host option, else 0.0.0.0', async () => {
    host = new NodeHost({ dataDir: dir, logLevel: 'error', udpBindAddress: '127.0.0.1' });
    const peer = dgram.createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    const seen: string[] = [];
    peer.on('message', (_m, rinfo) => seen.push(`${rinfo.address}`));
    try {
      const s1 = host.udp({ port: 0 });
      const s2 = host.udp({ port: 0, address: '127.0.0.1' });
      await sleep(20);
      // Bound to loopback, the socket's own address is 127.0.0.1 (0.0.0.0 before the option existed).
      const a1 = (s1 as unknown as { socket: dgram.Socket }).socket.address();
      const a2 = (s2 as unknown as { socket: dgram.Socket }).socket.address();
      assert.equal(a1.address, '127.0.0.1');
      assert.equal(a2.address, '127.0.0.1');
      s1.send(Uint8Array.of(1), '127.0.0.1', peer.address().port);
      await sleep(50);
      assert.deepEqual(seen, ['127.0.0.1']);
      const dflt = new NodeHost({ dataDir: dir, logLevel: 'error' });
      const s3 = dflt.udp({});
      await sleep(20);
      assert.equal((s3 as unknown as { socket: dgram.Socket }).socket.address().address, '0.0.0.0');
      dflt.dispose();
    } finally {
      peer.close();
    }
  });
});
