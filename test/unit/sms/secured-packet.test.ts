import { assert } from '../../harness/assert';
import { fromHex, utf8Encode } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { SecuredPacketError } from '../../../modules/sms/errors';
import { crc32 } from '../../../modules/sms/crc';
import {
  checkCounter, COUNTER_MAX, commandOverhead, counterMode, decodeCommandPacket, decodeResponsePacket, encodeCommandPacket, encodeResponsePacket, peekCommandHeader,
} from '../../../modules/sms/secured-packet';

// Known answers built in test/node/sms/secured-openssl.test.ts's reference layout from OpenSSL
// primitives (AES-CBC, AES-ECB based RFC 4493 CMAC, des-ede3-cbc), then pasted here so XS checks them too.
const AES = { kic: fromHex('000102030405060708090a0b0c0d0e0f'), kid: fromHex('101112131415161718191a1b1c1d1e1f') };
const TDES = { kic: fromHex('0123456789abcdef23456789abcdef01456789abcdef0123'), kid: fromHex('fedcba9876543210dcba9876543210fe3210fedcba987654') };
const DATA = utf8Encode('</1/1>;ep=urn:imei:490154203237518');
const AES_VECTOR = '02700000381516211212bfff0097efac5fbd771439466e89517ee9eced33eb75fa75499b377ddcbecbe313b0d9b18de4cfa5d65549e93b7b0193295e08';
const TDES_VECTOR = '02700000381516211919b202038b2668c38ad043dc726222da2e5608648cb9f4235f7a17139400a700fc328d4e85f4935f9e8f401719f74b36ee8fd408';
const POR_VECTOR = '027100001412bfff0085926090e464f6daaeedbccd8697cba4';

function rejects(fn: () => unknown, msg: string): SecuredPacketError {
  const e = assert.throws(fn, SecuredPacketError, msg) as SecuredPacketError;
  assert.ok(e.status >= 1 && e.status <= 0x0a, `status ${e.status} maps to a PoR code`);
  return e;
}

