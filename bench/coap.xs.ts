// XS side of the CoAP benchmark, and the messages bench/coap.bench.ts times in Node.
import { fromHex, utf8Encode } from '../modules/bytes/index';
import { decodeMessage, encodeMessage, MessageType, Method, Code, Option, pathOptions, stringOption, uintOption, type CoapMessage } from '../modules/coap/index';

// LwM2M 1.1 Register: POST /rd?ep=..&lt=..&lwm2m=1.1&b=U, Content-Format 40 (link-format), ~100-byte payload.
export const register: CoapMessage = {
  type: MessageType.CON,
  code: Method.POST,
  messageId: 0x1a2b,
  token: fromHex('a1b2c3d4'),
  options: [
    ...pathOptions('/rd'),
    uintOption(Option.ContentFormat, 40),
    ...['ep=urn:imei:490154203237518', 'lt=86400', 'lwm2m=1.1', 'b=U'].map((q) => stringOption(Option.UriQuery, q)),
  ],
  payload: utf8Encode('</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</4/0>,</5/0>,</6/0>,</3303/0>,</3303/1>,</3311/0>'),
};

// 2.05 Content piggybacked on an ACK: a Read of /3/0 in OMA-TLV (Content-Format 11542).
export const readResponse: CoapMessage = {
  type: MessageType.ACK,
  code: Code.Content,
  messageId: 0x5c01,
  token: fromHex('0badcafe'),
  options: [uintOption(Option.ContentFormat, 11542)],
  payload: fromHex(
    'c8000b4f70656e204d6f62696c65' + // 0 Manufacturer
      'c801164c69676874776569676874204d324d20436c69656e74' + // 1 Model Number
      'c8020d33343530303030313233343536' + // 2 Serial Number
      'c10301' + // 3 Firmware Version (1 byte)
      '8606410001410105' + // 6 Available Power Sources (multiple: 1, 5)
      'c10964' + // 9 Battery Level 100
      'c40d5182428f' + // 13 Current Time
      'c10e2b' + // 14 UTC offset
      'c11055', // 16 Binding 'U'
  ),
};

export const registerBytes = encodeMessage(register);
export const readResponseBytes = encodeMessage(readResponse);

export const cases: Record<string, () => void> = {
  'register-encode+decode': () => decodeMessage(encodeMessage(register)),
  'read-response-encode+decode': () => decodeMessage(encodeMessage(readResponse)),
  'register-decode': () => decodeMessage(registerBytes),
};

(globalThis as { benchCases?: Record<string, () => void> }).benchCases = cases;
