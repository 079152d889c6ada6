/**
 * UDP over the modem's own IP stack: the client registers with the local LwM2M Server over DTLS PSK
 * through a simulated SIM7080 (AT+CAOPEN family) and a simulated BG96 (AT+QIOPEN family), whose sockets
 * are real UDP on loopback. DTLS and CoAP run unchanged over the modem socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assert } from '../../harness/assert';
import { NodeHost } from '../../../hosts/node/host';
import { NodeUdpSocket } from '../../../hosts/node/udp';
import type { Host } from '../../../modules/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { decodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { KeyStore } from '../../../modules/store/key-store';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig, KeyStoreObjectStore } from '../../../modules/client/factory';
import { Modem } from '../../../modules/modem/modem';
import { SimcomUdpSocket } from '../../../modules/modem/socket-simcom';
import { QuectelUdpSocket } from '../../../modules/modem/socket-quectel';
import type { UdpSocket } from '../../../modules/transport/types';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { SimModem, VirtualSmsc } from '../../../tools/modem-sim/index';

for (const family of ['simcom', 'quectel'] as const) {
  describe(`client over the modem's UDP (${family === 'simcom' ? 'SIM7080 AT+CAOPEN' : 'BG96 AT+QIOPEN'}) with DTLS`, function () {
    this.timeout(60_000);
    const ep = `modem-udp-${family}`;
    const psk = new Uint8Array(randomBytes(16));
    let server: Lwm2mTestServer;
    let dataDir: string;
    let node: NodeHost;
    let sim: SimModem;
    let modem: Modem;
    let client: Lwm2mClient;
    let keys: KeyStore;
    let dm: DataModel;
    const sockets: UdpSocket[] = [];
    const events: ClientEvent[] = [];

    before(async () => {
      server = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: ep, key: psk.slice() }] });
      dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-modem-'));
      node = new NodeHost({ dataDir, logLevel: 'error' });
      sim = new SimModem({ number: '+15550501', smsc: new VirtualSmsc(), family, udp: (port) => NodeUdpSocket.open({ port, address: '127.0.0.1' }) });
      modem = new Modem(node, sim.stream());
      await modem.init();
      let next = 0;
      // The device has no UDP of its own: its Host's udp() hands out modem sockets.
      const host: Host = {
        now: () => node.now(), setTimer: (ms, fn) => node.setTimer(ms, fn), clearTimer: (t) => node.clearTimer(t),
        randomBytes: (n) => node.randomBytes(n), crypto: node.crypto, flash: (n) => node.flash(n), deviceSecret: () => node.deviceSecret(),
        log: (l, m, f) => node.log(l, m, f),
        udp: () => {
          const s = family === 'simcom' ? new SimcomUdpSocket(modem.at, { cid: next++ % 13 }) : new QuectelUdpSocket(modem.at, { connectId: next++ % 12 });
          sockets.push(s);
          return s;
        },
      };
      keys = KeyStore.open(host, 'keys');
      dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
      dm.register(new DeviceObject({ manufacturer: 'modem-udp', binding: 'U' }));
      applyFactoryConfig(dm, { accounts: [{ uri: `coaps://127.0.0.1:${server.port}`, pskIdentity: ep, pskKey: psk.slice(), shortServerId: 1, lifetime: 300 }] });
      client = new Lwm2mClient({ host, endpointName: ep, dataModel: dm, onEvent: (e) => events.push(e) });
    });
    after(async () => {
      await client?.stop({ deregister: false }).catch(() => {});
      modem?.close();
      keys?.close();
      node?.dispose();
      for (const s of sockets) s.close();
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('handshakes DTLS and registers through the modem socket, serves a Read, de-registers', async () => {
      await client.start();
      const reg = await server.waitForRegistration(ep, 20_000);
      assert.equal(reg.identity, ep);
      const conn = events.find((e) => e.type === 'connected');
      assert.equal(conn && conn.type === 'connected' && conn.security, 'dtls-psk');
      const r = await server.read(ep, '/3/0', ContentFormat.Tlv);
      assert.equal(r.code, 0x45);
      assert.equal(decodeTlv([3, 0], r.payload, dm.resolve).find((v) => v.path[2] === 0)?.value, 'modem-udp');
      await client.stop();
      await server.waitForDeregistration(ep, 10_000);
      const cmds = sim.commands.join('\n');
      if (family === 'simcom') assert.ok(/AT\+CAOPEN=/.test(cmds) && /AT\+CASEND=/.test(cmds) && /AT\+CARECV=/.test(cmds), 'CA commands used');
      else assert.ok(/AT\+QIOPEN=/.test(cmds) && /AT\+QISEND=/.test(cmds) && /AT\+QIRD=/.test(cmds), 'QI commands used');
    });
  });
}
