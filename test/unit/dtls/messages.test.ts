import { assert } from '../../harness/assert';
import { fromHex } from '../../../modules/bytes/index';
import { DtlsAlert } from '../../../modules/dtls/errors';
import { AlertDescription, ContentType, HandshakeType } from '../../../modules/dtls/constants';
import { unmarshalClientHello, marshalClientHello } from '../../../modules/dtls/handshake/clientHello';
import { unmarshalServerHello } from '../../../modules/dtls/handshake/serverHello';
import { unmarshalHelloVerifyRequest } from '../../../modules/dtls/handshake/helloVerifyRequest';
import { unmarshalHandshakeFragments, fragmentHandshake, marshalHandshake } from '../../../modules/dtls/handshake/header';
import { Reassembler } from '../../../modules/dtls/handshake/reassembler';
import { unmarshalClientKeyExchange, unmarshalServerKeyExchange } from '../../../modules/dtls/handshake/keyExchange';
import { marshalRecord } from '../../../modules/dtls/record';
import { DtlsClient } from '../../../modules/dtls/client';
import { SimHost, DatagramPipe } from '../../harness/sim';
import { PSK } from './fixtures';

const alertOf = (fn: () => unknown): number => (assert.throws(fn, DtlsAlert) as DtlsAlert).description;

