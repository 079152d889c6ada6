// XS side of bench/sms.bench.ts: seal + open of a 100-byte payload (AES and 3-key 3DES).
import { fromHex } from '../modules/bytes/index';
import { nobleCrypto as crypto } from '../modules/crypto/noble';
import { decodeCommandPacket, encodeCommandPacket } from '../modules/sms/secured-packet';

const aes = { kic: fromHex('000102030405060708090a0b0c0d0e0f'), kid: fromHex('101112131415161718191a1b1c1d1e1f') };
const tdes = { kic: fromHex('0123456789abcdef23456789abcdef01456789abcdef0123'), kid: fromHex('fedcba9876543210dcba9876543210fe3210fedcba987654') };
const payload = new Uint8Array(100).map((_, i) => i * 3);
const tar = fromHex('bfff00');

(globalThis as any).benchCases = {
  'aes-encode+decode-100B': () => decodeCommandPacket(encodeCommandPacket({ spi: 0x1621, kic: 0x12, kid: 0x12, tar, counter: 1n }, payload, aes, crypto), aes, crypto),
  'tdes-encode+decode-100B': () => decodeCommandPacket(encodeCommandPacket({ spi: 0x1621, kic: 0x19, kid: 0x19, tar, counter: 1n }, payload, tdes, crypto), tdes, crypto),
};
