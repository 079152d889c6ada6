/**
 * EF(ODF), EF(DODF-bootstrap) and EF LwM2M_Bootstrap (LwM2M Core TS 1.1.1 Appendix G.3.1, G.3.2, G.3.4)
 * against bytes published by two independent implementations:
 *  - Nordic Semiconductor nRF Connect SDK, tests/lib/uicc_lwm2m/src/main.c (`at_csim_success`): the
 *    READ BINARY answers of a card's EF(ODF) 5031, EF(DODF) 6430 and EF LwM2M_Bootstrap 6432, the
 *    latter with FF filler after the declared size;
 *  - AVSystem Anjay documentation, CF-SmartCardBootstrap.rst ("Bootstrap information generator tool"):
 *    the hexdump of basic_config.dat that Anjay's generator.py wrote for the `configs/basic` input shown there.
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex, utf8Decode, utf8Encode } from '../../../modules/bytes/index';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { decodeTlv, encodeTlv } from '../../../modules/lwm2m/formats/tlv';
import type { Entry } from '../../../modules/lwm2m/types';
import { Pkcs15Error } from '../../../modules/uicc/errors';
import { encodeBootstrapFile, findBootstrapObject, findBootstrapPath, parseBootstrapFile, parseOdf } from '../../../modules/uicc/pkcs15';
import { tlv } from '../../../modules/uicc/ber-tlv';
import { pkcs15Files } from '../../../tools/uicc-sim/index';
import { decodeCommand, encodeResponse } from '../../../modules/uicc/apdu';
import { readBootstrapInformation } from '../../../modules/uicc/bootstrap';
import { plainSender, selectAid } from '../../../modules/uicc/files';
import { PKCS15_AID } from '../../../modules/uicc/pkcs15';
import { CardChannel, type ApduTransport } from '../../../modules/uicc/transport';

/** The error class and a piece of its message. */
const is = (c: new (...a: never[]) => Error, text: string) => (e: unknown): boolean => e instanceof c && e.message.includes(text);

// nRF Connect SDK tests/lib/uicc_lwm2m/src/main.c, at_csim_success (status word 9000 removed).
const NORDIC_ODF = 'A706300404026430';
const NORDIC_DODF = 'A127300030110C0F4C774D324D20426F6F747374726170A110300E06060604672B09013004040264329000'.slice(0, -4);
const NORDIC_BOOTSTRAP =
  '00010036000000003108002EC80025636F61703A2F2F6C657368616E2E65636C697073657' +
  '0726F6A656374732E696F3A35373833C10101C10203FFFF';
// nRF Connect SDK, at_csim_success: the FCPs the card answered to SELECT (PKCS#15 ADF, 5031, 6430, 6432).
const NORDIC_FCP: Record<string, string> = {
  adf: '622582027821840CA000000063504B43532D31358A01058B032F060CC60990014083010183010A',
  '5031': '621682024121830250318A01058B036F0602800200208800',
  '6430': '621682024121830264308A01058B036F0602800200788800',
  '6432': '621682024121830264308A01058B036F0602800200788800',
};
// nRF Connect SDK, at_csim_bootstrap_not_found: EF(ODF) with a DODF, a [5] entry and FF filler.
const NORDIC_ODF_PADDED = 'A706300404024407A506300404024404FFFFFF';

// Anjay CF-SmartCardBootstrap.rst, `hexdump -C basic_config.dat` (0x7e = 126 bytes).
const ANJAY_BASIC = [
  '00 02 00 7a 00 00 00 00  5e 08 01 5b c8 00 22 63',
  '6f 61 70 73 3a 2f 2f 65  75 2e 69 6f 74 2e 61 76',
  '73 79 73 74 65 6d 2e 63  6c 6f 75 64 3a 35 36 38',
  '34 c1 01 00 c1 02 00 c8  03 14 65 78 61 6d 70 6c',
  '65 2d 70 73 6b 2d 69 64  65 6e 74 69 74 79 c8 05',
  '13 33 78 40 6d 70 6c 33  50 35 4b 35 33 63 72 33',
  '74 4b 33 79 c1 0a 01 00  01 00 00 12 08 01 0f c1',
  '00 01 c4 01 00 01 51 80  c1 06 00 c1 07 55',
].join('').replace(/ /g, '');

const dm = new DataModel();
const valuesOf = (oid: number, t: Uint8Array): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const e of decodeTlv([oid], t, dm.resolve)) out[e.path.join('/')] = e.value instanceof Uint8Array ? utf8Decode(e.value) : e.value;
  return out;
};

