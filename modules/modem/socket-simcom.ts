/**
 * UDP over the modem's own IP stack, SIMCom SIM7080 / SIM7000 family (the "CA" application commands of the
 * SIM7080 AT command manual): AT+CNACT (PDP context), AT+CAOPEN (a connected UDP socket), AT+CASEND (prompt,
 * then the raw datagram), +CAURC: "recv" URCs, AT+CARECV (the datagram inline after `+CARECV: <len>,`),
 * AT+CACLOSE. Exposed as the Host's UdpSocket, so DTLS and CoAP above do not know the difference.
 * CAOPEN fixes the remote address, so the socket opens on the first send and then talks to that peer only.
 */
import type { UdpSocket } from '../transport/types';
import type { AtEngine } from './engine';
import { AtError } from './errors';

const CARECV = /^\+CARECV:\s*(\d{1,4}),$/;
const CAURC_RECV = /^\+CAURC:\s*"recv",\s*(\d{1,2})/;

export interface SimcomSocketOptions {
  /** Connection id 0-12. */
  cid: number;
  /** PDP context index used by AT+CNACT. Default 0. */
  pdp?: number;
  /** Largest datagram read at once. Default 1460. */
  maxDatagram?: number;
}

export class SimcomUdpSocket implements UdpSocket {
  onMessage: ((data: Uint8Array, address: string, port: number) => void) | null = null;
  onError: ((err: Error) => void) | null = null;
  readonly localPort = 0;
  private remote: { address: string; port: number } | null = null;
  private opening: Promise<void> | null = null;
  private closed = false;
  private reading = false;
  private readonly unsubscribe: () => void;
  /** Datagrams dropped: sent before the socket could open, to another peer, or refused by the modem. */
  readonly stats = { sent: 0, received: 0, dropped: 0 };

  constructor(
    private readonly at: AtEngine,
    private readonly o: SimcomSocketOptions,
  ) {
    if (!Number.isInteger(o.cid) || o.cid < 0 || o.cid > 12) throw new AtError('format', 'SIMCom connection id must be 0-12');
    this.unsubscribe = at.onUrc('+CAURC:', (line) => {
      const m = CAURC_RECV.exec(line);
      if (m && Number(m[1]) === o.cid) void this.drain();
      else if (line.includes('"closed"') && line.includes(`,${o.cid}`)) this.fail(new AtError('closed', 'the modem closed the socket'));
    });
  }

  send(data: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    if (!this.remote) {
      this.remote = { address, port };
      this.opening = this.open();
    } else if (this.remote.address !== address || this.remote.port !== port) {
      this.stats.dropped++; // a CAOPEN socket has one peer
      return;
    }
    const copy = data.slice();
    void this.opening!.then(() => this.at.send(`AT+CASEND=${this.o.cid},${copy.length}`, { data: copy, timeoutMs: 10_000 })).then(
      () => this.stats.sent++,
      () => this.stats.dropped++,
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    if (this.remote) void this.at.send(`AT+CACLOSE=${this.o.cid}`).catch(() => {});
  }

  private async open(): Promise<void> {
    const pdp = this.o.pdp ?? 0;
    const st = await this.at.send('AT+CNACT?', { prefix: '+CNACT:' });
    const active = st.lines.some((l) => new RegExp(`^\\+CNACT:\\s*${pdp},1`).test(l));
    if (!active) await this.at.send(`AT+CNACT=${pdp},1`, { timeoutMs: 30_000 });
    const r = await this.at.send(`AT+CAOPEN=${this.o.cid},${pdp},"UDP","${this.remote!.address}",${this.remote!.port}`, { prefix: '+CAOPEN:', timeoutMs: 30_000 });
    const m = r.lines.map((l) => /^\+CAOPEN:\s*(\d+),\s*(\d+)/.exec(l)).find((x) => x);
    if (!m || Number(m[2]) !== 0) {
      const e = new AtError('error', `AT+CAOPEN failed (${m ? m[2] : 'no result'})`);
      this.fail(e);
      throw e;
    }
  }

  /** Reads until the modem's buffer is empty (one +CAURC may stand for several datagrams). */
  private async drain(): Promise<void> {
    if (this.reading || this.closed) return;
    this.reading = true;
    try {
      for (let i = 0; i < 16 && !this.closed; i++) {
        const r = await this.at.send(`AT+CARECV=${this.o.cid},${this.o.maxDatagram ?? 1460}`, { prefix: '+CARECV:', binary: { inline: CARECV }, timeoutMs: 5_000 });
        if (!r.data || r.data.length === 0) break;
        this.stats.received++;
        this.onMessage?.(r.data, this.remote?.address ?? '', this.remote?.port ?? 0);
      }
    } catch {
      // a failed read loses a datagram, as UDP may
    } finally {
      this.reading = false;
    }
  }

  private fail(e: Error): void {
    try {
      this.onError?.(e);
    } catch {
      // the owner's handler must not break the URC router
    }
  }
}
