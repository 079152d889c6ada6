/**
 * DTLS Connection ID (RFC 9146) against mbedTLS 3.6 ssl_server2 (Debian trixie's source package, built by
 * tools/peers/build-mbedtls.sh; nobody in this project wrote it): our client negotiates CIDs (also a zero-length
 * one of its own), sends tls12_cid records with the RFC 9146 additional data that mbedTLS authenticates, keeps
 * the connection from a new UDP port (NAT rebinding) without a handshake, and a tshark capture of the exchange
 * decodes as RFC 9146 records and decrypts with the key log.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { assert } from '../harness/assert';
import { DtlsClient } from '../../modules/dtls/client';
import { sleepInto, takeSleepState, type SleepStore } from '../../modules/dtls/sleep';
import { KeyStore } from '../../modules/store/key-store';
import { CounterStore } from '../../modules/store/counter-store';
import { SimFlash } from '../../modules/store/sim-flash';
import { dtlsRecords } from '../../tools/dtls-wire';
import { KeyLoggingDtlsClient } from '../../tools/dtls-key-log';
import type { DatagramChannel } from '../../modules/transport/types';
import { nodeHost, PSK, PSK_HEX, sleep } from '../node/dtls/support';
import { freeUdpPort, peersAvailable, startMbedtlsServer, stopAllPeers } from '../../tools/peers/peers.mjs';

const have = peersAvailable();
const enc = (s: string) => new Uint8Array(Buffer.from(s));

/** A UDP channel whose local socket can be replaced (a NAT giving the device a new mapping after sleep). */
class RebindableChannel implements DatagramChannel {
  readonly maxDatagramSize = 1280;
  onReceive: ((d: Uint8Array) => void) | null = null;
  onClose: ((reason: Error | null) => void) | null = null;
  private sock!: dgram.Socket;
  localPorts: number[] = [];
  constructor(private readonly port: number) {}
  /** A fresh socket; `localPort` binds a given one (a device that wakes behind the same mapping). */
  async open(localPort = 0): Promise<void> {
    if (this.sock && !this.closed) this.sock.close();
    this.closed = false;
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => this.onReceive?.(new Uint8Array(m)));
    await new Promise<void>((r) => s.bind(localPort, '127.0.0.1', () => r()));
    this.sock = s;
    this.localPorts.push(s.address().port);
  }
  send(d: Uint8Array): void {
    this.sock.send(d, this.port, '127.0.0.1');
  }
  private closed = false;
  close(): void {
    if (!this.closed) this.sock?.close();
    this.closed = true;
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await sleep(10);
  }
}

afterEach(async () => {
  await stopAllPeers();
});

