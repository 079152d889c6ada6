// Shared by test/unit/uicc/fuzz.test.ts (Node and XS) and test/fuzz/uicc.ts (long runs).
import type { Prng } from '../../harness/sim';
import { fromHex } from '../../../modules/bytes/index';
import { ApduError, BerTlvError, Pkcs15Error, Scp03Error, UsatError } from '../../../modules/uicc/errors';
import { decodeCommand, decodeResponse } from '../../../modules/uicc/apdu';
import { parseCsimResponse } from '../../../modules/uicc/csim';
import { parseCrsmCommand, parseCrsmResponse } from '../../../modules/uicc/crsm';
import { parseBerTlv } from '../../../modules/uicc/ber-tlv';
import { parseFcp, decodeIccid } from '../../../modules/uicc/files';
import { findBootstrapPath, parseBootstrapFile, parseOdf } from '../../../modules/uicc/pkcs15';
import { parseFileList, parseProactiveCommand, parseSmsPpDownload, parseTerminalResponse } from '../../../modules/uicc/usat';
import { parseInitUpdateResponse } from '../../../modules/uicc/scp03';
import { recordPayload } from '../../../modules/uicc/sms-card';
import { CardChannel, MAX_CHAINED_BYTES, type ApduTransport } from '../../../modules/uicc/transport';

const SEEDS = {
  response: ['6f1a9000', '61109000', '6c0a', '9f02', 'bf3e125a10898821199000000000000000000000059000', '9110'],
  tlv: ['bf3e125a1089882119900000000000000000000005', '62178202412183026f078a01058b036f060a80020009880138', '621a82054221000e0283026fb78a01058b036f06088002001c880108', '3081830c02ffff00'],
  pkcs15: [
    'a7063004020244 01'.replace(/ /g, ''),
    '302a300f0c0f4c574d324d20426f6f7473747261700303064030070c054c574d324da106300404024402',
    // nRF Connect SDK tests/lib/uicc_lwm2m: EF(DODF) and EF LwM2M_Bootstrap (Appendix G.3.2 / G.3.4)
    'a127300030110c0f4c774d324d20426f6f747374726170a110300e06060604672b0901300404026432',
    '00010036000000003108002ec80025636f61703a2f2f6c657368616e2e65636c6970736570726f6a656374732e696f3a35373833c10101c10203ffff',
    '0002001100000100060800030c10000001000005080002c100',
  ],
  usat: ['d0128103010101820281829207013f007f506f01', 'd147820283818604001032548b3b400290217ff6227052000000002d02700000281516191212b0000127fa28a5bac69d3c5e9df2c7155dfdde449c826b236215566530787b30e8be5d', '810301010182028281830100', '023f007f506f013f002fe2', '8003414243ffffff'],
  scp03: ['000000000000000000003003703eb51047495b249f66c484c1d2ef1948000002', '00000000000000000000300360b51047495b249f66c484c1d2ef194800'],
  crsm: ['+CRSM: 144,0,"983351106111005079F8"', '+CRSM: 106,130', 'AT+CRSM=178,28417,1,4,223,,"3F007F50"', 'AT+CRSM=214,28423,0,0,2,"0A0B"', 'AT+CRSM=242'],
};

/** Text mutations for the AT+CRSM lines (characters the grammar uses, and some it does not). */
function mutateText(prng: Prng, base: string): string {
  const alphabet = '+CRSMAT=: ,"0123456789ABCDEFabcdefXZ\r\n\u0000';
  const c = base.split('');
  const ops = 1 + prng.int(6);
  for (let i = 0; i < ops; i++) {
    const at = prng.int(c.length + 1);
    const k = prng.int(4);
    if (k === 0) c.splice(at, 1);
    else if (k === 1) c.splice(at, 0, alphabet[prng.int(alphabet.length)]);
    else if (k === 2) c[at] = alphabet[prng.int(alphabet.length)];
    else c.splice(at, 0, ...'0123456789ABCDEF'.repeat(1 + prng.int(40)).split(''));
  }
  return c.join('');
}

