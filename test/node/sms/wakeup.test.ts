/**
 * The classic SMS wake-up: a queue-mode device (binding UQS) registered over DTLS/UDP sleeps; the server
 * holds a Read for it, sends a Registration Update Trigger (Execute /1/0/8) as a secured SMS (TS 102 225,
 * AES) through the virtual SMSC and the device's simulated modem; the device wakes, sends its Update over
 * DTLS, and the held Read is delivered.
 */
import { randomBytes } from 'node:crypto';
import { assert } from '../../harness/assert';
import { utf8Decode } from '../../../modules/bytes/index';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { SERVER_NUMBER, keyParameters, sleep, smsDevice, smsWorld, type SmsDevice, type SmsWorld } from './support';

describe('SMS wake-up of a sleeping queue-mode device', function () {
  this.timeout(60_000);
  const ep = 'wake-dev';
  const msisdn = '+15550401';
  const psk = new Uint8Array(randomBytes(16));
  let world: SmsWorld;
  let dev: SmsDevice;
  before(async () => {
    world = await smsWorld({ psk: [{ identity: ep, key: psk.slice() }], queueAwakeMs: 300 });
    const secret = new Uint8Array(randomBytes(32));
    world.gateway.addDevice({ msisdn, mode: 'secured', keyParameters: keyParameters('aes'), secretKeys: secret.slice() });
    dev = await smsDevice(world, {
      ep, msisdn, queueIdleMs: 300,
      accounts: [{ uri: `coaps://127.0.0.1:${world.server.port}`, pskIdentity: ep, pskKey: psk.slice(), shortServerId: 1, lifetime: 600, binding: 'UQS', sms: { mode: 2, keyParameters: keyParameters('aes'), secretKeys: secret.slice(), number: SERVER_NUMBER } }],
    });
  });
  after(async () => {
    await dev?.close();
    await world?.close();
  });

  it('registers over DTLS with b=UQS and its MSISDN, then is allowed to sleep', async () => {
    await dev.client.start();
    const reg = await world.server.waitForRegistration(ep, 20_000);
    assert.equal(reg.binding, 'UQS');
    assert.equal(reg.sms, msisdn);
    assert.ok(reg.queue);
    assert.ok(!reg.peer.startsWith('sms:'), reg.peer);
    const conn = dev.events.find((e) => e.type === 'connected');
    assert.equal(conn && conn.type === 'connected' && conn.security, 'dtls-psk');
    for (let i = 0; i < 100 && !dev.events.some((e) => e.type === 'sleep-allowed'); i++) await sleep(20);
    assert.ok(dev.events.some((e) => e.type === 'sleep-allowed'));
  });

  it('a secured SMS trigger wakes it: the Update comes over DTLS and the held Read is delivered', async () => {
    await sleep(400); // the server now thinks it sleeps
    const updates = world.server.registration(ep)!.updates;
    const smsBefore = world.smsc.log.length;
    const held = world.server.read(ep, '/3/0/0', ContentFormat.Text); // held until the device wakes
    await sleep(100);
    const code = await world.gateway.trigger(msisdn);
    assert.equal(code, 0x44, 'Execute /1/0/8 answered 2.04 over SMS');
    const reg = await world.server.waitForUpdate(ep, updates, 20_000);
    assert.ok(!reg.peer.startsWith('sms:'), `the Update came over ${reg.peer}`);
    const r = await held;
    assert.equal(r.code, 0x45);
    assert.equal(utf8Decode(r.payload), 'sms-e2e');
    const sms = world.smsc.log.slice(smsBefore);
    assert.ok(sms.some((m) => m.from === SERVER_NUMBER && m.to === msisdn), 'the trigger went by SMS');
    const execs = dev.events.filter((e) => e.type === 'request' && e.path === '/1/0/8');
    assert.equal(execs.length, 1);
    // Only the trigger and its response travelled by SMS: everything else went over DTLS.
    assert.ok(sms.length <= 2, `${sms.length} SMS`);
  });
});
