import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { bootstrapFromSmartcard, KEY_SCP03, KEY_SCP03_SEQUENCE } from '../../../modules/uicc/bootstrap';
import { SmartcardBootstrapError } from '../../../modules/uicc/errors';
import type { ApduTransport } from '../../../modules/uicc/transport';
import { encodeCsimCommand, encodeCsimResponse, parseCsimCommand, parseCsimResponse } from '../../../modules/uicc/csim';
import { CardChannel } from '../../../modules/uicc/transport';
import { Scp03Session } from '../../../modules/uicc/scp03';
import { selectAid, selectPath, plainSender } from '../../../modules/uicc/files';
import { PKCS15_AID, parseBootstrapFile, encodeBootstrapFile } from '../../../modules/uicc/pkcs15';
import { encodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { ADMIN_ENC, ADMIN_MAC, bootstrapFile, ICCID, makeCard, provisionedDevice } from './fixtures';

/** A man in the middle on the card interface: sees and may change every APDU. */
class Tap implements ApduTransport {
  commands: Uint8Array[] = [];
  responses: Uint8Array[] = [];
  constructor(private readonly inner: ApduTransport, private readonly onCommand?: (apdu: Uint8Array, i: number) => Uint8Array) {}
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const sent = this.onCommand ? this.onCommand(apdu.slice(), this.commands.length) : apdu;
    this.commands.push(sent);
    const r = await this.inner.transmit(sent);
    this.responses.push(r);
    return r;
  }
}

/** Answers from a recording, whatever is asked: a replayed card session. */
class Replay implements ApduTransport {
  private i = 0;
  constructor(private readonly responses: Uint8Array[]) {}
  async transmit(): Promise<Uint8Array> {
    return this.responses[this.i++] ?? Uint8Array.of(0x6f, 0x00);
  }
}

async function refused(p: Promise<unknown>, code: SmartcardBootstrapError['code']): Promise<SmartcardBootstrapError> {
  const e = (await assert.rejects(p, SmartcardBootstrapError)) as SmartcardBootstrapError;
  assert.equal(e.code, code, e.message);
  return e;
}

function nothingApplied(dm: DataModel): void {
  assert.deepEqual(dm.security.instanceIds(), [], 'no Security instance');
  assert.deepEqual(dm.servers.instanceIds(), [], 'no Server instance');
}

