/**
 * The RFC 7252 §3 codec against bytes libcoap 4.3.1's coap-client-notls put on the wire (captured once
 * from a UDP listener, commands in the test names) and against the §3.1 layout worked by hand.
 */
import { assert } from '../../harness/assert';
import { fromHex, utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import {
  CoapFormatError,
  decodeMessage,
  encodeMessage,
  getStrings,
  getUint,
  MessageType,
  Method,
  Option,
  decodeBlock,
  type CoapMessage,
} from '../../../modules/coap/index';

function roundTrips(hex: string): CoapMessage {
  const bytes = fromHex(hex);
  const m = decodeMessage(bytes);
  assert.hex(encodeMessage(m), hex, 're-encoding gives the same bytes');
  return m;
}

describe('coap codec: libcoap-generated messages', () => {
  it('coap-client -m get coap://h/3/0/0', () => {
    const m = roundTrips('4401819863616666b13301300130');
    assert.equal(m.type, MessageType.CON);
    assert.equal(m.code, Method.GET);
    assert.equal(m.messageId, 0x8198);
    assert.hex(m.token, '63616666');
    assert.deepEqual(getStrings(m.options, Option.UriPath), ['3', '0', '0']);
    assert.equal(m.payload.length, 0);
  });

  it('coap-client -m post -t 40 -e "</1/0>,</3/0>" coap://h/rd?ep=node1&lt=300&lwm2m=1.1&b=U (an LwM2M Register)', () => {
    const m = roundTrips('4202a72b3032b2726411283865703d6e6f646531066c743d333030096c776d326d3d312e3103623d55ff3c2f312f303e2c3c2f332f303e');
    assert.equal(m.code, Method.POST);
    assert.hex(m.token, '3032');
    assert.deepEqual(getStrings(m.options, Option.UriPath), ['rd']);
    assert.equal(getUint(m.options, Option.ContentFormat), 40);
    assert.deepEqual(getStrings(m.options, Option.UriQuery), ['ep=node1', 'lt=300', 'lwm2m=1.1', 'b=U']);
    assert.equal(utf8Decode(m.payload), '</1/0>,</3/0>');
  });

  it('coap-client -b 64 -A 11542 with a 16-byte path segment (extended length 13)', () => {
    const m = roundTrips(
      '4201edf36162b1610476657279046c6f6e670470617468077365676d656e740477697468046d6f7265047468616e08746869727465656e0562797465730d036162636465666768696a6b6c6d6e6f70622d166102',
    );
    const path = getStrings(m.options, Option.UriPath)!;
    assert.equal(path.length, 11);
    assert.equal(path[10], 'abcdefghijklmnop');
    assert.equal(getUint(m.options, Option.Accept), 11542);
    assert.deepEqual(decodeBlock(m.options.find((o) => o.number === Option.Block2)!.value), { num: 0, more: false, szx: 2 });
  });

  it('coap-client -s 10 -O 2000,0x0102 (Observe 0 and an option delta of 1989: extended delta 14)', () => {
    const m = roundTrips('4201edf4626360536f6273e206b80102');
    assert.equal(getUint(m.options, Option.Observe), 0);
    assert.deepEqual(m.options.map((o) => o.number), [6, 11, 2000]);
    assert.hex(m.options[2].value, '0102');
  });

  it('coap-client -N -T 8 bytes: NON with an 8-byte token and a payload', () => {
    const m = roundTrips('58031f573031303230333035ff78');
    assert.equal(m.type, MessageType.NON);
    assert.equal(m.code, Method.PUT);
    assert.equal(m.token.length, 8);
    assert.hex(m.payload, '78');
  });
});

describe('coap codec: §3.1 layout by hand', () => {
  it('encodes delta and length 12, 13 (1 extension byte), 268, 269 (2 extension bytes) as §3.1 prescribes', () => {
    const v = (n: number) => new Uint8Array(n).fill(0x61);
    const m: CoapMessage = {
      type: MessageType.ACK,
      code: 0x45,
      messageId: 0x1234,
      token: new Uint8Array(0),
      options: [
        { number: 12, value: v(12) },
        { number: 25, value: v(13) }, // delta 13 -> nibble 13, ext 0
        { number: 293, value: v(268) }, // delta 268 -> nibble 13, ext 255; length 268 -> 13, 255
        { number: 562, value: v(269) }, // delta 269 -> nibble 14, ext 0000; length 269 -> 14, 0000
      ],
      payload: utf8Encode('hi'),
    };
    const b = encodeMessage(m);
    assert.hex(b.subarray(0, 4), '60451234');
    assert.equal(b[4], 0xcc);
    assert.equal(b[4 + 13], 0xdd);
    assert.equal(b[4 + 13 + 1], 0x00); // delta ext
    assert.equal(b[4 + 13 + 2], 0x00); // length ext
    let p = 4 + 13 + 3 + 13;
    assert.hex(b.subarray(p, p + 3), 'ddffff');
    p += 3 + 268;
    assert.hex(b.subarray(p, p + 5), 'ee00000000');
    p += 5 + 269;
    assert.hex(b.subarray(p), 'ff6869');
    const back = decodeMessage(b);
    assert.deepEqual(back.options.map((o) => [o.number, o.value.length]), [[12, 12], [25, 13], [293, 268], [562, 269]]);
  });

  it('keeps the order of repeated options and sorts by number stably', () => {
    const s = (t: string) => utf8Encode(t);
    const b = encodeMessage({
      type: MessageType.CON,
      code: 1,
      messageId: 1,
      token: Uint8Array.of(9),
      options: [
        { number: Option.UriQuery, value: s('q') },
        { number: Option.UriPath, value: s('a') },
        { number: Option.UriPath, value: s('b') },
      ],
      payload: new Uint8Array(0),
    });
    assert.hex(b, '41010001' + '09' + 'b161' + '0162' + '4171');
  });

  it('Empty ACK and RST are exactly 4 bytes and decode as code 0.00', () => {
    const m = decodeMessage(fromHex('70001234'));
    assert.equal(m.type, MessageType.RST);
    assert.equal(m.code, 0);
    assert.equal(m.messageId, 0x1234);
  });
});

describe('coap codec: malformed input is a CoapFormatError with the right code', () => {
  const cases: [string, string, string, boolean][] = [
    // [name, hex, error code, header readable]
    ['empty datagram', '', 'truncated', false],
    ['3-byte header', '400100', 'truncated', false],
    ['version 0', '00010001', 'version', false],
    ['version 2', '80010001', 'version', false],
    ['version 3', 'c0010001', 'version', false],
    ['token length 9', '49010001' + '00'.repeat(9), 'token-length', true],
    ['token length 15', '4f010001' + '00'.repeat(15), 'token-length', true],
    ['token longer than the datagram', '44010001aabb', 'truncated', true],
    ['code class 1', '40200001', 'code-class', true],
    ['code class 6', '40c00001', 'code-class', true],
    ['code class 7', '40ff0001', 'code-class', true],
    ['Empty message with a token', '41000001aa', 'empty-not-empty', true],
    ['Empty message with a payload', '40000001ff00', 'empty-not-empty', true],
    ['payload marker with no payload', '40010001ff', 'payload-marker', true],
    ['option delta 15 (not the marker)', '40010001f0', 'option-delta', true],
    ['option length 15', '400100010f', 'option-length', true],
    ['option delta ext byte missing', '40010001d0', 'truncated', true],
    ['option delta 2-byte ext truncated', '40010001e001', 'truncated', true],
    ['option length ext missing', '400100010d', 'truncated', true],
    ['option value past the end', '40010001b3616263'.slice(0, 14), 'truncated', true],
    ['option number above 65535', '40010001e0fffe' + 'e0fffe', 'option-number', true],
  ];
  for (const [name, hex, code, headerOk] of cases) {
    it(name, () => {
      const e = assert.throws(() => decodeMessage(fromHex(hex)), CoapFormatError) as CoapFormatError;
      assert.equal(e.code, code);
      assert.equal(e.header !== null, headerOk, 'header availability');
    });
  }
});
