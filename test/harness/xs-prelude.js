// Loaded first in the XS test bundle: a minimal mocha-compatible BDD API (describe/it/hooks)
// that the XS runner drives one test per delivery, so each test gets its own XS meters.
(function () {
  const root = { title: '', parent: null, suites: [], tests: [], before: [], after: [], beforeEach: [], afterEach: [], ran: false, only: false };
  let current = root;
  const flat = [];
  const ctx = { timeout() { return ctx; }, slow() { return ctx; }, retries() { return ctx; } };
  function describe(title, fn) {
    const s = { title, parent: current, suites: [], tests: [], before: [], after: [], beforeEach: [], afterEach: [], ran: false };
    current.suites.push(s);
    const prev = current;
    current = s;
    try { fn.call(ctx); } finally { current = prev; }
  }
  describe.skip = function () {};
  describe.only = describe;
  function it(title, fn) { current.tests.push({ title, fn, suite: current }); }
  it.skip = function () {};
  it.only = it;
  globalThis.describe = describe;
  globalThis.context = describe;
  globalThis.it = it;
  globalThis.before = (fn) => current.before.push(fn);
  globalThis.after = (fn) => current.after.push(fn);
  globalThis.beforeEach = (fn) => current.beforeEach.push(fn);
  globalThis.afterEach = (fn) => current.afterEach.push(fn);

  function chain(s) { const c = []; for (let x = s; x; x = x.parent) c.unshift(x); return c; }
  function fullTitle(t) { return chain(t.suite).map((s) => s.title).filter(Boolean).concat(t.title).join(' '); }
  function collect(s) { for (const t of s.tests) flat.push(t); for (const c of s.suites) collect(c); }
  function lastTestOf(s) {
    if (s.suites.length) { for (let i = s.suites.length - 1; i >= 0; i--) { const t = lastTestOf(s.suites[i]); if (t) return t; } }
    return s.tests.length ? s.tests[s.tests.length - 1] : null;
  }
  async function call(fn) {
    if (fn.length > 0) {
      await new Promise((resolve, reject) => fn.call(ctx, (err) => (err ? reject(err) : resolve())));
    } else {
      await fn.call(ctx);
    }
  }
  function report(obj) {
    const s = JSON.stringify(obj);
    const h = globalThis.__harness;
    h.issueCommand(new h.TextEncoder().encode(s).buffer);
  }
  globalThis.__xsTests = {
    list() {
      // Every module has loaded by now: the preload probe (preload-probe.mjs), when present, copies their buffers.
      if (globalThis.__preload) globalThis.__preload.seal();
      flat.length = 0; collect(root); return flat.map(fullTitle);
    },
    run(i) {
      const t = flat[i];
      const suites = chain(t.suite);
      (async () => {
        for (const s of suites) if (!s.ran) { s.ran = true; for (const h of s.before) await call(h); }
        for (const s of suites) for (const h of s.beforeEach) await call(h);
        try {
          await call(t.fn);
        } finally {
          for (let k = suites.length - 1; k >= 0; k--) for (const h of suites[k].afterEach) await call(h);
          for (let k = suites.length - 1; k >= 0; k--) if (lastTestOf(suites[k]) === t) for (const h of suites[k].after) await call(h);
        }
      })().then(
        () => {
          const written = globalThis.__preload ? globalThis.__preload.check() : [];
          if (!written.length) return report({ i, ok: true });
          report({ i, ok: false, error: 'preload: a module-level buffer was written at run time (read-only once preloaded on a device), created by ' + written.join(', ') });
        },
        (e) => report({ i, ok: false, error: (e && e.name ? e.name + ': ' : '') + (e && e.message ? e.message : String(e)), stack: e && e.stack ? String(e.stack) : '' }),
      );
    },
  };
})();
