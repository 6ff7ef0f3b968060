import { FINDING_SOCKET_POOL_SATURATION, HTTP_HANDLER_FETCH, HTTP_HANDLER_NODE } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { http2StreamLimitFix, streamLimitOf } from './http2-sessions.js';
import { handlerOf } from './idle-cutoff.js';
import {
  attemptsByPool,
  evidence,
  finding,
  hostOf,
  median,
  ms,
  peakConcurrency,
  plural,
  severityForCost,
  sum,
} from './rule-helpers.js';

/** An attempt counts as queued from this wait (ms). */
export const QUEUE_MIN_MS = 1;
/** Triggers from this many queued attempts… */
export const QUEUE_MIN_ATTEMPTS = 2;
/** …that waited at least this long together (ms). */
export const QUEUE_MIN_TOTAL_MS = 20;

/**
 * Attempts that waited ≥ 1 ms while another attempt to the same host was in flight. A pool can only
 * make a request wait while other requests hold its sockets; a wait with nothing else in flight is the
 * event loop being late (undici measures its queue from request creation), not saturation.
 */
function queuedBehindOthers(attempts: AttemptRecord[]): AttemptRecord[] {
  if (!attempts.some((a) => (a.queueMs ?? 0) >= QUEUE_MIN_MS)) return [];
  const byStart = [...attempts].sort((x, y) => x.startMs - y.startMs);
  // Running top two attempt ends over the start order, so "another attempt still in flight" skips the attempt itself.
  const top1: number[] = [];
  const top1Index: number[] = [];
  const top2: number[] = [];
  let best = Number.NEGATIVE_INFINITY;
  let bestIndex = -1;
  let second = Number.NEGATIVE_INFINITY;
  byStart.forEach((a, i) => {
    const end = a.startMs + a.durationMs;
    if (end > best) {
      second = best;
      best = end;
      bestIndex = i;
    } else if (end > second) second = end;
    top1.push(best);
    top1Index.push(bestIndex);
    top2.push(second);
  });
  const indexOf = new Map(byStart.map((a, i) => [a, i]));
  return attempts.filter((a) => {
    const wait = a.queueMs ?? 0;
    if (wait < QUEUE_MIN_MS) return false;
    // Last attempt that started before the wait ended.
    let lo = 0;
    let hi = byStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((byStart[mid] as AttemptRecord).startMs < a.startMs + wait) lo = mid;
      else hi = mid - 1;
    }
    const self = indexOf.get(a) as number;
    const otherEnd = top1Index[lo] === self ? (top2[lo] as number) : (top1[lo] as number);
    return otherEnd > a.startMs;
  });
}

/**
 * HTTP/2 streams that waited ≥ 1 ms for a slot on a full session: `wirescope.connection.queue_ms` with
 * the session's open streams at the peer's SETTINGS_MAX_CONCURRENT_STREAMS. A stream that waited for
 * its session to connect is not saturation (below the limit, or before the peer's SETTINGS came).
 */
function queuedAtStreamLimit(attempts: AttemptRecord[]): AttemptRecord[] {
  return attempts.filter((a) => {
    const h2 = a.http2;
    if (h2 === undefined || (a.queueMs ?? 0) < QUEUE_MIN_MS) return false;
    const limit = h2.maxConcurrentStreams;
    return limit !== undefined && h2.streamsInFlight !== undefined && h2.streamsInFlight >= limit;
  });
}

/**
 * The fix, with the measured peak of requests in flight as the pool size to give, named for the handler
 * that made the attempts (the Node agent's `maxSockets`, undici's `connections`).
 */
export function poolFix(handler: string | undefined, peak: number, maxSockets: number | undefined): string {
  if (maxSockets !== undefined && peak <= maxSockets) {
    // The traced requests alone did not fill the pool: something else holds its sockets.
    return `Only ${peak} traced requests were in flight at peak, within maxSockets ${maxSockets}: free the sockets held elsewhere (response bodies left unread, other clients sharing the agent), or raise maxSockets.`;
  }
  const from = maxSockets !== undefined ? ` from ${maxSockets}` : '';
  const measured = `${peak}, the requests in flight at peak`;
  if (handler === HTTP_HANDLER_FETCH) {
    return `Raise the fetch dispatcher's connection limit${from} to ${measured} (an undici Agent({ connections: ${peak} }) as the dispatcher), or limit concurrency to the pool size.`;
  }
  const node = `new NodeHttpHandler({ httpsAgent: { maxSockets: ${peak} } })`;
  if (handler === HTTP_HANDLER_NODE) {
    return `Raise the agent's maxSockets${from} to ${measured} (${node}), or limit concurrency to the pool size.`;
  }
  return `Raise the pool size${from} to ${measured} (${node} on the Node handler, undici Agent({ connections }) on fetch), or limit concurrency to the pool size.`;
}

