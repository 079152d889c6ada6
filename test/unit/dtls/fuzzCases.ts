/** Fuzz cases shared by test/unit/dtls/fuzz.test.ts and test/fuzz/dtls.ts (not a test file). */
import { Prng } from '../../harness/sim';
import { DtlsAlert } from '../../../modules/dtls/errors';
import { parseRecords } from '../../../modules/dtls/record';
import { unmarshalHandshakeFragments, marshalHandshake } from '../../../modules/dtls/handshake/header';
import { unmarshalClientHello, marshalClientHello } from '../../../modules/dtls/handshake/clientHello';
import { unmarshalServerHello, marshalServerHello } from '../../../modules/dtls/handshake/serverHello';
import { unmarshalHelloVerifyRequest } from '../../../modules/dtls/handshake/helloVerifyRequest';
import { unmarshalClientKeyExchange, unmarshalServerKeyExchange } from '../../../modules/dtls/handshake/keyExchange';
import { unmarshalAlert } from '../../../modules/dtls/alert';
import { Reassembler } from '../../../modules/dtls/handshake/reassembler';
import { HandshakeType } from '../../../modules/dtls/constants';
import { rig, BARE } from './fixtures';
import { marshalCertificate, unmarshalCertificate } from '../../../modules/dtls/handshake/certificate';
import { marshalCertificateRequest, unmarshalCertificateRequest } from '../../../modules/dtls/handshake/certificateRequest';
import { marshalEcdheEcdsaServerKeyExchange, marshalEcdhParams, unmarshalCertificateVerify, unmarshalEcdheEcdsaServerKeyExchange, unmarshalEcdhClientKeyExchange } from '../../../modules/dtls/handshake/signed';
import { marshalCidRecord } from '../../../modules/dtls/record';

export function mutate(p: Prng, input: Uint8Array): Uint8Array {
  let d: Uint8Array = input.slice();
  const n = 1 + p.int(4);
  for (let k = 0; k < n; k++) {
    const op = p.int(6);
    if (op === 0 && d.length) d[p.int(d.length)] ^= 1 << p.int(8);
    else if (op === 1 && d.length) d[p.int(d.length)] = p.pick([0, 0xff, 0x7f, 0x80, 1, 32, 33]);
    else if (op === 2) d = d.subarray(0, p.int(d.length + 1));
    else if (op === 3) d = new Uint8Array([...d, ...p.bytes(p.int(8))]);
    else if (op === 4 && d.length > 2) {
      const i = p.int(d.length - 1);
      d[i] = p.int(256);
      d[i + 1] = p.int(256);
    } else d = p.bytes(p.int(64));
  }
  return d;
}

const seeds = (): Uint8Array[] => {
  const ch = marshalClientHello({ version: 0xfefd, random: new Uint8Array(32).fill(1), sessionId: new Uint8Array(32).fill(2), cookie: new Uint8Array(16).fill(3), cipherSuites: [0xc0a8, 0xc037, 0xff], compressionMethods: [0], extensions: { extendedMasterSecret: true, maxFragmentLength: 2, renegotiationInfo: true, supportedGroups: [23], ecPointFormats: [0] } });
  const sh = marshalServerHello({ version: 0xfefd, random: new Uint8Array(32).fill(4), sessionId: new Uint8Array(32).fill(5), cipherSuite: 0xc0a8, compressionMethod: 0, extensions: { extendedMasterSecret: true, renegotiationInfo: true } });
  const point = new Uint8Array(65).fill(9);
  point[0] = 4;
  const sig = new Uint8Array(64).fill(0x81);
  const rpkHello = marshalClientHello({ version: 0xfefd, random: new Uint8Array(32), sessionId: new Uint8Array(0), cookie: new Uint8Array(0), cipherSuites: [0xc0ae], compressionMethods: [0], extensions: { signatureAlgorithms: [0x0403], clientCertificateTypes: [2], serverCertificateTypes: [2], connectionId: Uint8Array.of(1, 2), supportedGroups: [23], ecPointFormats: [0] } });
  const rpkServerHello = marshalServerHello({ version: 0xfefd, random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuite: 0xc0ae, compressionMethod: 0, extensions: { clientCertificateTypes: [2], serverCertificateTypes: [2], connectionId: Uint8Array.of(7) } });
  return [rpkHello, rpkServerHello, marshalCertificate(0, [new Uint8Array(40).fill(0x30), new Uint8Array(3)]), marshalCertificate(2, [new Uint8Array(91).fill(0x30)]),
    marshalEcdheEcdsaServerKeyExchange(marshalEcdhParams(point), sig), marshalCertificateRequest({ certificateTypes: [64], signatureAlgorithms: [0x0403] }),
    marshalCidRecord(1, 5, Uint8Array.of(1, 2, 3, 4), new Uint8Array(30)),
    ch, sh, marshalHandshake(HandshakeType.client_hello, 0, ch), Uint8Array.of(0xfe, 0xff, 2, 9, 9), Uint8Array.of(0, 7, 99, 108, 105, 101, 110, 116, 49), Uint8Array.of(2, 40)];
};

