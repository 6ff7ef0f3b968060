import type { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  type Span,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AttemptScope,
  currentAttemptScope,
  flushFacts,
  recordFact,
  runInAttemptScope,
} from './attempt-scope.js';

const STORAGE_KEY = Symbol.for('wirescope.attempt-scope-storage');

function fallbackStorage(): AsyncLocalStorage<AttemptScope> | undefined {
  return (globalThis as Record<symbol, AsyncLocalStorage<AttemptScope> | undefined>)[STORAGE_KEY];
}

function scopeOf(attempt: number): AttemptScope {
  const span = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
  return { attempt, span: span as Span, tracer: trace.getTracer('test'), facts: new Map() };
}

/** What a socket-layer producer sees: the scope now, after an await, and in a timer callback. */
async function seen(): Promise<(AttemptScope | undefined)[]> {
  const now = currentAttemptScope();
  await new Promise((resolve) => setImmediate(resolve));
  const afterAwait = currentAttemptScope();
  const inTimer = await new Promise<AttemptScope | undefined>((resolve) =>
    setTimeout(() => resolve(currentAttemptScope()), 1),
  );
  return [now, afterAwait, inTimer];
}

afterEach(() => {
  context.disable();
});

// The order matters: this file runs in its own process, and the first test proves that with a context
// manager registered the fallback AsyncLocalStorage is never created.
describe('attempt scope', () => {
  it('with a context manager registered, travels in the OpenTelemetry context (no second AsyncLocalStorage)', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const scope = scopeOf(1);
    expect(await runInAttemptScope(scope, seen)).toEqual([scope, scope, scope]);
    expect(currentAttemptScope()).toBeUndefined();
    expect(fallbackStorage()).toBeUndefined();
  });

  it('keeps the parent context it is given (the attempt span stays active)', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const scope = scopeOf(1);
    const parent = trace.setSpan(ROOT_CONTEXT, scope.span);
    const active = await runInAttemptScope(
      scope,
      async () => {
        await Promise.resolve();
        return trace.getSpan(context.active());
      },
      parent,
    );
    expect(active).toBe(scope.span);
  });

  it('with no context manager, falls back to our own storage', async () => {
    const scope = scopeOf(1);
    expect(await runInAttemptScope(scope, seen)).toEqual([scope, scope, scope]);
    expect(currentAttemptScope()).toBeUndefined();
    expect(fallbackStorage()).toBeDefined();
  });

  it('a context manager registered later takes over from the next call; nested scopes see the innermost', async () => {
    const before = scopeOf(1);
    expect(await runInAttemptScope(before, seen)).toEqual([before, before, before]);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const storage = fallbackStorage()!;
    const run = vi.spyOn(storage, 'run');
    try {
      const outer = scopeOf(1);
      const inner = scopeOf(2);
      const [atStart, nested, afterNested] = await runInAttemptScope(outer, async () => {
        const start = currentAttemptScope();
        const inside = await runInAttemptScope(inner, seen);
        return [start, inside, currentAttemptScope()] as const;
      });
      expect(atStart).toBe(outer);
      expect(nested).toEqual([inner, inner, inner]);
      expect(afterNested).toBe(outer);
      expect(run).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
    }
  });

  it('a context manager that throws on entry: fn still runs exactly once, in our own storage', async () => {
    const broken: ContextManager = {
      active: () => ROOT_CONTEXT,
      with: () => {
        throw new Error('broken context manager');
      },
      bind: <T>(_context: Context, target: T) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.setGlobalContextManager(broken);
    const scope = scopeOf(1);
    const fn = vi.fn(seen);
    expect(await runInAttemptScope(scope, fn)).toEqual([scope, scope, scope]);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('an error thrown by fn passes through unchanged, and fn is not run again', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const error = new Error('host error');
    const fn = vi.fn(() => {
      throw error;
    });
    expect(() => runInAttemptScope(scopeOf(1), fn)).toThrow(error);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('facts collected for one write (pending)', () => {
  it('a scope with pending writes nothing to the span until flushFacts, then everything in one call', () => {
    const calls: unknown[][] = [];
    const span = {
      isRecording: () => true,
      setAttribute: (...args: unknown[]) => calls.push(['setAttribute', ...args]),
      setAttributes: (...args: unknown[]) => calls.push(['setAttributes', ...args]),
    } as unknown as AttemptScope['span'];
    const scope: AttemptScope = { attempt: 1, span, tracer: {} as never, facts: new Map(), pending: {} };
    recordFact(scope, 'wirescope.connection.reused', true);
    recordFact(scope, 'wirescope.connection.id', 'c1-1');
    recordFact(scope, 'wirescope.connection.reused', true); // same value: not recorded twice
    expect(calls).toEqual([]);
    expect([...scope.facts]).toEqual([
      ['wirescope.connection.reused', true],
      ['wirescope.connection.id', 'c1-1'],
    ]);
    flushFacts(scope);
    expect(calls).toEqual([
      ['setAttributes', { 'wirescope.connection.reused': true, 'wirescope.connection.id': 'c1-1' }],
    ]);
  });

  it('without pending each fact goes to a recording span at once; flushFacts does nothing', () => {
    const calls: unknown[][] = [];
    const span = {
      isRecording: () => true,
      setAttribute: (...args: unknown[]) => calls.push(['setAttribute', ...args]),
      setAttributes: (...args: unknown[]) => calls.push(['setAttributes', ...args]),
    } as unknown as AttemptScope['span'];
    const scope: AttemptScope = { attempt: 1, span, tracer: {} as never, facts: new Map() };
    recordFact(scope, 'wirescope.ttfb_ms', 1.5);
    flushFacts(scope);
    expect(calls).toEqual([['setAttribute', 'wirescope.ttfb_ms', 1.5]]);
  });

  it('an empty pending set makes no call', () => {
    const calls: unknown[] = [];
    const span = { setAttributes: () => calls.push(1) } as unknown as AttemptScope['span'];
    flushFacts({ attempt: 1, span, tracer: {} as never, facts: new Map(), pending: {} });
    expect(calls).toEqual([]);
  });
});
