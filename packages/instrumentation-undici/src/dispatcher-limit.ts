import type { PoolLimit } from './internal-types.js';

// undici publishes no dispatcher on its channels and no limit anywhere public (`Pool#stats` has counts,
// not the `connections` option). What can be read without patching and without side effects:
// - the global dispatcher, at `Symbol.for('undici.globalDispatcher.1')`, which Node's fetch (its bundled
//   undici, the one FetchHttpHandler uses) and the undici package (6 and 7) both dispatch through;
// - in it, as data properties under module-private symbols, the per-origin dispatcher an Agent made
//   (`clients`: origin → Pool or Client; undici 7 wraps each as `{ count, dispatcher }`), a Pool's
//   `connections` (null: unlimited, the default) and its `clients`, and a Client's `connector`.
// A connection's client channel messages carry the connector of the Client that opened it, so the
// connection is the global dispatcher's when that Client is the Agent's dispatcher for the origin (a
// lone Client, which an Agent makes for `connections: 1` and which holds one connection) or one of the
// clients of its Pool (undici 6 gives them all the Pool's own connector, undici 7 wraps it per Client).
// Any other dispatcher (fetch's `dispatcher` option, undici's request() with a Pool of its own, a
// composed or proxy agent) or an unlimited pool: no limit, and no limit series, as node:http records
// none for an agent without a finite maxSockets.

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * The pool behind a new connection and its connection limit, when the connection belongs to the
 * global dispatcher and the limit is finite. `origin` is `protocol//host` as undici keys its pools.
 * Only own data properties are read (no getter runs); the caller guards it.
 */
export function poolLimitOf(connector: unknown, origin: string | undefined): PoolLimit | undefined {
  if (connector === undefined || connector === null || origin === undefined) return undefined;
  const root = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
  const perOrigin = ownField(root, 'clients');
  // An Agent keeps one dispatcher per origin; a Pool or Client set as the global dispatcher is its own.
  const dispatcher = perOrigin instanceof Map ? unwrap(perOrigin.get(origin)) : root;
  if (!isObject(dispatcher)) return undefined;
  const clients = ownField(dispatcher, 'clients');
  if (!Array.isArray(clients)) {
    return ownField(dispatcher, 'connector') === connector ? { key: dispatcher, limit: 1 } : undefined;
  }
  const connections = ownField(dispatcher, 'connections');
  if (typeof connections !== 'number' || !Number.isFinite(connections) || connections <= 0) return undefined;
  const ours = clients.some((client) => ownField(client, 'connector') === connector);
  return ours ? { key: dispatcher, limit: connections } : undefined;
}

/** `protocol//host` of a connect message's params, the key an Agent files its pool under. */
export function originOf(params: { protocol?: unknown; host?: unknown } | undefined): string | undefined {
  const { protocol, host } = params ?? {};
  return typeof protocol === 'string' && typeof host === 'string' && host
    ? `${protocol}//${host}`
    : undefined;
}

/** undici 7's Agent files `{ count, dispatcher }` where undici 6 files the dispatcher itself. */
function unwrap(entry: unknown): unknown {
  const inner = isObject(entry) ? ownValue(entry, 'dispatcher') : undefined;
  return inner ?? entry;
}

/** The value of `target`'s own symbol-keyed data property described `description`. */
function ownField(target: unknown, description: string): unknown {
  if (!isObject(target)) return undefined;
  for (const key of Object.getOwnPropertySymbols(target)) {
    if (key.description === description) return Object.getOwnPropertyDescriptor(target, key)?.value;
  }
  return undefined;
}

function ownValue(target: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(target, key)?.value;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
