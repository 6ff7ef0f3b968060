import { FINDING_UNRETRIED_SOCKET_ERROR } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { allHttp2, http2ResetCause } from './http2-sessions.js';
import { idleCutoff, idleCutoffAdvice } from './idle-cutoff.js';
import {
  attemptsByPool,
  evidence,
  finding,
  median,
  ms,
  operationNames,
  plural,
  sum,
} from './rule-helpers.js';
import { isResetAttempt } from './stale-connection-reset.js';

/** The SDK's default `maxAttempts`: a socket error on an attempt below it had retries left. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** True when the call the attempt belongs to failed (operation status or error.type; else the attempt's). */
function callFailed(a: AttemptRecord): boolean {
  const op = a.operation;
  if (op) return op.error || op.errorType !== undefined;
  return a.error || a.errorType !== undefined;
}

/** The fetch handler's fix, with the idle cut-off the failed calls' pools show when they recorded idle times. */
function fetchFix(failed: AttemptRecord[], context: RuleContext): string {
  const pools = attemptsByPool(context);
  const pool = [...new Set(failed.map((a) => a.poolKey))].flatMap((key) => pools.get(key) ?? []);
  const cutoff = idleCutoff(
    failed.filter((a) => a.reused === true),
    pool,
  );
  const advice = cutoff
    ? idleCutoffAdvice(cutoff, "undici's keepAliveTimeout and keepAliveMaxTimeout")
    : 'keep undici keepAliveTimeout below the server idle timeout';
  return `The fetch handler does not retry UND_ERR_SOCKET (the server closed an idle socket): ${advice}, or use a retry strategy that treats UND_ERR_SOCKET as transient (or the Node handler).`;
}

/**
 * The HTTP/2 fix: the SDK retries a stream only when it was refused (`NGHTTP2_REFUSED_STREAM`) or the
 * transport under the session reset (@smithy/core's isNodeJsHttp2TransientError and Node timeout codes):
 * a stream the peer's GOAWAY failed (`ERR_HTTP2_SESSION_ERROR`) fails the call.
 */
const HTTP2_FIX =
  "The SDK retries an HTTP/2 stream only when the peer refused it (REFUSED_STREAM) or the connection reset: a stream failed by the peer's GOAWAY (ERR_HTTP2_SESSION_ERROR, ERR_HTTP2_GOAWAY_SESSION) fails the call. Treat those codes as transient in the retry strategy, and close idle sessions before the server does (NodeHttp2Handler's sessionTimeout).";

/**
 * `unretried-socket-error`. Triggers on ≥ 1 call whose LAST attempt failed with a socket reset
 * (`wirescope.socket.reset`, or ECONNRESET / EPIPE / UND_ERR_SOCKET / ECONNABORTED) while retries were
 * left (attempt number < 3, the SDK default) and the call failed: the SDK did not retry it. The fetch
 * handler does not retry `UND_ERR_SOCKET` ("other side closed"). Cost = the measured duration of each
 * failed call (operation span, else the attempt): the caller lost it and must redo it. On fetch the fix
 * gives the idle cut-off as the spans bound it (see idle-cutoff.ts). On HTTP/2 a reset is a stream the
 * peer dropped with its session (`isResetAttempt`), named by its GOAWAY or RST_STREAM code.
 */
export const unretriedSocketErrorRule: Rule = {
  code: FINDING_UNRETRIED_SOCKET_ERROR,
  run(context: RuleContext): Finding[] {
    const failed = context.attempts.filter(
      (a) => a.next === undefined && isResetAttempt(a) && a.attempt < DEFAULT_MAX_ATTEMPTS && callFailed(a),
    );
    if (failed.length === 0) return [];
    const costs = failed.map((a) => a.operation?.durationMs ?? a.durationMs);
    const costMs = sum(costs);
    const codes = [...new Set(failed.map((a) => a.errorType ?? 'socket reset'))];
    const undici = codes.includes('UND_ERR_SOCKET') || failed.some((a) => a.handler === 'fetch');
    const h2 = allHttp2(failed);
    const causes = h2 ? [...new Set(failed.map(http2ResetCause))] : codes;
    return [
      finding({
        code: FINDING_UNRETRIED_SOCKET_ERROR,
        severity: 'error',
        summary: `${plural(failed.length, 'call')} (${operationNames(failed)}) failed ${h2 ? `when the peer dropped the HTTP/2 session (${causes.join('; ')})` : `on a socket error (${codes.join(', ')})`} without a retry, after ${ms(median(costs))} (median)`,
        costMs,
        costPerCallMs: costMs / failed.length,
        costBasis: 'measured: the whole failed call, which the caller has to redo',
        fix: h2
          ? HTTP2_FIX
          : undici
            ? fetchFix(failed, context)
            : 'Treat these socket errors as transient in the retry strategy, and close idle sockets before the server does.',
        evidence: evidence(
          failed,
          {
            calls: failed.length,
            ...Object.fromEntries(
              codes.map((c) => [c, failed.filter((a) => (a.errorType ?? 'socket reset') === c).length]),
            ),
          },
          { failedCallMedianMs: median(costs) },
        ),
      }),
    ];
  },
};
