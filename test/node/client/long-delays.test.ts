/**
 * Issue 13 item 1 end to end on real timers: the client on the Node host, registered with tools/lwm2m-server over
 * plain CoAP; the server sets a Lifetime of 3,000,000 s and pmin = pmax = 3,000,000 s on an observed resource.
 * With setTimeout's 2^31-1 ms limit unhandled this gave ~750 Updates per second and thousands of notifications.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { utf8Encode } from '../../../modules/bytes/index';
import { NodeHost } from '../../../hosts/node/host';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { DeviceObject } from '../../../modules/lwm2m/objects/device';
import { InstanceObject } from '../../../modules/lwm2m/model';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { ContentFormat, type ResourceContent } from '../../../modules/lwm2m/types';
import { Lwm2mClient } from '../../../modules/client/client';
import { applyFactoryConfig } from '../../../modules/client/factory';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';
import { TEMPERATURE } from '../../unit/lwm2m/fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('long delays a server can set, on real timers (Node host)', function () {
  this.timeout(30_000);
  let dir = '';
  let host: NodeHost;
  let server: Lwm2mTestServer;
  let client: Lwm2mClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xs-lwm2m-long-'));
    server = await Lwm2mTestServer.start({ port: 0 });
    host = new NodeHost({ dataDir: dir, logLevel: 'error' });
    const dm = new DataModel({ store: new MemoryObjectStore() });
    dm.register(new DeviceObject({ binding: 'U' }));
    const t = new InstanceObject(TEMPERATURE);
    t.store(0, new Map<number, ResourceContent>([[5700, 21.5]]));
    dm.register(t);
    applyFactoryConfig(dm, { accounts: [{ uri: `coap://127.0.0.1:${server.port}`, securityMode: 3, shortServerId: 1, lifetime: 300 }] });
    client = new Lwm2mClient({ host, endpointName: 'long-delays', dataModel: dm });
    await client.start();
    await server.waitForRegistration('long-delays', 10_000);
  });
  after(async () => {
    await client?.stop({ deregister: false });
    host?.dispose();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Lifetime 3,000,000 s: one Update (the one the write triggers), no storm', async () => {
    const before = server.registration('long-delays')!.updates;
    assert.equal((await server.write('long-delays', '/1/0/1', utf8Encode('3000000'), ContentFormat.Text)).code, 0x44);
    await sleep(1500);
    const updates = server.registration('long-delays')!.updates - before;
    assert.ok(updates <= 1, `${updates} Updates in 1.5 s`);
    assert.equal(server.registration('long-delays')!.lifetime, 3000000);
  });

  it('Lifetime 0 is refused with 4.00', async () => {
    assert.equal((await server.write('long-delays', '/1/0/1', utf8Encode('0'), ContentFormat.Text)).code, 0x80);
  });

  it('pmin = pmax = 3,000,000 s on an observed resource: no notification storm', async () => {
    assert.equal((await server.writeAttributes('long-delays', '/3303/0/5700', 'pmin=3000000&pmax=3000000')).code, 0x44);
    const notes: unknown[] = [];
    const obs = await server.observe('long-delays', '/3303/0/5700', (n) => notes.push(n), ContentFormat.Text);
    assert.equal(obs.code, 0x45);
    await sleep(1500);
    assert.equal(notes.length, 0, `${notes.length} notifications in 1.5 s`);
    await obs.cancel();
  });
});
