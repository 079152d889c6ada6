// The AT engine and ModemSms against the simulated modem on simulated time, and against scripted byte
// streams for framing corner cases (partial lines, bursts, prompts, errors, a modem that stops answering).
import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { AtEngine } from '../../../modules/modem/engine';
import { AtError } from '../../../modules/modem/errors';
import { Modem } from '../../../modules/modem/modem';
import { parseNumber } from '../../../modules/sms/address';
import { splitSmsc } from '../../../modules/sms/tpdu';
import { decodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { encodeSubmit } from '../../../modules/sms/tpdu-submit';
import type { ByteStream } from '../../../modules/transport/types';
import { SimModem } from '../../../tools/modem-sim/modem';
import { VirtualSmsc } from '../../../tools/modem-sim/smsc';

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
function text(d: Uint8Array): string {
  return String.fromCharCode(...d);
}

/** A scripted modem: the test decides what comes back and when. */
function scripted(): { stream: ByteStream; written: string[]; reply(s: string): void } {
  const written: string[] = [];
  const stream: ByteStream = { onData: null, write: (d) => written.push(text(d)), close() {} };
  return { stream, written, reply: (s) => stream.onData?.(ascii(s)) };
}

async function settle(host: SimHost, ms = 10): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await Promise.resolve();
    host.clock.advance(ms / 20);
  }
  await Promise.resolve();
}

