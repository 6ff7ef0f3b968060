import { FINDING_SOCKET_POOL_SATURATION } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../engine/internal-types.js';
import type { Finding } from '../types.js';
import {
  evidence,
  finding,
  groupBy,
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
 * `socket-pool-saturation`. Per host (and process), triggers when ≥ 2 attempts waited ≥ 1 ms for a pooled
 * socket (`wirescope.connection.queue_ms`) and the waits add up to ≥ 20 ms: the agent is at
 * `maxSockets`. Cost = sum of the measured queue waits.
 */
export const socketPoolSaturationRule: Rule = {
  code: FINDING_SOCKET_POOL_SATURATION,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    for (const attempts of groupBy(context.attempts, (a) => `${a.origin}|${hostOf(a)}`).values()) {
      const queued = attempts.filter((a) => (a.queueMs ?? 0) >= QUEUE_MIN_MS);
      const waits = queued.map((a) => a.queueMs ?? 0);
      const costMs = sum(waits);
      if (queued.length < QUEUE_MIN_ATTEMPTS || costMs < QUEUE_MIN_TOTAL_MS) continue;
      const first = attempts[0] as AttemptRecord;
      const maxSockets = queued.find((a) => a.maxSockets !== undefined)?.maxSockets;
      const limit = maxSockets !== undefined ? ` (maxSockets ${maxSockets})` : '';
      findings.push(
        finding({
          code: FINDING_SOCKET_POOL_SATURATION,
          severity: severityForCost(median(waits)),
          summary: `${queued.length} of ${attempts.length} requests to ${hostOf(first)} waited for a free socket${limit}: median ${ms(median(waits))}, ${plural(peakConcurrency(attempts), 'request')} in flight at peak`,
          costMs,
          costPerCallMs: costMs / queued.length,
          costBasis: 'measured: sum of wirescope.connection.queue_ms',
          fix: "Raise the agent's maxSockets (NodeHttpHandler({ httpsAgent: { maxSockets } })) to the concurrency you run, or limit concurrency to the pool size.",
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
