// Shared by test/unit/modem/fuzz.test.ts (Node and XS) and test/fuzz/modem.ts (long runs): the AT line
// parser and URC router fed random and mutated modem output, split at random points, while commands run.
import type { Prng } from '../../harness/sim';
import { SimHost } from '../../harness/sim';
import { AtEngine, type AtResponse } from '../../../modules/modem/engine';
import { AtError } from '../../../modules/modem/errors';
import { Modem } from '../../../modules/modem/modem';
import type { ByteStream } from '../../../modules/transport/types';

const CORPUS = Object.freeze([
  '\r\nOK\r\n', '\r\nERROR\r\n', '\r\n+CME ERROR: 10\r\n', '\r\n+CMS ERROR: 321\r\n', '\r\n> ', 'AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n',
  '\r\n+CMT: ,24\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\n',
  '\r\n+CMTI: "SM",3\r\n', '\r\n+CEREG: 1\r\n', '\r\n+CEREG: 2,5,"1A2B","01C2D3E4",7\r\n', '\r\n+CMGS: 17\r\n\r\nOK\r\n',
  '\r\n+CMGR: 0,,24\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\n\r\nOK\r\n',
  '\r\n+CMGL: 1,0,,3\r\n00010203\r\n\r\nOK\r\n', '\r\n+CSIM: 4,"9000"\r\n\r\nOK\r\n', '\r\nSEND OK\r\n', '\r\nNO CARRIER\r\n', 'RING\r\n',
  '\r\n+CAURC: "recv",0,4\r\n', '\r\n+QIURC: "recv",0,4\r\n', '\r\n+CMT: "+4477",5\r\n', '\x00\xff\x1a\x1b', '\n\n\r\r',
]);

const COMMANDS = Object.freeze(['AT', 'AT+CSQ', 'AT+CMGR=1', 'AT+CEREG?', 'AT+CSIM=10,"00A4000400"', 'AT+CMGS=9', 'AT+CIMI']);

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function input(prng: Prng): Uint8Array {
  const k = prng.int(10);
  if (k === 0) return prng.bytes(prng.int(300));
  if (k === 1) return ascii('\r\n' + 'A'.repeat(prng.int(3000)) + '\r\n'); // very long line
  let s = '';
  const n = 1 + prng.int(4);
  for (let i = 0; i < n; i++) s += prng.pick(CORPUS);
  const x = ascii(s);
  const flips = prng.int(4);
  for (let i = 0; i < flips && x.length; i++) {
    const j = prng.int(x.length);
    x[j] = prng.int(3) === 0 ? prng.int(256) : x[j] ^ (1 << prng.int(8));
  }
  return x;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await Promise.resolve();
}

export interface AtFuzzResult {
  cases: number;
  unexpected: string | null;
  commands: number;
  settled: number;
  urcs: number;
}

export async function fuzzAt(prng: Prng, cases: number): Promise<AtFuzzResult> {
  const MAX_LINE = 1200;
  const MAX_LINES = 64;
  let unexpected: string | null = null;
  let commands = 0;
  let settled = 0;
  let urcs = 0;
  let host = new SimHost();
  let stream: ByteStream;
  let at: AtEngine;
  let modem: Modem;
  const fresh = () => {
    host = new SimHost();
    stream = { onData: null, write: () => {}, close() {} };
    modem = new Modem(host, stream, { at: { defaultTimeoutMs: 1000, maxLineLength: MAX_LINE, maxLines: MAX_LINES } });
    at = modem.at;
    modem.sms.onPdu(() => urcs++);
    at.onUrc('+CEREG:', (l) => {
      urcs++;
      if (l.length > MAX_LINE) unexpected ??= `URC line of ${l.length} chars`;
    });
    at.onUrc('+CMT:', (l, b) => {
      if (l.length > MAX_LINE || (b && b.length > MAX_LINE)) unexpected ??= 'URC body too long';
    }, true);
  };
  fresh();
  const onOk = (r: AtResponse) => {
    settled++;
    if (r.lines.length > MAX_LINES) unexpected ??= `${r.lines.length} lines in one response`;
    for (const l of r.lines) if (l.length > MAX_LINE) unexpected ??= `a ${l.length}-char line`;
  };
  const onErr = (e: unknown) => {
    settled++;
    if (!(e instanceof AtError)) unexpected ??= `non-AtError rejection: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  };
  for (let c = 0; c < cases && !unexpected; c++) {
    if (prng.int(3) === 0) {
      commands++;
      const data = prng.int(4) === 0 ? ascii('0011\x1a') : undefined;
      at!.send(prng.pick(COMMANDS), { prefix: prng.int(2) ? '+CSQ:' : undefined, data }).then(onOk, onErr);
    }
    const x = input(prng);
    try {
      let o = 0;
      while (o < x.length) {
        const n = 1 + prng.int(x.length - o);
        stream!.onData?.(x.subarray(o, o + n));
        o += n;
      }
    } catch (e) {
      unexpected = `feed threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    }
    if (c % 64 === 63 || c === cases - 1) {
      await settle(); // let rejections and resolutions run before judging
      // No hang: with the modem silent from now on, every command settles within its timeouts.
      for (let i = 0; i < 120 && at!.busy; i++) {
        host.clock.advance(1000);
        await settle(); // follow-up commands (AT+CMGD after AT+CMGR) are queued from promise callbacks
      }
      if (at!.busy) unexpected ??= 'the engine is still busy after every timeout passed';
      await settle();
      if (settled !== commands) unexpected ??= `${commands - settled} commands never settled`;
    }
    if (c % 4096 === 4095) {
      at!.close();
      fresh();
    }
  }
  return { cases, unexpected, commands, settled, urcs };
}
