/**
 * A Node implementation of the UdpSocket interface (modules/transport/types.ts) over node:dgram,
 * for the Node host, the interop tests and the desktop tools. IPv4 or IPv6 by the bind address.
 */
import * as dgram from 'node:dgram';
import type { UdpOptions, UdpSocket } from '../../modules/transport/types';

export class NodeUdpSocket implements UdpSocket {
  onMessage: ((data: Uint8Array, address: string, port: number) => void) | null = null;
  onError: ((err: Error) => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg, rinfo) => {
      // Copy out of Node's Buffer pool into a plain Uint8Array: modules/ must never see a Buffer.
      const data = new Uint8Array(msg.length);
      data.set(msg);
      this.onMessage?.(data, rinfo.address, rinfo.port);
    });
    socket.on('error', (err) => this.onError?.(err));
  }

  /**
   * A socket usable at once, as the Host interface needs: node:dgram queues sends issued before the
   * bind completes. Binds to `options.address` (default 0.0.0.0) and port (default ephemeral).
   */
  static create(options: UdpOptions = {}): NodeUdpSocket {
    const address = options.address ?? '0.0.0.0';
    const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const s = new NodeUdpSocket(socket);
    socket.bind(options.port ?? 0, address);
    return s;
  }

  /** Binds a socket and resolves once bound (port 0 or absent: ephemeral; address defaults to 127.0.0.1). */
  static open(options: UdpOptions = {}): Promise<NodeUdpSocket> {
    const address = options.address ?? '127.0.0.1';
    const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      socket.bind(options.port ?? 0, address, () => {
        socket.off('error', onError);
        resolve(new NodeUdpSocket(socket));
      });
    });
  }

  get localPort(): number {
    try {
      return this.socket.address().port;
    } catch {
      return 0; // not bound yet
    }
  }

  send(data: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    this.socket.send(data, port, address, (err) => {
      if (err) this.onError?.(err);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