describe('AT engine framing', () => {
  it('a response split into single bytes and a burst of several lines both parse', async () => {
    const host = new SimHost();
    const s = scripted();
    const at = new AtEngine(host, s.stream);
    const p1 = at.send('AT+CSQ', { prefix: '+CSQ:' });
    for (const c of '\r\n+CSQ: 17,99\r\n\r\nOK\r\n') s.reply(c);
    assert.deepEqual((await p1).lines, ['+CSQ: 17,99']);
    const p2 = at.send('AT+CGMI');
    const p3 = at.send('AT+CGMM');
    s.reply('\r\nACME\r\n\r\nOK\r\n');
    assert.deepEqual((await p2).lines, ['ACME']);
    s.reply('\r\nM1\r\n\r\nOK\r\n');
    assert.deepEqual((await p3).lines, ['M1']);
    assert.deepEqual(s.written, ['AT+CSQ\r', 'AT+CGMI\r', 'AT+CGMM\r'], 'one command at a time');
  });

  it('echo is skipped; +CME ERROR and +CMS ERROR reject with their numbers; ERROR rejects', async () => {
    const host = new SimHost();
    const s = scripted();
    const at = new AtEngine(host, s.stream);
    const p = at.send('AT+CPIN?');
    s.reply('AT+CPIN?\r\r\n+CME ERROR: 10\r\n');
    const e = await p.then(() => null, (x) => x);
    assert.ok(e instanceof AtError && e.code === 'cme' && e.detail === 10);
    const q = at.send('AT+CMGR=3');
    s.reply('\r\n+CMS ERROR: 321\r\n');
    const f = await q.then(() => null, (x) => x);
    assert.ok(f instanceof AtError && f.code === 'cms' && f.detail === 321);
    const r = at.send('AT+FOO');
    s.reply('\r\nERROR\r\n');
    const g = await r.then(() => null, (x) => x);
    assert.ok(g instanceof AtError && g.code === 'error');
  });

  it('the "> " prompt is answered with the command data, and a URC during a command goes to its subscriber', async () => {
    const host = new SimHost();
    const s = scripted();
    const at = new AtEngine(host, s.stream);
    const urcs: string[] = [];
    at.onUrc('+CEREG:', (l) => urcs.push(l));
    const p = at.send('AT+CMGS=9', { data: ascii('00ABCD\x1a'), prefix: '+CMGS:' });
    s.reply('\r\n> ');
    assert.equal(s.written[1], '00ABCD\x1a');
    s.reply('\r\n+CEREG: 5\r\n\r\n+CMGS: 42\r\n\r\nOK\r\n');
    assert.deepEqual((await p).lines, ['+CMGS: 42']);
    assert.deepEqual(urcs, ['+CEREG: 5']);
  });

  it('a URC with a body line (+CMT) gets both lines, even in the middle of a command', async () => {
    const host = new SimHost();
    const s = scripted();
    const at = new AtEngine(host, s.stream);
    const got: [string, string | null][] = [];
    at.onUrc('+CMT:', (l, b) => got.push([l, b]), true);
    const p = at.send('AT+CSQ', { prefix: '+CSQ:' });
    s.reply('\r\n+CMT: ,24\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\n+CSQ: 1,2\r\nOK\r\n');
    assert.deepEqual((await p).lines, ['+CSQ: 1,2']);
    assert.equal(got.length, 1);
    assert.equal(got[0][0], '+CMT: ,24');
    assert.equal(got[0][1]!.length, 76);
  });

  it('a modem that stops answering: each command times out (no hang), ESC cancels an open prompt, onUnresponsive fires, and the engine recovers', async () => {
    const host = new SimHost();
    const s = scripted();
    const at = new AtEngine(host, s.stream, { defaultTimeoutMs: 1000, unresponsiveAfter: 2 });
    let unresponsive = 0;
    at.onUnresponsive = () => unresponsive++;
    const p = at.send('AT+CMGS=9', { data: ascii('00\x1a') });
    host.clock.advance(1000);
    const e = await p.then(() => null, (x) => x);
    assert.ok(e instanceof AtError && e.code === 'timeout');
    assert.equal(s.written[s.written.length - 1], '\x1b');
    const q = at.send('AT');
    assert.equal(s.written[s.written.length - 1], 'AT\r', 'resync AT first');
    host.clock.advance(1000); // resync times out too
    await Promise.resolve();
    assert.equal(unresponsive, 1);
    // the modem comes back
    assert.equal(s.written[s.written.length - 1], 'AT\r');
    s.reply('\r\nOK\r\n');
    assert.deepEqual((await q).final, 'OK');
  });

  it('binary socket data (with CR, LF and "OK" inside) after +CARECV: <n>, and after a +QIRD header line, byte by byte', async () => {
    const host = new SimHost();
    const s = scripted();
    const at = new AtEngine(host, s.stream);
    const payload = '\r\nOK\r\n\x00\xff';
    const p = at.send('AT+CARECV=0,1460', { prefix: '+CARECV:', binary: { inline: /^\+CARECV:\s*(\d{1,4}),$/ } });
    for (const c of `\r\n+CARECV: ${payload.length},${payload}\r\n\r\nOK\r\n`) s.reply(c);
    assert.equal(text((await p).data!), payload);
    const q = at.send('AT+QIRD=0', { prefix: '+QIRD:', binary: { afterLine: /^\+QIRD:\s*(\d{1,4}),/ } });
    for (const c of `\r\n+QIRD: ${payload.length},"127.0.0.1",5684\r\n${payload}\r\n\r\nOK\r\n`) s.reply(c);
    const r = await q;
    assert.equal(text(r.data!), payload);
    assert.deepEqual(r.lines, ['+QIRD: 8,"127.0.0.1",5684']);
  });

  it('an endless line is dropped and counted, and the next line still parses', async () => {
    const host = new SimHost();
    const s = scripted();
    const at = new AtEngine(host, s.stream, { maxLineLength: 64 });
    const p = at.send('AT');
    s.reply('x'.repeat(10_000));
    s.reply('\r\nOK\r\n');
    assert.equal((await p).final, 'OK');
    assert.equal(at.overflows, 1);
  });

  it('too many queued commands are refused with AtError busy', async () => {
    const host = new SimHost();
    const s = scripted();
    const at = new AtEngine(host, s.stream, { maxQueued: 2 });
    const ps = [at.send('AT'), at.send('AT'), at.send('AT')];
    const e = await at.send('AT').then(() => null, (x) => x);
    assert.ok(e instanceof AtError && e.code === 'busy');
    at.close();
    for (const p of ps) assert.ok((await p.then(() => null, (x) => x)) instanceof AtError);
  });
});

