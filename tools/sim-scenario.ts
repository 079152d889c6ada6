/**
 * The server side of the device scenario that hosts/sim/client-app.ts (Moddable simulator, or an ESP32 on the
 * same network) runs: a Bootstrap-Server and an LwM2M Server from tools/ over DTLS 1.2 PSK, then, once the
 * device has registered, a Read of /3/0 (TLV), an Observe of /3/0/13 (Current Time) until two notifications
 * have arrived, and the wait for the device's De-register (OMA LwM2M 1.1 Core §6.1, §6.2, §6.3, §6.4).
 * Exits 0 when every step passed, 1 with the reason otherwise.
 *
 *   node --import tsx tools/sim-scenario.ts [--suite ccm8|ecdhe] [--address 127.0.0.1] [--bs-port 15100] [--dm-port 15101]
 *                                           [--device "<command that starts the device>"] [--timeout 180]
 *
 * --suite ccm8: TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655) on both servers; ecdhe: TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256
 * (RFC 5489) only. The PSKs and identities are the fixed test values compiled into hosts/sim/client-app.ts:
 * test keys, never a real device's. With --device, the command is started once both servers listen and is
 * killed at the end (e.g. the simulator under xvfb-run; see hosts/sim/README.md); its output is copied here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fromHex, utf8Decode } from '../modules/bytes/index';
import { decodeTlv } from '../modules/lwm2m/formats/tlv';
import { DataModel } from '../modules/lwm2m/data-model';
import { DeviceObject } from '../modules/lwm2m/objects/device';
import { ContentFormat } from '../modules/lwm2m/types';
import { securityInstanceTlv, serverInstanceTlv } from '../modules/client/factory';
import { CipherSuiteId } from '../modules/dtls/index';
import { Lwm2mTestServer } from './lwm2m-server';
import { BootstrapTestServer } from './bootstrap-server';

/** The test credentials shared with hosts/sim/client-app.ts (test values only). */
export const SCENARIO = Object.freeze({
  endpoint: 'xs-lwm2m-sim',
  bsIdentity: 'xs-lwm2m-sim-bs',
  bsKeyHex: '000102030405060708090a0b0c0d0e0f',
  dmIdentity: 'xs-lwm2m-sim',
  dmKeyHex: '0f0e0d0c0b0a09080706050403020100',
});

function args(): Map<string, string> {
  const out = new Map<string, string>();
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) {
    if (!a[i].startsWith('--') || a[i + 1] === undefined) throw new Error(`bad arguments near ${a[i]}`);
    out.set(a[i].slice(2), a[i + 1]);
  }
  return out;
}

const t0 = Date.now();
const say = (m: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(2).padStart(6)} s] ${m}`);

async function main(): Promise<void> {
  const o = args();
  const suite = o.get('suite') ?? 'ccm8';
  if (suite !== 'ccm8' && suite !== 'ecdhe') throw new Error('--suite is ccm8 or ecdhe');
  const suiteId = suite === 'ccm8' ? CipherSuiteId.TLS_PSK_WITH_AES_128_CCM_8 : CipherSuiteId.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256;
  const address = o.get('address') ?? '127.0.0.1';
  const bsPort = Number(o.get('bs-port') ?? 15100);
  const dmPort = Number(o.get('dm-port') ?? 15101);
  const timeoutMs = Number(o.get('timeout') ?? 180) * 1000;
  const ep = SCENARIO.endpoint;
  const log = process.env.VERBOSE ? (l: string) => say(`server: ${l}`) : undefined;

  const lwm2m = await Lwm2mTestServer.start({ address, port: dmPort, psk: [{ identity: SCENARIO.dmIdentity, key: fromHex(SCENARIO.dmKeyHex) }], cipherSuites: [suiteId], log });
  const dmAccount = { uri: `coaps://${address}:${dmPort}`, pskIdentity: SCENARIO.dmIdentity, pskKey: fromHex(SCENARIO.dmKeyHex), shortServerId: 101, lifetime: 300, cipherSuites: [suiteId] };
  const bootstrap = await BootstrapTestServer.start({
    address,
    port: bsPort,
    psk: [{ identity: SCENARIO.bsIdentity, key: fromHex(SCENARIO.bsKeyHex) }],
    cipherSuites: [suiteId],
    log,
    plans: [{
      endpoint: ep,
      writes: [
        { path: '/0/1', payload: securityInstanceTlv(1, dmAccount), contentFormat: ContentFormat.Tlv },
        { path: '/1/0', payload: serverInstanceTlv(0, dmAccount), contentFormat: ContentFormat.Tlv },
      ],
    }],
  });
  say(`Bootstrap-Server coaps://${address}:${bsPort}, LwM2M Server coaps://${address}:${dmPort}, suite ${suite === 'ccm8' ? 'TLS_PSK_WITH_AES_128_CCM_8' : 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256'}`);

  let device: ChildProcess | null = null;
  const cmd = o.get('device');
  if (cmd) {
    device = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    device.stdout!.on('data', (d) => process.stdout.write(`device| ${d}`.replace(/\n(?=.)/g, '\ndevice| ')));
    device.stderr!.on('data', (d) => process.stdout.write(`device! ${d}`));
  }
  const failures: string[] = [];
  const check = (what: string, ok: boolean) => {
    say(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failures.push(what);
  };
  try {
    const finish = await bootstrap.waitForFinish(ep, timeoutMs);
    check(`bootstrap: ${finish.results.length} write(s), Bootstrap-Finish ${finish.finishCode === 0x44 ? '2.04' : finish.finishCode}`, finish.finishCode === 0x44);
    const reg = await lwm2m.waitForRegistration(ep, timeoutMs);
    check(`registered as ${reg.endpoint} at ${reg.location} (lifetime ${reg.lifetime} s, binding ${reg.binding}) objects ${reg.objectLinks}`, reg.lifetime === 300);
    const schema = new DataModel();
    schema.register(new DeviceObject());
    const dev = await lwm2m.read(ep, '/3/0', ContentFormat.Tlv);
    const fields = dev.code === 0x45 ? decodeTlv([3, 0], dev.payload, schema.resolve) : [];
    const maker = fields.find((f) => f.path[2] === 0)?.value;
    check(`Read /3/0 -> ${dev.code >> 5}.${String(dev.code & 31).padStart(2, '0')}, ${dev.payload.length} bytes TLV, manufacturer ${JSON.stringify(maker instanceof Uint8Array ? utf8Decode(maker) : maker)}`, dev.code === 0x45 && maker === 'xs-lwm2m');
    const notes: string[] = [];
    const obs = await lwm2m.observe(ep, '/3/0/13', (n) => notes.push(utf8Decode(n.payload)), ContentFormat.Text);
    check(`Observe /3/0/13 -> ${obs.code >> 5}.${String(obs.code & 31).padStart(2, '0')}, first value ${utf8Decode(obs.payload)}`, obs.code === 0x45);
    const until = Date.now() + 30_000;
    while (notes.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    check(`notifications: ${notes.join(', ')}`, notes.length >= 2);
    await lwm2m.waitForDeregistration(ep, timeoutMs);
    check('de-registered', true);
  } catch (e) {
    check(String(e instanceof Error ? e.message : e), false);
  } finally {
    if (device?.pid) {
      await new Promise((r) => setTimeout(r, 1500)); // let the device print its memory figures
      try { process.kill(-device.pid, 'SIGTERM'); } catch {}
    }
    await lwm2m.stop();
    await bootstrap.stop();
  }
  say(failures.length ? `scenario FAILED: ${failures.join('; ')}` : 'scenario passed');
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
