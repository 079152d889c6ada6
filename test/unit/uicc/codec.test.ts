import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { decodeCommand, decodeResponse, encodeCommand, claForChannel } from '../../../modules/uicc/apdu';
import { encodeCsimCommand, parseCsimResponse, parseCsimCommand, encodeCsimResponse } from '../../../modules/uicc/csim';
import { ApduError, BerTlvError, UsatError } from '../../../modules/uicc/errors';
import { parseBerTlv, findTag } from '../../../modules/uicc/ber-tlv';
import { CardChannel, MAX_CHAINED, type ApduTransport } from '../../../modules/uicc/transport';
import { parseFcp, decodeIccid, encodeIccid } from '../../../modules/uicc/files';
import {
  parseSmsPpDownload, smsPpDownload, parseProactiveCommand, terminalResponse, parseFileList, encodeProactiveCommand, fileListObject, CommandType, Device,
} from '../../../modules/uicc/usat';
import { decodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { routeDeliver } from '../../../modules/sms/policy';
import { recordPayload } from '../../../modules/uicc/sms-card';

class Script implements ApduTransport {
  seen: string[] = [];
  constructor(private readonly answers: string[]) {}
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.seen.push(toHex(apdu));
    const a = this.answers.shift();
    if (a === undefined) throw new Error('script exhausted');
    return fromHex(a);
  }
}

