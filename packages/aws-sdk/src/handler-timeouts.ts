import { createRequire } from 'node:module';
import { type AttemptScope, currentAttemptScope, recordFact } from '@wirescope/instrumentation';
import {
  ATTR_TIMEOUT_CONNECTION_MS,
  ATTR_TIMEOUT_REQUEST_MS,
  ATTR_TIMEOUT_SOCKET_MS,
} from '@wirescope/semconv';
import { guard, reportFailure } from './guard.js';

// The timeouts a call runs under live in its request handler's config, which no middleware can see
// (the handler execution context holds no client config). The handler classes are read from the
// module cache (the SDK loads @smithy/node-http-handler and -fetch-http-handler as CommonJS: their
// packages have no `exports` map) and their `handle` wrapped, once, the original kept to restore:
// each call records, on the attempt it runs under, the limits that would stop it (issue 18).

/** The handler classes whose `handle` is wrapped, by export name. */
const HANDLER_EXPORTS = ['NodeHttpHandler', 'NodeHttp2Handler', 'FetchHttpHandler'] as const;
type HandlerKind = (typeof HANDLER_EXPORTS)[number];

type Handle = (this: HandlerInstance, request: unknown, options?: HandleOptions) => unknown;
interface HandleOptions {
  requestTimeout?: unknown;
}
interface HandlerInstance {
  config?: Record<string, unknown>;
  configProvider?: unknown;
}
interface Patched {
  prototype: { handle: Handle };
  original: Handle;
  wrapper: Handle;
}

const PATCHED = Symbol.for('wirescope.aws-sdk.handler-timeouts');
type GlobalWithPatches = typeof globalThis & { [PATCHED]?: Patched[] };

function patches(): Patched[] {
  const g = globalThis as GlobalWithPatches;
  g[PATCHED] ??= [];
  return g[PATCHED];
}

const positive = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;

/**
 * The limits in effect for one call, in ms (0: none), as each handler applies them:
 * - NodeHttpHandler: `requestTimeout` stops a call only with `throwOnRequestTimeout` (else it logs a
 *   warning); `connectionTimeout` runs from the request's creation until its socket connects (the wait
 *   for a pooled socket included, in 4.x); `socketTimeout` (else the service default) stops a socket
 *   silent that long.
 * - NodeHttp2Handler: `requestTimeout` (stream inactivity); socket and connection timeouts are ignored.
 * - FetchHttpHandler: `requestTimeout` aborts the whole call.
 */
export function effectiveTimeouts(
  kind: HandlerKind,
  config: Record<string, unknown>,
  options: HandleOptions | undefined,
): { request: number; connection: number; socket: number } {
  const request = positive(options?.requestTimeout ?? config['requestTimeout']);
  if (kind === 'NodeHttpHandler') {
    return {
      request: config['throwOnRequestTimeout'] === true ? request : 0,
      connection: positive(config['connectionTimeout']),
      socket: positive(config['socketTimeout'] ?? config['defaultSocketTimeout']),
    };
  }
  return { request, connection: 0, socket: 0 };
}

function record(scope: AttemptScope, kind: HandlerKind, config: unknown, options: HandleOptions | undefined) {
  if (typeof config !== 'object' || config === null) return;
  const limits = effectiveTimeouts(kind, config as Record<string, unknown>, options);
  recordFact(scope, ATTR_TIMEOUT_REQUEST_MS, limits.request);
  recordFact(scope, ATTR_TIMEOUT_CONNECTION_MS, limits.connection);
  recordFact(scope, ATTR_TIMEOUT_SOCKET_MS, limits.socket);
}

function wrap(kind: HandlerKind, original: Handle): Handle {
  // On every request of every SDK call: no rest array, and no closure unless our part fails.
  return function wirescopeHandle(this: HandlerInstance, _request: unknown, options?: HandleOptions) {
    try {
      readTimeouts(this, kind, options);
    } catch (error) {
      reportFailure('reading the handler timeouts', error);
    }
    // The host's call goes on exactly as it was made, with the arguments it was given.
    // biome-ignore lint/complexity/noArguments: the caller's own arguments, however many
    return original.apply(this, arguments as unknown as [unknown, HandleOptions?]);
  };
}

function readTimeouts(handler: HandlerInstance, kind: HandlerKind, options: HandleOptions | undefined): void {
  const scope = currentAttemptScope();
  if (!scope) return;
  // The first call's config is still a promise (the handler resolves it inside `handle`).
  const source = handler.config ?? handler.configProvider;
  if (source !== undefined && typeof (source as Promise<unknown>).then === 'function') {
    (source as Promise<unknown>).then(
      (config) =>
        guard('recording the handler timeouts', () => record(scope, kind, config, options), undefined),
      () => undefined,
    );
  } else record(scope, kind, source, options);
}

/** Wraps `handle` of every SDK request handler class loaded so far (idempotent). */
export function patchHandlerTimeouts(): void {
  const done = patches();
  const cache = createRequire(import.meta.url).cache;
  for (const key in cache) {
    if (!key.includes('http-handler')) continue;
    const exports = cache[key]?.exports as Record<string, unknown> | undefined;
    if (!exports || typeof exports !== 'object') continue;
    for (const kind of HANDLER_EXPORTS) {
      const cls = exports[kind] as { prototype?: { handle?: unknown } } | undefined;
      const prototype = cls?.prototype as { handle: Handle } | undefined;
      if (!prototype || typeof prototype.handle !== 'function') continue;
      if (done.some((p) => p.prototype === prototype)) continue;
      const original = prototype.handle;
      const wrapper = wrap(kind, original);
      prototype.handle = wrapper;
      done.push({ prototype, original, wrapper });
    }
  }
}

/** Restores every wrapped `handle` (ours only: one someone wrapped after us stays). */
export function unpatchHandlerTimeouts(): void {
  const done = patches();
  for (const p of done.splice(0)) {
    if (p.prototype.handle === p.wrapper) p.prototype.handle = p.original;
  }
}
