import { assert } from '../../harness/assert';
import { ByteReader, fromHex } from '../../../modules/bytes/index';
import { decodeAddress, encodeAddress, encodeSmscAddress, parseNumber, TON } from '../../../modules/sms/address';
import { decodeDcs } from '../../../modules/sms/dcs';
import { SmsFormatError } from '../../../modules/sms/errors';
import { packSeptets, septetsToText, textToSeptets, unpackSeptets } from '../../../modules/sms/gsm7';
import { decodeTimestamp, encodeTimestamp } from '../../../modules/sms/scts';
import { decodePdu, decodeTpdu } from '../../../modules/sms/tpdu';
import { decodeStatusReport } from '../../../modules/sms/status-report';
import { decodeUdh, findConcat, hasPacketIdentifier } from '../../../modules/sms/udh';

const reader = (hex: string) => new ByteReader(fromHex(hex), (m) => new SmsFormatError(m));

describe('TS 23.040 TPDUs', () => {
  describe('addresses (§9.1.2.5)', () => {
    it('+447700900123 -> 0c 91 44 77 00 09 10 32 (SPEC-NOTES §3.3)', () => {
      assert.hex(encodeAddress(parseNumber('+447700900123')), '0c91447700091032');
      assert.deepEqual(decodeAddress(reader('0c91447700091032')), { ton: TON.international, npi: 1, value: '447700900123' });
    });
    it('odd digit count uses the F filler; national numbers use TON 010', () => {
      assert.hex(encodeAddress(parseNumber('07700900123', TON.national)), '0ba17007900021f3');
      assert.deepEqual(decodeAddress(reader('0ba17007900021f3')), { ton: TON.national, npi: 1, value: '07700900123' });
    });
    it('an F inside the digits, a length over 20 and truncation are format errors', () => {
      assert.throws(() => decodeAddress(reader('0491f412')), SmsFormatError);
      assert.throws(() => decodeAddress(reader('1591' + '11'.repeat(11))), SmsFormatError);
      assert.throws(() => decodeAddress(reader('0c914477')), SmsFormatError);
      assert.throws(() => decodeAddress(reader('0411')), SmsFormatError);
    });
    it('SMSC prefix: length counts octets including the type', () => {
      assert.hex(encodeSmscAddress(parseNumber('+447785016005')), '07914477581006f5'.replace('f5', '50'));
      assert.hex(encodeSmscAddress(null), '00');
    });
  });

  describe('GSM 7-bit (TS 23.038 §6.1.2.1)', () => {
    it('"hellohello" packs to E8 32 9B FD 46 97 D9 EC 37 (the classic 03.38 example)', () => {
      assert.hex(packSeptets(textToSeptets('hellohello')), 'e8329bfd4697d9ec37');
      assert.equal(septetsToText(unpackSeptets(fromHex('e8329bfd4697d9ec37'), 10)), 'hellohello');
    });
    it('extension table: € is ESC 65, and the table has 128 entries', () => {
      assert.deepEqual(textToSeptets('€['), Uint8Array.of(0x1b, 0x65, 0x1b, 0x3c));
      assert.equal(septetsToText(Uint8Array.of(0x7f, 0x00, 0x24)), 'à@¤');
    });
  });

  describe('DCS (TS 23.038 §4)', () => {
    it('F5 is 8-bit class 1, F6 is 8-bit class 2', () => {
      assert.deepEqual(decodeDcs(0xf5), { alphabet: '8bit', messageClass: 1, compressed: false, group: 'data' });
      assert.deepEqual(decodeDcs(0xf6), { alphabet: '8bit', messageClass: 2, compressed: false, group: 'data' });
      assert.deepEqual(decodeDcs(0xf1), { alphabet: 'gsm7', messageClass: 1, compressed: false, group: 'data' });
    });
    it('general group: alphabet bits 3-2, class only if bit 4', () => {
      assert.deepEqual(decodeDcs(0x00), { alphabet: 'gsm7', messageClass: null, compressed: false, group: 'general' });
      assert.deepEqual(decodeDcs(0x16), { alphabet: '8bit', messageClass: 2, compressed: false, group: 'general' });
      assert.deepEqual(decodeDcs(0x08), { alphabet: 'ucs2', messageClass: null, compressed: false, group: 'general' });
      assert.deepEqual(decodeDcs(0x35), { alphabet: '8bit', messageClass: 1, compressed: true, group: 'general' });
      assert.equal(decodeDcs(0x45).group, 'auto-delete');
      assert.equal(decodeDcs(0xc8).group, 'message-waiting');
      assert.equal(decodeDcs(0xe0).alphabet, 'ucs2');
      assert.equal(decodeDcs(0x80).group, 'reserved');
    });
  });

  describe('SCTS (§9.2.3.11)', () => {
    it('2026-11-22 10:05:59 +01:00 is 62 11 22 01 50 95 40; -05:00 sets the sign bit', () => {
      const t = { year: 26, month: 11, day: 22, hour: 10, minute: 5, second: 59, tzQuarterHours: 4 };
      assert.hex(encodeTimestamp(t), '62112201509540');
      assert.deepEqual(decodeTimestamp(reader('62112201509540')), t);
      assert.equal(decodeTimestamp(reader('6211220150950a')).tzQuarterHours, -20);
      assert.throws(() => decodeTimestamp(reader('6a112201509540')), SmsFormatError);
    });
  });

  describe('UDH (§9.2.3.24)', () => {
    it('concatenation 00 and 08, and the 70 / 71 identifiers', () => {
      const h = decodeUdh(fromHex('0700034202017000ffff'));
      assert.equal(h.length, 8);
      assert.deepEqual(findConcat(h.udh), { reference: 0x42, wide: false, total: 2, sequence: 1 });
      assert.ok(hasPacketIdentifier(h.udh, 0x70));
      assert.ok(!hasPacketIdentifier(h.udh, 0x71));
      assert.deepEqual(findConcat(decodeUdh(fromHex('06080412340302')).udh), { reference: 0x1234, wide: true, total: 3, sequence: 2 });
    });
    it('elements with sequence 0, total 0 or sequence > total are ignored (§9.2.3.24.1)', () => {
      for (const ie of ['0003420001', '0003420200', '0003420203', '080412340302'.replace('0302', '0304')]) {
        assert.equal(findConcat(decodeUdh(fromHex((ie.length / 2).toString(16).padStart(2, '0') + ie)).udh), null, ie);
      }
    });
    it('a wrong concat IE length, an overrunning IE and a UDHL past the data are errors', () => {
      assert.throws(() => findConcat(decodeUdh(fromHex('0400024201')).udh), SmsFormatError);
      assert.throws(() => decodeUdh(fromHex('03000442')), SmsFormatError);
      assert.throws(() => decodeUdh(fromHex('0a0003420201')), SmsFormatError);
    });
  });

  describe('SMS-DELIVER / SMS-SUBMIT / SMS-STATUS-REPORT', () => {
    // Encoded by python3-gammu 1.42 (gammu.EncodePDU), an independent implementation:
    // Number +447700900123, SMSC +447785016005, 8-bit class 1, UDH 02 70 00, text 01 02 ff.
    const GAMMU_DELIVER = '0791447758100650400c9144770009103200f500000000000000060270000102ff';
    const GAMMU_SUBMIT = '079144775810065051050c9144770009103200f500060270000102ff';
    it('decodes the gammu-encoded SMS-DELIVER with its SMSC prefix', () => {
      const { smsc, message } = decodePdu(fromHex(GAMMU_DELIVER));
      assert.deepEqual(smsc, { ton: TON.international, npi: 1, value: '447785016005' });
      assert.equal(message.type, 'deliver');
      if (message.type !== 'deliver') return;
      assert.equal(message.originator.value, '447700900123');
      assert.equal(message.coding.messageClass, 1);
      assert.equal(message.coding.alphabet, '8bit');
      assert.hex(message.userData.payload, '0102ff');
      assert.hex(message.userData.raw, '0270000102ff');
      assert.ok(message.userData.udh && hasPacketIdentifier(message.userData.udh, 0x70));
    });
    it('decodes the gammu-encoded SMS-SUBMIT (MR 5, relative validity octet 00)', () => {
      const { message } = decodePdu(fromHex(GAMMU_SUBMIT), 'mo');
      assert.equal(message.type, 'submit');
      if (message.type !== 'submit') return;
      assert.equal(message.messageReference, 5);
      assert.deepEqual(message.validity, { format: 'relative', value: 0 });
      assert.equal(message.destination.value, '447700900123');
      assert.hex(message.userData.payload, '0102ff');
    });
    it('decodes a 7-bit DELIVER with a UDH and fill bits', () => {
      // first 40 (UDHI), OA +12, PID 00, DCS 00, SCTS, UDL 15 septets: UDH 05 00 03 01 02 01 (6 octets = 7 septets incl. 1 fill bit) + "hellohel"
      const text = packSeptets(textToSeptets('hellohel'), 1);
      const ud = Array.from(fromHex('050003010201')).concat(Array.from(text));
      const tp = fromHex('40' + '0291' + '21f0'.slice(0, 2) + '00' + '00' + '62112201509540' + '0f' + ud.map((b) => b.toString(16).padStart(2, '0')).join(''));
      const d = decodeTpdu(tp);
      assert.ok(d.type === 'deliver' && d.userData.text === 'hellohel');
    });
    it('status report: MR, recipient, both timestamps, status, optional PI', () => {
      const sr = decodeStatusReport(fromHex('0607' + '0c91447700091032' + '62112201509540' + '62112201510040' + '00'));
      assert.equal(sr.messageReference, 7);
      assert.equal(sr.recipient.value, '447700900123');
      assert.equal(sr.dischargeTime.minute, 15);
      assert.equal(sr.timestamp.second, 59);
      assert.equal(sr.status, 0);
      const withPi = decodeStatusReport(fromHex('0607' + '0c91447700091032' + '62112201509540' + '62112201509640' + '46' + '07' + '7d' + 'f5' + '02aabb'));
      assert.equal(withPi.status, 0x46);
      assert.equal(withPi.pid, 0x7d);
      assert.hex(withPi.userData!.payload, 'aabb');
      assert.throws(() => decodeStatusReport(fromHex('0607' + '0c91447700091032' + '62112201509540' + '62112201509640' + '00' + '80808080')), SmsFormatError);
    });
    it('trailing octets, a UDL over 140 and unknown MTIs are format errors', () => {
      assert.throws(() => decodePdu(fromHex(GAMMU_DELIVER + '00')), SmsFormatError);
      assert.throws(() => decodeTpdu(fromHex('040291210000621122015095408d' + '00'.repeat(141))), SmsFormatError);
      assert.throws(() => decodeTpdu(fromHex('01')), SmsFormatError);
      assert.throws(() => decodeTpdu(fromHex('00'), 'mo'), SmsFormatError);
      assert.throws(() => decodeTpdu(new Uint8Array(0)), SmsFormatError);
    });
  });
});
