import { FINDING_CONNECTION_CHURN } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import {
  allHttp2,
  connectionsNeeded,
  HTTP2_CHURN_FIX,
  isHttp2EventStream,
  replacesIdleClosedSession,
} from './http2-sessions.js';
import { roundTripsOf } from './regions-of.js';
import {
  attemptsByPool,
  evidence,
  finding,
  handshakeMs,
  hostOf,
  median,
  ms,
  operationNames,
  peakConcurrency,
  severityForCost,
  sum,
} from './rule-helpers.js';
import { isResetAttempt } from './stale-connection-reset.js';

/** At least this many new connections beyond what concurrency explains. */
export const CHURN_MIN_EXTRA_CONNECTIONS = 2;
/** …and at least this share of the attempts to the host opened a connection. */
export const CHURN_MIN_NEW_SHARE = 0.5;

/**
 * New connections other rules explain: one-off 100-continue agents, retries after a reset, and the
 * first connection after the pool's previous request lost its socket to a reset (the next call of a
 * keep-alive client has to connect again: stale-connection-reset's cost, not churn). On HTTP/2, also
 * the session after a GOAWAY the previous request saw (the peer closed the session, graceful or not),
 * the session that replaced one the peer closed with a GOAWAY while idle (its idle timeout), and
 * event-stream calls (NodeHttp2Handler gives each a session of its own).
 */
function explainedElsewhere(
  attempt: AttemptRecord,
  previous: AttemptRecord | undefined,
  poolPrevious: AttemptRecord | undefined,
): boolean {
  if (attempt.oneOff || (attempt.expectContinue && attempt.keepAlive === false)) return true;
  if (isHttp2EventStream(attempt) || replacesIdleClosedSession(attempt)) return true;
  const reset = (a: AttemptRecord | undefined) =>
    a !== undefined && (isResetAttempt(a) || a.http2?.goawayCode !== undefined);
  return reset(previous) || reset(poolPrevious);
}

/**
 * `connection-churn`. Per host (and process), new connections are counted, leaving out those other
 * rules explain (one-off 100-continue agents, retries after a socket reset). A keep-alive pool
 * legitimately opens as many connections as attempts run at once (peak concurrency), so the first
 * `peak` new connections are free. On HTTP/2 the connection is the session, which multiplexes: the free
 * sessions are the peak over the peer's stream limit (one when it set none; `connectionsNeeded`). Triggers when ≥ 2 new connections remain beyond that AND ≥ 50 % of
 * the attempts to the host opened a connection. Cost = sum of the measured dns+tcp+tls phase
 * durations of those extra connections.
 */
export const connectionChurnRule: Rule = {
  code: FINDING_CONNECTION_CHURN,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    for (const attempts of attemptsByPool(context).values()) {
      const fresh = attempts.filter((a, i) => a.isNew && !explainedElsewhere(a, a.previous, attempts[i - 1]));
      const peak = peakConcurrency(attempts);
      const needed = connectionsNeeded(attempts);
      const extra = fresh.slice(needed);
      if (extra.length < CHURN_MIN_EXTRA_CONNECTIONS) continue;
      if (fresh.length < CHURN_MIN_NEW_SHARE * attempts.length) continue;
      const costs = extra.map(handshakeMs);
      const costMs = sum(costs);
      const perCall = costMs / extra.length;
      const first = attempts[0] as AttemptRecord;
      const keepAliveOff = fresh.some((a) => a.keepAlive === false);
      const tls = fresh.some((a) => a.hasPhase('tls') || a.tlsVersion !== undefined);
      const trips = median(extra.map(roundTripsOf)) - 1;
      const h2 = allHttp2(attempts);
      const opened = h2
        ? 'a new HTTP/2 session (a session per request: disableConcurrentStreams, or a new client per call?)'
        : `a new ${tls ? 'TLS ' : ''}connection (${keepAliveOff ? 'keep-alive off' : 'keep-alive off?'})`;
      findings.push(
        finding({
          code: FINDING_CONNECTION_CHURN,
          severity: severityForCost(perCall),
          summary: `${fresh.length} of ${attempts.length} ${operationNames(attempts)} requests to ${hostOf(first)} opened ${opened}: +${trips} RTT ≈ ${ms(perCall)} each`,
          costMs,
          costPerCallMs: perCall,
          costBasis: `measured dns+tcp+tls of ${extra.length} ${h2 ? 'sessions' : 'connections'} beyond the ${needed} that concurrency needs`,
          fix: h2
            ? HTTP2_CHURN_FIX
            : keepAliveOff
              ? 'Turn keep-alive on (the SDK default) and reuse one client and its agent for every call.'
              : 'Create the SDK client once, outside the handler, and reuse it and its agent; keep idle sockets open between calls.',
          evidence: evidence(
            extra,
            {
              attempts: attempts.length,
              newConnections: fresh.length,
              extraConnections: extra.length,
              peakConcurrency: peak,
              ...(h2 ? { sessionsNeeded: needed } : {}),
            },
            { handshakeMedianMs: median(costs), handshakeTotalMs: costMs },
          ),
        }),
      );
    }
    return findings;
  },
};
