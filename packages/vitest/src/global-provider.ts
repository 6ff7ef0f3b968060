import type { TracerProvider } from '@opentelemetry/api';
import { context, createContextKey, ProxyTracerProvider, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { SpanRouter } from './span-router.js';

/** The provider wirescope/vitest registered as the global one, with its router. */
export interface SharedProvider {
  provider: BasicTracerProvider;
  router: SpanRouter;
}

// On globalThis under Symbol.for: the global tracer provider outlives module reloads and copies of
// this package, and can be registered only once per process.
const SHARED_KEY = Symbol.for('wirescope.vitest.shared-provider');
type GlobalWithShared = typeof globalThis & { [SHARED_KEY]?: SharedProvider };

const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** The provider behind the API's global proxy (the no-op one when nobody registered a provider). */
function globalDelegate(): TracerProvider {
  const provider = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  return typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider;
}

function isNoop(provider: TracerProvider): boolean {
  return provider === NOOP_PROVIDER || provider.constructor.name === 'NoopTracerProvider';
}

const PROBE = createContextKey('wirescope.vitest.context-probe');

/** True when a real context manager is registered: the no-op one never makes a context active. */
function hasContextManager(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/** Registers an AsyncLocalStorage context manager unless one is registered already. */
export function ensureContextManager(): void {
  if (hasContextManager()) return;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
}

/**
 * The shared global capture provider: ours if we registered it before, a new one registered now if
 * no provider is registered, undefined when the application registered its own.
 */
export function sharedGlobalProvider(): SharedProvider | undefined {
  const g = globalThis as GlobalWithShared;
  const existing = g[SHARED_KEY];
  const delegate = globalDelegate();
  if (existing && delegate === existing.provider) return existing;
  if (!isNoop(delegate)) return undefined;
  const router = new SpanRouter();
  const provider = new BasicTracerProvider({ spanProcessors: [router] });
  if (!trace.setGlobalTracerProvider(provider)) return undefined;
  ensureContextManager();
  g[SHARED_KEY] = { provider, router };
  return g[SHARED_KEY];
}

/** A provider of its own for one capture, for code that takes a `tracerProvider` option. */
export function privateProvider(): SharedProvider {
  const router = new SpanRouter();
  return { provider: new BasicTracerProvider({ spanProcessors: [router] }), router };
}
