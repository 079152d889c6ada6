/**
 * Datagram interfaces shared by every layer. A CoAP endpoint runs over a DatagramChannel whether it
 * is plain UDP, DTLS, SMS or a modem socket; DTLS is itself a DatagramChannel over another one.
 */

/** A connected, message-oriented channel to one peer. */
export interface DatagramChannel {
  /** Largest payload `send` accepts in one datagram (after this layer's own overhead). */
  readonly maxDatagramSize: number;
  send(data: Uint8Array): void;
  /** Set by the layer above; called once per received datagram. */
  onReceive: ((data: Uint8Array) => void) | null;
  /** Called when the channel fails or closes for good (alert, socket error). */
  onClose?: ((reason: Error | null) => void) | null;
  close(): void;
}

/** An unconnected UDP socket as a host provides it (IP addresses only; no DNS on the device side). */
export interface UdpSocket {
  send(data: Uint8Array, address: string, port: number): void;
  onMessage: ((data: Uint8Array, address: string, port: number) => void) | null;
  onError?: ((err: Error) => void) | null;
  readonly localPort: number;
  close(): void;
}

export interface UdpOptions {
  /** Local port; 0 or absent for an ephemeral one. */
  port?: number;
  address?: string;
}

/** A byte stream such as a modem UART. */
export interface ByteStream {
  write(data: Uint8Array): void;
  onData: ((data: Uint8Array) => void) | null;
  close(): void;
}

/** Adapts one peer of an unconnected UDP socket into a DatagramChannel. */
export function udpChannel(socket: UdpSocket, address: string, port: number, maxDatagramSize = 1152): DatagramChannel {
  const channel: DatagramChannel = {
    maxDatagramSize,
    onReceive: null,
    onClose: null,
    send(data) {
      socket.send(data, address, port);
    },
    close() {
      socket.close();
      channel.onClose?.(null);
    },
  };
  socket.onMessage = (data, fromAddress, fromPort) => {
    // A connected channel only hears its own peer; anything else is dropped here.
    if (fromAddress === address && fromPort === port) channel.onReceive?.(data);
  };
  socket.onError = (err) => channel.onClose?.(err);
  return channel;
}
