/**
 * A small assertion library that runs unchanged in Node (under mocha) and inside XS (under our XS
 * runner), so the pure-logic suites are the same files with the same assertions in both engines.
 */
import { toHex } from '../../modules/bytes/index';

export class AssertionError extends Error {
  override name = 'AssertionError';
  constructor(message: string) {
    super(message);

  }
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `<${toHex(v)}>`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v && typeof v === 'object') {
    if (v instanceof Error) return `${v.name}: ${v.message}`;
    try {
      return `{${Object.keys(v).map((k) => `${k}: ${show((v as Record<string, unknown>)[k])}`).join(', ')}}`;
    } catch {
      return String(v);
    }
  }
  return String(v);
}

function deepEq(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEq(v, b.get(k))) return false;
    return true;
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!deepEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

type ErrorMatcher = (new (...args: any[]) => Error) | ((e: unknown) => boolean) | RegExp;

function matches(e: unknown, m: ErrorMatcher | undefined): boolean {
  if (m === undefined) return true;
  if (m instanceof RegExp) return m.test(e instanceof Error ? e.message : String(e));
  if (typeof m === 'function' && m.prototype instanceof Error) return e instanceof (m as new () => Error);
  if (typeof m === 'function' && (m as unknown) === Error) return e instanceof Error;
  return (m as (e: unknown) => boolean)(e);
}

interface Assert {
  ok(v: unknown, msg?: string): asserts v;
  equal<T>(actual: T, expected: T, msg?: string): void;
  notEqual<T>(actual: T, expected: T, msg?: string): void;
  deepEqual(actual: unknown, expected: unknown, msg?: string): void;
  notDeepEqual(actual: unknown, expected: unknown, msg?: string): void;
  hex(actual: Uint8Array, expectedHex: string, msg?: string): void;
  throws(fn: () => unknown, matcher?: ErrorMatcher, msg?: string): unknown;
  rejects(p: Promise<unknown> | (() => Promise<unknown>), matcher?: ErrorMatcher, msg?: string): Promise<unknown>;
  doesNotThrow(fn: () => unknown, msg?: string): void;
  fail(msg: string): never;
}

export const assert: Assert = {
  ok(v: unknown, msg?: string): asserts v {
    if (!v) throw new AssertionError(msg ?? `expected a truthy value, got ${show(v)}`);
  },
  equal<T>(actual: T, expected: T, msg?: string): void {
    if (!Object.is(actual, expected)) throw new AssertionError(`${msg ? msg + ': ' : ''}expected ${show(expected)}, got ${show(actual)}`);
  },
  notEqual<T>(actual: T, expected: T, msg?: string): void {
    if (Object.is(actual, expected)) throw new AssertionError(`${msg ? msg + ': ' : ''}expected something other than ${show(expected)}`);
  },
  deepEqual(actual: unknown, expected: unknown, msg?: string): void {
    if (!deepEq(actual, expected)) throw new AssertionError(`${msg ? msg + ': ' : ''}expected ${show(expected)}, got ${show(actual)}`);
  },
  notDeepEqual(actual: unknown, expected: unknown, msg?: string): void {
    if (deepEq(actual, expected)) throw new AssertionError(`${msg ? msg + ': ' : ''}expected a value different from ${show(expected)}`);
  },
  /** Byte equality with the expectation given as hex (as vectors are printed in specs). */
  hex(actual: Uint8Array, expectedHex: string, msg?: string): void {
    const exp = expectedHex.replace(/\s+/g, '').toLowerCase();
    const got = toHex(actual);
    if (got !== exp) throw new AssertionError(`${msg ? msg + ': ' : ''}expected <${exp}>, got <${got}>`);
  },
  throws(fn: () => unknown, matcher?: ErrorMatcher, msg?: string): unknown {
    try {
      fn();
    } catch (e) {
      if (!matches(e, matcher)) throw new AssertionError(`${msg ? msg + ': ' : ''}threw the wrong error: ${show(e)}`);
      return e;
    }
    throw new AssertionError(msg ?? 'expected the function to throw');
  },
  async rejects(p: Promise<unknown> | (() => Promise<unknown>), matcher?: ErrorMatcher, msg?: string): Promise<unknown> {
    try {
      await (typeof p === 'function' ? p() : p);
    } catch (e) {
      if (!matches(e, matcher)) throw new AssertionError(`${msg ? msg + ': ' : ''}rejected with the wrong error: ${show(e)}`);
      return e;
    }
    throw new AssertionError(msg ?? 'expected the promise to reject');
  },
  doesNotThrow(fn: () => unknown, msg?: string): void {
    try {
      fn();
    } catch (e) {
      throw new AssertionError(`${msg ? msg + ': ' : ''}unexpected throw: ${show(e)}`);
    }
  },
  fail(msg: string): never {
    throw new AssertionError(msg);
  },
};
