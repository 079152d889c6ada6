/**
 * UDP over the modem's own IP stack, Quectel BG95 / BG96 family (the TCP/IP commands of the BG96 AT
 * manual): AT+QIACT (PDP context), AT+QIOPEN with service type "UDP SERVICE" (one socket, any peer),
 * AT+QISEND=<id>,<len>,"<ip>",<port> (prompt, raw datagram, SEND OK), +QIURC: "recv" URCs, AT+QIRD
 * (`+QIRD: <len>,"<ip>",<port>` then the raw datagram), AT+QICLOSE. Exposed as the Host's UdpSocket.
 */
import type { UdpSocket } from '../transport/types';
import type { AtEngine } from './engine';
import { AtError } from './errors';

const QIRD = /^\+QIRD:\s*(\d{1,4}),/;
const QIRD_HEADER = /^\+QIRD:\s*(\d{1,4}),"([0-9A-Fa-f.:]{2,45})",(\d{1,5})$/;
const QIURC_RECV = /^\+QIURC:\s*"recv",\s*(\d{1,2})/;

export interface QuectelSocketOptions {
  /** Connect id 0-11. */
  connectId: number;
  /** PDP context id. Default 1. */
  context?: number;
  /** Local port for the UDP service. Default 0 (the modem picks one). */
  localPort?: number;
}

export class QuectelUdpSocket implements UdpSocket {
  onMessage: ((data: Uint8Array, address: string, port: number) => void) | null = null;
  onError: ((err: Error) => void) | null = null;
  readonly localPort: number;
  private readonly opening: Promise<void>;
  private closed = false;
  private reading = false;
  private readonly unsubscribe: (() => void)[] = [];
  readonly stats = { sent: 0, received: 0, dropped: 0 };

  constructor(
    private readonly at: AtEngine,
    private readonly o: QuectelSocketOptions,
  ) {
    if (!Number.isInteger(o.connectId) || o.connectId < 0 || o.connectId > 11) throw new AtError('format', 'Quectel connect id must be 0-11');
    this.localPort = o.localPort ?? 0;
    let opened: (ok: boolean) => void = () => {};
    const result = new Promise<boolean>((r) => (opened = r));
    this.unsubscribe.push(
      at.onUrc('+QIOPEN:', (line) => {
        const m = /^\+QIOPEN:\s*(\d{1,2}),\s*(\d{1,4})/.exec(line);
        if (m && Number(m[1]) === o.connectId) opened(Number(m[2]) === 0);
      }),
      at.onUrc('+QIURC:', (line) => {
        const m = QIURC_RECV.exec(line);
        if (m && Number(m[1]) === o.connectId) void this.drain();
        else if (line.startsWith('+QIURC: "closed"') && line.endsWith(`,${o.connectId}`)) this.fail(new AtError('closed', 'the modem closed the socket'));
      }),
    );
    this.opening = this.open(result);
    this.opening.catch(() => {});
  }

  send(data: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    const copy = data.slice();
    void this.opening
      .then(() => this.at.send(`AT+QISEND=${this.o.connectId},${copy.length},"${address}",${port}`, { data: copy, finals: ['SEND OK'], failures: ['SEND FAIL'], timeoutMs: 10_000 }))
      .then(
        () => this.stats.sent++,
        () => this.stats.dropped++,
      );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    void this.at.send(`AT+QICLOSE=${this.o.connectId}`, { timeoutMs: 10_000 }).catch(() => {});
  }

  private async open(result: Promise<boolean>): Promise<void> {
    const ctx = this.o.context ?? 1;
    const st = await this.at.send('AT+QIACT?', { prefix: '+QIACT:', timeoutMs: 10_000 });
    if (!st.lines.some((l) => new RegExp(`^\\+QIACT:\\s*${ctx},1`).test(l))) await this.at.send(`AT+QIACT=${ctx}`, { timeoutMs: 150_000 });
    await this.at.send(`AT+QIOPEN=${ctx},${this.o.connectId},"UDP SERVICE","127.0.0.1",0,${this.localPort},0`, { timeoutMs: 10_000 });
    if (!(await result)) {
      const e = new AtError('error', 'AT+QIOPEN reported an error');
      this.fail(e);
      throw e;
    }
  }

  private async drain(): Promise<void> {
    if (this.reading || this.closed) return;
    this.reading = true;
    try {
      for (let i = 0; i < 16 && !this.closed; i++) {
        const r = await this.at.send(`AT+QIRD=${this.o.connectId}`, { prefix: '+QIRD:', binary: { afterLine: QIRD }, timeoutMs: 5_000 });
        const h = r.lines.length ? QIRD_HEADER.exec(r.lines[0]) : null;
        if (!h || !r.data || r.data.length !== Number(h[1]) || r.data.length === 0) break;
        this.stats.received++;
        this.onMessage?.(r.data, h[2], Number(h[3]));
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
