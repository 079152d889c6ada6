/**
 * The modem UART as the Host's ByteStream, over ECMA-419 `embedded:io/serial` (Moddable). `write` throws
 * when the transmit FIFO is full, so bytes that do not fit wait in one bounded queue drained from
 * onWritable; received bytes go up from onReadable as they come. Framing is modules/modem's job.
 */
import Serial from 'embedded:io/serial';
import type { SerialOptions as HostSerialOptions } from '../../modules/host';
import type { ByteStream } from '../../modules/transport/types';

export class SerialStreamError extends Error {
  override name = 'SerialStreamError';
}

/** Pending transmit bytes beyond this are refused (an AT command or one socket datagram is far smaller). */
const MAX_QUEUED = 4096;

export function openSerial(o: HostSerialOptions & { flowControl?: 'hardware' | 'none' }): ByteStream {
  let queue: Uint8Array | null = null;
  let serial: Serial | null = null;
  const stream: ByteStream = {
    onData: null,
    write(data: Uint8Array): void {
      if (!serial) throw new SerialStreamError('serial port closed');
      if (queue) {
        if (queue.length + data.length > MAX_QUEUED) throw new SerialStreamError('serial transmit queue full');
        const q = new Uint8Array(queue.length + data.length);
        q.set(queue);
        q.set(data, queue.length);
        queue = q;
        return;
      }
      try {
        serial.write(data);
      } catch {
        queue = data.slice(); // FIFO full: onWritable sends it
      }
    },
    close(): void {
      serial?.close();
      serial = null;
      queue = null;
    },
  };
  serial = new Serial({
    port: o.port ?? 1,
    transmit: o.transmit,
    receive: o.receive,
    baud: o.baud ?? 115200,
    format: 'buffer',
    flowControl: o.flowControl,
    onReadable(count: number) {
      const buf = this.read(count);
      if (buf && buf.byteLength) stream.onData?.(new Uint8Array(buf));
    },
    onWritable(count: number) {
      if (!queue) return;
      const n = Math.min(count, queue.length);
      try {
        this.write(queue.subarray(0, n));
      } catch {
        return;
      }
      queue = n === queue.length ? null : queue.slice(n);
    },
  });
  return stream;
}
