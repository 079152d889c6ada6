/**
 * A minimal describe/it runtime for running the project's own test files (test/unit/crypto/*.test.ts) inside a
 * Moddable app: import this module first (it installs the globals), then the test files, then call runAll().
 * Hooks: before/after/beforeEach/afterEach; `this.timeout()` is accepted and ignored.
 */
type Fn = (this: unknown, done?: (err?: unknown) => void) => unknown;
interface Suite { title: string; parent: Suite | null; suites: Suite[]; tests: { title: string; fn: Fn }[]; before: Fn[]; after: Fn[]; beforeEach: Fn[]; afterEach: Fn[] }

const newSuite = (title: string, parent: Suite | null): Suite => ({ title, parent, suites: [], tests: [], before: [], after: [], beforeEach: [], afterEach: [] });
const root = newSuite('', null);
let current = root;
const ctx = { timeout: () => ctx, slow: () => ctx, retries: () => ctx };
const g = globalThis as unknown as Record<string, unknown>;

g.describe = (title: string, fn: (this: unknown) => void) => {
  const s = newSuite(title, current);
  current.suites.push(s);
  const prev = current;
  current = s;
  try { fn.call(ctx); } finally { current = prev; }
};
g.it = (title: string, fn: Fn) => { current.tests.push({ title, fn }); };
(g.describe as { skip?: unknown }).skip = () => {};
(g.it as { skip?: unknown }).skip = () => {};
g.before = (fn: Fn) => current.before.push(fn);
g.after = (fn: Fn) => current.after.push(fn);
g.beforeEach = (fn: Fn) => current.beforeEach.push(fn);
g.afterEach = (fn: Fn) => current.afterEach.push(fn);

async function call(fn: Fn): Promise<void> {
  if (fn.length > 0) await new Promise<void>((resolve, reject) => fn.call(ctx, (err) => (err ? reject(err) : resolve())));
  else await fn.call(ctx);
}

function chain(s: Suite): Suite[] {
  const c: Suite[] = [];
  for (let x: Suite | null = s; x; x = x.parent) c.unshift(x);
  return c;
}

async function runSuite(s: Suite, counts: { passed: number; failed: number }): Promise<void> {
  for (const h of s.before) await call(h);
  for (const t of s.tests) {
    const title = chain(s).map((x) => x.title).filter(Boolean).concat(t.title).join(' ');
    try {
      for (const x of chain(s)) for (const h of x.beforeEach) await call(h);
      await call(t.fn);
      for (const x of chain(s).reverse()) for (const h of x.afterEach) await call(h);
      counts.passed++;
      trace(`ok   ${title}\n`);
    } catch (e) {
      counts.failed++;
      trace(`FAIL ${title}: ${(e as Error)?.name}: ${(e as Error)?.message}\n`);
    }
  }
  for (const c of s.suites) await runSuite(c, counts);
  for (const h of s.after) await call(h);
}

export async function runAll(label: string): Promise<{ passed: number; failed: number }> {
  const counts = { passed: 0, failed: 0 };
  await runSuite(root, counts);
  trace(`${label}: ${counts.passed} passed, ${counts.failed} failed\n`);
  return counts;
}
