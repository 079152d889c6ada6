// TPDUs cross-checked against python3-gammu (Debian package, /usr/bin/python3): gammu.DecodePDU reads ours.
import { execFileSync } from 'node:child_process';
import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { decodePdu } from '../../../modules/sms/tpdu';
import { findConcat } from '../../../modules/sms/udh';
import { encodeAddress, encodeSmscAddress, parseNumber, TON } from '../../../modules/sms/address';
import { encodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { encodeSubmit } from '../../../modules/sms/tpdu-submit';

function gammu(hex: string): any {
  const py = 'import gammu,sys,json; d=gammu.DecodePDU(bytes.fromhex(sys.argv[1]), SMSC=True); print(json.dumps({k:(v.hex() if isinstance(v,bytes) else (str(v) if k.endswith("DateTime") else v)) for k,v in d.items() if k!="UDH"} | {"UDH":{k:(v.hex() if isinstance(v,bytes) else v) for k,v in d["UDH"].items()}}))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, hex], { encoding: 'utf8' }));
}
const ts = { year: 26, month: 11, day: 22, hour: 10, minute: 5, second: 59, tzQuarterHours: 4 };
const smsc = toHex(encodeSmscAddress(parseNumber('+447785016005')));

describe('TPDUs against python3-gammu DecodePDU', () => {
  it('address +447700900123 encodes to 0c 91 44 77 00 09 10 32', () => {
    assert.hex(encodeAddress(parseNumber('+447700900123')), '0c91447700091032');
  });
  it('SMS-DELIVER, 8-bit class 1, UDH with 8-bit concatenation', () => {
    const t = encodeDeliver({ originator: parseNumber('+447700900123'), pid: 0x7d, dcs: 0xf5, timestamp: ts, elements: [{ iei: 0, data: Uint8Array.of(0x42, 3, 2) }], payload: Uint8Array.of(1, 2, 3, 0xff) });
    const g = gammu(smsc + toHex(t));
    assert.equal(g.Type, 'Deliver');
    assert.equal(g.Number, '+447700900123');
    assert.equal(g.SMSC.Number, '+447785016005');
    assert.equal(g.Coding, '8bit');
    assert.equal(g.Class, 1);
    assert.equal(g.Text, '010203ff');
    assert.equal(g.UDH.Type, 'ConcatenatedMessages');
    assert.equal(g.UDH.ID8bit, 0x42);
    assert.equal(g.UDH.AllParts, 3);
    assert.equal(g.UDH.PartNumber, 2);
    assert.equal(g.DateTime, '2026-11-22 10:05:59');
  });
  it('SMS-DELIVER with the command packet identifier (class 2, TP-PID 7F) and an alphanumeric originator', () => {
    const t = encodeDeliver({ originator: { ton: TON.alphanumeric, npi: 0, value: 'LwM2M Srv' }, pid: 0x7f, dcs: 0xf6, timestamp: ts, elements: [{ iei: 0x70, data: new Uint8Array(0) }], payload: Uint8Array.of(0, 1) });
    const g = gammu(smsc + toHex(t));
    assert.equal(g.Number, 'LwM2M Srv');
    assert.equal(g.Class, 2);
    assert.equal(g.UDH.Text, '027000');
  });
  it('SMS-SUBMIT, 8-bit class 1, 16-bit concatenation, relative validity', () => {
    const t = encodeSubmit({ messageReference: 7, destination: parseNumber('+447700900123'), pid: 0x7d, dcs: 0xf5, validityRelative: 0xa7, elements: [{ iei: 8, data: Uint8Array.of(0x12, 0x34, 3, 2) }], payload: Uint8Array.of(9, 8, 7) });
    const g = gammu('00' + toHex(t));
    assert.equal(g.Type, 'Submit');
    assert.equal(g.MessageReference, 7);
    assert.equal(g.Number, '+447700900123');
    assert.equal(g.Class, 1);
    assert.equal(g.Text, '090807');
    assert.equal(g.UDH.ID16bit, 0x1234);
    assert.equal(g.UDH.PartNumber, 2);
    assert.equal(g.SMSC.Validity, '1440M');
  });

  // One python process for a batch of random cases, both directions.
  const PY_BATCH = `
import gammu, sys, json
out = []
for job in json.load(sys.stdin):
    if job['op'] == 'decode':
        d = gammu.DecodePDU(bytes.fromhex(job['hex']), SMSC=True)
        out.append({'Number': d['Number'], 'Text': d['Text'].hex() if isinstance(d['Text'], bytes) else d['Text'], 'Class': d['Class'],
                    'Coding': d['Coding'], 'Type': d['Type'], 'MR': d['MessageReference'], 'UDH': d['UDH']['Text'].hex(),
                    'ID8': d['UDH']['ID8bit'], 'ID16': d['UDH']['ID16bit'], 'Part': d['UDH']['PartNumber'], 'All': d['UDH']['AllParts']})
    else:
        s = {'Number': job['number'], 'SMSC': {'Number': '+447785016005', 'Location': 0}, 'Folder': 2, 'Location': 0, 'InboxFolder': 0,
             'Memory': '', 'Name': '', 'State': 'UnSent', 'MessageReference': job['mr'], 'ReplyViaSameSMSC': 0, 'RejectDuplicates': 0,
             'ReplaceMessage': 0, 'DeliveryStatus': 0, 'Class': job['cls'], 'Type': job['layout'],
             'Coding': job['coding'], 'Text': bytes.fromhex(job['text']) if job['coding'] == '8bit' else job['text'],
             'UDH': {'Type': 'UserUDH', 'Text': bytes.fromhex(job['udh'])} if job['udh'] else {'Type': 'NoUDH', 'Text': b''}}
        out.append(gammu.EncodePDU(s, Layout=job['layout']).hex())
print(json.dumps(out))
`;
  const batch = (jobs: object[]): any[] => JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY_BATCH], { input: JSON.stringify(jobs), encoding: 'utf8' }));
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const randNumber = () => '+' + String(1 + rnd(9)) + Array.from({ length: 6 + rnd(8) }, () => String(rnd(10))).join('');
  const randBytes = (n: number) => Uint8Array.from({ length: n }, () => rnd(256));

  it('200 random 8-bit DELIVER/SUBMIT PDUs of ours decode identically in gammu', () => {
    const cases = Array.from({ length: 200 }, (_, i) => {
      const number = randNumber();
      const cls = 1 + rnd(2);
      const wide = rnd(2) === 1;
      const total = 1 + rnd(5);
      const part = 1 + rnd(total);
      const ref = rnd(wide ? 65536 : 256);
      const elements = rnd(4) === 0 ? null : [wide ? { iei: 8, data: Uint8Array.of(ref >> 8, ref & 255, total, part) } : { iei: 0, data: Uint8Array.of(ref, total, part) }];
      const payload = randBytes(rnd(130));
      const mr = rnd(256);
      const deliver = i % 2 === 0;
      const tpdu = deliver
        ? encodeDeliver({ originator: parseNumber(number), pid: 0x7d, dcs: 0xf4 | cls, timestamp: ts, elements, payload })
        : encodeSubmit({ messageReference: mr, destination: parseNumber(number), pid: 0x7d, dcs: 0xf4 | cls, elements, payload });
      return { number, cls, wide, total, part, ref, elements, payload, mr, deliver, hex: smsc + toHex(tpdu) };
    });
    const got = batch(cases.map((c) => ({ op: 'decode', hex: c.hex })));
    cases.forEach((c, i) => {
      const g = got[i];
      assert.equal(g.Type, c.deliver ? 'Deliver' : 'Submit', `case ${i}`);
      assert.equal(g.Number, c.number, `case ${i}`);
      assert.equal(g.Class, c.cls, `case ${i}`);
      assert.equal(g.Coding, '8bit', `case ${i}`);
      assert.equal(g.Text, toHex(c.payload), `case ${i}`);
      if (!c.deliver) assert.equal(g.MR, c.mr, `case ${i}`);
      if (c.elements) {
        assert.equal(c.wide ? g.ID16 : g.ID8, c.ref, `case ${i}`);
        assert.equal(g.Part, c.part, `case ${i}`);
        assert.equal(g.All, c.total, `case ${i}`);
      } else assert.equal(g.UDH, '', `case ${i}`);
    });
  });

  it('100 random gammu-encoded PDUs (8-bit and GSM 7-bit, with and without UDH) decode identically here', () => {
    const jobs = Array.from({ length: 100 }, (_, i) => {
      const eight = i % 2 === 0;
      const udh = rnd(3) === 0 ? '' : `050003${rnd(256).toString(16).padStart(2, '0')}0201`;
      const text = eight ? toHex(randBytes(rnd(100))) : Array.from({ length: rnd(120) }, () => 'abcXYZ 0189@!?'[rnd(14)]).join('');
      return { op: 'encode', number: randNumber(), mr: rnd(256), cls: eight ? 1 + rnd(2) : -1, layout: i % 4 < 2 ? 'Deliver' : 'Submit', coding: eight ? '8bit' : 'Default_No_Compression', text, udh };
    });
    const pdus = batch(jobs) as string[];
    jobs.forEach((j, i) => {
      const { smsc: sc, message: m } = decodePdu(fromHex(pdus[i]), j.layout === 'Deliver' ? 'mt' : 'mo');
      assert.equal(sc?.value, '447785016005');
      assert.equal(m.type, j.layout === 'Deliver' ? 'deliver' : 'submit', `case ${i}`);
      if (m.type === 'status-report') return;
      const addr = m.type === 'deliver' ? m.originator : m.destination;
      assert.equal('+' + addr.value, j.number, `case ${i}`);
      if (j.coding === '8bit') {
        assert.equal(toHex(m.userData.payload), j.text, `case ${i}`);
        assert.equal(m.coding.messageClass, j.cls, `case ${i}`);
      } else assert.equal(m.userData.text, j.text, `case ${i}`);
      if (j.udh) {
        const c = findConcat(m.userData.udh!);
        assert.deepEqual(c, { reference: parseInt(j.udh.slice(6, 8), 16), wide: false, total: 2, sequence: 1 }, `case ${i}`);
      } else assert.equal(m.userData.udh, null, `case ${i}`);
      if (m.type === 'submit') assert.equal(m.messageReference, j.mr, `case ${i}`);
    });
  });
});
