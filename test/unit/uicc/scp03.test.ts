import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { CardChannel, type ApduTransport } from '../../../modules/uicc/transport';
import { decodeCommand } from '../../../modules/uicc/apdu';
import { Scp03Error } from '../../../modules/uicc/errors';
import { kdfCounterCmac, pseudoRandomChallenge, Scp03Session, type Scp03Keys } from '../../../modules/uicc/scp03';

// NIST SP 800-108 KDF in counter mode, CAVP KBKDF test vectors (KDFCTR_gen.rsp), [PRF=CMAC_AES128]
// [CTRLOCATION=BEFORE_FIXED]; values as published by NIST and reproduced in the RustCrypto `kbkdf`
// and Apple corecrypto FIPS self-tests.
const CAVP = [
  { rlen: 1, l: 16, ki: 'dff1e50ac0b69dc40f1051d46c2b069c', fixed: 'c16e6e02c5a3dcc8d78b9ac1306877761310455b4e41469951d9e6c2245a064b33fd8c3b01203a7824485bf0a64060c4648b707d2607935699316ea5', ko: '8be8f0869b3c0ba97b71863d1b9f7813' },
  { rlen: 1, l: 40, ki: 'c3ba16a8ec864c0f6f27cea220eccaaa', fixed: 'c20ff015ea1e1c97fed4e973b46a9b2626cb3ac9a8776cb08d73d4534d3837ccf88e93d1682c6e779ea9f2f9ede47a2e07ef281d8867722b310c1cae', ko: 'ceeaab29648cff00b89f7330076298b1e036d73ed7c5e61f2e97bd5ce0920f0f45133eaca3d3712b' },
  { rlen: 4, l: 16, ki: 'c10b152e8c97b77e18704e0f0bd38305', fixed: '98cd4cbbbebe15d17dc86e6dbad800a2dcbd64f7c7ad0e78e9cf94ffdba89d03e97eadf6c4f7b806caf52aa38f09d0eb71d71f497bcc6906b48d36c4', ko: '26faf61908ad9ee881b8305c221db53f' },
];

// SCP03 exchanges published by an independent implementation: osmocom pySim,
// tests/unittests/test_globalplatform.py (SCP03_Test_AES128_11/_03/_33), static keys ENC 00..0F,
// MAC 10..1F, KVN 0x30. Each case is INITIALIZE UPDATE, its response, EXTERNAL AUTHENTICATE, then a
// GET EID (80E29100 06 BF3E035C015A 00) and four commands wrapped in sequence (one MAC chain).
const KEYS: Scp03Keys = { kvn: 0x30, enc: fromHex('000102030405060708090a0b0c0d0e0f'), mac: fromHex('101112131415161718191a1b1c1d1e1f') };
const PLAIN = ['80E2910006BF3E035C015A00', '80F22002', '80ca006600', '80F220020a4f0212345c054f9f70c5', '80f28002024f0000'];
const EID_PLAIN = 'bf3e125a1089882119900000000000000000000005';
const PYSIM = [
  {
    level: 0x11, iu: '8050300008b13e5f938fc108c400', iuRsp: '000000000000000000003003703eb51047495b249f66c484c1d2ef1948000002', ea: '84821100107d5f5826a993ebc89eea24957fa0b3ce',
    wrapped: ['84e291000ebf3e035c015a558d036518a2829700', '84f220020863a63f8959827fb2', '84ca006608a0c6a4a74166f7ce00', '84f22002124f0212345c054f9f70c52249b50272656536', '84f280020a4f00e91443f6dce6b8ed00'],
    eidRsp: 'bf3e125a1089882119900000000000000000000005971be68992dbbdfa',
  },
  {
    level: 0x03, iu: '80503000088e1552d0513c60f300', iuRsp: '0000000000000000000030037030760cd2c47c1dd395065fe5ead8a9d7000001', ea: '8482030010fd4721a14d9b07003c451d2f8ae6bb21',
    wrapped: ['84e2910018ca9c00f6713d79bc8baa642bdff51c3f6a4082d3bd9ad26c00', '84f2200208c9811b11f1264cf1', '84ca006608e10ab60b3054798800', '84f22002184e2908bdb48b2315a55482e9e936ca122d6ecfae7d17416e', '84f28002180dd10a6b6193e5340b9e77d32d5a179cd710ac2773aefb2800'],
    eidRsp: 'bf3e125a1089882119900000000000000000000005',
  },
  {
    level: 0x33, iu: '8050300008fdf38259a1e0de4400', iuRsp: '000000000000000000003003703b1aca81e821f219081cdc01c26b372d000003', ea: '84823300108c36f96bcc00724a4e13ad591d7da3f0',
    wrapped: ['84e2910018267a85dfe4a98fca6fb0527e0dfecce4914e40401433c87f00', '84f2200208ac6a59024bed84cc', '84ca006608409912ad8fb7aed000', '84f22002185f3dafc3ac14c381536a488bf44e06d056df9d74dbd21e5a', '84f280021865165105be3373347d0424d4400af2ac393f569ec779389e00'],
    eidRsp: 'f3ba2b1013aa6224f5e1c138d71805c569e5439b47576260b75fc021b25097cb2e68f8a0144975b9',
  },
];