export interface ParserFuzzResult {
  alerts: number;
  accepted: number;
  foreign: number;
  examples: string[];
}

export function fuzzParsers(seed: number, cases: number): ParserFuzzResult {
  const p = new Prng(seed);
  const corpus = seeds();
  const parsers: ((d: Uint8Array) => unknown)[] = [
    unmarshalClientHello,
    unmarshalServerHello,
    unmarshalHelloVerifyRequest,
    (d) => unmarshalClientKeyExchange(d, p.int(2) === 1),
    (d) => unmarshalServerKeyExchange(d, p.int(2) === 1),
    unmarshalAlert,
    (d) => {
      const r = new Reassembler(2048, 4096);
      for (const f of unmarshalHandshakeFragments(d)) r.push(f);
      while (r.pop());
    },
    (d) => parseRecords(d),
    (d) => unmarshalCertificate(p.int(2) ? 2 : 0, d),
    unmarshalCertificateRequest,
    unmarshalEcdheEcdsaServerKeyExchange,
    unmarshalCertificateVerify,
    unmarshalEcdhClientKeyExchange,
    (d) => parseRecords(d, 1 + p.int(5)),
  ];
  const res: ParserFuzzResult = { alerts: 0, accepted: 0, foreign: 0, examples: [] };
  for (let i = 0; i < cases; i++) {
    const input = mutate(p, p.pick(corpus));
    const parse = parsers[i % parsers.length];
    try {
      parse(input);
      res.accepted++;
    } catch (e) {
      if (e instanceof DtlsAlert) res.alerts++;
      else {
        res.foreign++;
        if (res.examples.length < 3) res.examples.push(`${String(e)} on ${Array.from(input, (b) => b.toString(16)).join(' ')}`);
      }
    }
  }
  return res;
}

export interface ConnectionFuzzResult {
  thrown: number;
  handshakesCompleted: number;
  examples: string[];
}

/** Replaces one datagram of a handshake by a mutation and injects mutations of everything seen into both ends. */
export async function fuzzConnections(seed: number, cases: number): Promise<ConnectionFuzzResult> {
  const p = new Prng(seed);
  const res: ConnectionFuzzResult = { thrown: 0, handshakesCompleted: 0, examples: [] };
  for (let i = 0; i < cases; i++) {
    const r = rig({ ...BARE, retransmit: { initialMs: 1000, maxRetransmissions: 2 } }, { retransmit: { initialMs: 1000, maxRetransmissions: 2 } }, { seed: seed * 1000 + i });
    const victim = p.int(8);
    let n = 0;
    r.pipe.filter = (d, dir) => {
      const k = n++;
      if (k === victim) {
        const m = mutate(p, d);
        try {
          if (dir === 'a->b') r.pipe.b.onReceive?.(m);
          else r.pipe.a.onReceive?.(m);
        } catch (e) {
          res.thrown++;
          if (res.examples.length < 3) res.examples.push(String(e));
        }
        return p.int(2) ? 'drop' : 'deliver';
      }
      return 'deliver';
    };
    const pr = r.client.connect().then(
      () => true,
      () => false,
    );
    try {
      r.host.clock.runAll(600000);
    } catch (e) {
      res.thrown++;
      if (res.examples.length < 3) res.examples.push(String(e));
    }
    if (await pr) res.handshakesCompleted++;
  }
  return res;
}
