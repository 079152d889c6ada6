/**
 * The client's transport stack (our DTLS 1.2 PSK-CCM8 and CoAP) against a third-party CoAP/DTLS
 * server: libcoap's coap-server (GnuTLS and OpenSSL builds). Started with -d, libcoap creates a
 * resource on POST to an unknown path and answers 2.01 with a Location-Path, which is enough for a
 * full Register -> Update -> De-register cycle of our client over a DTLS association it did not write.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../harness/assert';
import { NodeHost } from '../../hosts/node/host';
import { DataModel } from '../../modules/lwm2m/data-model';
import { DeviceObject } from '../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../modules/lwm2m/persistence';
import { Lwm2mClient, type ClientEvent } from '../../modules/client/client';
import { applyFactoryConfig } from '../../modules/client/factory';
import { utf8Encode } from '../../modules/bytes/index';
import { startCoapServer, freeUdpPort, type PeerHandle } from '../../tools/peers/peers.mjs';

const CASES = [
  { variant: 'gnutls' as const, suites: undefined, expect: 0xc0a8 },
  { variant: 'openssl' as const, suites: undefined, expect: 0xc0a8 },
  // A low-entropy secret: the Security Object's 0/x/16 asks for TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 (libcoap's OpenSSL build lacks it).
  { variant: 'gnutls' as const, suites: [0xc037], expect: 0xc037 },
];
for (const { variant, suites, expect } of CASES) {
  describe(`client registers with libcoap coap-server-${variant} over DTLS (suite 0x${expect.toString(16)})`, function () {
    this.timeout(60_000);
    let server: PeerHandle;
    let dataDir: string;
    let host: NodeHost;

    before(async () => {
      const port = await freeUdpPort(2);
      server = await startCoapServer({ variant, port, key: 'secretPSK', extraArgs: ['-d', '10'] });
      dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-libcoap-'));
    });
    after(async () => {
      host?.dispose();
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('handshakes, registers, updates and de-registers', async () => {
      host = new NodeHost({ dataDir, logLevel: 'error' });
      const dm = new DataModel({ store: new MemoryObjectStore() });
      dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'U' }));
      applyFactoryConfig(dm, { accounts: [{ uri: `coaps://127.0.0.1:${server.info.dtlsPort}`, pskIdentity: 'client1', pskKey: utf8Encode('secretPSK'), shortServerId: 1, lifetime: 60, cipherSuites: suites }] });
      const events: ClientEvent[] = [];
      const client = new Lwm2mClient({ host, endpointName: 'libcoap-peer', dataModel: dm, onEvent: (e) => events.push(e), retry: { failuresBeforeBootstrap: 99 } });
      await client.start();
      const connected = events.find((e) => e.type === 'connected');
      assert.ok(connected && connected.type === 'connected' && connected.security === 'dtls-psk', JSON.stringify(events));
      assert.equal(connected.cipherSuite, expect, 'negotiated suite');
      const reg = events.find((e) => e.type === 'registered');
      assert.ok(reg && reg.type === 'registered', `no registration: ${JSON.stringify(events)}`);
      assert.equal(reg.location, '/rd', 'libcoap names the resource it created after the request path');
      await client.update();
      assert.ok(events.some((e) => e.type === 'updated'), 'Update not answered with 2.04');
      await client.stop();
      assert.ok(events.some((e) => e.type === 'deregistered'), 'De-register not answered with 2.02');
    });
  });
}
