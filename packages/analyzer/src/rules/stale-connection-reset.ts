import { FINDING_STALE_CONNECTION_RESET, isSocketReset } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { allHttp2, http2ResetCause, isHttp2SessionReset } from './http2-sessions.js';
import { handlerOf, idleCutoff, idleCutoffAdvice, idleTimeoutOption } from './idle-cutoff.js';
import { idleLimitAdvice, peersPast, suggestedIdleLimitMs } from './peer-idle-limits.js';
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

/**
 * True when the attempt's socket was reset or closed by the peer (RST, FIN with no response, EPIPE); on
 * HTTP/2, when the peer dropped the stream with its session (`isHttp2SessionReset`).
 */
export function isResetAttempt(attempt: AttemptRecord): boolean {
  if (attempt.http2 !== undefined) return isHttp2SessionReset(attempt);
  return attempt.socketReset || isSocketReset(attempt.errorType ?? '');
}

/**
 * `stale-connection-reset`. Triggers for any attempt that ran on a REUSED socket and failed with a
 * reset (`wirescope.socket.reset`, or `error.type` ECONNRESET / EPIPE / UND_ERR_SOCKET / ECONNABORTED):
 * the server, a NAT or a Lambda freeze dropped the idle socket. Cost per reset = the failed attempt's
 * duration + the dns+tcp+tls of the retry's new connection (both measured). The fix names the idle
 * option of the handler that made the attempts, and the idle cut-off as the spans bound it: under the
 * shortest idle that met a dead socket, over the longest idle a reused socket of the pool survived;
 * with a limit to set under it (`suggestedIdleLimitMs`). Issue 18: the summary also says which usual
 * peers' idle limits the idle passed (`peersPast`), how many requests the sockets had served before
 * (`wirescope.connection.requests` − 1) and whether each retry got a new connection. Issue 17: on
 * HTTP/2 the connection is the session, and a reset is a stream the peer dropped with it (GOAWAY with an
 * error code, REFUSED_STREAM on an established session, the transport reset; `isHttp2SessionReset`): the
 * text names the session, the frame, and NodeHttp2Handler's `sessionTimeout`.
 */
export const staleConnectionResetRule: Rule = {
  code: FINDING_STALE_CONNECTION_RESET,
  run(context: RuleContext): Finding[] {
    const stale = context.attempts.filter((a) => a.reused === true && isResetAttempt(a));
    const findings: Finding[] = [];
    const pools = attemptsByPool(context);
    for (const resets of groupBy(stale, (a) => a.poolKey).values()) {
      const first = resets[0] as AttemptRecord;
      const costs = resets.map((a) => a.durationMs + (a.next?.isNew ? handshakeMs(a.next) : 0));
      const costMs = sum(costs);
      const perCall = costMs / resets.length;
      const idle = resets.flatMap((a) => (a.idleMs !== undefined ? [a.idleMs] : []));
      const minIdle = idle.length > 0 ? idle.reduce((m, v) => Math.min(m, v)) : undefined;
      const retried = resets.filter((a) => a.next !== undefined).length;
      const fresh = resets.filter((a) => a.next?.isNew === true).length;
      // `wirescope.connection.requests` counts the failed request too.
      const served = resets.flatMap((a) =>
        a.connectionRequests !== undefined ? [Math.max(0, a.connectionRequests - 1)] : [],
      );
      const h2 = allHttp2(resets);
      const conn = h2 ? 'session' : 'socket';
      const retryText =
        fresh === retried
          ? `${retried} retried on a new ${h2 ? 'session' : 'connection'}`
          : `${retried} retried (${fresh} on a new ${h2 ? 'session' : 'connection'}, ${retried - fresh} on ${h2 ? 'a pooled session' : 'another pooled socket'})`;
      const whose = resets.length === 1 ? `the ${conn}` : `the ${conn}s`;
      const servedText =
        served.length > 0
          ? `; ${whose} had served ${plural(median(served), h2 ? 'stream' : 'request')}${served.length > 1 ? ' (median)' : ''} before`
          : '';
      const peerText = minIdle !== undefined ? `; ${peersPast(minIdle)}` : '';
      const codes = [
        ...new Set(resets.map((a) => (h2 ? http2ResetCause(a) : (a.errorType ?? a.socketError ?? 'reset')))),
      ].join(h2 ? '; ' : ', ');
      const idleText = minIdle !== undefined ? ` after ≥ ${ms(minIdle)} idle` : '';
      const cutoff = idleCutoff(resets, pools.get(first.poolKey) ?? resets);
      const handler = handlerOf(resets);
      const option = idleTimeoutOption(handler);
      const what = h2
        ? `had ${resets.length === 1 ? 'its stream' : 'their streams'} dropped by the peer on a reused HTTP/2 session`
        : 'wrote into a dead keep-alive socket';
      const close = h2 ? 'Close idle sessions' : 'Close idle sockets';
      findings.push(
        finding({
          code: FINDING_STALE_CONNECTION_RESET,
          severity: severityForCost(perCall) === 'info' ? 'warning' : severityForCost(perCall),
          summary: `${plural(resets.length, 'request')} (${operationNames(resets)}) to ${hostOf(first)} ${what}${idleText} (${codes}); ${retryText}: +${ms(perCall)} each${peerText}${servedText}`,
          costMs,
          costPerCallMs: perCall,
          costBasis: `measured: the failed attempt plus the new ${h2 ? 'session' : 'connection'} (dns+tcp+tls) of the retry`,
          fix: cutoff
            ? `${close} before the peer does: ${idleCutoffAdvice(cutoff, option, conn)}: ${idleLimitAdvice(handler, cutoff)}, or send traffic more often.`
            : `${close} before the server or NAT does: set ${option} below the peer's idle cut-off.`,
          evidence: evidence(
            resets,
            { resets: resets.length, retried, retriedOnNew: fresh },
            {
              ...(minIdle !== undefined ? { idleMsMin: minIdle, idleMsMedian: median(idle) } : {}),
              ...(cutoff?.survivedMaxMs !== undefined ? { idleMsSurvivedMax: cutoff.survivedMaxMs } : {}),
              ...(cutoff ? { idleLimitSuggestedMs: suggestedIdleLimitMs(cutoff) } : {}),
              ...(served.length > 0
                ? { requestsServedMedian: median(served), requestsServedMax: Math.max(...served) }
                : {}),
              failedAttemptMedianMs: median(resets.map((a) => a.durationMs)),
            },
          ),
        }),
      );
    }
    return findings;
  },
};
