/**
 * Bootstrap over SMS: the device's only account is a Bootstrap-Server reached by secured SMS (sms:// URI,
 * SMS Security Mode 2); the Bootstrap-Server writes a DM account that is itself SMS-only and secured with other
 * keys; the device then registers with the LwM2M Server over SMS. Both servers sit behind the virtual SMSC.
 */
import { randomBytes } from 'node:crypto';
import { assert } from '../../harness/assert';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { securityInstanceTlv, serverInstanceTlv } from '../../../modules/client/factory';
import { BootstrapTestServer } from '../../../tools/bootstrap-server';
import { SmsServerGateway } from '../../../tools/sms-gateway';
import { SERVER_NUMBER, keyParameters, smsDevice, smsWorld, type SmsDevice, type SmsWorld } from './support';

describe('bootstrap over secured SMS, then registration over secured SMS', function () {
  this.timeout(60_000);
  const ep = 'bs-sms-dev';
  const msisdn = '+15550601';
  const BS_NUMBER = '+15550008';
  let world: SmsWorld;
  let bs: BootstrapTestServer;
  let bsGateway: SmsServerGateway;
  let dev: SmsDevice;
  before(async () => {
    world = await smsWorld();
    const bsKeys = new Uint8Array(randomBytes(32));
    const dmKeys = new Uint8Array(randomBytes(48));
    world.gateway.addDevice({ msisdn, mode: 'secured', keyParameters: keyParameters('3des'), secretKeys: dmKeys.slice() });
    bs = await BootstrapTestServer.start({
      port: 0,
      plans: [{
        endpoint: ep,
        deleteFirst: ['/1'],
        writes: [
          { path: '/0/1', payload: securityInstanceTlv(1, { uri: `sms://${SERVER_NUMBER}`, securityMode: 3, shortServerId: 1, sms: { mode: 2, keyParameters: keyParameters('3des'), secretKeys: dmKeys.slice(), number: SERVER_NUMBER } }), contentFormat: ContentFormat.Tlv },
          { path: '/1/0', payload: serverInstanceTlv(0, { uri: '', shortServerId: 1, lifetime: 600, binding: 'S' }), contentFormat: ContentFormat.Tlv },
        ],
      }],
    });
    bsGateway = new SmsServerGateway(bs, world.smsc, BS_NUMBER);
    bsGateway.addDevice({ msisdn, mode: 'secured', keyParameters: keyParameters('aes'), secretKeys: bsKeys.slice() });
    dev = await smsDevice(world, { ep, msisdn, accounts: [{ uri: `sms://${BS_NUMBER}`, bootstrap: true, securityMode: 3, sms: { mode: 2, keyParameters: keyParameters('aes'), secretKeys: bsKeys.slice(), number: BS_NUMBER } }] });
  });
  after(async () => {
    await dev?.close();
    bsGateway?.close();
    await bs?.stop();
    await world?.close();
  });

  it('bootstraps by SMS and registers by SMS with the account the Bootstrap-Server wrote', async () => {
    await dev.client.start();
    const fin = await bs.waitForFinish(ep, 20_000);
    assert.equal(fin.finishCode, 0x44);
    const reg = await world.server.waitForRegistration(ep, 20_000);
    assert.equal(reg.peer, `sms:${msisdn}`);
    assert.equal(reg.binding, 'S');
    const secured = dev.events.filter((e) => e.type === 'connected' && e.security === 'sms-secured');
    assert.equal(secured.length, 2, 'both the Bootstrap-Server and the LwM2M Server were reached by secured SMS');
    assert.ok(world.smsc.log.some((m) => m.from === BS_NUMBER) && world.smsc.log.some((m) => m.from === SERVER_NUMBER));
  });
});
