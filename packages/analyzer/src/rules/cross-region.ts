import { FINDING_CROSS_REGION } from '@wirescope/semconv';
import { regionRttMs, regionsAtRtt, sameRegionRttMs } from '../data/rtt-table.js';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { callerRegionOf, roundTripsOf, targetRegionOf } from './regions-of.js';
import { confirmedFarRtt, measuredRtt, type RoundTrips, roundTripSamples } from './round-trips.js';
import {
  distinctCalls,
  evidence,
  finding,
  groupBy,
  hostOf,
  KeyMemo,
  ms,
  operationNames,
  plural,
  severityForCost,
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
 * connects take ~64 ms is not talking to us-east-1" — and the host's TLS handshakes (per round trip)
 * are as slow (a stalled event loop inflates one connect, not every sample).
 * Cost per attempt = (RTT − same-region RTT) × round trips of the attempt (1 + TCP 1 + TLS 1–2 +
 * 100-continue 1); RTT is the fastest measured round trip (tcp.connect, TLS handshake per round trip;
 * a connect below a quarter of the TLS round trip ended at a nearby proxy and is left out), else the
 * table median between the regions.
 */
export const crossRegionRule: Rule = {
  code: FINDING_CROSS_REGION,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    // One key string per distinct (caller, target, host, port), not one per attempt.
    const keys = new KeyMemo();
    const groups = groupBy(context.attempts, (attempt) => {
      const op = attempt.operation;
      const caller = callerRegionOf(attempt, context, op);
      const target = targetRegionOf(attempt, op);
      if (caller === undefined && target === undefined) return undefined;
      const byRegions = caller !== undefined && target !== undefined && caller !== target;
      // Attribute-based findings group per region pair; RTT-based ones per host (one host, one place).
      return byRegions
        ? keys.key(caller, target, undefined, undefined, () => `regions|${caller}|${target}`)
        : keys.key(
            caller,
            target,
            attempt.serverAddress,
            attempt.serverPort,
            () => `rtt|${caller ?? ''}|${target ?? ''}|${hostOf(attempt)}`,
          );
    });
    for (const [key, attempts] of groups) {
      const result = key.startsWith('regions|') ? byRegions(attempts, context) : byRtt(attempts, context);
      if (result) findings.push(result);
    }
    return findings;
  },
};

function costOf(attempts: AttemptRecord[], excessPerTripMs: number) {
  let trips = 0;
  for (let i = 0; i < attempts.length; i++) trips += roundTripsOf(attempts[i] as AttemptRecord);
  const costMs = Math.max(0, excessPerTripMs) * trips;
  // One call per operation (an attempt without one counts as its own call).
  const calls = distinctCalls(attempts);
  return { costMs, calls, trips, perCall: calls > 0 ? costMs / calls : 0 };
}

function byRegions(attempts: AttemptRecord[], context: RuleContext): Finding | undefined {
  const first = attempts[0] as AttemptRecord;
  const caller = callerRegionOf(first, context) as string;
  const target = targetRegionOf(first) as string;
  const same = sameRegionRttMs(caller);
  const samples = roundTripSamples(attempts);
  const measured = measuredRtt(samples);
  const tableRtt = regionRttMs(caller, target);
  // Configuration names two regions, but the measured round trip is that of a near peer: trust the
  // measurement for the cost and say which said what.
  if (
    measured !== undefined &&
    tableRtt !== undefined &&
    measured < DISAGREEMENT_SHARE * tableRtt &&
    measured < CROSS_REGION_MIN_CONNECT_MS
  )
    return disagreement(attempts, caller, target, measured, tableRtt, samples);
  const rtt = measured ?? tableRtt;
  const excess = rtt !== undefined ? rtt - same : 0;
  const cost = costOf(attempts, excess);
  const rttText =
    rtt === undefined
      ? 'round trip unknown'
      : `one round trip ≈ ${ms(rtt)} (${measured !== undefined ? 'measured' : 'CloudPing p50'}) instead of ~${ms(same)}`;
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
      {
        calls: cost.calls,
        attempts: attempts.length,
        roundTrips: cost.trips,
        tcpConnects: samples.tcpSamples,
      },
      {
        ...(samples.tcpMin !== undefined ? { tcpConnectMinMs: samples.tcpMin } : {}),
        ...(measured !== undefined ? { measuredRttMs: measured } : {}),
        ...(tableRtt !== undefined ? { tableRttMs: tableRtt } : {}),
        sameRegionRttMs: same,
        excessPerRoundTripMs: Math.max(0, excess),
      },
    ),
  });
}

/** Below this share of the table's round trip between the configured regions, a measurement disagrees. */
export const DISAGREEMENT_SHARE = 0.5;

/**
 * The regions configured (caller vs signing or bucket region) say cross-region, the measured round trip
 * says near: a proxy, a VPC endpoint, a local stand-in, or a wrong caller region. No cost is claimed.
 */
