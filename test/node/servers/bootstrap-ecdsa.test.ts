/**
 * tools/bootstrap-server.ts and tools/lwm2m-server.ts on TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with a Connection ID:
 * the whole client bootstraps over raw public keys (Security Mode 1, the Bootstrap-Server account) and is given
 * an X.509 account (Mode 2, Certificate Usage 3) that it then registers with. Keys and certificates: the
 * openssl-made vectors of test/unit/x509 and P-256 keys made by node:crypto for the run.
 */
import { assert } from '../../harness/assert';
import { fromHex } from '../../../modules/bytes/index';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig, securityInstanceTlv, serverInstanceTlv } from '../../../modules/client/factory';
import { UdpDtlsConnector } from '../../../modules/client/connector';
import { BootstrapTestServer } from '../../../tools/bootstrap-server';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeHost } from '../../../hosts/node/host';
import { V } from '../../unit/x509/vectors';
import { p256KeyPair } from '../../../tools/server-common';

const p256 = p256KeyPair;

describe('test servers on ECDHE-ECDSA with CID: bootstrap over RPK, then register over X.509', function () {
  this.timeout(60_000);
  it('bootstraps (Mode 1) and registers (Mode 2) with the identities the servers derive from the keys', async () => {
    const bsServerKey = p256();
    const deviceKey = p256();
    const log: string[] = [];
    const dm = await Lwm2mTestServer.start({ port: 0, connectionIdLength: 2, log: (l) => log.push(l), ecdsa: { type: 'x509', privateKey: fromHex(V.serverKeyPkcs8), chain: [fromHex(V.server)], clientCa: [fromHex(V.ca)], clients: [{ identity: 'x509-device', publicKey: fromHex(V.clientSpki) }] } });
    const account = { uri: `coaps://127.0.0.1:${dm.port}`, securityMode: 2, publicKeyOrIdentity: fromHex(V.client), serverPublicKey: fromHex(V.server), secretKey: fromHex(V.clientKeyPkcs8), shortServerId: 5, lifetime: 60 };
    const bs = await BootstrapTestServer.start({
      port: 0, connectionIdLength: 4, log: (l) => log.push(l),
      ecdsa: { type: 'rpk', privateKey: bsServerKey.pkcs8, clients: [{ identity: 'rpk-device', publicKey: deviceKey.spki }] },
      plans: [{ endpoint: 'ecdsa-dev', writes: [
        { path: '/0/1', payload: securityInstanceTlv(1, account), contentFormat: ContentFormat.Tlv },
        { path: '/1/0', payload: serverInstanceTlv(0, account), contentFormat: ContentFormat.Tlv },
      ] }],
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-bs-ecdsa-'));
    const host = new NodeHost({ dataDir, logLevel: 'error' });
    const data = new DataModel({ store: new MemoryObjectStore() });
    data.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'U' }));
    applyFactoryConfig(data, { accounts: [{ uri: `coaps://127.0.0.1:${bs.port}`, bootstrap: true, securityMode: 1, publicKeyOrIdentity: deviceKey.spki, serverPublicKey: bsServerKey.spki, secretKey: deviceKey.pkcs8.slice() }] });
    const events: ClientEvent[] = [];
    const client = new Lwm2mClient({ host, endpointName: 'ecdsa-dev', dataModel: data, connector: new UdpDtlsConnector(host, { dtls: { connectionId: new Uint8Array(0) } }), onEvent: (e) => events.push(e) });
    try {
      await client.start();
      const finish = await bs.waitForFinish('ecdsa-dev');
      assert.equal(finish.finishCode, 0x44);
      const reg = await dm.waitForRegistration('ecdsa-dev');
      assert.equal(reg.identity, 'x509-device');
      const security = events.filter((e) => e.type === 'connected').map((e) => (e.type === 'connected' ? e.security : ''));
      assert.deepEqual(security, ['dtls-rpk', 'dtls-x509']);
      assert.ok(log.some((l) => /bootstrap-server: DTLS .* established \(identity "rpk-device".*CID/.test(l)), log.join('\n'));
      assert.ok(log.some((l) => /lwm2m-server: DTLS .* established \(identity "x509-device".*CID/.test(l)), log.join('\n'));
    } finally {
      await client.stop();
      await bs.stop();
      await dm.stop();
      host.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
