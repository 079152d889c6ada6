/**
 * Key lifetime tied to the registration lifetime (modules/client/sms-connector.ts): the SMS channel and the
 * keys it holds live while the registration is kept alive by Updates, and are dropped once the lifetime runs
 * out without one. After that a correctly protected request is no longer served on that channel.
 */
import { randomBytes } from 'node:crypto';
import { assert } from '../../harness/assert';
import { SERVER_NUMBER, keyParameters, sleep, smsDevice, smsWorld, type SmsDevice, type SmsWorld } from './support';

describe('SMS keys live no longer than the registration', function () {
  this.timeout(60_000);
  const ep = 'lifetime-dev';
  const msisdn = '+15550301';
  let world: SmsWorld;
  let dev: SmsDevice;
  before(async () => {
    world = await smsWorld();
    const secret = new Uint8Array(randomBytes(32));
    world.gateway.addDevice({ msisdn, mode: 'secured', keyParameters: keyParameters('aes'), secretKeys: secret.slice() });
    dev = await smsDevice(world, {
      ep, msisdn,
      accounts: [{ uri: `sms://${SERVER_NUMBER}`, shortServerId: 1, lifetime: 3, binding: 'S', securityMode: 3, sms: { mode: 2, keyParameters: keyParameters('aes'), secretKeys: secret.slice(), number: SERVER_NUMBER } }],
      retry: { initialMs: 60_000, maxMs: 60_000, failuresBeforeBootstrap: 99 },
    });
  });
  after(async () => {
    await dev?.close();
    await world?.close();
  });

  it('Updates keep the channel (and its keys) for longer than one lifetime', async () => {
    await dev.client.start();
    await world.server.waitForRegistration(ep, 20_000);
    await sleep(7_000);
    assert.ok((world.server.registration(ep)?.updates ?? 0) >= 2, 'updates happened');
    assert.equal(dev.events.filter((e) => e.type === 'registration-failed').length, 0);
    assert.equal(dev.events.filter((e) => e.type === 'connected').length, 1, 'still the first channel');
  });

  it('when the lifetime runs out without an Update, the channel closes and a protected request is no longer served', async () => {
    world.smsc.tamper = (t, from) => (from === msisdn ? null : t); // the device's SMS stop getting through
    const t0 = Date.now();
    let failed;
    for (let i = 0; i < 100 && !failed; i++) {
      await sleep(100);
      failed = dev.events.find((e) => e.type === 'registration-failed');
    }
    assert.ok(failed && failed.type === 'registration-failed', 'the registration failed');
    assert.ok(/expired with the registration lifetime/.test(failed.reason), failed.reason);
    assert.ok(Date.now() - t0 <= 3_000 + 2_000 + 1_500, `closed ${Date.now() - t0} ms after the last Update could leave`);
    const served = dev.events.filter((e) => e.type === 'request').length;
    const delivered = dev.modem.sms.stats.received;
    void world.gateway.trigger(msisdn).catch(() => {});
    for (let i = 0; i < 100 && dev.modem.sms.stats.received === delivered; i++) await sleep(20);
    assert.ok(dev.modem.sms.stats.received > delivered, 'the request reached the device');
    await sleep(200);
    assert.equal(dev.events.filter((e) => e.type === 'request').length, served, 'served after the keys expired');
  });
});