describe('Bootstrap from Smartcard over SCP03 (simulated UICC)', () => {
  it('reads EF(DODF-bootstrap) through SCP03 (C-MAC, C-DEC, R-MAC, R-ENC) and applies it', async () => {
    const { host, keys } = provisionedDevice();
    const card = makeCard({ uri: 'coaps://192.0.2.7:5684' });
    const tap = new Tap(card);
    const dm = new DataModel();
    const r = await bootstrapFromSmartcard({ transport: tap, keys, dataModel: dm, host, crypto });
    assert.equal(r.iccid, ICCID);
    assert.deepEqual(r.objects, [0, 1]);
    assert.deepEqual(dm.security.instanceIds(), [0]);
    assert.equal(dm.security.read(0)?.get(0), 'coaps://192.0.2.7:5684');
    assert.deepEqual(dm.servers.instanceIds(), [0]);
    // every PKCS#15 read went with secure messaging (CLA b3 set on channel 1: 0x05)
    const reads = tap.commands.filter((c) => c[1] === 0xb0 && (c[0] & 3) === 1);
    assert.ok(reads.length >= 3, 'ODF, DODF and bootstrap file read');
    assert.ok(reads.every((c) => (c[0] & 0x04) !== 0), 'READ BINARY with C-MAC');
    // R-ENC: the PSK never crosses the interface in clear
    const all = tap.responses.map((x) => toHex(x)).join('');
    assert.ok(!all.includes('000102030405060708090a0b0c0d0e0f'), 'PSK not visible on the card interface');
    // the logical channel was closed
    assert.ok(tap.commands.some((c) => c[1] === 0x70 && c[2] === 0x80));
  });

  it('the same bootstrap through the AT+CSIM text of TS 27.007 §8.17 (what a modem carries)', async () => {
    const { host, keys } = provisionedDevice();
    const card = makeCard({ uri: 'coaps://192.0.2.8:5684' });
    const lines: string[] = [];
    // the modem side: AT+CSIM=<len>,"<hex>" in, +CSIM: <len>,"<hex>" out
    const modem = (line: string) => encodeCsimResponse(card.process(parseCsimCommand(line)));
    const transport: ApduTransport = { transmit: async (apdu) => { const l = encodeCsimCommand(apdu); lines.push(l); return parseCsimResponse(modem(l)); } };
    const dm = new DataModel();
    await bootstrapFromSmartcard({ transport, keys, dataModel: dm, host, crypto });
    assert.equal(dm.security.read(0)?.get(0), 'coaps://192.0.2.8:5684');
    assert.ok(lines.some((l) => /^AT\+CSIM=\d+,"8[0-3]50300008[0-9A-F]{16}00"$/.test(l)), 'INITIALIZE UPDATE as AT+CSIM');
  });

  it('the plain interface gives nothing: PKCS#15 files need the secure channel', async () => {
    const card = makeCard();
    const ch = plainSender(new CardChannel(card));
    await selectAid(ch, Uint8Array.from(PKCS15_AID));
    await selectPath(ch, Uint8Array.of(0x44, 0x02), false);
    const r = await ch.transmit({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 16 });
    assert.equal(r.sw, 0x6982);
  });

  it('swapped card (other ICCID, same keys): refused before any secure channel, nothing applied', async () => {
    const { host, keys } = provisionedDevice();
    const tap = new Tap(makeCard({ iccid: '8944500999999999999' }));
    const dm = new DataModel();
    await refused(bootstrapFromSmartcard({ transport: tap, keys, dataModel: dm, host, crypto }), 'wrong-card');
    nothingApplied(dm);
    assert.ok(!tap.commands.some((c) => c[1] === 0x50), 'no INITIALIZE UPDATE');
  });

  it('swapped card that also copies the ICCID: its keys differ, refused (its card challenge does not derive from our ENC key)', async () => {
    const { host, keys } = provisionedDevice();
    const clone = makeCard({ keySets: [{ kvn: 0x30, enc: fromHex('00'.repeat(16)), mac: fromHex('11'.repeat(16)), role: 'device' }] });
    const dm = new DataModel();
    const e = await refused(bootstrapFromSmartcard({ transport: clone, keys, dataModel: dm, host, crypto }), 'secure-channel');
    assert.ok(/card challenge|cryptogram/.test(e.message), e.message);
    nothingApplied(dm);
  });

  it('a copy of the bound card whose SCP03 sequence counter is behind the last one seen is refused, nothing applied', async () => {
    const { host, keys } = provisionedDevice();
    const card = makeCard();
    const first = new DataModel();
    await bootstrapFromSmartcard({ transport: card, keys, dataModel: first, host, crypto });
    const seen = keys.get(KEY_SCP03_SEQUENCE)!;
    assert.equal(seen.length, 3);
    // the same keys and ICCID, but a card image taken before those sessions: its counter starts over
    const copy = makeCard();
    const dm = new DataModel();
    const e = await refused(bootstrapFromSmartcard({ transport: copy, keys, dataModel: dm, host, crypto }), 'secure-channel');
    assert.ok(/did not advance/.test(e.message), e.message);
    nothingApplied(dm);
    assert.deepEqual(Array.from(keys.get(KEY_SCP03_SEQUENCE)!), Array.from(seen), 'a refused session does not move the stored counter');
    // the real card again: its counter moved on, accepted
    await bootstrapFromSmartcard({ transport: card, keys, dataModel: new DataModel(), host, crypto });
    assert.ok(keys.get(KEY_SCP03_SEQUENCE)![2] > seen[2]);
  });

  it('the bound card answering without its sequence counter (random challenge) after having sent one is refused', async () => {
    const { host, keys } = provisionedDevice();
    const card = makeCard({ t0: false });
    await bootstrapFromSmartcard({ transport: card, keys, dataModel: new DataModel(), host, crypto });
    // a man in the middle turns the INITIALIZE UPDATE answer into the random-challenge form (i = 60,
    // no counter); the card cryptogram does not cover either, so only the counter rule can notice
    const downgraded = {
      transmit: async (apdu: Uint8Array) => {
        const r = await card.transmit(apdu);
        if (apdu[1] !== 0x50 || r.length !== 34) return r;
        const out = Uint8Array.from([...r.subarray(0, 29), r[32], r[33]]);
        out[12] = 0x60;
        return out;
      },
    };
    const dm = new DataModel();
    const e = await refused(bootstrapFromSmartcard({ transport: downgraded, keys, dataModel: dm, host, crypto }), 'secure-channel');
    assert.ok(/stopped sending its sequence counter/.test(e.message), e.message);
    nothingApplied(dm);
  });

  it('wrong static key in the device: refused, nothing applied', async () => {
    const { host, keys } = provisionedDevice(5, { mac: '505152535455565758595a5b5c5d5e5e' });
    const dm = new DataModel();
    await refused(bootstrapFromSmartcard({ transport: makeCard(), keys, dataModel: dm, host, crypto }), 'secure-channel');
    nothingApplied(dm);
  });

  it('tampered C-MAC on a command: the card drops the session, the device refuses, nothing applied', async () => {
    const { host, keys } = provisionedDevice();
    const card = makeCard();
    let flipped = false;
    const tap = new Tap(card, (apdu) => {
      // the second READ BINARY with secure messaging: flip the last C-MAC byte
      if (!flipped && apdu[1] === 0xb0 && (apdu[0] & 0x04) && card.log.filter((l) => l.endsWith(':b0')).length === 1) {
        apdu[apdu.length - 2] ^= 0x01;
        flipped = true;
      }
      return apdu;
    });
    const dm = new DataModel();
    await refused(bootstrapFromSmartcard({ transport: tap, keys, dataModel: dm, host, crypto }), 'secure-channel');
    assert.ok(flipped);
    nothingApplied(dm);
  });

  it('tampered response data (R-MAC fails): refused, nothing applied', async () => {
    const { host, keys } = provisionedDevice();
    const card = makeCard();
    const dm = new DataModel();
    let n = 0;
    const t: ApduTransport = {
      async transmit(apdu) {
        const r = await card.transmit(apdu);
        // GET RESPONSE answers on the logical channel carry the secured data: change one byte of the 3rd
        if (apdu[1] === 0xc0 && (apdu[0] & 3) === 1 && ++n === 3) r[0] ^= 0x80;
        return r;
      },
    };
    await refused(bootstrapFromSmartcard({ transport: t, keys, dataModel: dm, host, crypto }), 'secure-channel');
    nothingApplied(dm);
  });

  it('replayed APDU sequence (a recorded good session played back): refused, nothing applied', async () => {
    const rec = provisionedDevice(5);
    const tap = new Tap(makeCard());
    await bootstrapFromSmartcard({ transport: tap, keys: rec.keys, dataModel: new DataModel(), host: rec.host, crypto });
    // same device, same keys, later boot: a fresh host challenge makes the recorded card cryptogram wrong
    const { host, keys } = provisionedDevice(6);
    const dm = new DataModel();
    const e = await refused(bootstrapFromSmartcard({ transport: new Replay(tap.responses), keys, dataModel: dm, host, crypto }), 'secure-channel');
    assert.ok(/cryptogram/.test(e.message), e.message);
    nothingApplied(dm);
  });

  it('replayed command towards the card (recorded C-MAC chain): the card refuses it', async () => {
    const card = makeCard();
    const tap = new Tap(card);
    const { host, keys } = provisionedDevice();
    await bootstrapFromSmartcard({ transport: tap, keys, dataModel: new DataModel(), host, crypto });
    // an attacker replays the recorded commands to the card: the new card challenge breaks the chain
    const replayCard = new Tap(card);
    const out: number[] = [];
    for (const c of tap.commands) {
      const r = await replayCard.transmit(c);
      out.push((r[r.length - 2] << 8) | r[r.length - 1]);
    }
    const ea = tap.commands.findIndex((c) => c[1] === 0x82);
    assert.equal(out[ea], 0x6300, 'EXTERNAL AUTHENTICATE with the old host cryptogram refused');
    assert.ok(out.some((sw) => sw === 0x6982), 'secured commands refused');
  });

  it('device without a card binding refuses to read the card', async () => {
    const { host, keys } = provisionedDevice();
    keys.delete(KEY_SCP03);
    await refused(bootstrapFromSmartcard({ transport: makeCard(), keys, dataModel: new DataModel(), host, crypto }), 'not-provisioned');
  });

  it('bootstrap data the data model refuses: nothing applied (validated on a scratch model first)', async () => {
    const { host, keys } = provisionedDevice();
    const dm = new DataModel();
    await refused(bootstrapFromSmartcard({ transport: makeCard({ uri: 'ftp://nowhere' }), keys, dataModel: dm, host, crypto }), 'refused');
    nothingApplied(dm);
  });

  it('a bad second entry (Server object) after a good Security entry: still nothing applied', async () => {
    const { host, keys } = provisionedDevice();
    const good = parseBootstrapFile(bootstrapFile('coaps://192.0.2.7:5684'));
    const badServer = encodeTlv([1], [{ path: [1, 0, 0], type: 'integer', value: 101 }, { path: [1, 0, 1], type: 'integer', value: 300 }, { path: [1, 0, 7], type: 'string', value: 'XYZ' }], () => false);
    const file = encodeBootstrapFile([good[0], { objectId: 1, tlv: badServer }]);
    const dm = new DataModel();
    await refused(bootstrapFromSmartcard({ transport: makeCard({ bootstrap: file }), keys, dataModel: dm, host, crypto }), 'refused');
    nothingApplied(dm);
  });

  it('R-ENC data without valid padding (but a valid R-MAC) is refused', async () => {
    const { host, keys } = provisionedDevice();
    const card = makeCard();
    card.faults.rencWithoutPadding = true;
    const dm = new DataModel();
    const e = await refused(bootstrapFromSmartcard({ transport: card, keys, dataModel: dm, host, crypto }), 'secure-channel');
    assert.ok(/padding/.test(e.message), e.message);
    nothingApplied(dm);
  });

  describe('authorised provisioning only (seed 004)', () => {
    async function write(card: ReturnType<typeof makeCard>, kvn: number, enc: string, mac: string, content: Uint8Array): Promise<number> {
      const ch = await new CardChannel(card).openChannel();
      await selectAid(plainSender(ch), Uint8Array.from(PKCS15_AID));
      const s = await Scp03Session.open(ch, { keys: { kvn, enc: fromHex(enc), mac: fromHex(mac) }, level: 0x33, crypto, hostChallenge: fromHex('0102030405060708') });
      await selectPath(s, Uint8Array.of(0x44, 0x02), false);
      const r = await s.transmit({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data: content.subarray(0, 200) });
      s.close();
      await ch.close();
      return r.sw;
    }

    it('the device key set can read but not rewrite the bootstrap file', async () => {
      const card = makeCard();
      const before = card.file(0x4402)!.data.slice();
      assert.equal(await write(card, 0x30, '404142434445464748494a4b4c4d4e4f', '505152535455565758595a5b5c5d5e5f', bootstrapFile('coaps://evil.example:5684')), 0x6982);
      assert.deepEqual(card.file(0x4402)!.data, before);
    });

    it('a plain UPDATE BINARY is refused', async () => {
      const card = makeCard();
      const ch = plainSender(new CardChannel(card));
      await selectAid(ch, Uint8Array.from(PKCS15_AID));
      await selectPath(ch, Uint8Array.of(0x44, 0x02), false);
      assert.equal((await ch.transmit({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data: Uint8Array.of(1, 2, 3) })).sw, 0x6982);
    });

    it('the management authority key set can change it, and the device then bootstraps with the new data', async () => {
      const card = makeCard();
      const next = bootstrapFile('coaps://192.0.2.99:5684');
      assert.ok(next.length <= 200);
      assert.equal(await write(card, 0x40, ADMIN_ENC, ADMIN_MAC, next), 0x9000);
      const { host, keys } = provisionedDevice();
      const dm = new DataModel();
      await bootstrapFromSmartcard({ transport: card, keys, dataModel: dm, host, crypto });
      assert.equal(dm.security.read(0)?.get(0), 'coaps://192.0.2.99:5684');
    });
  });
});
