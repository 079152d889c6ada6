/**
 * The connector's sleeping connection over real UDP against the project's own DTLS server with Connection IDs:
 * open (handshake), seal for sleep, open again from a new UDP port (a new NAT mapping) -> woken with zero
 * handshake bytes, one datagram each way; the server follows the CID to the new address (RFC 9146 §6).
 * Then a server that forgot the connection: the next open after the failed wake does a resumption.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { NodeHost } from '../../../hosts/node/host';
import { NodeUdpSocket } from '../../../hosts/node/udp';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { applyFactoryConfig } from '../../../modules/client/factory';
import { readAccounts } from '../../../modules/client/accounts';
import { UdpDtlsConnector, keyStoreSessions, sleepConnection } from '../../../modules/client/connector';
import { DtlsServer, type DtlsServerConnection } from '../../../modules/dtls/server';
import { DtlsClient } from '../../../modules/dtls/client';
import { KeyStore } from '../../../modules/store/key-store';
import { CounterStore } from '../../../modules/store/counter-store';
import { sleep } from './support';

const PSK = Uint8Array.from({ length: 16 }, (_, i) => i);

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('connector: a DTLS connection that survives deep sleep (real UDP, own server with CID)', function () {
  this.timeout(30_000);
  let dataDir: string;
  let host: NodeHost;
  let sock: NodeUdpSocket;
  let server: DtlsServer;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-sleep-'));
    host = new NodeHost({ dataDir, logLevel: 'error' });
  });
  after(() => {
    server?.close();
    sock?.close();
    host.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('handshake, sleep, wake from a new port with no handshake; after the server forgets, resumption', async () => {
    sock = await NodeUdpSocket.open({ port: 0 });
    server = new DtlsServer(host, { psk: () => PSK.slice(), connectionIdLength: 4 });
    server.listen(sock);
    const echo = (c: DtlsServerConnection) => (c.onReceive = (d) => c.send(d));
    server.onConnection = echo;
    const dm = new DataModel({ store: new MemoryObjectStore() });
    applyFactoryConfig(dm, { accounts: [{ uri: `coaps://127.0.0.1:${sock.localPort}`, pskIdentity: 'client1', pskKey: PSK.slice(), shortServerId: 1 }] });
    const account = readAccounts(dm)[0];
    const keys = KeyStore.open(host, 'keys');
    const store = { keys, counters: CounterStore.open(host, 'counters') };
    const connector = new UdpDtlsConnector(host, { dtls: { connectionId: new Uint8Array(0) }, sessions: keyStoreSessions(keys), sleep: store });

    const first = await connector.open(account, dm);
    assert.equal(first.woken, undefined);
    const c1 = first.channel as DtlsClient;
    const rx1: string[] = [];
    c1.onReceive = (d) => rx1.push(Buffer.from(d).toString());
    c1.send(new Uint8Array(Buffer.from('before sleep')));
    await until(() => rx1.length === 1);
    const conn = [...(server as unknown as { connections: Map<string, DtlsServerConnection> }).connections.values()][0];
    const firstPeer = conn.peer;
    assert.equal(sleepConnection(first, account, store), true);
    await sleep(50);
    assert.equal(conn.state, 'established', 'no close_notify: the server keeps the connection');

    const woke = await connector.open(account, dm);
    assert.equal(woke.woken, true);
    const c2 = woke.channel as DtlsClient;
    const rx2: string[] = [];
    c2.onReceive = (d) => rx2.push(Buffer.from(d).toString());
    c2.send(new Uint8Array(Buffer.from('after sleep')));
    await until(() => rx2.length === 1).catch((e) => {
      throw new Error(`${e.message}: changes=${server.addressChanges} conn=${conn.state} dropped=${conn.stats.droppedRecords} rx=${conn.stats.datagramsReceived} c2=${JSON.stringify(c2.stats)}`);
    });
    assert.equal(rx2[0], 'after sleep');
    assert.equal(c2.stats.datagramsSent, 1, 'one datagram out');
    assert.equal(c2.stats.datagramsReceived, 1, 'one datagram in');
    assert.equal(server.addressChanges, 1);
    assert.notEqual(conn.peer, firstPeer, 'the server follows the CID to the new port');

    // The server forgets the connection (keeps its sessions); the device sleeps and wakes again.
    assert.equal(sleepConnection(woke, account, store), true);
    conn.close();
    const again = await connector.open(account, dm);
    assert.equal(again.woken, true);
    const c3 = again.channel as DtlsClient;
    let answered = false;
    c3.onReceive = () => (answered = true);
    c3.send(new Uint8Array(Buffer.from('anyone?')));
    await sleep(300);
    assert.equal(answered, false, 'a forgotten connection is silent: the CoAP layer times out');
    c3.suspend();
    const fallback = await connector.open(account, dm);
    assert.equal(fallback.woken, undefined);
    assert.equal(fallback.resumed, true, 'the second open after a failed wake resumes the session');
    (fallback.channel as DtlsClient).close();
  });
});
