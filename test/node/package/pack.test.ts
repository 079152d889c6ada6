/**
 * The npm package as a user gets it: `npm pack` (which builds dist/ through prepack), the tarball
 * installed into an empty temporary project (offline: the tarball plus what the npm cache already
 * holds), then a small TypeScript program there, type-checked with TypeScript's Node resolution
 * (node16/nodenext: the package's "exports" and shipped .d.ts) and run with Node, that imports the
 * public entries, builds a client and registers over DTLS PSK with our LwM2M test server. Also
 * `npx xs-lwm2m` from that project: the "bin" of the installed package.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../../harness/assert';
import { root } from '../../harness/xs-bundle.mjs';
import { Lwm2mTestServer } from '../../../tools/lwm2m-server';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The environment without what a parent npm (`npm test`) exports to its scripts: npm_config_local_prefix
 * and the like would point a nested npm at this repository instead of the temporary project.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
}

function sh(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`.slice(0, 4000));
  return r;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

const lockVersion = (name: string): string => JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages[`node_modules/${name}`].version;

const PROGRAM = `// A user's first program: the host-neutral client from "xs-lwm2m", the Node host from "xs-lwm2m/node".
import { bytes, client, lwm2m, store } from 'xs-lwm2m';
import { NodeHost } from 'xs-lwm2m/node';
import { nobleCrypto } from 'xs-lwm2m/crypto/noble';

const [uri, identity, keyHex, endpoint, dataDir] = process.argv.slice(2);
const host = new NodeHost({ dataDir, logLevel: 'warn' });
if (host.crypto !== nobleCrypto) throw new Error('two copies of the crypto provider: the entries do not share modules');
const keys = store.KeyStore.open(host, 'keys');
const dm = new lwm2m.DataModel({ host, store: new client.KeyStoreObjectStore(keys) });
dm.register(new lwm2m.DeviceObject({ manufacturer: 'pack-test', binding: 'U' }));
dm.restore();
const accounts: client.FactoryAccount[] = [{ uri, pskIdentity: identity, pskKey: bytes.fromHex(keyHex), shortServerId: 1, lifetime: 60 }];
client.applyFactoryConfig(dm, { accounts });
const device = new client.Lwm2mClient({
  host,
  endpointName: endpoint,
  dataModel: dm,
  sessions: client.keyStoreSessions(keys),
  onEvent: (e: client.ClientEvent) => {
    if (e.type === 'registered') {
      console.log('REGISTERED ' + e.location);
      void device.stop().then(() => {
        keys.close();
        host.dispose();
      });
    }
  },
});
await device.start();
setTimeout(() => {
  console.log('not registered in 60 s');
  process.exit(1);
}, 60_000).unref();
`;

describe('the npm package: pack, install into an empty project, use from TypeScript', function () {
  this.timeout(900_000);
  let tmp: string;
  let project: string;
  let tarball: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'xs-lwm2m-pack-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('npm pack builds the package; the tarball holds the built entries, their types, the bin and no tests or tools', () => {
    sh(npm, ['pack', '--pack-destination', tmp, '--silent'], root);
    const tgz = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    assert.equal(tgz.length, 1, `one tarball, got ${tgz.join(', ')}`);
    tarball = join(tmp, tgz[0]);
    const files = sh('tar', ['tzf', tarball], tmp).stdout.split('\n').filter(Boolean);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const entry of Object.values(pkg.exports) as (string | { types: string; default: string })[]) {
      for (const f of typeof entry === 'string' ? [entry] : [entry.types, entry.default]) {
        assert.ok(files.includes('package/' + f.replace(/^\.\//, '')), `${f} is in the tarball`);
      }
    }
    assert.ok(files.includes('package/' + pkg.bin['xs-lwm2m']), 'the bin');
    assert.ok(files.includes('package/dist/pkg/tools/cli.js'), 'the compiled CLI');
    assert.ok(files.includes('package/dist/xs-lwm2m.js'), 'the XS bundle');
    assert.ok(files.includes('package/manifest.json') && files.includes('package/modules/index.ts'), 'the Moddable manifest and sources');
    for (const f of files) assert.ok(!/^package\/(test|tools|bench|hosts|node_modules)\//.test(f) && !f.endsWith('.test.ts'), `${f} does not belong in the package`);
    assert.equal(pkg.private, undefined, 'not private');
  });

  it('installs offline into an empty project (the tarball, its dependencies from the npm cache)', () => {
    assert.ok(tarball, 'packed');
    project = join(tmp, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'first-device', version: '1.0.0', private: true, type: 'module' }, null, 2));
    const args = ['install', '--no-audit', '--no-fund', tarball, `@types/node@${lockVersion('@types/node')}`];
    try {
      sh(npm, [...args, '--offline'], project);
    } catch (e) {
      // A cache that lacks one of the dependencies (ENOTCACHED): the registry may fill the gap.
      if (!/ENOTCACHED/.test(String(e))) throw e;
      console.log('      (npm cache incomplete: installing with --prefer-offline)');
      sh(npm, [...args, '--prefer-offline'], project);
    }
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'xs-lwm2m', 'package.json'), 'utf8'));
    assert.equal(installed.name, 'xs-lwm2m');
    for (const dep of Object.keys(installed.dependencies)) assert.ok(readdirSync(join(project, 'node_modules', ...dep.split('/'))).includes('package.json'), `${dep} installed`);
  });

  it('a TypeScript program importing xs-lwm2m and xs-lwm2m/node type-checks (nodenext), builds a client and registers over DTLS', async () => {
    assert.ok(project, 'installed');
    writeFileSync(join(project, 'main.ts'), PROGRAM);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: false, types: ['node'], outDir: 'out' }, files: ['main.ts'] }, null, 2),
    );
    // The repository's TypeScript compiler, but every import resolved from the temporary project.
    sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project);
    const key = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
    const log: string[] = [];
    const server = await Lwm2mTestServer.start({ port: 0, psk: [{ identity: 'pack-dev', key: Buffer.from(key, 'hex') }], log: (l) => log.push(l) });
    try {
      const r = await run(process.execPath, ['out/main.js', `coaps://127.0.0.1:${server.port}`, 'pack-dev', key, 'pack-dev', join(project, 'device-data')], project, 120_000);
      assert.equal(r.code, 0, r.out);
      assert.ok(/^REGISTERED \/rd\//m.test(r.out), r.out);
      // The server's side of it: a DTLS session with that identity, then the registration.
      assert.ok(log.some((l) => /DTLS .* established \(identity "pack-dev"\)/.test(l)), log.join('\n'));
      assert.ok(log.some((l) => /registered pack-dev at \/rd\//.test(l)), log.join('\n'));
    } finally {
      await server.stop();
    }
  });

  it('npx xs-lwm2m in that project runs the installed bin: --help exits 0, bad input exits 2', async () => {
    assert.ok(project, 'installed');
    const help = await run(npm, ['exec', '--offline', '--', 'xs-lwm2m', '--help'], project, 120_000);
    assert.equal(help.code, 0, help.out);
    assert.ok(help.out.includes('Usage: xs-lwm2m <command>'), help.out);
    const bad = await run(npm, ['exec', '--offline', '--', 'xs-lwm2m', 'psk', '--bytes', '8'], project, 120_000);
    assert.equal(bad.code, 2, bad.out);
    assert.ok(bad.out.includes('--bytes must be an integer from 16 to 64'), bad.out);
    const psk = await run(npm, ['exec', '--offline', '--', 'xs-lwm2m', 'psk'], project, 120_000);
    assert.equal(psk.code, 0, psk.out);
    assert.ok(/^[0-9a-f]{32}$/m.test(psk.out), psk.out);
  });
});
