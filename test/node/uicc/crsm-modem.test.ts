/**
 * AT+CRSM end to end: modules/modem Modem.crsm over the modem simulator's serial stream, the simulator
 * selecting the file and running the T=0 procedures against the SimUicc in its slot (tools/modem-sim/crsm.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { toHex } from '../../../modules/bytes/index';
import { NodeHost } from '../../../hosts/node/host';
import { Modem } from '../../../modules/modem/modem';
import { ApduError } from '../../../modules/uicc/errors';
import { fileControlCrsm, readBinaryCrsm, readIccidCrsm, readRecordCrsm, statusCrsm } from '../../../modules/uicc/crsm';
import { csimTransport } from '../../../modules/uicc/csim-transport';
import { CardChannel } from '../../../modules/uicc/transport';
import { readIccid } from '../../../modules/uicc/bootstrap';
import { plainSender } from '../../../modules/uicc/files';
import { SimModem, VirtualSmsc } from '../../../tools/modem-sim/index';
import { ICCID, makeCard } from '../../unit/uicc/fixtures';

const is = (c: new (...a: never[]) => Error, text: string) => (e: unknown): boolean => e instanceof c && e.message.includes(text);

describe('AT+CRSM through the modem simulator', function () {
  this.timeout(30_000);
  let dir: string;
  let host: NodeHost;
  let sim: SimModem;
  let modem: Modem;
  const smsc = new VirtualSmsc({ latencyMs: 1 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-crsm-'));
    host = new NodeHost({ dataDir: dir, logLevel: 'error' });
    sim = new SimModem({ number: '+447700900777', smsc, uicc: makeCard({ plainSmsFiles: true }) });
    modem = new Modem(host, sim.stream(), { at: { defaultTimeoutMs: 5000 } });
    await modem.init();
  });
  after(() => {
    modem?.close();
    smsc.detach('+447700900777');
    host?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('EF ICCID in one AT+CRSM, the same digits AT+CSIM reads', async () => {
    const before = sim.crsmCount;
    assert.equal(await readIccidCrsm(modem), ICCID);
    assert.equal(sim.crsmCount, before + 1);
    assert.ok(sim.commands.includes('AT+CRSM=176,12258,0,0,10'));
    const viaCsim = await readIccid(plainSender(new CardChannel(csimTransport(modem))));
    assert.equal(viaCsim, ICCID);
  });

  it('GET RESPONSE gives the FCP (size 10 for EF ICCID); a part of a file with READ BINARY', async () => {
    const fc = await fileControlCrsm(modem, 0x2fe2);
    assert.equal(fc.fileId, 0x2fe2);
    assert.equal(fc.size, 10);
    const whole = await readBinaryCrsm(modem, 0x2fe2, 10);
    assert.equal(toHex(await readBinaryCrsm(modem, 0x2fe2, 4, 6)), toHex(whole.subarray(6)));
  });

  it('READ RECORD of a linear file below the PKCS#15 DF, selected by path; STATUS reports that DF', async () => {
    const fc = await fileControlCrsm(modem, 0x6f01, Uint8Array.of(0x3f, 0x00, 0x7f, 0x50));
    assert.equal(fc.recordLength, 223);
    const rec = await readRecordCrsm(modem, 0x6f01, 1, 223, Uint8Array.of(0x7f, 0x50));
    assert.equal(rec.length, 223);
    assert.ok(rec.every((b) => b === 0xff));
    const st = await statusCrsm(modem);
    assert.equal(st.fileId, 0x7f50);
  });

  it('a file that is not there (6A82), a file only SCP03 may read (6982), no card (+CME ERROR 10): ApduError', async () => {
    await assert.rejects(readBinaryCrsm(modem, 0x6f99, 1), is(ApduError, '6A82'));
    await assert.rejects(readBinaryCrsm(modem, 0x5031, 8, 0, Uint8Array.of(0x7f, 0x50)), is(ApduError, '6982'));
    sim.plug(null);
    try {
      await assert.rejects(readIccidCrsm(modem), is(ApduError, 'AT+CRSM failed'));
    } finally {
      sim.plug(makeCard());
    }
    assert.equal(await readIccidCrsm(modem), ICCID);
  });
});