/** A scripted card: checks each command against the expected bytes and answers as recorded. */
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

/**
 * The card behind pySim's traces is an eUICC ISD-R (AID A0000005591010FFFFFFFF8900000100, SGP.02): its
 * pseudo-random card challenges (i = 70) are KDF(ENC, 02, counter || that AID), which the check verifies.
 */
const ISD_R = fromHex('a0000005591010ffffffff8900000100');

async function openPysim(v: (typeof PYSIM)[number], iuRsp = v.iuRsp): Promise<{ s: Scp03Session; t: Script }> {
  const t = new Script([iuRsp + '9000', '9000']);
  const hostChallenge = fromHex(v.iu).slice(5, 13);
  const s = await Scp03Session.open(new CardChannel(t), { keys: KEYS, level: v.level, crypto, hostChallenge, aid: ISD_R });
  assert.equal(t.seen[0], v.iu.toLowerCase(), 'INITIALIZE UPDATE bytes');
  assert.equal(t.seen[1], v.ea.toLowerCase(), 'EXTERNAL AUTHENTICATE bytes (host cryptogram + C-MAC)');
  return { s, t };
}

describe('SCP03 (GP Amendment D)', () => {
  describe('NIST SP 800-108 counter-mode CMAC KDF: CAVP vectors', () => {
    for (const v of CAVP) {
      it(`r=${v.rlen * 8} bits, L=${v.l * 8}, KI ${v.ki.slice(0, 8)}…`, () => {
        assert.hex(kdfCounterCmac(crypto, fromHex(v.ki), new Uint8Array(0), fromHex(v.fixed), v.l, v.rlen), v.ko);
      });
    }
  });

  describe('exchanges recorded by pySim (independent implementation)', () => {
    for (const v of PYSIM) {
      it(`level ${v.level.toString(16).padStart(2, '0')}: cryptograms, C-MAC chain${v.level & 2 ? ', C-DEC' : ''}${v.level & 0x10 ? ', R-MAC' : ''}${v.level & 0x20 ? ', R-ENC' : ''}`, async () => {
        const { s } = await openPysim(v);
        for (let k = 0; k < PLAIN.length; k++) {
          const w = s.wrap(decodeCommand(fromHex(PLAIN[k])));
          assert.equal(toHex(w), v.wrapped[k], `wrapped command ${k}`);
          if (k === 0) assert.hex(s.unwrap(fromHex(v.eidRsp), 0x9000), EID_PLAIN, 'GET EID response unwrapped');
        }
      });
    }

    it('pseudo-random card challenge (§6.2.2.1): pySim\'s three card challenges are KDF(ENC, counter || ISD-R AID); any other AID or counter is refused', async () => {
      for (const v of PYSIM) {
        const rsp = fromHex(v.iuRsp);
        assert.equal(toHex(pseudoRandomChallenge(crypto, KEYS.enc, rsp.subarray(29, 32), ISD_R)), toHex(rsp.subarray(13, 21)));
        const t = new Script([v.iuRsp + '9000', '9000']);
        const e = (await assert.rejects(Scp03Session.open(new CardChannel(t), { keys: KEYS, level: v.level, crypto, hostChallenge: fromHex(v.iu).slice(5, 13), aid: fromHex('a000000063504b43532d3135') }), Scp03Error)) as Scp03Error;
        assert.equal(e.code, 'card-challenge');
        assert.equal(t.seen.length, 1, 'no EXTERNAL AUTHENTICATE');
        const bumped = rsp.slice();
        bumped[31] ^= 0x01; // the counter, with the challenge and cryptogram left as recorded
        const t2 = new Script([toHex(bumped) + '9000', '9000']);
        const e2 = (await assert.rejects(Scp03Session.open(new CardChannel(t2), { keys: KEYS, level: v.level, crypto, hostChallenge: fromHex(v.iu).slice(5, 13), aid: ISD_R }), Scp03Error)) as Scp03Error;
        assert.equal(e2.code, 'card-challenge');
      }
    });

    it('a changed card cryptogram is refused (wrong card / wrong keys)', async () => {
      const v = PYSIM[0];
      const bad = v.iuRsp.slice(0, 42 * 1) + (v.iuRsp[42] === '0' ? '1' : '0') + v.iuRsp.slice(43);
      const e = (await assert.rejects(openPysim(v, bad), Scp03Error)) as Scp03Error;
      assert.equal(e.code, 'card-cryptogram');
    });

    it('wrong static MAC key: card cryptogram refused', async () => {
      const v = PYSIM[0];
      const t = new Script([v.iuRsp + '9000', '9000']);
      const keys = { ...KEYS, mac: fromHex('101112131415161718191a1b1c1d1e1e') };
      const e = (await assert.rejects(Scp03Session.open(new CardChannel(t), { keys, level: v.level, crypto, hostChallenge: fromHex(v.iu).slice(5, 13) }), Scp03Error)) as Scp03Error;
      assert.equal(e.code, 'card-cryptogram');
      assert.equal(t.seen.length, 1, 'no EXTERNAL AUTHENTICATE after a bad card cryptogram');
    });

    it('a card answering with another key version is refused', async () => {
      const v = PYSIM[0];
      const t = new Script([v.iuRsp + '9000', '9000']);
      const e = (await assert.rejects(Scp03Session.open(new CardChannel(t), { keys: { ...KEYS, kvn: 0x31 }, level: v.level, crypto, hostChallenge: fromHex(v.iu).slice(5, 13) }), Scp03Error)) as Scp03Error;
      assert.equal(e.code, 'channel');
    });

    it('a card without R-MAC support cannot be used at level 11', async () => {
      const v = PYSIM[0];
      const rsp = v.iuRsp.slice(0, 24) + '10' + v.iuRsp.slice(26);
      const t = new Script([rsp + '9000', '9000']);
      const e = (await assert.rejects(Scp03Session.open(new CardChannel(t), { keys: KEYS, level: 0x11, crypto, hostChallenge: fromHex(v.iu).slice(5, 13) }), Scp03Error)) as Scp03Error;
      assert.equal(e.code, 'security-level');
    });

    it('a card without R-MAC support cannot be used at level 33', async () => {
      const v = PYSIM[2];
      const rsp = v.iuRsp.slice(0, 24) + '10' + v.iuRsp.slice(26); // i = 10: pseudo-random challenge, no R-MAC / R-ENC
      const t = new Script([rsp + '9000', '9000']);
      const e = (await assert.rejects(Scp03Session.open(new CardChannel(t), { keys: KEYS, level: 0x33, crypto, hostChallenge: fromHex(v.iu).slice(5, 13) }), Scp03Error)) as Scp03Error;
      assert.equal(e.code, 'security-level');
    });

    it('a tampered R-MAC is refused and closes the session', async () => {
      const v = PYSIM[0];
      const { s } = await openPysim(v);
      s.wrap(decodeCommand(fromHex(PLAIN[0])));
      const rsp = fromHex(v.eidRsp);
      rsp[rsp.length - 1] ^= 1;
      const e = assert.throws(() => s.unwrap(rsp, 0x9000), Scp03Error) as Scp03Error;
      assert.equal(e.code, 'response-mac');
      assert.ok(!s.isOpen);
      assert.throws(() => s.wrap(decodeCommand(fromHex(PLAIN[1]))), Scp03Error);
    });

    it('a response too short to hold its R-MAC is refused', async () => {
      const { s } = await openPysim(PYSIM[0]);
      s.wrap(decodeCommand(fromHex(PLAIN[0])));
      const e = assert.throws(() => s.unwrap(fromHex('bf3e12'), 0x9000), Scp03Error) as Scp03Error;
      assert.equal(e.code, 'response-mac');
    });

    it('a replayed response (R-MAC of an earlier command) is refused', async () => {
      const v = PYSIM[0];
      const { s } = await openPysim(v);
      s.wrap(decodeCommand(fromHex(PLAIN[0])));
      s.unwrap(fromHex(v.eidRsp), 0x9000);
      s.wrap(decodeCommand(fromHex(PLAIN[0])));
      assert.throws(() => s.unwrap(fromHex(v.eidRsp), 0x9000), Scp03Error);
    });

    it('a tampered R-ENC response is refused', async () => {
      const v = PYSIM[2];
      const { s } = await openPysim(v);
      s.wrap(decodeCommand(fromHex(PLAIN[0])));
      const rsp = fromHex(v.eidRsp);
      rsp[3] ^= 0x40;
      assert.throws(() => s.unwrap(rsp, 0x9000), Scp03Error);
    });
  });
});
