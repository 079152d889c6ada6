// hosts/esp32-cellular has no hardware here: `npm test` at least type-checks it (TypeScript, strict) against
// modules/, hosts/esp32 and declarations of the Moddable modules it uses.
import { execFileSync } from 'node:child_process';
import { assert } from '../../harness/assert';

describe('hosts/esp32-cellular', () => {
  it('type-checks (tsc -p hosts/esp32-cellular/tsconfig.json)', function () {
    this.timeout(120_000);
    let out = '';
    try {
      execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'hosts/esp32-cellular/tsconfig.json'], { encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    assert.equal(out, '');
  });
});
