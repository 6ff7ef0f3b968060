import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, context, createContextKey, type Span, type Tracer } from '@opentelemetry/api';
import type { AttributeName } from '@wirescope/semconv';
import type { MetricScope } from './connection-metrics.js';

/** A fact's value: what an attribute can hold. */
export type FactValue = string | number | boolean;

/** The facts of one attempt, keyed by the attribute each is written to. */
export type AttemptFacts = Map<AttributeName, FactValue>;

/**
 * How producers find the attempt they record on. The plugin runs each HTTP attempt inside
 * {@link runInAttemptScope}; the http and undici instrumentations call {@link currentAttemptScope}
 * when a request starts. The scope travels in the OpenTelemetry context when a context manager
 * propagates it, and otherwise in an AsyncLocalStorage of our own, so correlation works even when no
 * context manager is registered. Both keys are `Symbol.for` keys (`createContextKey` is `Symbol.for`,
 * the storage sits on `globalThis`), so every copy of this package shares them. This is the contract
 * the plugin and the socket layers share; it lives in the kernel, not in semconv (names only).
 */
export interface AttemptScope {
  /** 1-based attempt number within the operation. */
  readonly attempt: number;
  /** The attempt span: connection attributes go here, phase spans become its children. */
  readonly span: Span;
  /** The tracer the plugin uses, so phase spans go where the attempt span goes. */
  readonly tracer: Tracer;
  /**
   * Every fact recorded on the attempt so far, also when the span is not recording, so the plugin can
   * read what the socket layer saw (reset, reuse, error code).
   */
  readonly facts: AttemptFacts;
  /**
   * When present, facts recorded on the attempt collect here instead of going to the span one by one,
   * and the scope's owner writes them in one `setAttributes` when the attempt ends
   * ({@link flushFacts}); the plugin's attempt scopes do this. Without it, each fact is written at once.
   */
  readonly pending?: Record<string, FactValue>;
  /**
   * Present when a MeterProvider is registered: the instruments and the call's facts the socket layers
   * put on their connection metrics. Absent, they do no metric work. An attempt scope whose span is not
   * recording (an unsampled call) exists only for its metrics.
   */
  readonly metrics?: MetricScope;
  /**
   * When the attempt handed its request to the handler (the kernel's clock, ms). A socket layer that
   * sees its request only later (undici makes a request waiting in a Pool at its limit when a
   * connection frees up) counts the request's wait for a pooled connection from here.
   */
  readonly startMs?: number;
}

const SCOPE_KEY = createContextKey('wirescope.attempt-scope');
const STORAGE_KEY = Symbol.for('wirescope.attempt-scope-storage');

type GlobalWithStorage = typeof globalThis & { [STORAGE_KEY]?: AsyncLocalStorage<AttemptScope> };

// Created on first need only: every enabled AsyncLocalStorage adds its own propagation work to every
// promise and async resource the process creates, on top of the context manager's.
function fallbackStorage(): AsyncLocalStorage<AttemptScope> {
  const g = globalThis as GlobalWithStorage;
  let store = g[STORAGE_KEY];
  if (!store) {
    store = new AsyncLocalStorage<AttemptScope>();
    g[STORAGE_KEY] = store;
  }
  return store;
}

/**
 * Runs `fn` with `scope` as the current attempt scope (for everything `fn` starts, async included),
 * in `parent` (default: the active context) with the scope added. Whether the registered context
 * manager propagates is checked on every call, inside `context.with`: the no-op manager (none
 * registered) leaves the new context inactive, and then our own storage carries the scope, so a
 * manager registered after the plugin was created takes over from the next call. If entering the
 * context fails (a broken context manager), `fn` still runs, exactly once, in our own storage.
 */
export function runInAttemptScope<T>(scope: AttemptScope, fn: () => T, parent?: Context): T {
  let entered = false;
  try {
    const scoped = (parent ?? context.active()).setValue(SCOPE_KEY, scope);
    return context.with(scoped, () => {
      const propagates = context.active().getValue(SCOPE_KEY) === scope;
      entered = true;
      return propagates ? fn() : fallbackStorage().run(scope, fn);
    });
  } catch (error) {
    if (entered) throw error;
    return fallbackStorage().run(scope, fn);
  }
}

/**
 * Disables and forgets the fallback AsyncLocalStorage (on Node 20 an async hook that runs for every
 * async resource of the process), for `disableWirescope()`. A later `runInAttemptScope` without a
 * propagating context manager creates a new one. Idempotent.
 */
export function disableAttemptScopeStorage(): void {
  const g = globalThis as GlobalWithStorage;
  const store = g[STORAGE_KEY];
  if (!store) return;
  delete g[STORAGE_KEY];
  store.disable();
}

/** The attempt scope of the code running now, if it runs under the plugin. */
export function currentAttemptScope(): AttemptScope | undefined {
  const scope = context.active().getValue(SCOPE_KEY) as AttemptScope | undefined;
  return scope ?? (globalThis as GlobalWithStorage)[STORAGE_KEY]?.getStore();
}

/**
 * Records a fact on an attempt: always in `facts`; on the span at once while it is recording, or at
 * the attempt's end when the scope collects `pending` facts. A fact the
 * attempt already holds with the same value is skipped (the plugin and the socket layer both record
 * method, host and port).
 */
export function recordFact(scope: AttemptScope, key: AttributeName, value: FactValue): void {
  if (scope.facts.get(key) === value) return;
  scope.facts.set(key, value);
  if (scope.pending) scope.pending[key] = value;
  else if (scope.span.isRecording()) scope.span.setAttribute(key, value);
}

/** Writes the facts collected in `scope.pending` to the span in one call; for the scope's owner. */
export function flushFacts(scope: AttemptScope): void {
  const { pending } = scope;
  if (!pending) return;
  let any = false;
  for (const _ in pending) {
    any = true;
    break;
  }
  if (any) scope.span.setAttributes(pending);
}
