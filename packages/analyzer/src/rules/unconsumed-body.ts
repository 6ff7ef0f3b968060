import {
  BODY_OUTCOME_UNREAD,
  FINDING_UNCONSUMED_BODY,
  HTTP_HANDLER_FETCH,
  HTTP_HANDLER_NODE_HTTP2,
} from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { handlerOf } from './idle-cutoff.js';
import {
  attemptsByPool,
  evidence,
  finding,
  groupBy,
  hostOf,
  median,
  ms,
  operationNames,
  plural,
  sum,
} from './rule-helpers.js';

/** A call counts as queued behind an unread body from this wait for a pooled socket (ms). */
export const BODY_QUEUE_MIN_MS = 1;
/** Queued time per queued call (ms) from which the finding is an error (below: a warning). */
export const BODY_ERROR_PER_CALL_MS = 100;

/** How long one unread body held its socket, as far as the spans tell. */
interface Hold {
  body: AttemptRecord;
  /** When the response headers arrived (the attempt's end): the body held the socket from then. */
  fromMs: number;
  /** When a later attempt took the same connection (it was released before), else +∞. */
  untilMs: number;
  /** Measured hold: to that release when seen, else the body span (a lower bound). */
  heldMs: number;
  released: boolean;
}

/** `byConnection`: the pool's attempts by connection id. */
function holdOf(body: AttemptRecord, byConnection: Map<string, AttemptRecord[]>): Hold {
  const fromMs = body.startMs + body.durationMs;
  let untilMs = Number.POSITIVE_INFINITY;
  // On HTTP/2 the body holds one stream slot of a session that multiplexes: a later stream on the
  // session says nothing of its release, so the hold is the body span (a lower bound).
  if (body.connectionId !== undefined && body.http2 === undefined) {
    for (const a of byConnection.get(body.connectionId) ?? []) {
      if (a === body || a.startMs < fromMs) continue;
      // A queued attempt got the socket when its wait ended.
      untilMs = Math.min(untilMs, a.startMs + (a.queueMs ?? 0));
    }
  }
  const released = Number.isFinite(untilMs);
  return { body, fromMs, untilMs, heldMs: released ? untilMs - fromMs : (body.bodyMs ?? 0), released };
}

/** The fix, named for the handler whose Body the caller left unread. */
export function bodyFix(handler: string | undefined): string {
  const sink = 'read it to its end (await Body.transformToString(), or pipe it to a sink)';
  if (handler === HTTP_HANDLER_NODE_HTTP2) {
    return `Consume every response Body: ${sink}, or call Body.destroy() when you do not need it; an unread body keeps its HTTP/2 stream open, holding one of the session's concurrent-stream slots (and a place in NodeHttp2Handler's pool count) until it is read or destroyed.`;
  }
  if (handler === HTTP_HANDLER_FETCH) {
    return `Consume every response Body: ${sink}, or cancel it (await Body.cancel()) when you do not need it; an unread body keeps its connection out of undici's pool.`;
  }
  const agent = "an unread body keeps its socket out of the agent's pool until it is read or destroyed";
  return `Consume every response Body: ${sink}, or call Body.destroy() when you do not need it; ${agent}.`;
}

/**
 * `unconsumed-body`. Per host (and process), triggers for ≥ 1 attempt whose `http.response.body` span
 * ended `unread`: within the grace period its body was neither read to its end nor destroyed, and it
 * held its pooled socket. The hold runs from the response headers (the attempt's end) to the start of
 * the next attempt on the same connection (the socket was free again), else at least the body span.
 * Calls of the same pool that waited ≥ 1 ms for a socket while a hold lasted queued behind it.
 * Cost = the sum of their measured waits (`wirescope.connection.queue_ms`), 0 when nothing queued yet;
 * severity error from 100 ms of queued time per queued call, else warning (a held socket is a leak).
 */
export const unconsumedBodyRule: Rule = {
  code: FINDING_UNCONSUMED_BODY,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    for (const pool of attemptsByPool(context).values()) {
      const unread = pool.filter((a) => a.bodyOutcome === BODY_OUTCOME_UNREAD);
      if (unread.length === 0) continue;
      const byConnection = groupBy(pool, (a) => a.connectionId);
      const holds = unread.map((body) => holdOf(body, byConnection));
      const unreadSet = new Set(unread);
      const queued = pool.filter((a) => {
        const wait = a.queueMs ?? 0;
        if (wait < BODY_QUEUE_MIN_MS) return false;
        return holds.some((h) => h.body !== a && a.startMs < h.untilMs && a.startMs + wait > h.fromMs);
      });
      const waits = queued.map((a) => a.queueMs ?? 0);
      const costMs = sum(waits);
      const perCall = queued.length > 0 ? costMs / queued.length : 0;
      const held = holds.map((h) => h.heldMs);
      const released = holds.filter((h) => h.released).length;
      const first = unread[0] as AttemptRecord;
      const bound = released < holds.length ? '≥ ' : '';
      const bodies = plural(unread.length, 'response body', 'response bodies');
      const h2 = unread.every((a) => a.http2 !== undefined);
      const whose = h2
        ? unread.length === 1
          ? 'a stream slot of its session'
          : 'stream slots of their sessions'
        : unread.length === 1
          ? 'its socket'
          : 'their sockets';
      const behind = unread.length === 1 ? 'it' : 'them';
      const queuedText =
        queued.length > 0
          ? `${plural(queued.length, 'call')} queued behind ${behind} for ${ms(costMs)} in all`
          : `no call queued behind ${behind} in these spans`;
      const maxSockets = pool.find((a) => a.maxSockets !== undefined)?.maxSockets;
      findings.push(
        finding({
          code: FINDING_UNCONSUMED_BODY,
          severity: perCall >= BODY_ERROR_PER_CALL_MS ? 'error' : 'warning',
          summary: `${bodies} (${operationNames(unread)}) from ${hostOf(first)} neither read to the end nor destroyed held ${whose} ${bound}${ms(median(held))} (median${maxSockets !== undefined ? `; maxSockets ${maxSockets}` : ''}); ${queuedText}`,
          costMs,
          costPerCallMs: perCall,
          costBasis:
            'measured: sum of wirescope.connection.queue_ms of the calls that waited for a socket while an unread body held one',
          fix: bodyFix(handlerOf(unread)),
          evidence: evidence(
            [...unread, ...queued.filter((a) => !unreadSet.has(a))],
            {
              unreadBodies: unread.length,
              releasedSeen: released,
              queuedCalls: queued.length,
              ...(maxSockets !== undefined ? { maxSockets } : {}),
            },
            {
              heldMsMedian: median(held),
              heldMsMax: held.reduce((m, v) => Math.max(m, v), 0),
              ...(queued.length > 0
                ? { queueMsMedian: median(waits), queueMsMax: waits.reduce((m, v) => Math.max(m, v), 0) }
                : {}),
            },
          ),
        }),
      );
    }
    return findings;
  },
};