describe('DTLS handshake messages: layouts and malformed input', () => {
  it('ClientHello layout (RFC 6347 §4.2.1) and round trip', () => {
    const body = marshalClientHello({ version: 0xfefd, random: new Uint8Array(32).fill(0xaa), sessionId: new Uint8Array(0), cookie: fromHex('c0ffee'), cipherSuites: [0xc0a8], compressionMethods: [0], extensions: {} });
    assert.hex(body, 'fefd' + 'aa'.repeat(32) + '00' + '03c0ffee' + '0002c0a8' + '0100');
    const ch = unmarshalClientHello(body);
    assert.hex(ch.cookie, 'c0ffee');
    assert.deepEqual(ch.cipherSuites, [0xc0a8]);
  });
  it('extension bytes: EMS 0017 0000, MFL 0001 0001 01, renegotiation_info ff01 0001 00', () => {
    const body = marshalClientHello({ version: 0xfefd, random: new Uint8Array(32), sessionId: new Uint8Array(0), cookie: new Uint8Array(0), cipherSuites: [0xc0a8], compressionMethods: [0], extensions: { extendedMasterSecret: true, maxFragmentLength: 1, renegotiationInfo: true } });
    assert.hex(body.subarray(42), '000e' + 'ff01000100' + '00170000' + '0001000101');
  });
  it('truncated messages are decode_error alerts at every length', () => {
    const body = marshalClientHello({ version: 0xfefd, random: new Uint8Array(32), sessionId: new Uint8Array(0), cookie: new Uint8Array(0), cipherSuites: [0xc0a8], compressionMethods: [0], extensions: { extendedMasterSecret: true } });
    for (let n = 0; n < body.length; n++) {
      if (n === 42) continue; // a hello without its extensions block is valid
      assert.equal(alertOf(() => unmarshalClientHello(body.subarray(0, n))), AlertDescription.decode_error, `length ${n}`);
    }
  });
  it('a session_id over 32 bytes, an odd suite list, a duplicated extension are refused', () => {
    assert.equal(alertOf(() => unmarshalServerHello(fromHex('fefd' + '00'.repeat(32) + '21' + '00'.repeat(33) + 'c0a800'))), AlertDescription.decode_error);
    assert.equal(alertOf(() => unmarshalClientHello(fromHex('fefd' + '00'.repeat(32) + '00' + '00' + '0003c0a800' + '0100'))), AlertDescription.decode_error);
    assert.equal(alertOf(() => unmarshalServerHello(fromHex('fefd' + '00'.repeat(32) + '00' + 'c0a8' + '00' + '0008' + '00170000' + '00170000'))), AlertDescription.illegal_parameter);
    assert.equal(alertOf(() => unmarshalServerHello(fromHex('fefd' + '00'.repeat(32) + '00' + 'c0a8' + '00' + '0005' + '0001000109'))), AlertDescription.illegal_parameter);
    assert.equal(alertOf(() => unmarshalServerHello(fromHex('fefd' + '00'.repeat(32) + '00' + 'c0a8' + '00' + '0005' + 'ff01000101'))), AlertDescription.decode_error);
  });
  it('HelloVerifyRequest, key exchanges: trailing bytes and oversize identities are refused', () => {
    assert.hex(unmarshalHelloVerifyRequest(fromHex('feff 02 abcd')).cookie, 'abcd');
    assert.equal(alertOf(() => unmarshalHelloVerifyRequest(fromHex('feff 02 abcd ee'))), AlertDescription.decode_error);
    assert.equal(alertOf(() => unmarshalClientKeyExchange(fromHex('0101' + '00'.repeat(257)), false)), AlertDescription.decode_error);
    assert.hex(unmarshalServerKeyExchange(fromHex('0004 68696e74'), false).hint, '68696e74');
    assert.equal(alertOf(() => unmarshalServerKeyExchange(fromHex('0000 03 0018 41' + '04' + '00'.repeat(64)), true)), AlertDescription.illegal_parameter);
  });
  it('handshake fragments: offsets past the message are refused; fragmentation round-trips through the reassembler', () => {
    assert.equal(alertOf(() => unmarshalHandshakeFragments(fromHex('02 000004 0000 000003 000002 aabb'))), AlertDescription.decode_error);
    const msg = marshalHandshake(HandshakeType.server_hello, 1, new Uint8Array(100).map((_, i) => i));
    const frags = fragmentHandshake(msg, 30).flatMap((f) => unmarshalHandshakeFragments(f));
    assert.equal(frags.length, 4);
    const r = new Reassembler();
    r.next = 1;
    for (const f of frags.reverse()) r.push(f);
    const m = r.pop()!;
    assert.deepEqual(m.raw, msg);
    assert.equal(r.pop(), null);
  });
  it('the reassembler caps message size and buffered bytes', () => {
    const r = new Reassembler(1000, 1500);
    assert.equal(alertOf(() => r.push({ type: 2, length: 5000, messageSeq: 0, fragmentOffset: 0, fragmentLength: 1, body: new Uint8Array(1) })), AlertDescription.handshake_failure);
    r.push({ type: 2, length: 1000, messageSeq: 1, fragmentOffset: 0, fragmentLength: 1, body: new Uint8Array(1) });
    r.push({ type: 2, length: 1000, messageSeq: 2, fragmentOffset: 0, fragmentLength: 1, body: new Uint8Array(1) });
    // the second one did not fit the 1500-byte buffer: it was dropped, not allocated
    r.push({ type: 2, length: 1000, messageSeq: 0, fragmentOffset: 0, fragmentLength: 1000, body: new Uint8Array(1000) });
    assert.ok(r.pop());
  });
  it('a client fed a malformed ServerHello sends a fatal decode_error and rejects with it', async () => {
    const host = new SimHost({ seed: 3 });
    const pipe = new DatagramPipe(host.clock, 1);
    const sent: Uint8Array[] = [];
    pipe.b.onReceive = (d) => sent.push(d);
    const client = new DtlsClient(host, pipe.a, { psk: PSK, identity: 'client1' });
    const p = client.connect();
    host.clock.advance(5);
    const bad = marshalHandshake(HandshakeType.server_hello, 0, fromHex('fefd0102'));
    pipe.a.onReceive!(marshalRecord(ContentType.handshake, 0, 0, bad));
    host.clock.advance(5);
    const e = (await assert.rejects(p, DtlsAlert)) as DtlsAlert;
    assert.equal(e.description, AlertDescription.decode_error);
    const last = sent[sent.length - 1];
    assert.hex(last.subarray(0, 3), '15fefd', 'an alert record');
    assert.hex(last.subarray(13), '0232', 'fatal decode_error');
  });
});