describe('EF LwM2M_Bootstrap and the PKCS#15 directory against public vectors', () => {
  it('Nordic card: EF(ODF) → 6430, EF(DODF) with the spec example\'s wrapped OID → 6432', () => {
    assert.deepEqual(parseOdf(fromHex(NORDIC_ODF)).map(toHex), ['6430']);
    assert.deepEqual(parseOdf(fromHex(NORDIC_ODF_PADDED)).map(toHex), ['4407']);
    const o = findBootstrapObject(fromHex(NORDIC_DODF));
    assert.equal(toHex(o.path), '6432');
    assert.equal(o.private, false);
  });

  it('Nordic card: EF LwM2M_Bootstrap = 1 object, size 0x36, /0 version implicit, FF filler ignored', () => {
    const entries = parseBootstrapFile(fromHex(NORDIC_BOOTSTRAP));
    assert.equal(entries.length, 1);
    assert.equal(entries[0].objectId, 0);
    assert.equal(entries[0].version, 0);
    assert.equal(entries[0].tlv.length, 0x31);
    assert.deepEqual(valuesOf(0, entries[0].tlv), { '0/0/0': 'coap://leshan.eclipseprojects.io:5783', '0/0/1': true, '0/0/2': 3 });
  });

  it('Nordic card end to end: its FCPs and files behind a card model, read through our SELECT / READ BINARY / PKCS#15 chain', async () => {
    // a transparent EF holds as many bytes as its FCP says (tag 80); the published reads are its start, FF after
    const files: Record<string, Uint8Array> = {};
    const body: Record<string, string> = { '5031': NORDIC_ODF, '6430': NORDIC_DODF, '6432': NORDIC_BOOTSTRAP };
    for (const fid of Object.keys(body)) {
      const size = parseInt(NORDIC_FCP[fid].slice(40, 44), 16); // 80 02 <size>
      assert.ok(size >= 32 && size <= 0x78, `size ${size}`);
      const f = new Uint8Array(size).fill(0xff);
      f.set(fromHex(body[fid]));
      files[fid] = f;
    }
    let current = '';
    const seen: string[] = [];
    const card: ApduTransport = {
      transmit: async (apdu) => {
        const c = decodeCommand(apdu);
        seen.push(toHex(apdu.subarray(0, 4)));
        if (c.ins === 0xa4 && c.p1 === 0x04) return encodeResponse(fromHex(NORDIC_FCP.adf), 0x9000);
        if (c.ins === 0xa4) {
          current = toHex(c.data!.subarray(c.data!.length - 2)).toUpperCase();
          return NORDIC_FCP[current] ? encodeResponse(fromHex(NORDIC_FCP[current]), 0x9000) : encodeResponse(new Uint8Array(0), 0x6a82);
        }
        if (c.ins === 0xb0) {
          const off = (c.p1 << 8) | c.p2;
          const f = files[current];
          if (!f || off >= f.length) return encodeResponse(new Uint8Array(0), 0x6b00);
          return encodeResponse(f.subarray(off, off + Math.min(c.le ?? 256, f.length - off)), 0x9000);
        }
        return encodeResponse(new Uint8Array(0), 0x6d00);
      },
    };
    const s = plainSender(new CardChannel(card));
    await selectAid(s, Uint8Array.from(PKCS15_AID));
    const entries = await readBootstrapInformation(s);
    assert.equal(entries.length, 1);
    assert.deepEqual(valuesOf(0, entries[0].tlv), { '0/0/0': 'coap://leshan.eclipseprojects.io:5783', '0/0/1': true, '0/0/2': 3 });
    assert.ok(seen.some((x) => x.startsWith('00a409')), 'files selected relative to the PKCS#15 ADF');
  });

  it('Anjay generator output: 2 objects, /0 and /1 instance 1, and our encoder writes the same 126 bytes', () => {
    const entries = parseBootstrapFile(fromHex(ANJAY_BASIC));
    assert.deepEqual(entries.map((e) => [e.objectId, e.version, e.tlv.length]), [[0, 0, 0x5e], [1, 0, 0x12]]);
    assert.deepEqual(valuesOf(0, entries[0].tlv), {
      '0/1/0': 'coaps://eu.iot.avsystem.cloud:5684', '0/1/1': false, '0/1/2': 0,
      '0/1/3': 'example-psk-identity', '0/1/5': '3x@mpl3P5K53cr3tK3y', '0/1/10': 1,
    });
    assert.deepEqual(valuesOf(1, entries[1].tlv), { '1/1/0': 1, '1/1/1': 86400, '1/1/6': false, '1/1/7': 'U' });
    // The same input (configs/basic in the Anjay text) through our TLV encoder and file builder.
    const sec: Entry[] = [
      { path: [0, 1, 0], type: 'string', value: 'coaps://eu.iot.avsystem.cloud:5684' },
      { path: [0, 1, 1], type: 'boolean', value: false },
      { path: [0, 1, 2], type: 'integer', value: 0 },
      { path: [0, 1, 3], type: 'opaque', value: utf8Encode('example-psk-identity') },
      { path: [0, 1, 5], type: 'opaque', value: utf8Encode('3x@mpl3P5K53cr3tK3y') },
      { path: [0, 1, 10], type: 'integer', value: 1 },
    ];
    const srv: Entry[] = [
      { path: [1, 1, 0], type: 'integer', value: 1 },
      { path: [1, 1, 1], type: 'integer', value: 86400 },
      { path: [1, 1, 6], type: 'boolean', value: false },
      { path: [1, 1, 7], type: 'string', value: 'U' },
    ];
    const file = encodeBootstrapFile([{ objectId: 0, tlv: encodeTlv([0], sec, () => false) }, { objectId: 1, tlv: encodeTlv([1], srv, () => false) }]);
    assert.equal(toHex(file), ANJAY_BASIC);
  });

  it('object version: 00 is implicit, otherwise major minor (G.3.4 "%x0205 means version 2.5")', () => {
    const t = fromHex('0801 03 c10001'.replace(/ /g, ''));
    const file = encodeBootstrapFile([{ objectId: 0, version: 0x0101, tlv: t }, { objectId: 1, tlv: t }]);
    assert.equal(toHex(file), '0002' + '0017' + '0000' + '0101' + '0006' + toHex(t) + '0001' + '00' + '0006' + toHex(t));
    assert.deepEqual(parseBootstrapFile(file).map((e) => [e.objectId, e.version]), [[0, 0x0101], [1, 0]]);
  });

  it('refuses counts and sizes that disagree, objects outside 0-2, a missing /0', () => {
    const one = '0000' + '00' + '0006' + '080003c10000';
    const bad = (hex: string, why: string) => assert.throws(() => parseBootstrapFile(fromHex(hex)), is(Pkcs15Error, why), why);
    assert.equal(parseBootstrapFile(fromHex('0001000b' + one + 'ffff')).length, 1);
    bad('0002000b' + one, 'truncated');
    bad('0001000c' + one + '00', 'trailing');
    bad('0001000a' + one, 'truncated');
    bad('0001000b' + one.slice(0, -2), 'truncated');
    bad('0000' + '0000', 'no object');
    bad('0011' + '0000', 'more than 16');
    bad('0001000b' + '0003' + one.slice(4), 'object 3 is not bootstrap information');
    bad('0001000b' + '0001' + one.slice(4), 'no Security object');
    bad('00010005' + '0000000000', 'no instance');
  });

  it('DODF: found by applicationOID too (opaqueDO), never by label alone; the simulated card\'s DODF is spec-shaped', () => {
    const label = tlv(0x0c, utf8Encode('LwM2M Bootstrap'));
    const path = tlv(0x30, tlv(0x04, fromHex('6432')));
    const opaque = tlv(0x30, tlv(0x30, label), tlv(0x30, tlv(0x06, fromHex('672b0901'))), tlv(0xa1, path));
    assert.equal(toHex(findBootstrapPath(opaque)), '6432');
    const labelOnly = tlv(0x30, tlv(0x30, label), tlv(0x30), tlv(0xa1, path));
    assert.throws(() => findBootstrapPath(labelOnly), is(Pkcs15Error, 'no LwM2M bootstrap data object'));
    const otherOid = tlv(0xa1, tlv(0x30, label), tlv(0x30), tlv(0xa1, tlv(0x30, tlv(0x06, fromHex('672b0902')), path)));
    assert.throws(() => findBootstrapPath(otherOid), is(Pkcs15Error, 'no LwM2M bootstrap data object'));
    const flagged = tlv(0xa1, tlv(0x30, label, tlv(0x03, fromHex('0680'))), tlv(0x30), tlv(0xa1, tlv(0x30, tlv(0x06, fromHex('672b0901')), path)));
    assert.equal(findBootstrapObject(flagged).private, true);
    const { odf, dodf } = pkcs15Files();
    assert.deepEqual(parseOdf(odf).map(toHex), ['4401']);
    assert.equal(dodf[0], 0xa1);
    assert.equal(toHex(findBootstrapPath(dodf)), '4402');
  });
});
