/**
 * The LwM2M SMS binding with security terminated on the UICC, as a DatagramChannel for the CoAP layer:
 * outbound datagrams go to the card to be protected and sent (sms-card.ts, MO), inbound class 2 /
 * TP-PID 7F SMS-DELIVERs the modem receives go to the card to be checked and deciphered (MT). The card
 * is one resource, so card operations run one at a time, in order.
 */
import type { DatagramChannel } from '../transport/types';
import { MAX_CARD_PAYLOAD, type UiccSmsTerminal } from './sms-card';

export class CardSmsChannel implements DatagramChannel {
  readonly maxDatagramSize = MAX_CARD_PAYLOAD;
  onReceive: ((data: Uint8Array) => void) | null = null;
  onClose: ((reason: Error | null) => void) | null = null;
  /** MT messages the card refused (dropped silently, nothing sent back). */
  dropped = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly terminal: UiccSmsTerminal) {}

  private run<T>(job: () => Promise<T>): Promise<T> {
    const p = this.queue.then(job);
    this.queue = p.catch(() => undefined);
    return p;
  }

  send(data: Uint8Array): void {
    if (this.closed) return;
    const copy = data.slice();
    this.run(() => this.terminal.send(copy)).catch((e: Error) => this.fail(e));
  }

  /** Hands a received SMS-DELIVER TPDU (no SMSC prefix) to the card. Resolves true when a payload came out. */
  deliver(tpdu: Uint8Array, smscAddress?: Uint8Array): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return this.run(async () => {
      const d = await this.terminal.deliver(tpdu, smscAddress);
      if (!d.payload) {
        this.dropped++;
        return false;
      }
      this.onReceive?.(d.payload);
      return true;
    });
  }

  /** Resolves when every queued card operation has finished. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.(e);
  }

  close(): void {
    this.closed = true;
  }
}
