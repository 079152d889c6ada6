/**
 * DtlsClient checks that mutation testing (npm run mutate, set dtls-handshake) showed no test would miss:
 * extensions a server may not send unasked (RFC 5246 §7.4.1.4), the bound on HelloVerifyRequests
 * (RFC 6347 §4.2.1: a client that follows every HVR can be kept busy forever), configuration limits, and
 * the host's random bytes.
 */
import { assert } from '../../harness/assert';
import { rig, handshake, BARE, PSK } from './fixtures';
import { DtlsAlert, DtlsError } from '../../../modules/dtls/errors';
import { AlertDescription, ContentType, HandshakeType } from '../../../modules/dtls/constants';
import { DtlsClient } from '../../../modules/dtls/client';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { marshalRecord } from '../../../modules/dtls/record';
import { marshalHandshake } from '../../../modules/dtls/handshake/header';
import { marshalHelloVerifyRequest } from '../../../modules/dtls/handshake/helloVerifyRequest';
import { MAX_PSK_IDENTITY } from '../../../modules/dtls/handshake/keyExchange';

describe('DtlsClient checks pinned by mutation testing', () => {
  for (const [what, type, data] of [
    ['supported_groups', 10, Uint8Array.of(0, 2, 0, 23)],
    ['ec_point_formats on a PSK suite', 11, Uint8Array.of(1, 0)],
    ['renegotiation_info when neither it nor the SCSV was offered', 0xff01, Uint8Array.of(0)],
  ] as const) {
    it(`refuses a ServerHello carrying ${what} (unsupported_extension)`, async () => {
      const r = rig(BARE, { test: { extraExtensions: [{ type, data }] } });
      const e = await assert.rejects(handshake(r), DtlsAlert);
      assert.equal((e as DtlsAlert).description, AlertDescription.unsupported_extension);
      assert.equal((e as DtlsAlert).sentByPeer, false);
    });
  }

  it('gives up after a bounded number of HelloVerifyRequests (a server that never accepts its cookie)', async () => {
    const host = new SimHost({ seed: 3 });
    const pipe = new DatagramPipe(host.clock, 1);
    let hvrs = 0;
    pipe.b.onReceive = (d) => {
      // Answer every ClientHello with a fresh cookie, as a hostile or broken server would.
      if (d[0] !== ContentType.handshake || d[13] !== HandshakeType.client_hello) return;
      hvrs++;
      const body = marshalHelloVerifyRequest({ version: 0xfeff, cookie: host.randomBytes(16) });
      pipe.b.send(marshalRecord(ContentType.handshake, 0, hvrs, marshalHandshake(HandshakeType.hello_verify_request, hvrs - 1, body)));
    };
    const c = new DtlsClient(host, pipe.a, { psk: PSK, identity: 'client1', ...BARE });
    let err: unknown = null;
    c.connect().catch((e) => (err = e));
    host.clock.runAll(600_000);
    await Promise.resolve();
    assert.ok(err instanceof DtlsAlert, `ended with ${String(err)}`);
    assert.equal((err as DtlsAlert).description, AlertDescription.unexpected_message);
    assert.ok(hvrs >= 2 && hvrs <= 3, `${hvrs} HelloVerifyRequests followed`);
  });

  it(`refuses a PSK of 0 or 65 bytes and an identity over ${MAX_PSK_IDENTITY} bytes; accepts 1 and 64 bytes and ${MAX_PSK_IDENTITY}`, () => {
    const host = new SimHost({ seed: 4 });
    const ch = () => new DatagramPipe(host.clock, 1).a;
    for (const psk of [new Uint8Array(0), new Uint8Array(65)]) assert.throws(() => new DtlsClient(host, ch(), { psk, identity: 'x' }), (e: unknown) => e instanceof DtlsError && e.code === 'bad-config');
    assert.throws(() => new DtlsClient(host, ch(), { psk: PSK, identity: 'i'.repeat(MAX_PSK_IDENTITY + 1) }), (e: unknown) => e instanceof DtlsError && e.code === 'bad-config');
    for (const n of [1, 64]) new DtlsClient(host, ch(), { psk: new Uint8Array(n).fill(1), identity: 'i'.repeat(MAX_PSK_IDENTITY) });
  });

  it('refuses a host whose randomBytes returns fewer bytes than asked (the client random must be 32)', async () => {
    class ShortHost extends SimHost {
      override randomBytes(n: number): Uint8Array {
        return super.randomBytes(n === 32 ? 31 : n);
      }
    }
    const host = new ShortHost({ seed: 5 });
    const c = new DtlsClient(host, new DatagramPipe(host.clock, 1).a, { psk: PSK, identity: 'client1', ...BARE });
    let err: unknown = null;
    try {
      const p = c.connect();
      p.catch((e) => (err = e));
      host.clock.runAll(60_000);
      await Promise.resolve();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof DtlsError && err.code === 'bad-config', `ended with ${String(err)}`);
  });
});
