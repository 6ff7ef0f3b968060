import { type AttemptScope, attemptOfRequestHeaders, currentAttemptScope } from '@wirescope/instrumentation';
import { boundScopes } from './ledger.js';

/** The attempt a request undici just made belongs to. */
export interface FoundAttempt {
  readonly scope: AttemptScope;
  /**
   * Made outside its attempt's async context: it waited in a Pool's own queue (no request yet) since
   * its attempt handed it to the handler, and undici made it when a connection freed up.
   */
  readonly madeElsewhere: boolean;
}

/** A request made in the context of another attempt's request that names no attempt of its own. */
export const NOT_OURS = 'not ours';

/**
 * Finds the attempt of a request at `request:create`. The attempt scope current here is the request's
 * own, unless a request was already recorded for it: undici makes a request that waited in a Pool at
 * its `connections` limit only when a connection frees up, in the context of the request whose
 * connection freed (or of whoever opened its socket). Then the SDK's per-attempt headers
 * (`amz-sdk-invocation-id`, `amz-sdk-request`) name the attempt, registered by the plugin while it runs;
 * they are matched as keys only, never recorded. Undefined: no attempt here (the caller may record on
 * the active span); `NOT_OURS`: a request in another attempt's context that names none (a command
 * without the headers, or a fetch of the host's own queued in the same Pool), recorded nowhere rather
 * than on the wrong attempt.
 */
export function findAttempt(request: { headers?: unknown }): FoundAttempt | typeof NOT_OURS | undefined {
  const current = currentAttemptScope();
  const bound = boundScopes();
  if (current && !bound.has(current)) return { scope: current, madeElsewhere: false };
  const named = attemptOfRequestHeaders(request.headers);
  // The same attempt again (fetch following a redirect) is no wait from the attempt's start.
  if (named) return { scope: named, madeElsewhere: named !== current && !bound.has(named) };
  return current ? NOT_OURS : undefined;
}
