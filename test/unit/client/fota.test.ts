/**
 * The client's firmware wiring on simulated time: Block1 blocks of PUT /5/0/0 stream to the engine
 * (only for a server with Write rights on /5/0), and a trial image is confirmed once registered.
 */
import { assert } from '../../harness/assert';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { CoapEndpoint, Method, Option, stringOption, type IncomingRequest, type ResponseSpec } from '../../../modules/coap/index';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { FirmwareObject } from '../../../modules/lwm2m/objects/firmware';
import { Lwm2mClient, type ClientEvent } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import type { Connector } from '../../../modules/client/connector';
import type { ServerAccount } from '../../../modules/client/accounts';
import { FirmwareUpdate, FwResult, FwState } from '../../../modules/fota/index';
import { image, mountSlots, newChip, program } from '../fota/fixtures';

const A = 'coap://192.0.2.10:5683';
const B = 'coap://192.0.2.11:5683';

function registrar(req: IncomingRequest): ResponseSpec {
  if (req.method === Method.POST && req.path.join('/') === 'rd') return { code: 0x41, options: [stringOption(Option.LocationPath, 'rd'), stringOption(Option.LocationPath, 'x')] };
  return { code: 0x44 };
}

async function device(accounts: { uri: string; ssid: number }[], chip = newChip()) {
  const host = new SimHost({ seed: 11 });
  const slots = mountSlots(chip);
  slots.boot();
  let restarts = 0;
  const fw = new FirmwareUpdate({ host, slots, restart: () => restarts++ });
  fw.start();
  const dm = new DataModel({ store: new MemoryObjectStore() });
  dm.register(new FirmwareObject(fw));
  applyFactoryConfig(dm, { accounts: accounts.map((a) => ({ uri: a.uri, securityMode: 3, shortServerId: a.ssid, lifetime: 300 })) });
  const servers = new Map<string, CoapEndpoint>();
  const connector: Connector = {
    open: async (account: ServerAccount) => {
      const pipe = new DatagramPipe(host.clock, 2);
      const ep = new CoapEndpoint(host, pipe.b);
      ep.onRequest(registrar);
      servers.set(account.uri, ep);
      return { channel: pipe.a, security: 'nosec' };
    },
  };
  const events: ClientEvent[] = [];
  const client = new Lwm2mClient({ host, endpointName: 'fw-dev', dataModel: dm, connector, firmware: fw, onEvent: (e) => events.push(e) });
  void client.start();
  const run = async (done: () => boolean, limit = 300_000) => {
    for (let t = 0; t < limit && !done(); t += 10) {
      host.clock.advance(10);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  await run(() => events.filter((e) => e.type === 'registered').length >= accounts.length);
  return { host, fw, slots, client, servers, events, run, chip, restarts: () => restarts };
}

async function pushVia(d: Awaited<ReturnType<typeof device>>, uri: string, img: Uint8Array): Promise<number> {
  let code = -1;
  d.servers.get(uri)!.request({ method: 'PUT', path: ['5', '0', '0'], contentFormat: 42, payload: img }).then((r) => (code = r.code), () => (code = -2));
  await d.run(() => code !== -1);
  return code;
}

describe('client: firmware update wiring', () => {
  it('streams a Block1 Package write to the engine, and confirms the trial image after registering', async () => {
    const chip = newChip();
    program(chip, 0, image(1));
    let d = await device([{ uri: A, ssid: 101 }], chip);
    const code = await pushVia(d, A, image(2));
    await d.run(() => d.fw.state !== FwState.Downloading);
    assert.equal(code, 0x44);
    assert.equal(d.fw.state, FwState.Downloaded, d.fw.lastError);
    assert.ok(d.events.some((e) => e.type === 'request' && e.path === '/5/0/0' && e.op.startsWith('write-block 0')));
    d.fw.executeUpdate();
    d.host.clock.advance(0);
    assert.equal(d.restarts(), 1);
    d = await device([{ uri: A, ssid: 101 }], chip);
    assert.equal(d.slots.active, 1);
    assert.equal(d.fw.state, FwState.Idle, 'confirmed by the registration');
    assert.equal(d.fw.result, FwResult.Success);
    assert.ok(!d.slots.bootRecord().trial);
  });

  it('a server without Write rights on /5/0 gets 4.01 for the Package and nothing is written', async () => {
    const chip = newChip();
    program(chip, 0, image(1));
    // Two DM servers and no ACL instance for /5/0: neither has rights on it (LwM2M 1.1 §E.3).
    const d = await device([{ uri: A, ssid: 101 }, { uri: B, ssid: 102 }], chip);
    const programs = chip.totalPrograms();
    assert.equal(await pushVia(d, A, image(2)), 0x81);
    assert.equal(d.fw.state, FwState.Idle);
    assert.equal(chip.totalPrograms(), programs, 'no flash write');
  });
});