describe('UICC codecs', () => {
  describe('ISO/IEC 7816-4 command APDU cases (plain APDUs of the pySim SCP03 test set)', () => {
    const cases: [string, number, number | undefined][] = [
      ['80f22002', 0, undefined], // case 1
      ['80ca006600', 0, 256], // case 2, Le 00 = 256
      ['80f220020a4f0212345c054f9f70c5', 10, undefined], // case 3
      ['80f28002024f0000', 2, 256], // case 4
    ];
    for (const [hex, lc, le] of cases) {
      it(hex, () => {
        const c = decodeCommand(fromHex(hex));
        assert.equal(c.data?.length ?? 0, lc);
        assert.equal(c.le, le);
        assert.equal(toHex(encodeCommand(c)), hex);
      });
    }
    it('refuses extended length, bad Lc and out-of-range fields', () => {
      assert.throws(() => decodeCommand(fromHex('00b00000000100')), ApduError);
      assert.throws(() => decodeCommand(fromHex('00a4040004a000')), ApduError);
      assert.throws(() => encodeCommand({ cla: 0x100, ins: 0, p1: 0, p2: 0 }), ApduError);
      assert.throws(() => encodeCommand({ cla: 0, ins: 0, p1: 0, p2: 0, le: 257 }), ApduError);
      assert.throws(() => decodeResponse(fromHex('90')), ApduError);
      assert.throws(() => decodeResponse(new Uint8Array(259)), ApduError);
    });
    it('logical channel CLA (ISO/IEC 7816-4 §5.4.1)', () => {
      assert.equal(claForChannel(0x00, 1), 0x01);
      assert.equal(claForChannel(0x80, 3), 0x83);
      assert.equal(claForChannel(0x84, 2), 0x86);
      assert.equal(claForChannel(0x00, 4), 0x40);
      assert.equal(claForChannel(0x04, 19), 0x6f);
      assert.equal(claForChannel(0x80, 5), 0xc1);
      assert.throws(() => claForChannel(0, 20), ApduError);
    });
  });

  describe('status word procedures', () => {
    it('61xx: GET RESPONSE with Le = xx, data concatenated', async () => {
      const t = new Script(['6104', 'a1a2a3a46102', 'b1b29000']);
      const r = await new CardChannel(t).send({ cla: 0, ins: 0xa4, p1: 4, p2: 4, data: fromHex('a000000063504b43532d3135'), le: 256 });
      assert.deepEqual(t.seen.slice(1), ['00c0000004', '00c0000002']);
      assert.equal(toHex(r.data), 'a1a2a3a4b1b2');
      assert.equal(r.sw, 0x9000);
    });
    it('6Cxx: the same command re-issued with Le = xx', async () => {
      const t = new Script(['6c0a', '0102030405060708090a9000']);
      const r = await new CardChannel(t, 2).send({ cla: 0, ins: 0xb2, p1: 1, p2: 4, le: 256 });
      assert.deepEqual(t.seen, ['02b2010400', '02b201040a']);
      assert.equal(r.data.length, 10);
    });
    it('9Fxx (GSM-era): GET RESPONSE', async () => {
      const t = new Script(['9f02', 'cafe9000']);
      const r = await new CardChannel(t).send({ cla: 0xa0, ins: 0xa4, p1: 0, p2: 0, data: fromHex('3f00') });
      assert.equal(t.seen[1], '00c0000002');
      assert.equal(toHex(r.data), 'cafe');
    });
    it('a card that chains forever is cut off', async () => {
      const t = new Script(Array.from({ length: MAX_CHAINED + 5 }, () => '01' + '6101'));
      t.seen = [];
      (t as unknown as { answers: string[] }).answers.unshift('6101');
      await assert.rejects(new CardChannel(t).send({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 1 }), ApduError);
      assert.ok(t.seen.length <= MAX_CHAINED + 2);
    });
    it('MANAGE CHANNEL open and close', async () => {
      const t = new Script(['029000', '9000']);
      const ch = await new CardChannel(t).openChannel();
      assert.equal(ch.channel, 2);
      await ch.close();
      assert.deepEqual(t.seen, ['0070000001', '02708002']);
    });
  });

  describe('AT+CSIM text (3GPP TS 27.007 §8.17)', () => {
    it('command: length counts hex characters', () => {
      assert.equal(encodeCsimCommand(fromHex('00a40004023f00')), 'AT+CSIM=14,"00A40004023F00"');
      assert.equal(toHex(parseCsimCommand('AT+CSIM=14,"00A40004023F00"')), '00a40004023f00');
    });
    it('response', () => {
      assert.equal(toHex(parseCsimResponse('+CSIM: 4,"6F1A"')), '6f1a');
      assert.equal(toHex(parseCsimResponse('+CSIM: 6,019000')), '019000');
      assert.equal(encodeCsimResponse(fromHex('019000')), '+CSIM: 6,"019000"');
    });
    it('refuses mismatched length, odd hex, garbage', () => {
      for (const l of ['+CSIM: 6,"6F1A"', '+CSIM: 3,"6F1"', '+CSIM: 2,"90"', '+CSIM: 4,"6G1A"', 'OK', '+CSIM: 4,"6F1A']) {
        assert.throws(() => parseCsimResponse(l), ApduError, l);
      }
    });
  });

  describe('BER-TLV', () => {
    it('GET EID response (pySim SCP03 test set): BF3E { 5A 10 <EID> }', () => {
      const [t] = parseBerTlv(fromHex('bf3e125a1089882119900000000000000000000005'));
      assert.equal(t.tag, 0xbf3e);
      assert.ok(t.constructed);
      assert.equal(toHex(findTag(t.children, 0x5a)!.value), '89882119900000000000000000000005');
    });
    it('FCPs of a real USIM (pySim test_decode_select_resp.py)', () => {
      const imsi = parseFcp(fromHex('62178202412183026f078a01058b036f060a80020009880138'));
      assert.equal(imsi.fileId, 0x6f07);
      assert.equal(imsi.size, 9);
      assert.equal(imsi.descriptor, 0x41);
      const ecc = parseFcp(fromHex('621a82054221000e0283026fb78a01058b036f06088002001c880108'));
      assert.equal(ecc.recordLength, 14);
      assert.equal(ecc.records, 2);
      assert.equal(ecc.size, 28);
    });
    it('bounded: indefinite length, overlong length, deep nesting, too many elements', () => {
      assert.throws(() => parseBerTlv(fromHex('308000')), BerTlvError);
      assert.throws(() => parseBerTlv(fromHex('0484ffffffff')), BerTlvError);
      assert.throws(() => parseBerTlv(fromHex('04820100')), BerTlvError);
      let deep = fromHex('0400');
      for (let i = 0; i < 12; i++) deep = Uint8Array.from([0x30, deep.length, ...deep]);
      assert.throws(() => parseBerTlv(deep), BerTlvError);
      assert.throws(() => parseBerTlv(new Uint8Array(2000).fill(0x04).map((v, i) => (i % 2 ? 0 : v)), { maxElements: 100 }), BerTlvError);
      assert.throws(() => parseBerTlv(fromHex('1f818101')), BerTlvError);
    });
  });

  describe('USAT', () => {
    // SMS-PP data download of a TS 102 225 secured packet, as pySim-smpp2sim logged it against a real card (docs/smpp2sim.rst)
    const TPDU = '400290217ff6227052000000002d02700000281516191212b0000127fa28a5bac69d3c5e9df2c7155dfdde449c826b236215566530787b30e8be5d';
    const ENVELOPE = 'd147820283818604001032548b3b' + TPDU;
    it('ENVELOPE (SMS-PP data download) matches a real trace', () => {
      const c = smsPpDownload(fromHex(TPDU), fromHex('00103254'));
      assert.equal(toHex(encodeCommand(c)), '80c2000049' + ENVELOPE);
      assert.equal(toHex(parseSmsPpDownload(fromHex(ENVELOPE)).tpdu), TPDU);
      const d = decodeDeliver(fromHex(TPDU));
      assert.equal(routeDeliver(d), 'uicc', 'class 2 / TP-PID 7F goes to the card');
    });
    it('proactive REFRESH (file change notification) and its TERMINAL RESPONSE (TS 102 223 §6.6.13, §6.8)', () => {
      // D0 12 | 81 03 01 01 01 | 82 02 81 82 | 92 07 01 3F00 7F50 6F01
      const bytes = fromHex('d0128103010101820281829207013f007f506f01');
      const cmd = parseProactiveCommand(bytes);
      assert.equal(cmd.type, CommandType.REFRESH);
      assert.equal(cmd.qualifier, 1);
      assert.equal(cmd.destination, Device.terminal);
      assert.equal(toHex(encodeProactiveCommand(1, CommandType.REFRESH, 1, Device.terminal, fileListObject([fromHex('3f007f506f01')]))), toHex(bytes));
      assert.equal(toHex(terminalResponse(cmd, 0).data!), '810301010182028281830100');
      assert.deepEqual(parseFileList(fromHex('023f007f506f013f002fe2')).map(toHex), ['3f007f506f01', '3f002fe2']);
      assert.throws(() => parseFileList(fromHex('033f007f506f01')), UsatError);
    });
    it('refuses a proactive command not from the UICC, truncated objects, bad lengths', () => {
      assert.throws(() => parseProactiveCommand(fromHex('d00b81030101018202828192')), UsatError);
      assert.throws(() => parseProactiveCommand(fromHex('d0098103010101820281')), UsatError);
      assert.throws(() => parseProactiveCommand(fromHex('d00c8103010101820281828a')), UsatError);
    });
    it('exchange record: payload object 80 with FF padding', () => {
      const rec = new Uint8Array(255).fill(0xff);
      rec.set(fromHex('8003414243'));
      assert.equal(toHex(recordPayload(rec)), '414243');
      assert.throws(() => recordPayload(new Uint8Array(255).fill(0xff).map((v, i) => (i === 0 ? 0x81 : v))), UsatError);
    });
  });

  describe('PKCS#15 and EF ICCID', () => {
    it('EF ICCID swapped BCD (TS 102 221 §13.2)', () => {
      assert.equal(decodeIccid(fromHex('98440510325476981002')), '89445001234567890120');
      assert.equal(decodeIccid(fromHex('984405103254769810f2')), '8944500123456789012');
      assert.equal(toHex(encodeIccid('8944500123456789012')), '984405103254769810f2');
      assert.throws(() => decodeIccid(fromHex('9844051032547698a0f2')), ApduError);
    });
  });
});
