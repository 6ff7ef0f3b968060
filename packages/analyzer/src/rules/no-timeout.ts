import {
  FINDING_NO_TIMEOUT,
  HTTP_HANDLER_FETCH,
  HTTP_HANDLER_NODE,
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
  handshakeMs,
  hostOf,
  median,
  ms,
  operationNames,
  plural,
  severityForCost,
  sum,
} from './rule-helpers.js';

/** A wait counts from this long (ms) with no timeout in effect that would have ended it. */
export const NO_TIMEOUT_MIN_WAIT_MS = 2000;

/** What an attempt waited for, in the order the waits happen. */
const WAIT_KINDS = ['a pooled socket', 'a connection', 'a response'] as const;
type WaitKind = (typeof WAIT_KINDS)[number];

/**
 * The waits of an attempt that no timeout in effect covered, each ≥ 2 s; undefined when the attempt did
 * not record its timeouts (not judged). A limit on the whole call (`request_ms` > 0) covers every wait,
 * however long it is set; the connection timeout covers the wait for a pooled socket and the connect
 * (@smithy/node-http-handler 4.x times it from the request's creation until its socket connects); the
 * socket timeout covers the response.
 */
export function uncoveredWaits(a: AttemptRecord): Array<{ kind: WaitKind; ms: number }> | undefined {
  if (a.requestTimeoutMs === undefined) return undefined;
  if (a.requestTimeoutMs > 0) return [];
  // A Node request destroyed while queued gets no event until a socket frees (after its attempt ended),
  // so its queue_ms is never recorded: one with no connection and no answer spent its life queued.
  const neverSocketed =
    a.handler === HTTP_HANDLER_NODE && a.connectionId === undefined && a.statusCode === undefined;
  const queue = a.queueMs ?? (neverSocketed ? a.durationMs : 0);
  const connect = handshakeMs(a);
  // No response: the attempt's time after the queue and the connect went waiting for one.
  const response = a.ttfbMs ?? (a.statusCode === undefined ? Math.max(0, a.durationMs - queue - connect) : 0);
  const out: Array<{ kind: WaitKind; ms: number }> = [];
  const connectionLimit = (a.connectionTimeoutMs ?? 0) > 0;
  if (queue >= NO_TIMEOUT_MIN_WAIT_MS && !connectionLimit) out.push({ kind: 'a pooled socket', ms: queue });
  if (connect >= NO_TIMEOUT_MIN_WAIT_MS && !connectionLimit) out.push({ kind: 'a connection', ms: connect });
  if (response >= NO_TIMEOUT_MIN_WAIT_MS && !((a.socketTimeoutMs ?? 0) > 0))
    out.push({ kind: 'a response', ms: response });
  return out;
}

/** The slowest answered attempt of the pool (ms), a floor for the limit to set. */
function slowestAnswered(pool: AttemptRecord[]): number | undefined {
  let max: number | undefined;
  for (let i = 0; i < pool.length; i++) {
    const a = pool[i] as AttemptRecord;
    if (a.statusCode !== undefined && !a.error && (max === undefined || a.durationMs > max))
      max = a.durationMs;
  }
  return max;
}

/** The fix, named for the handler: the option that limits the whole call, with a value when one was measured. */
export function noTimeoutFix(handler: string | undefined, slowestMs: number | undefined): string {
  const value =
    slowestMs !== undefined ? Math.max(1000, Math.ceil((2 * slowestMs) / 1000) * 1000) : undefined;
  const n = value !== undefined ? String(value) : 'N';
  const basis =
    value !== undefined
      ? ` (${ms(value)}: about twice the slowest answered call here, ${ms(slowestMs as number)})`
      : '';
  if (handler === HTTP_HANDLER_FETCH)
    return `Limit the whole call: new FetchHttpHandler({ requestTimeout: ${n} })${basis}, or pass an abortSignal per call.`;
  if (handler === HTTP_HANDLER_NODE_HTTP2)
    return `Limit each stream: new NodeHttp2Handler({ requestTimeout: ${n} })${basis} closes a stream silent that long (NodeHttp2Handler ignores socket and connection timeouts), or pass an abortSignal per call.`;
  if (handler === HTTP_HANDLER_NODE)
    return `Limit the whole call: new NodeHttpHandler({ requestTimeout: ${n}, throwOnRequestTimeout: true })${basis} — without throwOnRequestTimeout a breached requestTimeout only logs a warning — and a connectionTimeout for the wait for a socket, or pass an abortSignal per call.`;
  return `Limit the whole call: requestTimeout: ${n} on the request handler${basis} (NodeHttp2Handler ignores socket and connection timeouts; NodeHttpHandler needs throwOnRequestTimeout: true), or pass an abortSignal per call.`;
}

/**
 * `no-timeout`. Per host (and process), triggers for attempts that recorded the timeouts they ran under
 * (`wirescope.timeout.*`, the plugin's) and waited ≥ 2 s for a pooled socket, a connection or a response
 * with no timeout in effect that would have ended that wait (see `uncoveredWaits`): such a call hangs as
 * long as the peer lets it. Cost = the uncovered waits; severity from the cost per attempt.
 */
export const noTimeoutRule: Rule = {
  code: FINDING_NO_TIMEOUT,
  run(context: RuleContext): Finding[] {
    const hung: Array<{ attempt: AttemptRecord; waits: Array<{ kind: WaitKind; ms: number }> }> = [];
    const attempts = context.attempts;
    for (let i = 0; i < attempts.length; i++) {
      const a = attempts[i] as AttemptRecord;
      const waits = uncoveredWaits(a);
      if (waits && waits.length > 0) hung.push({ attempt: a, waits });
    }
    if (hung.length === 0) return [];
    const pools = attemptsByPool(context);
    const findings: Finding[] = [];
    for (const group of groupBy(hung, (h) => h.attempt.poolKey).values()) {
      const attempts = group.map((h) => h.attempt);
      const first = attempts[0] as AttemptRecord;
      const costs = group.map((h) => sum(h.waits.map((w) => w.ms)));
      const costMs = sum(costs);
      const perCall = costMs / group.length;
      const seen = new Set(group.flatMap((h) => h.waits.map((w) => w.kind)));
      const kinds = WAIT_KINDS.filter((k) => seen.has(k));
      const kindText = kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}` : kinds[0];
      const max = costs.reduce((m, v) => Math.max(m, v), 0);
      const slowest = slowestAnswered(pools.get(first.poolKey) ?? attempts);
      findings.push(
        finding({
          code: FINDING_NO_TIMEOUT,
          severity: severityForCost(perCall),
          summary: `${plural(group.length, 'request')} (${operationNames(attempts)}) to ${hostOf(first)} waited ${ms(median(costs))} (median; longest ${ms(max)}) for ${kindText} with no timeout in effect to end the wait`,
          costMs,
          costPerCallMs: perCall,
          costBasis: 'measured: the waits (queue, connect, response) no timeout in effect covered',
          fix: noTimeoutFix(handlerOf(attempts), slowest),
          evidence: evidence(
            attempts,
            { requests: group.length, answered: attempts.filter((a) => a.statusCode !== undefined).length },
            {
              waitMsMedian: median(costs),
              waitMsMax: max,
              ...(slowest !== undefined ? { slowestAnsweredMs: slowest } : {}),
            },
          ),
        }),
      );
    }
    return findings;
  },
};
