/**
 * UdpSocket (modules/transport/types) over ECMA-419 `embedded:io/socket/udp`, the same on the Moddable
 * simulator and on ESP32 (lwIP). Addresses are IP literals only; a device resolves names elsewhere.
 */
import UDP from 'embedded:io/socket/udp';
import type { UdpOptions, UdpSocket } from '../../modules/transport/types';

export class UdpError extends Error {
  // A field (define semantics), not `this.name = ...`: on Moddable, Error.prototype is frozen and
  // assigning an inherited read-only property throws TypeError ("set name: not writable").
  override name = 'UdpError';
}

export function openUdp(options: UdpOptions): UdpSocket {
  // The native constructor rejects a present-but-undefined port or address: only set what is given.
  const dictionary: Record<string, unknown> = {};
  if (options.port) dictionary.port = options.port;
  if (options.address) dictionary.address = options.address;
  let closed = false;
  const socket: UdpSocket = {
    localPort: options.port ?? 0,
    onMessage: null,
    onError: null,
    send(data: Uint8Array, address: string, port: number): void {
      if (closed) throw new UdpError('socket closed');
      udp.write(data, address, port); // buffer first: embedded:io argument order
    },
    close(): void {
      if (closed) return;
      closed = true;
      (udp as unknown as { close(): void }).close();
    },
  };
  const udp: UDP = new UDP({
    ...dictionary,
    onReadable(this: UDP, count: number) {
      while (count-- > 0) {
        const packet = this.read();
        socket.onMessage?.(new Uint8Array(packet), packet.address, packet.port);
      }
    },
    onError() {
      socket.onError?.(new UdpError('udp socket error'));
    },
  });
  return socket;
}
