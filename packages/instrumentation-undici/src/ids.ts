// On globalThis so two copies of this package never hand out the same id. The `u` keeps undici's ids
// apart from those of @wirescope/instrumentation-http (`c<pid>-<n>`) in a process that uses both.
const COUNTER_KEY = Symbol.for('wirescope.instrumentation-undici.connection-counter');

type GlobalWithCounter = typeof globalThis & { [COUNTER_KEY]?: { next: number } };

/** A new connection id, `c<pid>-u<n>`. */
export function nextConnectionId(): string {
  const g = globalThis as GlobalWithCounter;
  g[COUNTER_KEY] ??= { next: 1 };
  const counter = g[COUNTER_KEY];
  const n = counter.next;
  counter.next += 1;
  return `c${process.pid}-u${n}`;
}
