/**
 * Mutation fuzzing of the CoAP codec and endpoint, shared by the CI suite (fuzz.test.ts, 10,000
 * cases) and the long run (test/fuzz/coap.ts). Invariants: decoding throws nothing but
 * CoapFormatError; whatever decodes re-encodes to exactly the same bytes (the encoding is
 * canonical); an endpoint fed the bytes never fails internally and answers only as §4 allows.
 */
import { fromHex, toHex } from '../../../modules/bytes/index';
import { CoapEndpoint, CoapFormatError, Code, decodeMessage, encodeMessage, MessageType } from '../../../modules/coap/index';
import { DatagramPipe, Prng, SimHost } from '../../harness/sim';

/** Valid messages: libcoap captures and hand-built ones exercising every extension. */
export const CORPUS: string[] = [
  '4401819863616666b13301300130',
  '4202a72b3032b2726411283865703d6e6f646531066c743d333030096c776d326d3d312e3103623d55ff3c2f312f303e2c3c2f332f303e',
  '4201edf36162b1610476657279046c6f6e670470617468077365676d656e740477697468046d6f7265047468616e08746869727465656e0562797465730d036162636465666768696a6b6c6d6e6f70622d166102',
  '4201edf4626360536f6273e206b80102',
  '58031f573031303230333035ff78',
  '60001234',
  '70001234',
  '6445abcd01020304630a0b0cc12a91ff' + '00'.repeat(40),
  '5245000aaabb6301020351' + '2ad1' + '0e' + '0102' + 'ff' + '11'.repeat(20),
  '4102beefaad10a1b' + 'e0ffee' + '00',
];

export interface FuzzStats {
  cases: number;
  decoded: number;
  rejected: number;
  replies: number;
}

export function mutate(prng: Prng, src: Uint8Array): Uint8Array {
  let b = Array.from(src);
  const rounds = 1 + prng.int(3);
  for (let r = 0; r < rounds; r++) {
    const at = b.length ? prng.int(b.length) : 0;
    switch (prng.int(9)) {
      case 0: // bit flip
        if (b.length) b[at] ^= 1 << prng.int(8);
        break;
      case 1: // random byte
        if (b.length) b[at] = prng.int(256);
        break;
      case 2: // insert
        b.splice(at, 0, prng.int(256));
        break;
      case 3: // delete
        b.splice(at, 1 + prng.int(3));
        break;
      case 4: // truncate
        b = b.slice(0, at);
        break;
      case 5: // append junk
        for (let i = prng.int(8); i > 0; i--) b.push(prng.int(256));
        break;
      case 6: // option nibble to an extension or reserved value
        if (b.length) b[at] = (prng.pick([13, 14, 15]) << 4) | prng.pick([0, 1, 13, 14, 15]);
        break;
      case 7: // token length nibble
        if (b.length) b[0] = (b[0] & 0xf0) | prng.int(16);
        break;
      default: // duplicate a slice (repeated options, long runs)
        if (b.length) b.splice(at, 0, ...b.slice(at, at + 1 + prng.int(6)));
    }
  }
  return Uint8Array.from(b);
}

/** Runs `cases` mutations from `seed`; throws an Error describing the first broken invariant. */
export function runFuzz(cases: number, seed = 1, withEndpoint = true): FuzzStats {
  const prng = new Prng(seed);
  const corpus = CORPUS.map((h) => fromHex(h));
  const host = new SimHost({ seed });
  const pipe = new DatagramPipe(host.clock, 0);
  const ep = new CoapEndpoint(host, pipe.b, { maxBodySize: 4096 });
  ep.onRequest((req) => ({ code: Code.Content, payload: req.payload }));
  let replies = 0;
  pipe.a.onReceive = (d) => {
    replies++;
    // Whatever we send must itself be a well-formed message.
    const m = decodeMessage(d);
    if (m.type === MessageType.CON && m.code === 0) throw new Error('endpoint sent an Empty CON unprompted');
  };
  const stats: FuzzStats = { cases, decoded: 0, rejected: 0, replies: 0 };
  for (let i = 0; i < cases; i++) {
    const input = mutate(prng, prng.pick(corpus));
    let ok = false;
    try {
      const m = decodeMessage(input);
      ok = true;
      const again = encodeMessage(m);
      if (toHex(again) !== toHex(input)) throw new Error(`re-encoding differs for ${toHex(input)}: ${toHex(again)}`);
      stats.decoded++;
    } catch (e) {
      if (ok) throw e;
      if (!(e instanceof CoapFormatError)) throw new Error(`non-CoapFormatError for ${toHex(input)}: ${String(e)}`);
      stats.rejected++;
    }
    if (withEndpoint) {
      ep.receive(input);
      host.clock.advance(1);
    }
  }
  host.clock.runAll(300_000);
  const errors = host.logs.filter((l) => l.level === 'error');
  if (errors.length) throw new Error(`endpoint logged internal errors: ${errors[0].msg} ${JSON.stringify(errors[0].fields)}`);
  stats.replies = replies;
  ep.close();
  return stats;
}
