import { diag } from '@opentelemetry/api';

/**
 * One registry per process, on `globalThis` under a `Symbol.for` key, so every copy of every wirescope
 * package (two versions in one node_modules tree, a bundled copy beside an installed one) shares one
 * patch, one set of subscriptions and one set of per-socket state, and a request is recorded once.
 *
 * Versioned: `REGISTRY_SCHEMA` changes when the shape of an entry changes. A copy with another schema
 * keeps its own registry (under its own key) rather than misreading this one, and says so in `diag`:
 * two copies of different schemas then both record, which the warning names.
 */
export const REGISTRY_SCHEMA = 1;

const KEY = Symbol.for(`wirescope.instrumentation.registry.v${REGISTRY_SCHEMA}`);
const ANNOUNCED = Symbol.for('wirescope.instrumentation.registry.schemas');

interface Registry {
  readonly schema: number;
  readonly entries: Map<string, unknown>;
}

type GlobalWithRegistry = typeof globalThis & {
  [KEY]?: Registry;
  [ANNOUNCED]?: Set<number>;
};

function registry(): Registry {
  const g = globalThis as GlobalWithRegistry;
  let found = g[KEY];
  if (!found) {
    found = { schema: REGISTRY_SCHEMA, entries: new Map() };
    g[KEY] = found;
    announce(g);
  }
  return found;
}

function announce(g: GlobalWithRegistry): void {
  g[ANNOUNCED] ??= new Set();
  const schemas = g[ANNOUNCED];
  schemas.add(REGISTRY_SCHEMA);
  if (schemas.size > 1)
    diag.warn(
      `@wirescope/instrumentation: copies with registry schemas ${[...schemas].join(', ')} are loaded; ` +
        'each records on its own, so connections may be recorded twice. Install one version of the wirescope packages.',
    );
}

/**
 * The process-wide state named `name`, made by `create` on first use by any copy. `name` is the
 * owner's package name and what it holds (`@wirescope/instrumentation-http:patch`).
 */
export function processState<T>(name: string, create: () => T): T {
  const { entries } = registry();
  let state = entries.get(name) as T | undefined;
  if (state === undefined) {
    state = create();
    entries.set(name, state);
  }
  return state;
}
