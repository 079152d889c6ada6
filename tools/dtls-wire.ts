/**
 * What a device's DTLS traffic looks like on the wire, counted outside the DTLS code: every datagram of every
 * UDP socket a Host opens is counted and its records' plaintext headers read (RFC 6347 §4.1: type, version,
 * epoch, sequence, length; RFC 9146 §4: the tls12_cid record (type 25) carries the CID before the length). Any
 * DTLS handshake, full or abbreviated, starts with epoch-0 records (ClientHello, HelloVerifyRequest,
 * ServerHello, ChangeCipherSpec); a connection woken from sleep sends none. Test and demo tooling (Node).
 */
import type { Host } from '../modules/host';
import type { UdpOptions, UdpSocket } from '../modules/transport/types';

export interface WireCount {
  datagramsUp: number;
  bytesUp: number;
  datagramsDown: number;
  bytesDown: number;
  /** Bytes of epoch-0 records (the cleartext part of a handshake), both ways. */
  epoch0Bytes: number;
  /** Record types seen, in order, e.g. 'up 22/0' (handshake, epoch 0), 'up 25/1' (tls12_cid, epoch 1). */
  records: string[];
}

export function emptyCount(): WireCount {
  return { datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0, epoch0Bytes: 0, records: [] };
}

/** The records of one datagram: [type, epoch, bytes]; CID lengths are not on the wire, so they are given. */
export function dtlsRecords(d: Uint8Array, cidLength: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  let o = 0;
  while (o + 13 <= d.length) {
    const type = d[o];
    const epoch = (d[o + 3] << 8) | d[o + 4];
    const lenAt = o + 11 + (type === 25 ? cidLength : 0);
    if (lenAt + 2 > d.length) break;
    const len = (d[lenAt] << 8) | d[lenAt + 1];
    const size = lenAt + 2 - o + len;
    out.push([type, epoch, size]);
    o += size;
  }
  return out;
}

/**
 * Counts the traffic of every socket `host.udp` opens from now on. `cidUp`/`cidDown`: the CID lengths of
 * tls12_cid records towards the server (the server's CID) and towards the device (the device's own CID).
 */
export function tapUdp(host: Host, cidUp: number, cidDown: number): { count: WireCount; reset(): void } {
  const tap = { count: emptyCount(), reset: () => (tap.count = emptyCount()) };
  const open = host.udp!.bind(host);
  const note = (dir: 'up' | 'down', d: Uint8Array) => {
    const c = tap.count;
    if (dir === 'up') (c.datagramsUp++, (c.bytesUp += d.length));
    else (c.datagramsDown++, (c.bytesDown += d.length));
    for (const [type, epoch, size] of dtlsRecords(d, dir === 'up' ? cidUp : cidDown)) {
      if (epoch === 0) c.epoch0Bytes += size;
      if (c.records.length < 256) c.records.push(`${dir} ${type}/${epoch}`);
    }
  };
  (host as { udp: (o: UdpOptions) => UdpSocket }).udp = (o: UdpOptions) => {
    const s = open(o);
    const wrapped: UdpSocket = {
      get localPort() {
        return s.localPort;
      },
      get onMessage() {
        return s.onMessage;
      },
      set onMessage(f) {
        s.onMessage = f ? (d, a, p) => (note('down', d), f(d, a, p)) : null;
      },
      get onError() {
        return s.onError;
      },
      set onError(f) {
        s.onError = f;
      },
      send: (d, a, p) => {
        note('up', d);
        s.send(d, a, p);
      },
      close: () => s.close(),
    };
    return wrapped;
  };
  return tap;
}
