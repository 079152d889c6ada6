// Secured SMS: overhead per SMS, largest payload in one SMS, and encode+decode cost of 100 bytes.
import { fromHex } from '../modules/bytes/index';
import { nobleCrypto as crypto } from '../modules/crypto/noble';
import { commandOverhead, decodeCommandPacket, encodeCommandPacket } from '../modules/sms/secured-packet';
import { nodeOpsPerSec, table, xsMeters } from './harness';

const aes = { kic: fromHex('000102030405060708090a0b0c0d0e0f'), kid: fromHex('101112131415161718191a1b1c1d1e1f') };
const tdes = { kic: fromHex('0123456789abcdef23456789abcdef01456789abcdef0123'), kid: fromHex('fedcba9876543210dcba9876543210fe3210fedcba987654') };
const tar = fromHex('bfff00');
const payload = new Uint8Array(100).map((_, i) => i * 3);

// measured from real encodings: the largest n whose user data fits 140 octets
function largest(kic: number, keys: typeof aes): { n: number; minOverhead: number; maxOverhead: number } {
  let n = 0, min = Infinity, max = 0;
  for (let k = 0; k <= 140; k++) {
    const ud = encodeCommandPacket({ spi: 0x1621, kic, kid: kic, tar, counter: 1n }, new Uint8Array(k), keys, crypto);
    const over = ud.length - k;
    if (over !== commandOverhead(0x1621, kic, k)) throw new Error('overhead formula disagrees with the encoder');
    min = Math.min(min, over);
    max = Math.max(max, over);
    if (ud.length <= 140) n = k;
  }
  return { n, minOverhead: min, maxOverhead: max };
}
const sizes = { aes: largest(0x12, aes), tdes: largest(0x19, tdes) };
table('secured SMS size (SPI 1621: CC + ciphering + counter, user data 02 70 00 + packet)', [
  { cipher: 'AES-128 CBC + CMAC', 'overhead octets (min..max with padding)': `${sizes.aes.minOverhead}..${sizes.aes.maxOverhead}`, 'largest payload in one SMS': sizes.aes.n },
  { cipher: '3-key 3DES CBC + CBC-MAC', 'overhead octets (min..max with padding)': `${sizes.tdes.minOverhead}..${sizes.tdes.maxOverhead}`, 'largest payload in one SMS': sizes.tdes.n },
]);

import { receiveCases } from './sms.xs';
const node = {
  ...Object.fromEntries(Object.entries(receiveCases).map(([k, f]) => [k, nodeOpsPerSec(f)])),
  'aes-encode+decode-100B': nodeOpsPerSec(() => decodeCommandPacket(encodeCommandPacket({ spi: 0x1621, kic: 0x12, kid: 0x12, tar, counter: 1n }, payload, aes, crypto), aes, crypto)),
  'tdes-encode+decode-100B': nodeOpsPerSec(() => decodeCommandPacket(encodeCommandPacket({ spi: 0x1621, kic: 0x19, kid: 0x19, tar, counter: 1n }, payload, tdes, crypto), tdes, crypto)),
};
const xs = await xsMeters('bench/sms.xs.ts', Object.keys(node));
table('secured packet encode + decode, 100-byte payload; one received secured SMS (96-byte payload, one SMS) through the device SMS channel', Object.keys(node).map((k) => ({
  operation: k,
  'node ops/s (median of 5)': Math.round(node[k as keyof typeof node]).toLocaleString('en-US'),
  'xs compute/op': xs[k].compute.toLocaleString('en-US'),
  'xs live slots after gc': xs[k].slotsAfterGc.toLocaleString('en-US'),
})));