function mutate(prng: Prng, base: Uint8Array): Uint8Array {
  let x: Uint8Array = base.slice();
  const ops = 1 + prng.int(4);
  for (let i = 0; i < ops; i++) {
    const k = prng.int(6);
    if (k === 0 && x.length) x[prng.int(x.length)] ^= 1 << prng.int(8);
    else if (k === 1 && x.length) x[prng.int(x.length)] = prng.int(256);
    else if (k === 2) x = x.subarray(0, prng.int(x.length + 1));
    else if (k === 3) x = Uint8Array.from([...x, ...prng.bytes(prng.int(8))]);
    else if (k === 4 && x.length > 2) x[prng.int(x.length)] = prng.pick([0x00, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xff, 0x1f, 0xbf]);
    else x = prng.bytes(prng.int(300));
  }
  return x;
}

export type UiccFuzzTarget = 'apdu' | 'ber-tlv' | 'pkcs15' | 'usat' | 'scp03' | 'crsm';
export const UICC_TARGETS: readonly UiccFuzzTarget[] = Object.freeze(['apdu', 'ber-tlv', 'pkcs15', 'usat', 'scp03', 'crsm'] as UiccFuzzTarget[]);

const typed = (e: unknown) => e instanceof ApduError || e instanceof BerTlvError || e instanceof Pkcs15Error || e instanceof UsatError || e instanceof Scp03Error;

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

export function fuzzUicc(target: UiccFuzzTarget, prng: Prng, cases: number): { cases: number; unexpected: string | null } {
  for (let i = 0; i < cases; i++) {
    try {
      if (target === 'apdu') {
        const x = mutate(prng, fromHex(prng.pick(SEEDS.response)));
        const k = prng.int(4);
        if (k === 0) decodeResponse(x);
        else if (k === 1) decodeCommand(x);
        else if (k === 2) parseCsimResponse(prng.int(3) ? `+CSIM: ${prng.int(3) ? x.length * 2 : prng.int(600)},"${hexOf(x)}"` : String.fromCharCode(...x.subarray(0, 80)));
        else decodeIccid(x);
      } else if (target === 'ber-tlv') {
        const x = mutate(prng, fromHex(prng.pick(SEEDS.tlv)));
        if (prng.int(2)) parseBerTlv(x);
        else parseFcp(x);
      } else if (target === 'pkcs15') {
        const x = mutate(prng, fromHex(prng.pick(SEEDS.pkcs15)));
        const k = prng.int(3);
        if (k === 0) parseOdf(x);
        else if (k === 1) findBootstrapPath(x);
        else parseBootstrapFile(x);
      } else if (target === 'usat') {
        const x = mutate(prng, fromHex(prng.pick(SEEDS.usat)));
        const k = prng.int(5);
        if (k === 0) parseProactiveCommand(x);
        else if (k === 1) parseSmsPpDownload(x);
        else if (k === 2) parseTerminalResponse(x);
        else if (k === 3) parseFileList(x);
        else recordPayload(x);
      } else if (target === 'crsm') {
        const line = mutateText(prng, prng.pick(SEEDS.crsm));
        if (line.startsWith('AT')) parseCrsmCommand(line);
        else {
          const r = parseCrsmResponse(line);
          if (r.data.length > 256 || r.sw > 0xffff) return { cases: i, unexpected: 'AT+CRSM answer over its bounds' };
        }
      } else {
        parseInitUpdateResponse(mutate(prng, fromHex(prng.pick(SEEDS.scp03))));
      }
    } catch (e) {
      if (!typed(e)) return { cases: i, unexpected: `${(e as Error)?.name}: ${(e as Error)?.message}` };
    }
  }
  return { cases, unexpected: null };
}

/** APDU responses through the status-word procedures: a hostile card answering anything. */
export async function fuzzChannel(prng: Prng, cases: number): Promise<{ cases: number; unexpected: string | null }> {
  const t: ApduTransport = { transmit: async () => mutate(prng, fromHex(prng.pick(SEEDS.response))) };
  const ch = new CardChannel(t, prng.int(4));
  for (let i = 0; i < cases; i++) {
    try {
      const r = await ch.send({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 1 + prng.int(256) });
      if (r.data.length > MAX_CHAINED_BYTES) return { cases: i, unexpected: 'chained response over the cap' };
    } catch (e) {
      if (!typed(e)) return { cases: i, unexpected: `${(e as Error)?.name}: ${(e as Error)?.message}` };
    }
  }
  return { cases, unexpected: null };
}
