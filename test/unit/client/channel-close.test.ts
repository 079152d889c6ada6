/**
 * Regression: a CoAP endpoint over a DTLS association that closes underneath it (alert, close()) must
 * reject its pending requests, never throw from a retransmission timer.
 */
import { assert } from '../../harness/assert';
import { SimHost, DatagramPipe } from '../../harness/sim';
import { CoapEndpoint } from '../../../modules/coap/endpoint';
import { CoapClosedError } from '../../../modules/coap/errors';
import { DtlsClient } from '../../../modules/dtls/client';
import { DtlsServer } from '../../../modules/dtls/server';

describe('CoAP over a DTLS association that goes away', () => {
  it('rejects the pending request with CoapClosedError and keeps the clock safe', async () => {
    const host = new SimHost({ seed: 3 });
    const pipe = new DatagramPipe(host.clock, 2);
    const key = new Uint8Array(16).fill(7);
    const server = new DtlsServer(host, { psk: () => key.slice() });
    server.attach(pipe.b);
    const client = new DtlsClient(host, pipe.a, { psk: key, identity: 'dev' });
    const connected = client.connect();
    for (let i = 0; i < 50; i++) {
      host.clock.advance(5);
      await Promise.resolve();
    }
    await connected;
    pipe.filter = (_d, dir) => (dir === 'b->a' ? 'drop' : 'deliver');
    const ep = new CoapEndpoint(host, client);
    let outcome: unknown = 'pending';
    ep.request({ method: 'GET', path: '/3/0' }).then(
      () => (outcome = 'resolved'),
      (e) => (outcome = e),
    );
    host.clock.advance(10);
    client.close();
    assert.doesNotThrow(() => host.clock.advance(60_000));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.ok(outcome instanceof CoapClosedError, `request outcome: ${String(outcome)}`);
  });
});
