import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span, Tracer } from '@opentelemetry/api';

/**
 * How producers find the attempt they record on. The plugin runs each HTTP attempt inside
 * {@link runInAttemptScope}; the http and undici instrumentations call {@link currentAttemptScope}
 * when a request starts. The store is our own AsyncLocalStorage (not the OpenTelemetry context) so
 * correlation works even when no context manager is registered, and it sits on `globalThis` under a
 * `Symbol.for` key so every copy of this package shares it.
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
  readonly facts: Map<string, string | number | boolean>;
}

const STORAGE_KEY = Symbol.for('wirescope.attempt-scope-storage');

type GlobalWithStorage = typeof globalThis & { [STORAGE_KEY]?: AsyncLocalStorage<AttemptScope> };

function storage(): AsyncLocalStorage<AttemptScope> {
  const g = globalThis as GlobalWithStorage;
  let store = g[STORAGE_KEY];
  if (!store) {
    store = new AsyncLocalStorage<AttemptScope>();
    g[STORAGE_KEY] = store;
  }
  return store;
}

/** Runs `fn` with `scope` as the current attempt scope (for everything `fn` starts, async included). */
export function runInAttemptScope<T>(scope: AttemptScope, fn: () => T): T {
  return storage().run(scope, fn);
}

/** The attempt scope of the code running now, if it runs under the plugin. */
export function currentAttemptScope(): AttemptScope | undefined {
  return storage().getStore();
}

/** Records a fact on an attempt: always in `facts`, on the span only while it is recording. */
export function recordFact(scope: AttemptScope, key: string, value: string | number | boolean): void {
  scope.facts.set(key, value);
  if (scope.span.isRecording()) scope.span.setAttribute(key, value);
}