describe('TS 102 225 secured packets', () => {
  describe('known answers (OpenSSL-built)', () => {
    it('AES: SPI 1621, KIc/KID 12, TAR BF FF 00, counter 1', () => {
      assert.hex(encodeCommandPacket({ spi: 0x1621, kic: 0x12, kid: 0x12, tar: fromHex('bfff00'), counter: 1n }, DATA, AES, crypto), AES_VECTOR);
      const d = decodeCommandPacket(fromHex(AES_VECTOR), AES, crypto);
      assert.deepEqual(d.data, DATA);
      assert.deepEqual(d.header, { spi: 0x1621, kic: 0x12, kid: 0x12, tar: fromHex('bfff00'), counter: 1n });
    });
    it('3-key 3DES: SPI 1621, KIc/KID 19, TAR B2 02 03, counter 255', () => {
      assert.hex(encodeCommandPacket({ spi: 0x1621, kic: 0x19, kid: 0x19, tar: fromHex('b20203'), counter: 255n }, DATA, TDES, crypto), TDES_VECTOR);
      assert.deepEqual(decodeCommandPacket(fromHex(TDES_VECTOR), TDES, crypto).data, DATA);
    });
    it('AES PoR: SPI2 39 (PoR required, CC, ciphered, via SUBMIT), status 00, no data', () => {
      assert.hex(encodeResponsePacket({ spi: 0x1639, kic: 0x12, kid: 0x12, tar: fromHex('bfff00'), counter: 1n, status: 0 }, new Uint8Array(0), AES, crypto), POR_VECTOR);
      const r = decodeResponsePacket(fromHex(POR_VECTOR), 0x1639, 0x12, 0x12, AES, crypto);
      assert.deepEqual(r, { tar: fromHex('bfff00'), counter: 1n, status: 0, data: new Uint8Array(0) });
    });
    it('header fields sit where §5.1 puts them (CPL, CHL 0x15, SPI, KIc, KID, TAR in clear)', () => {
      const v = fromHex(AES_VECTOR);
      assert.equal((v[3] << 8) | v[4], v.length - 5, 'CPL counts the octets after it');
      assert.equal(v[5], 0x15, 'CHL = 13 + 8');
      assert.deepEqual(peekCommandHeader(v), { spi: 0x1621, kic: 0x12, kid: 0x12, tar: fromHex('bfff00') });
      assert.equal((v.length - 13) % 16, 0, 'ciphered part is whole AES blocks');
    });
    it('overhead: 19 header octets + 8 CC + padding', () => {
      // AES: CNTR PCNTR CC + 2 data octets = 16, no padding; one more octet needs 15 padding octets
      assert.equal(commandOverhead(0x1621, 0x12, 2), 27);
      assert.equal(commandOverhead(0x1621, 0x12, 3), 42);
      // 3DES: 8-octet blocks
      assert.equal(commandOverhead(0x1621, 0x19, 2), 27);
      assert.equal(commandOverhead(0x1621, 0x19, 3), 34);
      // no ciphering, no padding
      assert.equal(commandOverhead(0x1221, 0x12, 5), 27);
    });
  });

  describe('rejection', () => {
    for (const [name, vector, keys] of [['AES', AES_VECTOR, AES], ['3DES', TDES_VECTOR, TDES]] as const) {
      it(`${name}: every single flipped bit of the user data is rejected`, () => {
        const v = fromHex(vector);
        for (let i = 0; i < v.length * 8; i++) {
          const x = v.slice();
          x[i >> 3] ^= 0x80 >> (i & 7);
          rejects(() => decodeCommandPacket(x, keys, crypto), `bit ${i}`);
        }
      });
      it(`${name}: every truncation and a one-octet extension are rejected`, () => {
        const v = fromHex(vector);
        for (let n = 0; n < v.length; n++) rejects(() => decodeCommandPacket(v.subarray(0, n), keys, crypto), `length ${n}`);
        const longer = new Uint8Array(v.length + 1);
        longer.set(v);
        rejects(() => decodeCommandPacket(longer, keys, crypto), 'extended');
      });
      it(`${name}: a wrong KIc key or KID key is rejected`, () => {
        const v = fromHex(vector);
        const other = name === 'AES' ? TDES : AES;
        const wrongKid = { kic: keys.kic, kid: keys.kic };
        const wrongKic = { kic: keys.kid, kid: keys.kid };
        assert.equal(rejects(() => decodeCommandPacket(v, wrongKid, crypto), 'kid').reason, 'rc-cc-ds-failed');
        rejects(() => decodeCommandPacket(v, wrongKic, crypto), 'kic');
        rejects(() => decodeCommandPacket(v, other, crypto), 'other algorithm keys');
      });
    }
    it('a packet re-labelled with another KIc/KID/SPI/TAR fails the CC (the header is covered)', () => {
      const h = { spi: 0x1621, kic: 0x12, kid: 0x12, tar: fromHex('bfff00'), counter: 1n };
      const good = encodeCommandPacket(h, DATA, AES, crypto);
      for (const [at, value] of [[6, 0x1e], [7, 0x22], [8, 0x22], [9, 0x22], [10, 0xb2], [12, 0x01]] as const) {
        const x = good.slice();
        x[at] = value;
        const e = rejects(() => decodeCommandPacket(x, AES, crypto), `octet ${at}`);
        assert.notEqual(e.reason, undefined);
      }
    });
    it('DS and RC are refused, single DES and 2-key 3DES are insufficient security', () => {
      const base = { kic: 0x12, kid: 0x12, tar: fromHex('bfff00'), counter: 1n };
      assert.equal(rejects(() => encodeCommandPacket({ ...base, spi: 0x1721 }, DATA, AES, crypto), 'DS').reason, 'security-error');
      assert.equal(rejects(() => encodeCommandPacket({ ...base, spi: 0x1521 }, DATA, AES, crypto), 'RC').reason, 'security-error');
      const k = { kic: fromHex('0123456789abcdef0123456789abcdef0123456789abcdef'), kid: TDES.kid };
      assert.equal(rejects(() => encodeCommandPacket({ ...base, spi: 0x1621, kic: 0x11, kid: 0x19 }, DATA, k, crypto), 'single DES').reason, 'insufficient-security');
      assert.equal(rejects(() => encodeCommandPacket({ ...base, spi: 0x1621, kic: 0x15, kid: 0x19 }, DATA, TDES, crypto), '2-key').reason, 'insufficient-security');
      assert.equal(rejects(() => encodeCommandPacket({ ...base, spi: 0x1621, kic: 0x19, kid: 0x19 }, DATA, k, crypto), 'degenerate key').reason, 'insufficient-security');
      // a received DS packet: CHL 13+8 with SPI1 b2b1 = 11
      const v = fromHex(AES_VECTOR);
      v[6] = 0x17;
      assert.equal(rejects(() => decodeCommandPacket(v, AES, crypto), 'DS in').reason, 'security-error');
    });
    it('CPL and CHL that disagree with the octets present are rejected', () => {
      const v = fromHex(AES_VECTOR);
      for (const [at, d] of [[3, 1], [4, 1], [4, -1], [5, 1], [5, -1]] as const) {
        const x = v.slice();
        x[at] = (x[at] + d) & 0xff;
        rejects(() => decodeCommandPacket(x, AES, crypto), `octet ${at} ${d}`);
      }
    });
    it('user data without the command packet identifier is rejected', () => {
      const v = fromHex(AES_VECTOR);
      const x = v.slice();
      x[1] = 0x71;
      rejects(() => decodeCommandPacket(x, AES, crypto), 'IE 71');
      rejects(() => decodeCommandPacket(new Uint8Array(0), AES, crypto), 'empty');
      rejects(() => decodeResponsePacket(v, 0x1639, 0x12, 0x12, AES, crypto), 'command as response');
    });
    it('PoR: every flipped bit is rejected', () => {
      const v = fromHex(POR_VECTOR);
      for (let i = 0; i < v.length * 8; i++) {
        const x = v.slice();
        x[i >> 3] ^= 0x80 >> (i & 7);
        rejects(() => decodeResponsePacket(x, 0x1639, 0x12, 0x12, AES, crypto), `bit ${i}`);
      }
    });
    it('counters outside 5 octets are refused when encoding', () => {
      const h = { spi: 0x1621, kic: 0x12, kid: 0x12, tar: fromHex('bfff00') };
      rejects(() => encodeCommandPacket({ ...h, counter: COUNTER_MAX + 1n }, DATA, AES, crypto), 'too big');
      rejects(() => encodeCommandPacket({ ...h, counter: -1n }, DATA, AES, crypto), 'negative');
      const max = encodeCommandPacket({ ...h, counter: COUNTER_MAX }, DATA, AES, crypto);
      assert.equal(decodeCommandPacket(max, AES, crypto).header.counter, COUNTER_MAX);
    });
  });

  describe('RC with CRC-32 (KID b4b3b2b1 = 0101)', () => {
    it('CRC-32 check value: "123456789" -> CBF43926 (ISO/IEC 13239 / CRC catalogue)', () => {
      assert.equal(crc32(utf8Encode('123456789')), 0xcbf43926);
      assert.equal(crc32(new Uint8Array(0)), 0);
    });
    it('SPI1 01 (RC) and 05 (RC + ciphering): CHL 0x11, every flipped bit rejected', () => {
      for (const spi of [0x0100, 0x0500]) {
        const h = { spi, kic: 0x12, kid: 0x15, tar: fromHex('bfff00'), counter: 3n };
        const ud = encodeCommandPacket(h, DATA, AES, crypto);
        assert.equal(ud[5], 0x11);
        assert.deepEqual(decodeCommandPacket(ud, AES, crypto).data, DATA);
        for (let i = 0; i < ud.length * 8; i++) {
          const x = ud.slice();
          x[i >> 3] ^= 0x80 >> (i & 7);
          rejects(() => decodeCommandPacket(x, AES, crypto), `SPI ${spi} bit ${i}`);
        }
      }
    });
    it('RC with CRC-16 (KID x1) is refused as unsupported', () => {
      const e = rejects(() => encodeCommandPacket({ spi: 0x0100, kic: 0x12, kid: 0x11, tar: fromHex('bfff00'), counter: 3n }, DATA, AES, crypto), 'crc16');
      assert.equal(e.reason, 'security-error');
    });
  });

  describe('counter rules per SPI1 b5b4 (§5.1.1, status codes of §5.2)', () => {
    it('SPI1 b5b4 decodes to the four modes', () => {
      assert.equal(counterMode(0x0621), 'none');
      assert.equal(counterMode(0x0e21), 'no-check');
      assert.equal(counterMode(0x1621), 'higher');
      assert.equal(counterMode(0x1e21), 'one-higher');
    });
    it('00 no counter and 01 no check accept anything, replays included', () => {
      for (const m of ['none', 'no-check'] as const) {
        assert.equal(checkCounter(m, 5n, 5n), null);
        assert.equal(checkCounter(m, 5n, 0n), null);
        assert.equal(checkCounter(m, null, 0n), null);
      }
    });
    it('10 higher: equal or lower is counter-low (02); any higher value passes', () => {
      assert.equal(checkCounter('higher', 5n, 5n), 'counter-low');
      assert.equal(checkCounter('higher', 5n, 4n), 'counter-low');
      assert.equal(checkCounter('higher', 5n, 6n), null);
      assert.equal(checkCounter('higher', 5n, 1000n), null);
      assert.equal(checkCounter('higher', null, 0n), null);
    });
    it('11 one higher: lower is 02, a gap is counter-high (03), exactly +1 passes', () => {
      assert.equal(checkCounter('one-higher', 5n, 5n), 'counter-low');
      assert.equal(checkCounter('one-higher', 5n, 7n), 'counter-high');
      assert.equal(checkCounter('one-higher', 5n, 6n), null);
    });
    it('a receiver at the 5-octet maximum is blocked (04)', () => {
      assert.equal(checkCounter('higher', COUNTER_MAX, COUNTER_MAX), 'counter-blocked');
      assert.equal(checkCounter('one-higher', COUNTER_MAX, 0n), 'counter-blocked');
    });
    it('error reasons carry the PoR status codes', () => {
      assert.equal(new SecuredPacketError('counter-low', 'x').status, 2);
      assert.equal(new SecuredPacketError('tar-unknown', 'x').status, 9);
      assert.equal(new SecuredPacketError('insufficient-security', 'x').status, 0x0a);
    });
  });
});
