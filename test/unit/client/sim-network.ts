/** Shared set-up of the client sleep suites (not a test file): simulated time and UDP to our DtlsServer. */
import type { SimHost } from '../../harness/sim';
import type { DtlsServer } from '../../../modules/dtls/server';
import type { UdpOptions, UdpSocket } from '../../../modules/transport/types';

export interface Datagram {
  up: boolean;
  /** The device's local port. */
  port: number;
  data: Uint8Array;
}

/** Runs the simulated clock until `done` or `limitMs` pass, letting promise jobs run between timer slices. */
export async function runUntil(host: SimHost, done: () => boolean, limitMs = 120_000, stepMs = 20): Promise<void> {
  for (let t = 0; t < limitMs && !done(); t += stepMs) {
    host.clock.advance(stepMs);
    for (let i = 0; i < 8; i++) await Promise.resolve();
  }
}

/**
 * Gives `host` a UDP whose every socket (a new local port each, from `firstPort`) reaches `server` with 2 ms of
 * latency each way; `tap` sees every datagram in both directions.
 */
export function simUdpTo(host: SimHost, server: DtlsServer, firstPort: number, tap: (d: Datagram) => void = () => {}): void {
  let nextPort = firstPort;
  (host as unknown as { udp: (o: UdpOptions) => UdpSocket }).udp = () => {
    const port = nextPort++;
    let closed = false;
    const sock: UdpSocket = {
      localPort: port,
      onMessage: null,
      send(data, address, p) {
        const copy = data.slice();
        tap({ up: true, port, data: copy });
        host.setTimer(2, () =>
          server.handle(copy, `sim:${port}`, (x) => {
            const back = x.slice();
            tap({ up: false, port, data: back });
            host.setTimer(2, () => {
              if (!closed) sock.onMessage?.(back, address, p);
            });
          }),
        );
      },
      close() {
        closed = true;
      },
    };
    return sock;
  };
}
