// A power cut at any flash operation between receiving a secured SMS and acting on it leaves no replay
// window: across the cut and a reboot (a fresh CounterStore mounted from the same flash), the same SMS is
// acted on at most once, and exactly once when the cut misses. Real CounterStore on SimFlash (Node and XS).
import { assert } from '../../harness/assert';
import { SimHost } from '../../harness/sim';
import { SimFlash } from '../../../modules/store/sim-flash';
import { CounterStore } from '../../../modules/store/counter-store';
import { SmsSecurityPolicy } from '../../../modules/sms/policy';
import { SmsDatagramChannel } from '../../../modules/sms/channel';
import { encodeCommandPacket } from '../../../modules/sms/secured-packet';
import { encodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { parseNumber } from '../../../modules/sms/address';
import { fromHex } from '../../../modules/bytes/index';

const KEYS = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const PARAMS = fromHex('02021600bfff01');
const SERVER = '+15550009';

function smsFromServer(host: SimHost, counter: bigint): Uint8Array {
  const ud = encodeCommandPacket({ spi: 0x1600, kic: 0x02, kid: 0x02, tar: fromHex('bfff01'), counter }, Uint8Array.of(0x40, 0x01, 0x12, 0x34), { kic: KEYS.slice(0, 16), kid: KEYS.slice(16) }, host.crypto);
  const tpdu = encodeDeliver({ originator: parseNumber(SERVER), pid: 0x7d, dcs: 0xf5, timestamp: { year: 26, month: 1, day: 1, hour: 0, minute: 0, second: 0, tzQuarterHours: 0 }, elements: [{ iei: 0x70, data: new Uint8Array(0) }], payload: ud.subarray(3) });
  const pdu = new Uint8Array(tpdu.length + 1);
  pdu.set(tpdu, 1);
  return pdu;
}

/** Boots a device on `flash`: a CounterStore mounted from it and an SMS channel counting what it acts on. */
function boot(host: SimHost, flash: SimFlash): { deliver(pdu: Uint8Array): void; handled: () => number; store: CounterStore } {
  const store = new CounterStore(host, flash);
  const policy = new SmsSecurityPolicy({ keyParameters: PARAMS, secretKeys: KEYS, serverNumber: SERVER, counters: store, crypto: host.crypto, counterName: 'sms.0' });
  let handler: (p: Uint8Array) => void = () => {};
  const channel = new SmsDatagramChannel({ bearer: { sendTpdu: async () => 0, onPdu: (h) => ((handler = h), () => {}) }, host, peerNumber: SERVER, framing: { kind: 'secured', policy } });
  let n = 0;
  channel.onReceive = () => n++;
  return { deliver: (p) => handler(p), handled: () => n, store };
}

describe('secured SMS across a power cut', () => {
  it('at every flash operation of accepting the counter: the SMS is acted on at most once across the reboot', () => {
    const host = new SimHost({ seed: 9 });
    // How many flash operations a clean acceptance takes (after mounting, and after one earlier SMS).
    const probe = new SimFlash(4 * 4096, 4096);
    const d0 = boot(host, probe);
    d0.deliver(smsFromServer(host, 1n));
    const before = probe.ops;
    d0.deliver(smsFromServer(host, 2n));
    const opsPerAccept = probe.ops - before;
    assert.ok(opsPerAccept >= 1, `accepting a counter wrote ${opsPerAccept} flash operations`);
    let cutsHit = 0;
    for (let k = 0; k <= opsPerAccept + 1; k++) {
      const flash = new SimFlash(4 * 4096, 4096, k + 1);
      const first = boot(host, flash);
      first.deliver(smsFromServer(host, 1n));
      const sms = smsFromServer(host, 2n);
      flash.armCut({ op: flash.ops + k });
      first.deliver(sms); // the power goes at operation k (or not at all when k is past the last one)
      const cut = !flash.powered;
      if (cut) cutsHit++;
      flash.powerOn();
      flash.disarm();
      const second = boot(host, flash); // reboot: the counter as the flash holds it now
      second.deliver(sms); // the network (or an attacker) delivers the same SMS again
      const total = first.handled() - 1 + second.handled();
      assert.ok(total <= 1, `cut at op ${k}: the SMS was acted on ${total} times`);
      if (!cut) assert.equal(total, 1, `no cut at op ${k}: acted on once`);
      if (first.handled() === 2) assert.equal(second.handled(), 0, `cut at op ${k}: acted on before the cut, replayed after it`);
    }
    assert.ok(cutsHit >= 1, 'at least one cut landed inside the acceptance');
  });
});
