import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import { joinPatch, leavePatch, type PatchSlot, processState } from '@wirescope/instrumentation';
import type { Connect, Http2Registry } from './http2-internal-types.js';
import { observeSession } from './http2-observe-session.js';
import type { Consumer } from './internal-types.js';
import { guard } from './version.js';

/**
 * The process-wide HTTP/2 patch state, created on first use, in the kernel's process registry: two
 * copies of this package share one patch of `http2.connect` and one state per session, and never
 * record a stream twice.
 */
export function http2Registry(): Http2Registry {
  return processState<Http2Registry>('@wirescope/instrumentation-http:http2-patch', () => ({
    consumers: new Set(),
    original: undefined,
    wrapper: undefined,
    sessions: new WeakMap(),
    idleGoaways: new Map(),
  }));
}

// A patch, not diagnostics channels (STYLE 8): Node 22 and 24 publish `http2.client.stream.*` (created,
// start, error, bodySent, finish, close) but nothing when a client session is created or connects, and
// Node 20, which we support, publishes no http2 channel at all (checked on 20.20, 22.23, 24.22).
// The module object both `require('node:http2')` and ESM's default import give. The SDK's
// NodeHttp2ConnectionManager calls `http2.connect(...)` on it at call time, so replacing the property
// reaches every session the SDK opens, from CJS and ESM alike. (An ESM named import `{ connect }`
// taken before we patch keeps the original: Node syncs those bindings only on
// `syncBuiltinESMExports()`.)
const module = http2 as unknown as { connect: Connect };

/** `http2.connect` on the module object, the one slot this package patches for HTTP/2. */
const CONNECT: PatchSlot<Connect> = {
  get: () => module.connect,
  set: (value) => {
    module.connect = value;
  },
};

/** Adds a consumer and patches `http2.connect` if nobody had yet. Idempotent per consumer. */
export function addHttp2Consumer(consumer: Consumer): void {
  const registry = http2Registry();
  joinPatch(registry, consumer, CONNECT, (original) => makeWrapper(original, registry));
}

/** Removes a consumer; the last one out restores the original `http2.connect`. */
export function removeHttp2Consumer(consumer: Consumer): void {
  leavePatch(http2Registry(), consumer, CONNECT, () =>
    guard.log.debug('http2.connect was wrapped after us; leaving a pass-through'),
  );
}

function makeWrapper(original: Connect, registry: Http2Registry): Connect {
  // A named function with the original's arity, so `connect.length` and stack traces read as before.
  const wrapper = function connect(this: unknown, ...args: unknown[]) {
    if (registry.consumers.size === 0) return Reflect.apply(original, this, args);
    const startAt = performance.now();
    // The host's own errors (a bad authority) pass through unchanged: the original runs outside our guards.
    const session = Reflect.apply(original, this, args);
    observeSession(registry, session, args[0], args[1], startAt);
    return session;
  };
  Object.defineProperty(wrapper, 'length', { value: original.length });
  return wrapper;
}
