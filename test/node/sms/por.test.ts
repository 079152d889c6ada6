/**
 * Proof of Receipt (TS 102 225 §5.2) on the device-terminated path: with SPI2 asking for a PoR with a CC,
 * ciphered, sent as SMS-SUBMIT (SPI 16 39), every accepted command packet from the server is answered with a
 * response packet (IE 71) that carries the command's counter and status 00 under the KID key; a dropped one
 * gets none.
 */
import { randomBytes } from 'node:crypto';
import { assert } from '../../harness/assert';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { utf8Decode } from '../../../modules/bytes/index';
import { ContentFormat } from '../../../modules/lwm2m/types';
import { decodeResponsePacket } from '../../../modules/sms/secured-packet';
import { decodeDeliver } from '../../../modules/sms/tpdu-deliver';
import { SERVER_NUMBER, sleep, smsDevice, smsWorld, type SmsDevice, type SmsWorld } from './support';

describe('secured SMS with a Proof of Receipt (SPI 16 39)', function () {
  this.timeout(60_000);
  const ep = 'por-dev';
  const msisdn = '+15550701';
  const params = Uint8Array.of(0x02, 0x02, 0x16, 0x39, 0xbf, 0xff, 0x05);
  const secret = new Uint8Array(randomBytes(32));
  let world: SmsWorld;
  let dev: SmsDevice;
  before(async () => {
    world = await smsWorld();
    world.gateway.addDevice({ msisdn, mode: 'secured', keyParameters: params, secretKeys: secret.slice() });
    dev = await smsDevice(world, { ep, msisdn, accounts: [{ uri: `sms://${SERVER_NUMBER}`, shortServerId: 1, lifetime: 600, binding: 'S', securityMode: 3, sms: { mode: 2, keyParameters: params, secretKeys: secret.slice(), number: SERVER_NUMBER } }] });
    await dev.client.start();
    await world.server.waitForRegistration(ep, 20_000);
  });
  after(async () => {
    await dev?.close();
    await world?.close();
  });

  it('answers each accepted command packet with a PoR that verifies under the KID key and repeats its counter', async () => {
    // Let the registration's own command packets and PoRs land first (under load they trail the 2.01), so the
    // window below holds exactly the Read's exchange.
    const quiet = async () => {
      for (let n = -1; n !== world.smsc.log.length; ) {
        n = world.smsc.log.length;
        await sleep(400);
      }
    };
    await quiet();
    const from = world.smsc.log.length;
    const r = await world.server.read(ep, '/3/0/0', ContentFormat.Text);
    assert.equal(utf8Decode(r.payload), 'sms-e2e');
    await quiet();
    const part = world.smsc.log.slice(from);
    const commands = part.filter((m) => m.from === SERVER_NUMBER && decodeDeliver(m.tpdu).userData.raw[1] === 0x70);
    const pors = part.filter((m) => m.from === msisdn && decodeDeliver(m.tpdu).userData.raw[1] === 0x71);
    assert.ok(commands.length >= 1);
    assert.equal(pors.length, commands.length, `${pors.length} PoR for ${commands.length} command packets`);
    const keys = { kic: secret.slice(0, 16), kid: secret.slice(16) };
    const por = decodeResponsePacket(decodeDeliver(pors[0].tpdu).userData.raw, 0x1639, 0x02, 0x02, keys, nobleCrypto);
    assert.equal(por.status, 0);
    assert.hex(por.tar, 'bfff05');
    assert.equal(por.counter, world.gateway.counters.values.get(`sms.${msisdn}/tx`)! - BigInt(commands.length - 1));
    // a wrong key would not verify
    const wrong = { kic: keys.kic, kid: new Uint8Array(16) };
    assert.throws(() => decodeResponsePacket(decodeDeliver(pors[0].tpdu).userData.raw, 0x1639, 0x02, 0x02, wrong, nobleCrypto));
    // the same command packet replayed: dropped, and no PoR (nor anything else) goes back
    const sentBefore = world.smsc.log.filter((m) => m.from === msisdn).length;
    const received = dev.modem.sms.stats.received;
    world.smsc.inject(msisdn, commands[0].tpdu, 'attacker');
    for (let i = 0; i < 100 && dev.modem.sms.stats.received === received; i++) await sleep(10);
    assert.equal(dev.modem.sms.stats.received, received + 1);
    await sleep(200);
    assert.equal(world.smsc.log.filter((m) => m.from === msisdn).length, sentBefore);
  });
});
