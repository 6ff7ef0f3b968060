import { FINDING_CROSS_REGION } from '@wirescope/semconv';
import { regionRttMs, regionsAtRtt, sameRegionRttMs } from '../data/rtt-table.js';
import type { AttemptRecord, Rule, RuleContext } from '../engine/internal-types.js';
import type { Finding } from '../types.js';
import { callerRegionOf, roundTripsOf, targetRegionOf } from './regions-of.js';
import {
  evidence,
  finding,
  groupBy,
  hostOf,
  ms,
  operationNames,
  plural,
  severityForCost,
  sum,
} from './rule-helpers.js';

/** A measured connect this slow (ms) is not same-region, whatever the table says (near pairs are 9–16 ms). */
export const CROSS_REGION_MIN_CONNECT_MS = 25;
/** …and at least this many times the same-region median of the table. */
export const CROSS_REGION_SAME_REGION_FACTOR = 5;
/** One connect sample alone must be at least this slow (ms) to count (a stalled event loop inflates one sample). */
export const CROSS_REGION_SINGLE_SAMPLE_MS = 50;

/**
 * `cross-region`. Triggers when (a) the caller region (`wirescope.caller.region`, else the option) and
 * the target region (bucket region, else the region in the endpoint host, else the signing region)
 * are both known and differ, or (b) the fastest measured `tcp.connect` to a host (one TCP connect is
 * one round trip) is ≥ 25 ms and ≥ 5× the table's same-region median for the caller's (else the
 * target's) region — over ≥ 2 connects, or ≥ 50 ms for a single one: "a caller in us-east-1 whose
 * connects take ~64 ms is not talking to us-east-1".
 * Cost per attempt = (RTT − same-region RTT) × round trips of the attempt (1 + TCP 1 + TLS 1–2 +
 * 100-continue 1); RTT is the fastest measured `tcp.connect`, else the table median between the regions.
 */
export const crossRegionRule: Rule = {
  code: FINDING_CROSS_REGION,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    const groups = groupBy(context.attempts, (attempt) => {
      const caller = callerRegionOf(attempt, context);
      const target = targetRegionOf(attempt);
      if (caller === undefined && target === undefined) return undefined;
      const byRegions = caller !== undefined && target !== undefined && caller !== target;
      // Attribute-based findings group per region pair; RTT-based ones per host (one host, one place).
      return byRegions
        ? `regions|${caller}|${target}`
        : `rtt|${caller ?? ''}|${target ?? ''}|${hostOf(attempt)}`;
    });
    for (const [key, attempts] of groups) {
      const result = key.startsWith('regions|') ? byRegions(attempts, context) : byRtt(attempts, context);
      if (result) findings.push(result);
    }
    return findings;
  },
};

function fastestConnect(attempts: AttemptRecord[]): { min: number | undefined; samples: number } {
  const samples = attempts.flatMap((a) =>
    a.phases.tcp && !a.phases.tcp.error ? [a.phases.tcp.durationMs] : [],
  );
  return {
    min: samples.length > 0 ? samples.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY) : undefined,
    samples: samples.length,
  };
}

function costOf(attempts: AttemptRecord[], excessPerTripMs: number) {
  const trips = attempts.map(roundTripsOf);
  const costMs = Math.max(0, excessPerTripMs) * sum(trips);
  const calls = new Set(attempts.map((a) => a.parentSpanId ?? a.spanId)).size;
  return { costMs, calls, trips: sum(trips), perCall: calls > 0 ? costMs / calls : 0 };
}

function byRegions(attempts: AttemptRecord[], context: RuleContext): Finding | undefined {
  const first = attempts[0] as AttemptRecord;
  const caller = callerRegionOf(first, context) as string;
  const target = targetRegionOf(first) as string;
  const same = sameRegionRttMs(caller);
  const connect = fastestConnect(attempts);
  const tableRtt = regionRttMs(caller, target);
  const rtt = connect.min ?? tableRtt;
  const excess = rtt !== undefined ? rtt - same : 0;
  const cost = costOf(attempts, excess);
  const rttText =
    rtt === undefined
      ? 'round trip unknown'
      : `one round trip ≈ ${ms(rtt)} (${connect.min !== undefined ? 'measured tcp.connect' : 'CloudPing p50'}) instead of ~${ms(same)}`;
  return finding({
    code: FINDING_CROSS_REGION,
    severity: cost.perCall > 0 ? severityForCost(cost.perCall) : 'warning',
    summary: `${plural(cost.calls, 'call')} (${operationNames(attempts)}) from ${caller} went to ${target}: ${rttText}`,
    costMs: cost.costMs,
    costPerCallMs: cost.perCall,
    costBasis: `+${ms(Math.max(0, excess))} per round trip × ${plural(cost.trips, 'round trip')} (request, new connections, 100-continue)`,
    fix: `Run the code in ${target} or keep the data in ${caller} (a bucket or table in the caller's region); every round trip crosses regions.`,
    evidence: evidence(
      attempts,
      { calls: cost.calls, attempts: attempts.length, roundTrips: cost.trips, tcpConnects: connect.samples },
      {
        ...(connect.min !== undefined ? { tcpConnectMinMs: connect.min } : {}),
        ...(tableRtt !== undefined ? { tableRttMs: tableRtt } : {}),
        sameRegionRttMs: same,
        excessPerRoundTripMs: Math.max(0, excess),
      },
    ),
  });
}

function byRtt(attempts: AttemptRecord[], context: RuleContext): Finding | undefined {
  const first = attempts[0] as AttemptRecord;
  const caller = callerRegionOf(first, context);
  const target = targetRegionOf(first);
  const region = (caller ?? target) as string;
  const same = sameRegionRttMs(region);
  const connect = fastestConnect(attempts);
  if (connect.min === undefined) return undefined;
  const threshold = Math.max(CROSS_REGION_MIN_CONNECT_MS, CROSS_REGION_SAME_REGION_FACTOR * same);
  if (connect.min < threshold) return undefined;
  if (connect.samples < 2 && connect.min < CROSS_REGION_SINGLE_SAMPLE_MS) return undefined;
  const excess = connect.min - same;
  const cost = costOf(attempts, excess);
  const guesses = regionsAtRtt(region, connect.min);
  const where = guesses.length > 0 ? `probably ${guesses.join(' or ')}` : 'far from it';
  const subject = caller !== undefined ? `a caller in ${caller}` : `an endpoint for ${target}`;
  return finding({
    code: FINDING_CROSS_REGION,
    severity: severityForCost(cost.perCall),
    summary: `${plural(connect.samples, 'connect')} to ${hostOf(first)} took ≥ ${ms(connect.min)} from ${subject} (same-region ~${ms(same)}): the peer is not in ${region}, ${where}`,
    costMs: cost.costMs,
    costPerCallMs: cost.perCall,
    costBasis: `+${ms(excess)} per round trip (fastest tcp.connect − same-region p50) × ${plural(cost.trips, 'round trip')}`,
    fix:
      caller !== undefined
        ? `Call an endpoint in ${caller}: check the client's region, custom endpoint or proxy, and where the bucket or table lives.`
        : `Set the caller's region (AWS_REGION or --caller-region) to confirm, and run the code next to ${target}.`,
    evidence: evidence(
      attempts.filter((a) => a.phases.tcp !== undefined),
      { calls: cost.calls, attempts: attempts.length, roundTrips: cost.trips, tcpConnects: connect.samples },
      { tcpConnectMinMs: connect.min, sameRegionRttMs: same, excessPerRoundTripMs: excess },
    ),
  });
}
