// Mocha's spec output plus a machine-readable summary (MOCHA_SUMMARY=path) that run-all sums.
const Mocha = require('mocha');
const fs = require('node:fs');
const { Spec } = Mocha.reporters;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const failures = [];
    runner.on('fail', (test, err) => failures.push({ title: test.fullTitle(), error: String(err && err.message) }));
    // A skipped test (this.skip(), it.skip) is not a pass: it counts as failed, so a suite cannot vanish from the total.
    runner.on('pending', (test) => failures.push({ title: test.fullTitle(), error: 'skipped (a skipped test counts as failed)' }));
    runner.once('end', () => {
      const path = process.env.MOCHA_SUMMARY;
      if (path) {
        const s = runner.stats || {};
        fs.writeFileSync(path, JSON.stringify({ passed: s.passes || 0, failed: (s.failures || 0) + (s.pending || 0), pending: s.pending || 0, failures }));
      }
    });
  }
}
module.exports = SummaryReporter;
