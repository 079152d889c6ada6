/**
 * Pull delivery for Object 5 (LwM2M 1.1 §E.6): fetches the Package URI one Block2 block at a time
 * (RFC 7959 §2.4) over coap:// or coaps://, through the client's connector. coaps:// uses the
 * credentials of the Security Object instance whose Server URI has the same scheme, host and port
 * (a DM server that also serves firmware); coap:// without such an instance is plain NoSec.
 */
import { encodeBlock, decodeBlock } from '../coap/block';
import { CoapEndpoint, type CoapConfig } from '../coap/endpoint';
import { Option, getOption } from '../coap/options';
import type { Host } from '../host';
import type { DataModel } from '../lwm2m/data-model';
import { FotaError } from '../fota/errors';
import type { BlockReply, PackageSource } from '../fota/update';
import type { PackageUri } from '../fota/uri';
import { readAccounts, SecurityMode, type ServerAccount } from './accounts';
import type { Connector, OpenedChannel } from './connector';
import { parseServerUri } from './uri';

export class CoapPackageSource implements PackageSource {
  private opened: { origin: string; endpoint: CoapEndpoint; channel: OpenedChannel } | null = null;

  constructor(
    private readonly host: Host,
    private readonly dm: DataModel,
    private readonly connector: Connector,
    private readonly coap?: Partial<CoapConfig>,
  ) {}

  private account(uri: PackageUri): ServerAccount {
    for (const a of readAccounts(this.dm)) {
      try {
        const u = parseServerUri(a.uri);
        if (u.scheme === uri.scheme && u.host === uri.host && u.port === uri.port) return a;
      } catch {
        // not a usable URI; skip
      }
    }
    if (uri.scheme === 'coaps') throw new FotaError('bad-uri', `no Security Object instance holds credentials for ${uri.origin}`);
    return {
      securityIid: -1,
      bootstrap: false,
      uri: uri.origin,
      securityMode: SecurityMode.NoSec,
      identity: new Uint8Array(0),
      serverPublicKey: new Uint8Array(0),
      lifetimeS: 0,
      binding: 'U',
      smsKeyParameters: new Uint8Array(0),
      smsNumber: '',
      smsTrigger: false,
      holdOffS: 0,
      bootstrapAccountTimeoutS: 0,
      defaultPmin: 0,
      defaultPmax: undefined,
      cipherSuites: [],
    };
  }

  async fetchBlock(uri: PackageUri, num: number, szx: number): Promise<BlockReply> {
    if (!this.opened || this.opened.origin !== uri.origin) {
      this.close();
      const channel = await this.connector.open(this.account(uri), this.dm);
      this.opened = { origin: uri.origin, endpoint: new CoapEndpoint(this.host, channel.channel, this.coap), channel };
    }
    const endpoint = this.opened.endpoint;
    const resp = await endpoint.request({
      method: 'GET',
      path: uri.path,
      query: uri.query,
      options: [{ number: Option.Block2, value: encodeBlock({ num, more: false, szx }) }],
      singleBlock: true,
    });
    const raw = getOption(resp.options, Option.Block2);
    const etag = getOption(resp.options, Option.ETag);
    // No Block2 in the answer: the whole representation fitted one response (RFC 7959 §2.4).
    const b = raw ? decodeBlock(raw) : { num: 0, more: false, szx };
    return { code: resp.code, payload: resp.payload, num: b.num, more: b.more, szx: b.szx, ...(etag ? { etag } : {}) };
  }

  close(): void {
    const o = this.opened;
    this.opened = null;
    if (!o) return;
    o.endpoint.close();
    o.channel.channel.onClose = null;
    o.channel.channel.close();
  }
}