function disagreement(
  attempts: AttemptRecord[],
  caller: string,
  target: string,
  measured: number,
  tableRtt: number,
  samples: RoundTrips,
): Finding {
  const calls = distinctCalls(attempts);
  return finding({
    code: FINDING_CROSS_REGION,
    severity: 'info',
    summary: `${plural(calls, 'call')} (${operationNames(attempts)}) are configured from ${caller} to ${target} (CloudPing p50 ${ms(tableRtt)}), but the round trip measured to ${hostOf(attempts[0] as AttemptRecord)} is ${ms(measured)}: the peer is near the caller`,
    costMs: 0,
    costPerCallMs: 0,
    costBasis: `no cost claimed: configuration says cross-region, measurement (${ms(measured)} round trip) says near`,
    fix: `Check what answers for ${target} here (a proxy, VPC endpoint or local stand-in) and that the caller region ${caller} is right.`,
    evidence: evidence(
      attempts,
      {
        calls,
        attempts: attempts.length,
        tcpConnects: samples.tcpSamples,
        tlsHandshakes: samples.tlsSamples,
      },
      { measuredRttMs: measured, tableRttMs: tableRtt },
    ),
  });
}

function byRtt(attempts: AttemptRecord[], context: RuleContext): Finding | undefined {
  const first = attempts[0] as AttemptRecord;
  const caller = callerRegionOf(first, context);
  const target = targetRegionOf(first);
  const region = (caller ?? target) as string;
  const same = sameRegionRttMs(region);
  const samples = roundTripSamples(attempts);
  const threshold = Math.max(CROSS_REGION_MIN_CONNECT_MS, CROSS_REGION_SAME_REGION_FACTOR * same);
  const slow = (min: number | undefined, count: number): min is number =>
    min !== undefined && min >= threshold && (count >= 2 || min >= CROSS_REGION_SINGLE_SAMPLE_MS);
  // Slow connects alone are not enough: the TLS handshakes to the host must be as slow.
  const tcpRtt =
    samples.tcpMin !== undefined ? Math.min(samples.tcpMin, samples.tlsMin ?? samples.tcpMin) : undefined;
  // TCP ending nearby (a sidecar or proxy): the TLS handshakes measure the path, confirmed (and bounded
  // from above) by the requests on reused connections, each at least one round trip.
  const far = confirmedFarRtt(samples);
  const near =
    !(slow(samples.tcpMin, samples.tcpSamples) && slow(tcpRtt, samples.tcpSamples)) &&
    slow(far, samples.tlsSamples);
  const connect = near
    ? { min: far as number, samples: samples.tlsSamples }
    : { min: samples.tcpMin, samples: samples.tcpSamples };
  if (!slow(connect.min, connect.samples)) return undefined;
  const rtt = near ? connect.min : Math.min(connect.min, samples.tlsMin ?? connect.min);
  if (rtt < threshold) return undefined;
  const excess = rtt - same;
  const cost = costOf(attempts, excess);
  const guesses = regionsAtRtt(region, rtt);
  const where = guesses.length > 0 ? `probably ${guesses.join(' or ')}` : 'far from it';
  const subject = caller !== undefined ? `a caller in ${caller}` : `an endpoint for ${target}`;
  return finding({
    code: FINDING_CROSS_REGION,
    severity: severityForCost(cost.perCall),
    summary: near
      ? `TCP to ${hostOf(first)} ends nearby (connect ${ms(samples.tcpMin as number)}: a proxy or sidecar), but ${plural(connect.samples, 'TLS handshake')} ${connect.samples === 1 ? 'measures' : 'measure'} a ${ms(rtt)} round trip from ${subject} (same-region ~${ms(same)}): the peer is not in ${region}, ${where}`
      : `${plural(connect.samples, 'connect')} to ${hostOf(first)} took ≥ ${ms(connect.min)} from ${subject} (same-region ~${ms(same)}): the peer is not in ${region}, ${where}`,
    costMs: cost.costMs,
    costPerCallMs: cost.perCall,
    costBasis: `+${ms(excess)} per round trip (fastest measured round trip − same-region p50) × ${plural(cost.trips, 'round trip')}`,
    fix:
      caller !== undefined
        ? `Call an endpoint in ${caller}: check the client's region, custom endpoint or proxy, and where the bucket or table lives.`
        : `Set the caller's region (AWS_REGION or --caller-region) to confirm, and run the code next to ${target}.`,
    evidence: evidence(
      attempts.filter((a) => a.hasPhase('tcp') || a.hasPhase('tls')),
      {
        calls: cost.calls,
        attempts: attempts.length,
        roundTrips: cost.trips,
        tcpConnects: samples.tcpSamples,
        tlsHandshakes: samples.tlsSamples,
      },
      {
        ...(samples.tcpMin !== undefined ? { tcpConnectMinMs: samples.tcpMin } : {}),
        ...(samples.reusedMin !== undefined ? { reusedRequestMinMs: samples.reusedMin } : {}),
        measuredRttMs: rtt,
        sameRegionRttMs: same,
        excessPerRoundTripMs: excess,
      },
    ),
  });
}
