import type { AttemptScope } from './attempt-scope.js';
import { processState } from './process-registry.js';

// The attempts of the process by the headers the SDK puts on every attempt before signing (smithy's
// retry middleware: `amz-sdk-invocation-id`, a UUID per call and per region-redirect re-run, and
// `amz-sdk-request: attempt=N; max=M`). A socket layer finds an attempt by its async context
// (attempt-scope.ts); where a request is made outside its caller's context, that context is another
// request's: undici makes a request waiting in a Pool at its `connections` limit only when a connection
// frees up, in the context of the request whose socket freed. The request's own headers still name
// its attempt. Process-wide (the kernel's registry), so every copy of the plugin and of the socket
// layers reads one map; bounded, and each entry leaves when its attempt ends. It holds the scope only
// (span, facts, metrics), never a request, socket or body. Header values are no secrets, but they are
// keys here and nothing else: never written to a span.

/** The SDK's header naming the call (one UUID per call and per region-redirect re-run). */
export const INVOCATION_ID_HEADER = 'amz-sdk-invocation-id';
/** The SDK's header naming the attempt within the call (`attempt=N; max=M`). */
export const ATTEMPT_HEADER = 'amz-sdk-request';
/** Attempts registered at most; past it the oldest leaves first (a call that never settled). */
export const MAX_REGISTERED_ATTEMPTS = 4096;

let cached: Map<string, AttemptScope> | undefined;

function registered(): Map<string, AttemptScope> {
  cached ??= processState('@wirescope/instrumentation:attempts-by-request-headers', () => new Map());
  return cached;
}

/** The registry key of an attempt from its two header values; undefined unless both are strings. */
export function attemptKey(invocationId: unknown, attempt: unknown): string | undefined {
  if (typeof invocationId !== 'string' || typeof attempt !== 'string') return undefined;
  if (invocationId.length === 0 || attempt.length === 0) return undefined;
  return `${invocationId}\n${attempt}`;
}

/** Registers `scope` under `key` until {@link unregisterAttempt}; keeps at most MAX_REGISTERED_ATTEMPTS. */
export function registerAttempt(key: string, scope: AttemptScope): void {
  const attempts = registered();
  attempts.delete(key);
  attempts.set(key, scope);
  if (attempts.size <= MAX_REGISTERED_ATTEMPTS) return;
  const oldest = attempts.keys().next();
  if (!oldest.done) attempts.delete(oldest.value);
}

/** The attempt ended: `key` leaves the registry, if it still names `scope`. */
export function unregisterAttempt(key: string, scope: AttemptScope): void {
  const attempts = registered();
  if (attempts.get(key) === scope) attempts.delete(key);
}

/**
 * The registered attempt a request belongs to, from the request's headers as undici holds them: a
 * flat `[name, value, …]` array (undici 6 and 7) or a raw `name: value\r\n` block (undici 5). Header
 * names in any case. Undefined when the headers name no registered attempt.
 */
export function attemptOfRequestHeaders(headers: unknown): AttemptScope | undefined {
  const attempts = registered();
  if (attempts.size === 0) return undefined;
  let invocationId: unknown;
  let attempt: unknown;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i];
      if (typeof name !== 'string') continue;
      if (name.length === INVOCATION_ID_HEADER.length && name.toLowerCase() === INVOCATION_ID_HEADER)
        invocationId = headers[i + 1];
      else if (name.length === ATTEMPT_HEADER.length && name.toLowerCase() === ATTEMPT_HEADER)
        attempt = headers[i + 1];
    }
  } else if (typeof headers === 'string') {
    invocationId = rawHeader(headers, INVOCATION_ID_HEADER);
    attempt = rawHeader(headers, ATTEMPT_HEADER);
  }
  const key = attemptKey(invocationId, attempt);
  return key === undefined ? undefined : attempts.get(key);
}

/** The value of `name` (lower case) in a raw `name: value\r\n` header block. */
function rawHeader(block: string, name: string): string | undefined {
  const lower = block.toLowerCase();
  let at = lower.indexOf(`${name}:`);
  while (at > 0 && lower[at - 1] !== '\n') at = lower.indexOf(`${name}:`, at + 1);
  if (at < 0) return undefined;
  const end = block.indexOf('\r\n', at);
  return block.slice(at + name.length + 1, end < 0 ? undefined : end).trim();
}
