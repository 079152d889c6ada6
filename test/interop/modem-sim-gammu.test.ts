// gammu (python3-gammu, Debian) as the independent AT client: it opens the simulated modem on a
// pseudo-terminal, sends and reads SMS through it in PDU mode (TS 27.005), and exchanges messages
// with modules/modem's ModemSms on another simulated modem through the virtual SMSC.
import { execFile } from 'node:child_process';
import { assert } from '../harness/assert';
import { AtEngine } from '../../modules/modem/engine';
import { ModemSms } from '../../modules/modem/sms';
import { parseNumber } from '../../modules/sms/address';
import { splitSmsc } from '../../modules/sms/tpdu';
import { decodeDeliver, encodeDeliver } from '../../modules/sms/tpdu-deliver';
import { encodeSubmit } from '../../modules/sms/tpdu-submit';
import { SimModem, VirtualSmsc, serveOnPty, type PtyModem } from '../../tools/modem-sim/index';
import { createNodeTestHost } from '../../tools/server-common';

const GAMMU = 'gammu'; // python module name
function gammu(script: string, device: string): Promise<any> {
  const py = `
import gammu, sys, json
sm = gammu.StateMachine()
sm.SetConfig(0, {'Device': sys.argv[1], 'Connection': 'at'})
sm.Init()
${script}
sm.Terminate()
`;
  return new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', ['-c', py, device], { timeout: 40_000 }, (e, out, err) => (e ? reject(new Error(`${GAMMU}: ${e.message} ${err}`)) : resolve(JSON.parse(out.trim().split('\n').pop()!)))),
  );
}

describe('modem simulator over a PTY, driven by gammu', function () {
  this.timeout(90_000);
  let smsc: VirtualSmsc;
  let phone: SimModem;
  let pty: PtyModem;
  before(async () => {
    smsc = new VirtualSmsc();
    phone = new SimModem({ number: '+15550100', smsc, family: 'quectel', imei: '861234567890123' });
    pty = await serveOnPty(phone);
  });
  after(() => pty?.close());

  it('gammu identifies the modem and sends a text SMS in PDU mode; the SMSC delivers what it submitted', async () => {
    const got: Uint8Array[] = [];
    smsc.attach('+15550999', { deliver: (t) => got.push(t) });
    const r = await gammu(
      `sm.SendSMS({'Text': 'hello LwM2M', 'SMSC': {'Location': 1}, 'Number': '+15550999'})
print(json.dumps({'maker': sm.GetManufacturer(), 'imei': sm.GetIMEI()}))`,
      pty.path,
    );
    assert.equal(r.maker, 'Quectel');
    assert.equal(r.imei, '861234567890123');
    assert.ok(phone.commands.some((c) => /^AT\+CMGS=\d+$/.test(c)), 'gammu used AT+CMGS in PDU mode');
    assert.equal(got.length, 1);
    const d = decodeDeliver(got[0]);
    assert.equal(d.originator.value, '15550100');
    assert.equal(d.userData.text, 'hello LwM2M');
  });

  it('gammu reads (AT+CMGL/AT+CMGR) and deletes an 8-bit class 1 SMS the SMSC stored in the modem', async () => {
    const payload = Uint8Array.of(0x02, 0x70, 0x00, 0xde, 0xad, 0xbe, 0xef);
    const tpdu = encodeDeliver({ originator: parseNumber('+15550999'), pid: 0x7d, dcs: 0xf5, timestamp: { year: 26, month: 11, day: 30, hour: 1, minute: 2, second: 3, tzQuarterHours: 0 }, payload });
    smsc.inject('+15550100', tpdu, '+15550999');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(phone.storedCount(), 1);
    const r = await gammu(
      `m = sm.GetNextSMS(Folder=0, Start=True)[0]
sm.DeleteSMS(Folder=0, Location=m['Location'])
print(json.dumps({'number': m['Number'], 'text': m['Text'].hex(), 'coding': m['Coding'], 'class': m['Class']}))`,
      pty.path,
    );
    assert.equal(r.number, '+15550999');
    assert.equal(r.coding, '8bit');
    assert.equal(r.class, 1);
    assert.equal(r.text, 'deadbeef'.padStart(14, '027000'));
    assert.equal(phone.storedCount(), 0, 'gammu deleted it with AT+CMGD');
  });

  it('gammu sends 8-bit data to a device whose modules/modem ModemSms receives it via +CMT and acknowledges with +CNMA', async () => {
    const host = createNodeTestHost();
    const device = new SimModem({ number: '+15550200', smsc });
    const at = new AtEngine(host, device.stream(), { defaultTimeoutMs: 3000 });
    const sms = new ModemSms(at);
    await sms.init();
    const received: Uint8Array[] = [];
    sms.onPdu((p) => received.push(p));
    await gammu(
      `sm.SendSMS({'Text': bytes.fromhex('00a1b2c3ff'), 'Coding': '8bit', 'Class': 1, 'SMSC': {'Location': 1}, 'Number': '+15550200'})
print('{}')`,
      pty.path,
    );
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(received.length, 1);
    const d = decodeDeliver(splitSmsc(received[0]).tpdu);
    assert.equal(d.originator.value, '15550100');
    assert.hex(d.userData.payload, '00a1b2c3ff');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(device.stats.cnma, 1, 'acknowledged once');
    assert.equal(device.stats.missedAcks, 0);

    // and back: our ModemSms sends, gammu reads it from its modem's storage
    await sms.sendTpdu(encodeSubmit({ destination: parseNumber('+15550100'), pid: 0, dcs: 0x04, payload: Uint8Array.of(9, 8, 7) }));
    await new Promise((r) => setTimeout(r, 50));
    const r = await gammu(
      `m = sm.GetNextSMS(Folder=0, Start=True)[0]
sm.DeleteSMS(Folder=0, Location=m['Location'])
print(json.dumps({'number': m['Number'], 'text': m['Text'].hex()}))`,
      pty.path,
    );
    assert.equal(r.number, '+15550200');
    assert.equal(r.text, '090807');
    at.close();
  });
});