describe('interop: DTLS Connection ID (RFC 9146) against mbedTLS 3.6 ssl_server2', function () {
  this.timeout(30_000);
  before(function () {
    if (!have.mbedtls) this.skip();
  });

  for (const own of [new Uint8Array(0), Uint8Array.of(0xde, 0xad, 0xbe, 0xef)]) {
    it(`negotiates CIDs (our own: ${own.length} bytes), two requests and responses in tls12_cid records`, async () => {
      const port = await freeUdpPort();
      const srv = await startMbedtlsServer({ port, pskHex: PSK_HEX, cidHex: 'c0ffee01' });
      const ch = new RebindableChannel(port);
      await ch.open();
      const client = new DtlsClient(nodeHost(), ch, { psk: PSK, identity: 'client1', connectionId: own, retransmit: { initialMs: 1000, maxRetransmissions: 3 } });
      const rx: string[] = [];
      client.onReceive = (d) => rx.push(Buffer.from(d).toString());
      await client.connect();
      assert.equal(Buffer.from(client.connectionIds!.peer).toString('hex'), 'c0ffee01');
      client.send(enc('GET / HTTP/1.0\r\n\r\n'));
      await until(() => rx.length > 0).catch((e) => {
        throw new Error(`${e.message}; server said:\n${srv.output().slice(-1500)}`);
      });
      assert.ok(/HTTP\/1\.0 200 OK/.test(rx[0]), rx[0]);
      // ssl_server2 prints the CID it saw from us (our own CID; the zero-length one included).
      await srv.waitFor(new RegExp(`Peer CID \\(length ${own.length} Bytes\\)`));
      client.send(enc('GET /again HTTP/1.0\r\n\r\n'));
      await until(() => rx.length > 1);
      assert.ok(/HTTP\/1\.0 200 OK/.test(rx[1]), rx[1]);
      assert.equal(client.stats.droppedRecords, 0, 'every mbedTLS record authenticated (RFC 9146 additional data agrees)');
      client.close();
      ch.close();
    });
  }

  it('a connection sealed for deep sleep wakes against mbedTLS: the first datagram is application data, answered', async () => {
    const port = await freeUdpPort();
    const srv = await startMbedtlsServer({ port, pskHex: PSK_HEX, cidHex: 'c0ffee01', exchanges: 6 });
    const host = nodeHost();
    const ch = new RebindableChannel(port);
    await ch.open();
    const client = new DtlsClient(host, ch, { psk: PSK, identity: 'client1', connectionId: new Uint8Array(0), retransmit: { initialMs: 1000, maxRetransmissions: 3 } });
    const rx: string[] = [];
    client.onReceive = (d) => rx.push(Buffer.from(d).toString());
    await client.connect();
    client.send(enc('GET /before-sleep HTTP/1.0\r\n\r\n'));
    await until(() => rx.length === 1);
    const store: SleepStore = { keys: new KeyStore(host, new SimFlash(8192, 1024)), counters: new CounterStore(host, new SimFlash(4096, 1024)) };
    assert.equal(sleepInto(client, store, 'mbed'), true);
    // ssl_server2 connects its socket to the first client address: the device wakes behind the same mapping.
    const localPort = ch.localPorts[0];
    await ch.open(localPort);
    const woken = new DtlsClient(host, ch, { wake: takeSleepState(store, 'mbed')! });
    const out: Uint8Array[] = [];
    const send = ch.send.bind(ch);
    ch.send = (d) => (out.push(d.slice()), send(d));
    const rx2: string[] = [];
    woken.onReceive = (d) => rx2.push(Buffer.from(d).toString());
    woken.send(enc('GET /after-wake HTTP/1.0\r\n\r\n'));
    await until(() => rx2.length === 1).catch((e) => {
      throw new Error(`${e.message}; server said:\n${srv.output().slice(-1500)}`);
    });
    assert.ok(/HTTP\/1\.0 200 OK/.test(rx2[0]), rx2[0]);
    assert.equal(out.length, 1, 'one datagram up');
    const records = dtlsRecords(out[0], 4);
    assert.equal(records.length, 1);
    assert.equal(records[0][0], 25, 'a tls12_cid record');
    assert.equal(records[0][1], 1, 'of epoch 1: no handshake');
    assert.equal(woken.stats.droppedRecords, 0, "mbedTLS's answer authenticates with the restored keys and window");
    assert.equal(woken.stats.datagramsReceived, 1);
    woken.close();
    ch.close();
  });

  it('tshark decodes the capture as RFC 9146 records and decrypts them with the key log', async function () {
    if (!have.tshark) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xs-lwm2m-cid-'));
    const pcap = path.join(dir, 'cid.pcap');
    const keylog = path.join(dir, 'keys.log');
    const port = await freeUdpPort();
    const cap = spawn('tshark', ['-i', 'lo', '-f', `udp port ${port}`, '-w', pcap, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let capErr = '';
    cap.stderr.on('data', (b) => (capErr += b));
    await until(() => /Capturing on/.test(capErr), 10_000);
    // "Capturing on" comes a little before the filter is live: give it time, or the handshake is missed.
    await sleep(1500);
    try {
      await startMbedtlsServer({ port, pskHex: PSK_HEX, cidHex: 'c0ffee01' });
      const ch = new RebindableChannel(port);
      await ch.open();
      const lines: string[] = [];
      const client = new KeyLoggingDtlsClient(nodeHost(), ch, { psk: PSK, identity: 'client1', connectionId: Uint8Array.of(0xab, 0xcd) }, (l) => lines.push(l));
      const rx: string[] = [];
      client.onReceive = (d) => rx.push(Buffer.from(d).toString());
      await client.connect();
      client.send(enc('GET /captured HTTP/1.0\r\n\r\n'));
      await until(() => rx.length > 0);
      fs.writeFileSync(keylog, lines.join('\n') + '\n');
      await sleep(500);
      client.close();
      ch.close();
    } finally {
      cap.kill('SIGINT');
      await new Promise((r) => cap.once('exit', r));
    }
    const r = spawnSync('tshark', ['-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-d', `udp.port==${port},dtls`, '-T', 'fields',
      '-e', 'dtls.record.special_type', '-e', 'dtls.record.connection_id', '-e', 'data.data', '-E', 'separator=|'], { encoding: 'utf8' });
    const rows = r.stdout.split('\n').filter(Boolean).map((l) => l.split('|'));
    if (process.env.KEEP_PCAP) console.log(dir);
    else fs.rmSync(dir, { recursive: true, force: true });
    const hex = (t: string) => Buffer.from(t).toString('hex');
    assert.ok(rows.some(([t, cid]) => /(^|,)25(,|$)/.test(t) && /c0:?ff:?ee:?01/.test(cid)), `no tls12_cid record with the server CID:\n${r.stdout}\n${r.stderr}`);
    assert.ok(rows.some(([t, cid]) => /(^|,)25(,|$)/.test(t) && /(^|,)ab:?cd(,|$)/.test(cid)), `no tls12_cid record with our CID:\n${r.stdout}`);
    assert.ok(rows.some(([, , data]) => data && data.replace(/:/g, '').includes(hex('GET /captured'))), `our request not decrypted with the key log:\n${r.stdout}`);
    assert.ok(rows.some(([, , data]) => data && data.replace(/:/g, '').includes(hex('HTTP/1.0 200 OK'))), `mbedTLS's response not decrypted:\n${r.stdout}`);
  });
});
