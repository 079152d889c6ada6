import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { UiccSmsTerminal, MAX_PROACTIVE } from '../../../modules/uicc/sms-card';
import { UsatError } from '../../../modules/uicc/errors';
import type { ApduTransport } from '../../../modules/uicc/transport';

class Script implements ApduTransport {
  seen: string[] = [];
  constructor(private readonly answers: string[]) {}
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.seen.push(toHex(apdu));
    return fromHex(this.answers.shift() ?? '6f00');
  }
}

const TPDU = '400290217ff6227052000000002d02700000281516191212b0000127fa28a5bac69d3c5e9df2c7155dfdde449c826b236215566530787b30e8be5d';
const REFRESH_OTHER = 'd0108103010101820281829205013f002fe2';
const REFRESH_MT = 'd0128103010101820281829207013f007f506f01';
const SEND_SM = 'd00f8103011300820281838b04010203fa';

describe('card-terminated SMS: terminal side (USAT)', () => {
  it('REFRESH naming the LwM2M MT file: the record is read and handed over', async () => {
    const rec = '8003c0ffee' + 'ff'.repeat(250);
    const t = new Script(['9114', '6114', REFRESH_MT + '9000', '9000', '6cff', rec + '9000', '9000']);
    const term = new UiccSmsTerminal({ transport: t, sendSms: async () => true });
    const d = await term.deliver(fromHex(TPDU));
    assert.equal(toHex(d.payload!), 'c0ffee');
    assert.ok(t.seen[0].startsWith('80c2000043d14182028381'), 'ENVELOPE SMS-PP download');
    assert.equal(t.seen[1], '8012000014', 'FETCH with the announced length');
    assert.ok(t.seen.includes('00a40804047f506f0100'), 'SELECT of the MT file by path from the MF');
    assert.ok(t.seen.some((s) => s === '00b20104ff'), 'READ RECORD re-issued with Le from 6Cxx');
    assert.ok(t.seen[t.seen.length - 1].startsWith('801400000c8103010101'), `TERMINAL RESPONSE: ${t.seen.join(' ')}`);
  });

  it('REFRESH naming another file: nothing read, no payload', async () => {
    const t = new Script(['9112', '6112', REFRESH_OTHER + '9000', '9000']);
    const d = await new UiccSmsTerminal({ transport: t, sendSms: async () => true }).deliver(fromHex(TPDU));
    assert.equal(d.payload, null);
    assert.ok(!t.seen.some((s) => s.startsWith('00b2')), 'no READ RECORD');
  });

  it('card refuses the packet (9000, no proactive command): dropped, nothing sent', async () => {
    let sent = 0;
    const t = new Script(['9000']);
    const d = await new UiccSmsTerminal({ transport: t, sendSms: async () => (sent++, true) }).deliver(fromHex(TPDU));
    assert.equal(d.payload, null);
    assert.equal(sent, 0);
    assert.equal(t.seen.length, 1);
  });

  it('SEND SHORT MESSAGE: the TPDU goes to the modem; a modem failure is reported in TERMINAL RESPONSE', async () => {
    const got: string[] = [];
    const t = new Script(['9000', '9111', '6111', SEND_SM + '9000', '9000']);
    const term = new UiccSmsTerminal({ transport: t, sendSms: async (tp) => (got.push(toHex(tp)), false) });
    await assert.rejects(term.send(fromHex('414243')), UsatError);
    assert.deepEqual(got, ['010203fa']);
    assert.ok(t.seen[1].startsWith('00dc0104058003414243'), 'UPDATE RECORD of the payload object');
    assert.ok(t.seen[t.seen.length - 1].endsWith('830120'), 'result 20: terminal currently unable');
  });

  it('a card that never stops issuing proactive commands is cut off', async () => {
    const answers: string[] = ['9112'];
    for (let i = 0; i < MAX_PROACTIVE + 4; i++) answers.push('6112', REFRESH_OTHER + '9000', '9112');
    const t = new Script(answers);
    await assert.rejects(new UiccSmsTerminal({ transport: t, sendSms: async () => true }).deliver(fromHex(TPDU)), UsatError);
  });
});
