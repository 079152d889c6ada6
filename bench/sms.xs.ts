// XS side of bench/sms.bench.ts: seal + open of a 100-byte payload (AES and 3-key 3DES).
import { fromHex } from '../modules/bytes/index';
import { nobleCrypto as crypto } from '../modules/crypto/noble';
import { decodeCommandPacket, encodeCommandPacket } from '../modules/sms/secured-packet';

const aes = { kic: fromHex('000102030405060708090a0b0c0d0e0f'), kid: fromHex('101112131415161718191a1b1c1d1e1f') };
const tdes = { kic: fromHex('0123456789abcdef23456789abcdef01456789abcdef0123'), kid: fromHex('fedcba9876543210dcba9876543210fe3210fedcba987654') };
const payload = new Uint8Array(100).map((_, i) => i * 3);
const tar = fromHex('bfff00');

import { SmsSecurityPolicy } from '../modules/sms/policy';
import { SmsDatagramChannel } from '../modules/sms/channel';
import { encodeDeliver } from '../modules/sms/tpdu-deliver';
import { parseNumber } from '../modules/sms/address';

// One received secured SMS through the device's SMS channel (TPDU decode, routing, originator, CC, decipher,
// counter): the per-SMS compute of the SMS binding. The counter source accepts every counter (no flash here).
const always = { next: () => 1n, acceptIfHigher: () => true };
function receiver(kic: number, keys: { kic: Uint8Array; kid: Uint8Array }) {
  const k = new Uint8Array(keys.kic.length * 2);
  k.set(keys.kic);
  k.set(keys.kid, keys.kic.length);
  const params = Uint8Array.of(kic, kic, 0x16, 0x00, 0xbf, 0xff, 0x00);
  const policy = new SmsSecurityPolicy({ keyParameters: params, secretKeys: k, serverNumber: '+15550009', counters: always, crypto });
  let handler: (p: Uint8Array) => void = () => {};
  const channel = new SmsDatagramChannel({ bearer: { sendTpdu: async () => 0, onPdu: (h) => ((handler = h), () => {}) }, host: { now: () => 0, randomBytes: (n) => new Uint8Array(n), log: () => {} }, peerNumber: '+15550009', framing: { kind: 'secured', policy } });
  let got = 0;
  channel.onReceive = () => got++;
  const ud = encodeCommandPacket({ spi: 0x1600, kic, kid: kic, tar: Uint8Array.of(0xbf, 0xff, 0x00), counter: 5n }, payload.subarray(0, 96), keys, crypto);
  const pdu = Uint8Array.from([0, ...encodeDeliver({ originator: parseNumber('+15550009'), pid: 0x7d, dcs: 0xf5, timestamp: { year: 26, month: 1, day: 1, hour: 0, minute: 0, second: 0, tzQuarterHours: 0 }, elements: [{ iei: 0x70, data: new Uint8Array(0) }], payload: ud.subarray(3) })]);
  return () => {
    handler(pdu);
    if (got === 0) throw new Error('the secured SMS was not accepted');
  };
}
export const receiveCases = { 'aes-receive-1-sms-96B': receiver(0x02, aes), 'tdes-receive-1-sms-96B': receiver(0x09, tdes) };

(globalThis as any).benchCases = {
  ...receiveCases,
  'aes-encode+decode-100B': () => decodeCommandPacket(encodeCommandPacket({ spi: 0x1621, kic: 0x12, kid: 0x12, tar, counter: 1n }, payload, aes, crypto), aes, crypto),
  'tdes-encode+decode-100B': () => decodeCommandPacket(encodeCommandPacket({ spi: 0x1621, kic: 0x19, kid: 0x19, tar, counter: 1n }, payload, tdes, crypto), tdes, crypto),
};
