/**
 * A bootstrap is one transaction (issue 13 item 10): power is cut at every flash operation while a
 * Bootstrap-Server rewrites the configuration, the device reboots from the same flash, and what it restores
 * must be the old configuration or the new one, never a mix; from the old one a second bootstrap completes.
 * The flash is SimFlash, cutting mid-write like test/unit/store/power-cut.test.ts.
 */
import { assert } from '../../harness/assert';
import { DatagramPipe, SimHost } from '../../harness/sim';
import { toHex, utf8Encode } from '../../../modules/bytes/index';
import { CoapEndpoint, type IncomingRequest } from '../../../modules/coap/endpoint';
import { Method } from '../../../modules/coap/codes';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { encodeTlv } from '../../../modules/lwm2m/formats/tlv';
import { ContentFormat, type Entry } from '../../../modules/lwm2m/types';
import { Lwm2mClient } from '../../../modules/client/client';
import { applyFactoryConfig, KeyStoreObjectStore } from '../../../modules/client/factory';
import type { Connector } from '../../../modules/client/connector';
import type { ServerAccount } from '../../../modules/client/accounts';
import { KeyStore } from '../../../modules/store/key-store';
import { PowerCut, SimFlash } from '../../../modules/store/sim-flash';

const BS_URI = 'coap://192.0.2.20:5683';
const OLD_DM = 'coap://192.0.2.10:5683';
const NEW_DM = 'coap://192.0.2.11:5683';
const OLD_PSK = new Uint8Array(16).fill(0x0d);
const NEW_PSK = new Uint8Array(16).fill(0x4e);

function mount(flash: SimFlash) {
  const host = new SimHost({ seed: 3, deviceSecret: new Uint8Array(32).fill(5) });
  const keys = new KeyStore(host, flash);
  const dm = new DataModel({ store: new KeyStoreObjectStore(keys) });
  dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', binding: 'U' }));
  return { host, keys, dm };
}

/** Objects 0/1/2 with every value, secrets included, as one comparable string. */
function dump(dm: DataModel): string {
  const out: string[] = [];
  for (const oid of [0, 1, 2]) {
    const obj = dm.object(oid)!;
    for (const iid of obj.instanceIds()) {
      const c = obj.read(iid)!;
      const parts = [...c.keys()].sort((a, b) => a - b).map((rid) => {
        const v = c.get(rid)!;
        const one = (x: unknown) => (x instanceof Uint8Array ? toHex(x) : String(x));
        return `${rid}=${v instanceof Map ? [...v].map(([k, x]) => `${k}:${one(x)}`).join('|') : one(v)}`;
      });
      out.push(`/${oid}/${iid} ${parts.join(' ')}`);
    }
  }
  return out.join('\n');
}

function factory(flash: SimFlash): void {
  const { dm, keys } = mount(flash);
  dm.restore();
  applyFactoryConfig(dm, {
    accounts: [
      { uri: BS_URI, bootstrap: true, securityMode: 3 },
      { uri: OLD_DM, securityMode: 0, pskIdentity: 'old', pskKey: OLD_PSK.slice(), shortServerId: 101, lifetime: 300 },
    ],
  });
  keys.close();
}

const sec: Entry[] = [
  { path: [0, 5, 0], type: 'string', value: NEW_DM },
  { path: [0, 5, 1], type: 'boolean', value: false },
  { path: [0, 5, 2], type: 'integer', value: 0 },
  { path: [0, 5, 3], type: 'opaque', value: utf8Encode('new') },
  { path: [0, 5, 5], type: 'opaque', value: NEW_PSK },
  { path: [0, 5, 10], type: 'integer', value: 102 },
];
const srv: Entry[] = [
  { path: [1, 3, 0], type: 'integer', value: 102 },
  { path: [1, 3, 1], type: 'integer', value: 600 },
  { path: [1, 3, 6], type: 'boolean', value: false },
  { path: [1, 3, 7], type: 'string', value: 'U' },
];
const acl: Entry[] = [
  { path: [2, 0, 0], type: 'integer', value: 3 },
  { path: [2, 0, 1], type: 'integer', value: 0 },
  { path: [2, 0, 2, 102], type: 'integer', value: 1 },
  { path: [2, 0, 3], type: 'integer', value: 102 },
];

/**
 * The device runs a client whose Bootstrap-Server (started with Execute 1/0/9) deletes everything and writes
 * the new account, its Server instance and an ACL, then Bootstrap-Finish. Returns the Finish code (0 if none).
 */
