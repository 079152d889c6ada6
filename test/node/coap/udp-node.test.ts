// tools/udp-node.ts against node:dgram as the independent peer.
import * as dgram from 'node:dgram';
import { assert } from '../../harness/assert';
import { NodeUdpSocket } from '../../../hosts/node/udp';
import { udpChannel } from '../../../modules/transport/types';

describe('tools/udp-node NodeUdpSocket', () => {
  it('sends and receives plain Uint8Arrays (never a Buffer) with the sender address', async () => {
    const peer = dgram.createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    const sock = await NodeUdpSocket.open({ address: '127.0.0.1' });
    try {
      assert.ok(sock.localPort > 0);
      const got = new Promise<{ data: Uint8Array; address: string; port: number }>((resolve) => (sock.onMessage = (data, address, port) => resolve({ data, address, port })));
      const echoed = new Promise<Buffer>((resolve) => peer.once('message', (m, rinfo) => (peer.send(Buffer.from([9, 8, 7]), rinfo.port, rinfo.address), resolve(m))));
      sock.send(Uint8Array.of(1, 2, 3), '127.0.0.1', peer.address().port);
      assert.deepEqual(new Uint8Array(await echoed), Uint8Array.of(1, 2, 3));
      const r = await got;
      assert.equal(Object.getPrototypeOf(r.data), Uint8Array.prototype);
      assert.deepEqual(r.data, Uint8Array.of(9, 8, 7));
      assert.equal(r.address, '127.0.0.1');
      assert.equal(r.port, peer.address().port);
    } finally {
      sock.close();
      peer.close();
    }
  });

  it('works as a connected DatagramChannel through udpChannel, ignoring other senders', async () => {
    const peer = dgram.createSocket('udp4');
    const stranger = dgram.createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', () => r()));
    const sock = await NodeUdpSocket.open({ address: '127.0.0.1' });
    const ch = udpChannel(sock, '127.0.0.1', peer.address().port);
    const got: number[] = [];
    ch.onReceive = (d) => got.push(d[0]);
    stranger.send(Buffer.from([1]), sock.localPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    peer.send(Buffer.from([2]), sock.localPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, [2]);
    ch.close();
    peer.close();
    stranger.close();
  });
});
