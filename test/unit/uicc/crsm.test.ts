/**
 * AT+CRSM text (3GPP TS 27.007 §8.18). Independent bytes: the +CRSM lines of the `test CRSM` case of the
 * at-messages-parser package (a real card's EF ICCID, `+CRSM: 144,0,"983351106111005079F8"`, and a
 * response without data), and the widely published EF ICCID read `AT+CRSM=176,12258,0,0,10`.
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { ApduError } from '../../../modules/uicc/errors';
import { CrsmCommand, encodeCrsmCommand, encodeCrsmResponse, parseCrsmCommand, parseCrsmResponse, readIccidCrsm, type CrsmRequest } from '../../../modules/uicc/crsm';
import { decodeIccid } from '../../../modules/uicc/files';
import { AtError } from '../../../modules/modem/errors';

/** The error class and a piece of its message. */
const is = (c: new (...a: never[]) => Error, text: string) => (e: unknown): boolean => e instanceof c && e.message.includes(text);

describe('AT+CRSM codec (TS 27.007 §8.18)', () => {
  it('encodes the EF ICCID read, a record read with a path, STATUS and an update', () => {
    assert.equal(encodeCrsmCommand({ command: CrsmCommand.READ_BINARY, fileId: 0x2fe2, p1: 0, p2: 0, p3: 10 }), 'AT+CRSM=176,12258,0,0,10');
    assert.equal(encodeCrsmCommand({ command: CrsmCommand.READ_RECORD, fileId: 0x6f01, p1: 1, p2: 4, p3: 223, path: fromHex('3f007f50') }), 'AT+CRSM=178,28417,1,4,223,,"3F007F50"');
    assert.equal(encodeCrsmCommand({ command: CrsmCommand.STATUS }), 'AT+CRSM=242');
    assert.equal(encodeCrsmCommand({ command: CrsmCommand.UPDATE_BINARY, fileId: 0x6f07, p1: 0, p2: 0, p3: 2, data: fromHex('0a0b') }), 'AT+CRSM=214,28423,0,0,2,"0A0B"');
  });

  it('parses a real card\'s EF ICCID answer and an answer without data', () => {
    const r = parseCrsmResponse('+CRSM: 144,0,"983351106111005079F8"');
    assert.equal(r.sw, 0x9000);
    assert.equal(decodeIccid(r.data), '8933150116110005978');
    const e = parseCrsmResponse('+CRSM: 144,0');
    assert.equal(e.sw, 0x9000);
    assert.equal(e.data.length, 0);
    assert.equal(parseCrsmResponse('+CRSM: 106,130').sw, 0x6a82);
    assert.equal(toHex(parseCrsmResponse('+CRSM:144,0,0A0b').data), '0a0b');
  });

  it('refuses malformed, out-of-range and oversized lines with ApduError only', () => {
    for (const l of ['+CRSM: 256,0', '+CRSM: 144', '+CRSM: 144,0,"ABC"', '+CRSM: 144,0,"ZZ"', '+CSIM: 4,"9000"', '+CRSM: 144,0,"' + '00'.repeat(257) + '"', '+CRSM: 144,0,"00', '']) {
      assert.throws(() => parseCrsmResponse(l), ApduError, l);
    }
    assert.throws(() => parseCrsmResponse('+CRSM: 144,0,"' + '0'.repeat(100000) + '"'), is(ApduError, 'too long'));
    assert.throws(() => encodeCrsmCommand({ command: 203, fileId: 1 }), ApduError);
    assert.throws(() => encodeCrsmCommand({ command: 176, fileId: 0x10000 }), ApduError);
    assert.throws(() => encodeCrsmCommand({ command: 176, fileId: 1, p3: 256 }), ApduError);
    assert.throws(() => encodeCrsmCommand({ command: 220, fileId: 1, data: new Uint8Array(256) }), ApduError);
    assert.throws(() => encodeCrsmCommand({ command: 176, fileId: 1, path: fromHex('3f') }), ApduError);
  });

  it('the card side parses what the terminal side writes', () => {
    const reqs: CrsmRequest[] = [
      { command: 176, fileId: 0x2fe2, p1: 0, p2: 0, p3: 10 },
      { command: 178, fileId: 0x6f01, p1: 1, p2: 4, p3: 223, path: fromHex('3f007f50') },
      { command: 214, fileId: 0x6f07, p1: 0, p2: 0, p3: 2, data: fromHex('0a0b') },
      { command: 242 },
    ];
    for (const q of reqs) {
      const back = parseCrsmCommand(encodeCrsmCommand(q));
      assert.equal(back.command, q.command);
      assert.equal(back.fileId, q.fileId);
      assert.equal(back.p3, q.p3);
      assert.equal(back.data ? toHex(back.data) : undefined, q.data ? toHex(q.data) : undefined);
      assert.equal(back.path ? toHex(back.path) : undefined, q.path ? toHex(q.path) : undefined);
    }
    assert.equal(encodeCrsmResponse(0x9000, fromHex('98')), '+CRSM: 144,0,"98"');
    assert.throws(() => parseCrsmCommand('AT+CRSM=176'), ApduError);
    assert.throws(() => parseCrsmCommand('AT+CRSM=203,1,0,0,0'), ApduError);
  });

  it('readIccidCrsm: typed errors for a status word and for a modem failure', async () => {
    const modem = (answer: () => Promise<{ sw: number; data: Uint8Array }>) => ({ crsm: answer });
    assert.equal(await readIccidCrsm(modem(async () => parseCrsmResponse('+CRSM: 144,0,"983351106111005079F8"'))), '8933150116110005978');
    await assert.rejects(readIccidCrsm(modem(async () => ({ sw: 0x6a82, data: new Uint8Array(0) }))), is(ApduError, '6A82'));
    await assert.rejects(readIccidCrsm(modem(async () => { throw new AtError('cme', 'SIM not inserted', 10); })), is(ApduError, 'AT+CRSM failed'));
  });

  it('light fuzz: 10,000 mutated +CRSM lines give a result or ApduError, nothing else', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const base = '+CRSM: 144,0,"983351106111005079F8"';
    const alphabet = '+CRSM: ,"0123456789ABCDEFabcdefXYZ\r\n\u0000';
    for (let i = 0; i < 10000; i++) {
      const chars = base.split('');
      const k = 1 + rnd(6);
      for (let j = 0; j < k; j++) {
        const at = rnd(chars.length + 1);
        const op = rnd(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rnd(alphabet.length)]);
        else chars[at] = alphabet[rnd(alphabet.length)];
      }
      try {
        const r = parseCrsmResponse(chars.join(''));
        assert.ok(r.sw >= 0 && r.sw <= 0xffff && r.data.length <= 256);
      } catch (e) {
        if (!(e instanceof ApduError)) throw e;
      }
      try {
        parseCrsmCommand('AT+CRSM=' + chars.join('').slice(7));
      } catch (e) {
        if (!(e instanceof ApduError)) throw e;
      }
    }
  });
});
