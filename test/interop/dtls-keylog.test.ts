/**
 * The NSS key log our client writes (keyLog option) is checked by tshark, an independent DTLS
 * implementation: with it, tshark decrypts a capture of our session with OpenSSL s_server.
 * The same capture gives the bytes on the wire as tshark counts them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { assert } from '../harness/assert';
import { KeyLoggingDtlsClient } from '../../tools/dtls-key-log';
import { nodeHost, udpConnect, PSK, PSK_HEX, sleep } from '../node/dtls/support';
import { startOpenSslServer, stopAllPeers, peersAvailable, missingPeer } from '../../tools/peers/peers.mjs';

describe('interop: NSS key log checked by tshark', function () {
  before(function () {
    const have = peersAvailable();
    if (!have.tshark || !have.openssl) throw missingPeer('tshark/openssl');
  });
  after(async () => {
    await stopAllPeers();
  });

  it('tshark decrypts our PSK-CCM8 session with the key log and counts the handshake bytes', async () => {
    const port = 5729;
    const dir = mkdtempSync(join(tmpdir(), 'dtls-keylog-'));
    const ts = spawn('tshark', ['-i', 'lo', '-f', `udp port ${port}`, '-w', join(dir, 'c.pcap')]);
    let err = '';
    ts.stderr.on('data', (d) => (err += d));
    const t0 = Date.now();
    while (!/Capturing on/.test(err)) {
      if (Date.now() - t0 > 20000) throw new Error(`tshark did not start: ${err}`);
      await sleep(100);
    }
    try {
      const srv = await startOpenSslServer({ port, pskHex: PSK_HEX, identity: 'client1' });
      const ch = udpConnect(port);
      await ch.ready;
      const lines: string[] = [];
      const c = new KeyLoggingDtlsClient(nodeHost(), ch, { psk: PSK, identity: 'client1', extendedMasterSecret: false, renegotiationInfo: 'none' }, (l) => lines.push(l));
      await c.connect();
      c.send(new Uint8Array(Buffer.from('secret-appdata-123\n')));
      await srv.waitFor('secret-appdata-123');
      c.close();
      await sleep(500);
      writeFileSync(join(dir, 'keys.txt'), lines.join('\n') + '\n');
    } finally {
      ts.kill('SIGINT');
      await new Promise((r) => ts.once('exit', r));
    }
    const read = (args: string[]) => spawnSync('tshark', ['-r', join(dir, 'c.pcap'), '-d', `udp.port==${port},dtls`, ...args], { encoding: 'utf8' }).stdout;
    const withKeys = read(['-o', `tls.keylog_file:${join(dir, 'keys.txt')}`, '-x', '-Y', 'dtls.record.content_type==23']);
    assert.ok(/Decrypted DTLS \(19 bytes\)/.test(withKeys), withKeys.slice(0, 2000));
    assert.ok(withKeys.includes('secret-appdata-1'), 'the plaintext shows up only with the key log');
    const without = read(['-x', '-Y', 'dtls.record.content_type==23']);
    assert.ok(!without.includes('Decrypted DTLS'), 'and not without it');
    // tshark's own count of the bare handshake (no EMS, no SCSV): SPEC-NOTES §2, 443 + 2L + I in 6 datagrams
    const sizes = read(['-T', 'fields', '-e', 'udp.length']).trim().split('\n').map((n) => Number(n) - 8);
    const hvr = sizes[1];
    const L = hvr - 28;
    const handshake = sizes.slice(0, 6).reduce((a, b) => a + b, 0);
    console.log(`      tshark: handshake datagrams ${sizes.slice(0, 6).join(' ')} = ${handshake} B with OpenSSL's cookie L=${L}`);
    assert.equal(handshake, 443 + 2 * L + 7, 'exactly the SPEC-NOTES minimum');
  });
});
