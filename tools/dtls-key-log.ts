/**
 * Test/tool entry only (never imported by modules/ or a host): a DtlsClient that writes the NSS key log
 * (`CLIENT_RANDOM <client random> <master secret>`, the format Wireshark/tshark read) so a capture can be
 * decrypted. It reveals the session keys; that is why it is a subclass here and not a client option.
 */
import { toHex } from '../modules/bytes/index';
import { DtlsClient, type DtlsClientOptions } from '../modules/dtls/client';
import type { Host } from '../modules/host';
import type { DatagramChannel } from '../modules/transport/types';

export class KeyLoggingDtlsClient extends DtlsClient {
  constructor(
    host: Host,
    lower: DatagramChannel,
    opts: DtlsClientOptions,
    private readonly keyLog: (line: string) => void,
  ) {
    super(host, lower, opts);
  }
  protected override exportKeys(clientRandom: Uint8Array, master: Uint8Array): void {
    this.keyLog(`CLIENT_RANDOM ${toHex(clientRandom)} ${toHex(master)}`);
  }
}
