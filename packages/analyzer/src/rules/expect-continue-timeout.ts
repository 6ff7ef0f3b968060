import { EXPECT_CONTINUE_ENDED_BY_TIMER, FINDING_EXPECT_CONTINUE_TIMEOUT } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { measuredRtt, roundTripSamples } from './round-trips.js';
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
  severityForCost,
  sum,
} from './rule-helpers.js';

/** A wait that ended on the timer counts from this long beyond the round trip (ms). */
export const EXPECT_TIMEOUT_MIN_MS = 50;

/** The bucket's region when S3 named one that the call was not signed for, else undefined. */
function otherBucketRegion(attempts: AttemptRecord[]): string | undefined {
  for (const a of attempts) {
    const op = a.operation;
    if (op?.bucketRegion !== undefined && op.bucketRegion !== op.signingRegion) return op.bucketRegion;
  }
  return undefined;
}

/** The fix: the header off, or the bucket's own region (named when S3 told it). */
export function expectTimeoutFix(bucketRegion: string | undefined): string {
  const region = bucketRegion
    ? `call the bucket's region (${bucketRegion}) so that S3 answers in time`
    : "call the bucket's region so that S3 answers in time";
  return `Turn the header off for these uploads (S3Client option expectContinueHeader: false, or a byte threshold above their size), or ${region}: the SDK waits for 100 Continue up to its fallback timer (6 s, or requestTimeout when longer) before it sends the body.`;
}

/**
 * `expect-continue-timeout`. Per host (and process), triggers for attempts whose `Expect: 100-continue`
 * wait ended with no answer (`wirescope.expect_continue.ended_by` = `timer`: the SDK's fallback timer
 * sent the body) and lasted ≥ 50 ms beyond the round trip measured to the host (the fastest
 * `tcp.connect` or TLS handshake of its attempts; none measured: the whole wait). Cost per upload = the
 * wait less that round trip (an answer takes one round trip); severity from the cost per upload.
 * NodeHttpHandler and NodeHttp2Handler wait alike (smithy node-http-handler `writeRequestBody`), and
 * both producers write the same attributes, so an HTTP/2 stream is judged as a node:http request is
 * (its round trip: its session's connect).
 */
export const expectContinueTimeoutRule: Rule = {
  code: FINDING_EXPECT_CONTINUE_TIMEOUT,
  run(context: RuleContext): Finding[] {
    const timed = context.attempts.filter(
      (a) => a.expectEndedBy === EXPECT_CONTINUE_ENDED_BY_TIMER && a.expectWaitMs !== undefined,
    );
    if (timed.length === 0) return [];
    const pools = attemptsByPool(context);
    const findings: Finding[] = [];
    for (const group of groupBy(timed, (a) => a.poolKey).values()) {
      const first = group[0] as AttemptRecord;
      const rtt = measuredRtt(roundTripSamples(pools.get(first.poolKey) ?? group));
      const beyond = (a: AttemptRecord) => (a.expectWaitMs as number) - (rtt ?? 0);
      const uploads = group.filter((a) => beyond(a) >= EXPECT_TIMEOUT_MIN_MS);
      if (uploads.length === 0) continue;
      const waits = uploads.map((a) => a.expectWaitMs as number);
      const costs = uploads.map(beyond);
      const costMs = sum(costs);
      const perCall = costMs / uploads.length;
      const rttText = rtt !== undefined ? `the round trip is ${ms(rtt)}` : 'no round trip measured';
      findings.push(
        finding({
          code: FINDING_EXPECT_CONTINUE_TIMEOUT,
          severity: severityForCost(perCall),
          summary: `${plural(uploads.length, 'upload')} (${operationNames(uploads)}) to ${hostOf(first)} waited ${ms(median(waits))} (median) for a 100 Continue that never came, until the body went out on the SDK's timer; ${rttText}: +${ms(perCall)} each`,
          costMs,
          costPerCallMs: perCall,
          costBasis:
            rtt !== undefined
              ? 'measured: wirescope.expect_continue.wait_ms less the round trip measured to the host'
              : 'measured: wirescope.expect_continue.wait_ms (no round trip measured to the host)',
          fix: expectTimeoutFix(otherBucketRegion(uploads)),
          evidence: evidence(
            uploads,
            { uploads: uploads.length },
            {
              continueWaitMedianMs: median(waits),
              continueWaitMaxMs: waits.reduce((m, v) => Math.max(m, v), 0),
              ...(rtt !== undefined ? { rttMs: rtt } : {}),
            },
          ),
        }),
      );
    }
    return findings;
  },
};
