// XS side of the DTLS benchmark: one full PSK-CCM8 handshake with cookie, client and server in
// memory on a SimHost (simulated time, seeded randomness), plus one 20-byte record each way.
import { DatagramPipe, SimHost } from '../test/harness/sim';
import { DtlsClient } from '../modules/dtls/client';
import { DtlsServer } from '../modules/dtls/server';

const psk = new Uint8Array(16).map((_, i) => i);
const payload = new Uint8Array(20).fill(0x41);
let seed = 1;

function fullHandshake(opts: { ems: boolean }): void {
  const host = new SimHost({ seed: seed++ });
  const pipe = new DatagramPipe(host.clock, 1);
  const server = new DtlsServer(host, { psk: () => psk.slice() });
  server.attach(pipe.b);
  server.onConnection = (c) => {
    c.onReceive = (d) => c.send(d);
  };
  const client = new DtlsClient(host, pipe.a, { psk, identity: 'client1', extendedMasterSecret: opts.ems });
  let echoed = 0;
  client.onReceive = () => echoed++;
  void client.connect().then(() => client.send(payload));
  host.clock.runAll();
  if (client.state !== 'established') throw new Error('handshake did not complete');
}

(globalThis as any).benchCases = {
  'full handshake, client+server (no EMS)': () => fullHandshake({ ems: false }),
  'full handshake, client+server (EMS+SCSV)': () => fullHandshake({ ems: true }),
};