/**
 * `socket-pool-saturation`. Per host (and process), triggers when ≥ 2 attempts waited ≥ 1 ms for a pooled
 * socket (`wirescope.connection.queue_ms`) while another attempt to the host was in flight, and the
 * waits add up to ≥ 20 ms: the agent is at `maxSockets`. Cost = sum of the measured queue waits. The
 * fix gives the peak of requests in flight as the pool size. Issue 17: on HTTP/2 a request waits for a
 * stream slot on a session at the peer's stream limit (`queuedAtStreamLimit`), the same thresholds; the
 * fix is NodeHttp2Handler's `maxConcurrentStreams` (another session when one is full) or the server's limit.
 */
export const socketPoolSaturationRule: Rule = {
  code: FINDING_SOCKET_POOL_SATURATION,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    for (const attempts of attemptsByPool(context).values()) {
      const h2 = saturation(attempts, queuedAtStreamLimit(attempts));
      if (h2) findings.push(h2);
      const queued = queuedBehindOthers(attempts).filter((a) => a.http2 === undefined);
      const waits = queued.map((a) => a.queueMs ?? 0);
      const costMs = sum(waits);
      if (queued.length < QUEUE_MIN_ATTEMPTS || costMs < QUEUE_MIN_TOTAL_MS) continue;
      const first = attempts[0] as AttemptRecord;
      const maxSockets = queued.find((a) => a.maxSockets !== undefined)?.maxSockets;
      const limit = maxSockets !== undefined ? ` (maxSockets ${maxSockets})` : '';
      const peak = peakConcurrency(attempts);
      findings.push(
        finding({
          code: FINDING_SOCKET_POOL_SATURATION,
          severity: severityForCost(median(waits)),
          summary: `${queued.length} of ${attempts.length} requests to ${hostOf(first)} waited for a free socket${limit}: median ${ms(median(waits))}, ${plural(peak, 'request')} in flight at peak`,
          costMs,
          costPerCallMs: costMs / queued.length,
          costBasis: 'measured: sum of wirescope.connection.queue_ms',
          fix: poolFix(handlerOf(queued), peak, maxSockets),
          evidence: evidence(
            queued,
            {
              attempts: attempts.length,
              queued: queued.length,
              ...(maxSockets !== undefined ? { maxSockets } : {}),
            },
            { queueMedianMs: median(waits), queueMaxMs: waits.reduce((m, v) => Math.max(m, v), 0) },
          ),
        }),
      );
    }
    return findings;
  },
};

/** The finding of the HTTP/2 streams of one pool that waited at the peer's stream limit, if they qualify. */
function saturation(attempts: AttemptRecord[], queued: AttemptRecord[]): Finding | undefined {
  const waits = queued.map((a) => a.queueMs ?? 0);
  const costMs = sum(waits);
  if (queued.length < QUEUE_MIN_ATTEMPTS || costMs < QUEUE_MIN_TOTAL_MS) return undefined;
  const limit = streamLimitOf(queued) as number; // every queued stream was at a limit
  const peak = peakConcurrency(attempts);
  const first = attempts[0] as AttemptRecord;
  return finding({
    code: FINDING_SOCKET_POOL_SATURATION,
    severity: severityForCost(median(waits)),
    summary: `${queued.length} of ${attempts.length} requests to ${hostOf(first)} waited for a stream slot on a full HTTP/2 session (the server's SETTINGS_MAX_CONCURRENT_STREAMS ${limit}): median ${ms(median(waits))}, ${plural(peak, 'request')} in flight at peak`,
    costMs,
    costPerCallMs: costMs / queued.length,
    costBasis: 'measured: sum of wirescope.connection.queue_ms of streams at the session limit',
    fix: http2StreamLimitFix(limit, peak),
    evidence: evidence(
      queued,
      {
        attempts: attempts.length,
        queued: queued.length,
        maxConcurrentStreams: limit,
      },
      { queueMedianMs: median(waits), queueMaxMs: waits.reduce((m, v) => Math.max(m, v), 0) },
    ),
  });
}