async function bootstrap(flash: SimFlash): Promise<number> {
  const dev = mount(flash);
  dev.dm.restore();
  let bsEndpoint: CoapEndpoint | null = null;
  const connector: Connector = {
    open: async (account: ServerAccount) => {
      const pipe = new DatagramPipe(dev.host.clock, 5);
      const endpoint = new CoapEndpoint(dev.host, pipe.b);
      endpoint.onRequest((req: IncomingRequest) => {
        if (account.uri === BS_URI) return req.method === Method.POST && req.path[0] === 'bs' ? { code: 0x44 } : { code: 0x84 };
        return { code: 0x84 }; // DM servers: registration refused, we only care about the bootstrap
      });
      if (account.uri === BS_URI) bsEndpoint = endpoint;
      return { channel: pipe.a, security: 'nosec' };
    },
  };
  const client = new Lwm2mClient({ host: dev.host, endpointName: 'dev-1', dataModel: dev.dm, connector, retry: { initialMs: 3_600_000, maxMs: 3_600_000, failuresBeforeBootstrap: 100 } });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      dev.host.clock.advance(50);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  // Execute "Bootstrap-Request Trigger" on the old account's Server instance, as its server would.
  dev.dm.servers.onExecute.get(9)!(0, '');
  await run(500);
  const bs = bsEndpoint as CoapEndpoint | null;
  if (!bs) throw new Error('the client never opened the Bootstrap-Server channel');
  const send = async (req: Parameters<CoapEndpoint['request']>[0]) => {
    const p = bs.request(req).catch(() => ({ code: 0 }));
    await run(300);
    return (await p).code;
  };
  await send({ method: 'DELETE', path: '/' });
  await send({ method: 'PUT', path: '/0/5', contentFormat: ContentFormat.Tlv, payload: encodeTlv([0, 5], sec, () => false) });
  await send({ method: 'PUT', path: '/1/3', contentFormat: ContentFormat.Tlv, payload: encodeTlv([1, 3], srv, () => false) });
  await send({ method: 'PUT', path: '/2/0', contentFormat: ContentFormat.Tlv, payload: encodeTlv([2, 0], acl, (_o, r) => r === 2) });
  const fin = await send({ method: 'POST', path: '/bs' });
  await run(3_000);
  await client.stop({ deregister: false }).catch(() => {});
  return fin;
}

/** Reboots from the flash; checks that nothing but the committed records, the manifest and the factory snapshot is left. */
function reboot(flash: SimFlash, checkLeftovers = true): string {
  flash.disarm();
  flash.powerOn();
  const { dm, keys } = mount(flash);
  dm.restore();
  const d = dump(dm);
  const names = keys.names().filter((n) => n.startsWith('lwm2m.'));
  if (checkLeftovers) assert.equal(names.length, dm.security.instanceIds().length + dm.servers.instanceIds().length + dm.accessControl.instanceIds().length + 2, names.join(','));
  keys.close();
  return d;
}

describe('bootstrap as one transaction under power cuts (SimFlash)', () => {
  let oldDump = '';
  let newDump = '';
  let base = 0;
  let span = 0;

  before(async () => {
    const flash = new SimFlash(8 * 4096, 4096, 1);
    factory(flash);
    oldDump = reboot(flash, false);
    base = flash.ops;
    const fin = await bootstrap(flash);
    span = flash.ops - base;
    assert.equal(fin, 0x44, 'an uninterrupted bootstrap finishes with 2.04');
    newDump = reboot(flash, false);
    assert.ok(newDump.includes(`/0/5`) && newDump.includes(toHex(NEW_PSK)) && !newDump.includes(toHex(OLD_PSK)), newDump);
    assert.ok(oldDump.includes(toHex(OLD_PSK)) && oldDump !== newDump);
    assert.ok(span > 0, 'the bootstrap wrote to flash');
  });

  it('a cut at every flash operation of the bootstrap (first byte, mid-write, random) leaves old or new, never half', async () => {
    let sawOld = 0;
    let sawNew = 0;
    for (let k = 0; k < span; k++) {
      for (const byte of [0, 7, undefined]) {
        const flash = new SimFlash(8 * 4096, 4096, 1 + k);
        factory(flash);
        flash.armCut({ op: flash.ops + k, byte });
        await bootstrap(flash).catch((e) => {
          if (!(e instanceof PowerCut)) throw e;
        });
        const after = reboot(flash, false);
        const isOld = after === oldDump;
        assert.ok(isOld || after === newDump, `cut at op ${k} byte ${byte}: restored a mix:\n${after}`);
        assert.equal(reboot(flash), after, 'a second reboot restores the same');
        if (isOld) {
          sawOld++;
          // The device is usable from there: the bootstrap runs again and completes.
          assert.equal(await bootstrap(flash), 0x44, `second bootstrap after a cut at op ${k}`);
          assert.equal(reboot(flash), newDump);
        } else sawNew++;
      }
    }
    assert.ok(sawOld > 0 && sawNew > 0, `old ${sawOld}, new ${sawNew}: the cuts fell on both sides of the commit`);
    assert.equal(sawOld + sawNew, 3 * span);
  });
});