describe('Modem against the simulated modem', () => {
  function setup() {
    const host = new SimHost();
    const schedule = (ms: number, fn: () => void) => void host.setTimer(ms, fn);
    const smsc = new VirtualSmsc({ schedule, latencyMs: 5 });
    const a = new SimModem({ number: '+15550001', smsc, schedule, imsi: '001019876543210', iccid: '8988211000000000019' });
    const b = new SimModem({ number: '+15550002', smsc, schedule });
    return { host, smsc, a, b };
  }
  async function run<T>(host: SimHost, p: Promise<T>): Promise<T> {
    let done = false;
    let value: T | undefined;
    let err: unknown;
    p.then((v) => ((done = true), (value = v)), (e) => ((done = true), (err = e)));
    for (let i = 0; i < 500 && !done; i++) await settle(host, 5);
    if (err) throw err;
    assert.ok(done, 'operation finished');
    return value as T;
  }

  it('identities, signal, registration and AT+CSIM', async () => {
    const { host, a } = setup();
    const m = new Modem(host, a.stream());
    await run(host, m.init());
    assert.equal(await run(host, m.imsi()), '001019876543210');
    assert.equal(await run(host, m.iccid()), '8988211000000000019');
    assert.equal(await run(host, m.imei()), '869951030000011');
    assert.deepEqual(await run(host, m.signal()), { rssi: 20, dbm: -73, ber: 99 });
    assert.equal(await run(host, m.registration()), 'home');
    assert.hex(await run(host, m.csim(Uint8Array.of(0x00, 0xa4, 0x00, 0x04))), '6d00');
  });

  it('SMS routed (+CMT + AT+CNMA) and stored (+CMTI, AT+CMGR, AT+CMGD), class 2 always stored', async () => {
    const { host, a, b } = setup();
    const ma = new Modem(host, a.stream());
    const mb = new Modem(host, b.stream(), { sms: { delivery: 'stored' } });
    await run(host, ma.init());
    await run(host, mb.init());
    const atB: Uint8Array[] = [];
    const atA: Uint8Array[] = [];
    mb.sms.onPdu((p) => atB.push(p));
    ma.sms.onPdu((p) => atA.push(p));
    await run(host, ma.sms.sendTpdu(encodeSubmit({ destination: parseNumber('+15550002'), pid: 0x7d, dcs: 0xf5, payload: Uint8Array.of(1, 2, 3) })));
    await run(host, mb.sms.sendTpdu(encodeSubmit({ destination: parseNumber('+15550001'), pid: 0, dcs: 0x04, payload: Uint8Array.of(4, 5) })));
    await run(host, mb.sms.sendTpdu(encodeSubmit({ destination: parseNumber('+15550001'), pid: 0, dcs: 0xf6, payload: Uint8Array.of(6) })));
    for (let i = 0; i < 50; i++) await settle(host, 5);
    assert.equal(atB.length, 1);
    assert.hex(decodeDeliver(splitSmsc(atB[0]).tpdu).userData.payload, '010203');
    assert.equal(b.storedCount(), 0, 'read and deleted');
    assert.equal(atA.length, 2);
    assert.hex(decodeDeliver(splitSmsc(atA[0]).tpdu).userData.payload, '0405');
    assert.hex(decodeDeliver(splitSmsc(atA[1]).tpdu).userData.payload, '06');
    assert.equal(a.stats.cnma, 1, 'the routed one acknowledged');
    assert.equal(a.storedCount(), 0, 'the class 2 one read from storage and deleted');
    assert.equal(a.stats.missedAcks, 0);
  });

  it('messages stored while the device was off are read at init with AT+CMGL', async () => {
    const { host, a, b } = setup();
    const mb = new Modem(host, b.stream());
    await run(host, mb.init());
    await run(host, mb.sms.sendTpdu(encodeSubmit({ destination: parseNumber('+15550001'), pid: 0, dcs: 0x04, payload: Uint8Array.of(7) })));
    for (let i = 0; i < 10; i++) await settle(host, 5);
    assert.equal(a.storedCount(), 1);
    const ma = new Modem(host, a.stream());
    const got: Uint8Array[] = [];
    ma.sms.onPdu((p) => got.push(p));
    await run(host, ma.init());
    assert.equal(got.length, 1);
    assert.equal(a.storedCount(), 0);
  });
});
