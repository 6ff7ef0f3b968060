import { HTTP_HANDLER_FETCH, HTTP_HANDLER_NODE, HTTP_HANDLER_NODE_HTTP2 } from '@wirescope/semconv';
import type { AttemptRecord } from '../records.js';
import { ms } from './rule-helpers.js';

/**
 * What the spans say about a peer's idle cut-off: idle sockets it had dropped (the shortest idle that
 * met a dead socket) and, below that, the longest idle a reused socket of the same pools survived.
 * The cut-off lies between the two; with no survivor, only under the first.
 */
export interface IdleCutoff {
  /** Shortest idle (ms) of a reused socket found dead. */
  deadMinMs: number;
  /** Longest idle (ms) under `deadMinMs` that a reused socket of the same pools survived. */
  survivedMaxMs: number | undefined;
}

/** The cut-off bracket of `dead` (reused attempts that hit a reset), from `pool` (every attempt of their pools). */
export function idleCutoff(dead: AttemptRecord[], pool: readonly AttemptRecord[]): IdleCutoff | undefined {
  let deadMinMs: number | undefined;
  // Indexed loops: see `groupBy`.
  for (let i = 0; i < dead.length; i++) {
    const a = dead[i] as AttemptRecord;
    if (a.idleMs !== undefined && (deadMinMs === undefined || a.idleMs < deadMinMs)) deadMinMs = a.idleMs;
  }
  if (deadMinMs === undefined) return undefined;
  const deadSet = new Set(dead);
  let survivedMaxMs: number | undefined;
  for (let i = 0; i < pool.length; i++) {
    const a = pool[i] as AttemptRecord;
    if (deadSet.has(a) || a.reused !== true || a.idleMs === undefined || a.idleMs >= deadMinMs) continue;
    // Survived: the attempt on the idle socket got an answer (no error, or an HTTP status).
    if (a.errorType !== undefined || a.socketReset) continue;
    if (survivedMaxMs === undefined || a.idleMs > survivedMaxMs) survivedMaxMs = a.idleMs;
  }
  return { deadMinMs, survivedMaxMs };
}

/** The handler of the attempts when they agree (`node-http`, `node-http2`, `fetch`), else undefined. */
export function handlerOf(attempts: AttemptRecord[]): string | undefined {
  const handlers = new Set(attempts.map((a) => a.handler));
  return handlers.size === 1 ? [...handlers][0] : undefined;
}

/** The option that closes idle sockets, named for the handler that made the attempts. */
export function idleTimeoutOption(handler: string | undefined): string {
  if (handler === HTTP_HANDLER_NODE) {
    return "the Node agent's idle timeout (new https.Agent({ keepAlive: true, timeout }))";
  }
  if (handler === HTTP_HANDLER_FETCH) {
    return "undici's keepAliveTimeout and keepAliveMaxTimeout (an undici Agent as the fetch dispatcher)";
  }
  if (handler === HTTP_HANDLER_NODE_HTTP2) {
    return "NodeHttp2Handler's sessionTimeout (the ms a session may stay idle before the handler closes it)";
  }
  return "the agent's idle timeout (https.Agent timeout on the Node handler, undici keepAliveTimeout on fetch)";
}

/**
 * Where the cut-off lies and which value to set, in words: `between 102 ms (…) and 452 ms (…)` with a
 * survivor, else only the upper bound; `setOption` is the option phrase; `what` the connections
 * (`socket`, or `session` on HTTP/2).
 */
export function idleCutoffAdvice(cutoff: IdleCutoff, option: string, what = 'socket'): string {
  const dead = ms(cutoff.deadMinMs);
  if (cutoff.survivedMaxMs !== undefined) {
    const alive = ms(cutoff.survivedMaxMs);
    return `the peer drops ${what}s idle between ${alive} (the longest idle a reused ${what} survived) and ${dead} (the shortest that met a dead one); set ${option} under ${alive}`;
  }
  return `the peer drops ${what}s idle less than ${dead} (the shortest idle that met a dead one; no shorter idle was seen to survive); set ${option} below that cut-off`;
}
