// Fleet versions of the region rules: cross-region by the region pair the calls name and by the connect
// time the metrics measure against the RTT table; region-redirect by the redirects counted.
import { FINDING_CROSS_REGION, FINDING_REGION_REDIRECT } from '@wirescope/semconv';
import { regionRttMs, regionsAtRtt, sameRegionRttMs } from '../data/rtt-table.js';
import {
  CROSS_REGION_MIN_CONNECT_MS,
  CROSS_REGION_SAME_REGION_FACTOR,
  CROSS_REGION_SINGLE_SAMPLE_MS,
  DISAGREEMENT_SHARE,
} from '../rules/cross-region.js';
import { finding, ms, severityForCost } from '../rules/rule-helpers.js';
import type { Finding } from '../types.js';
import type { FleetFacts, ServiceFacts } from './fleet-facts.js';
import { count, fleetEvidence, meanMs } from './fleet-helpers.js';
import { FLEET_LABELS as L } from './prometheus-names.js';

/** A new connection costs this many round trips on top of its request (TCP 1, TLS 1.2 2). */
const HANDSHAKE_ROUND_TRIPS = 3;

/** Share of the service's attempts that opened a connection (0 without the attempts metric). */
function freshShare(facts: FleetFacts, service: string): number {
  let attempts = 0;
  let fresh = 0;
  for (const e of facts.endpoints) {
    if (e.service !== service) continue;
    attempts += e.attempts;
    fresh += e.fresh;
  }
  return attempts > 0 ? fresh / attempts : 0;
}

/** Mean tcp connect (ms) the service measured between two regions, and how many connects. */
function connectBetween(s: ServiceFacts, caller: string, cloud: string) {
  let n = 0;
  let sumS = 0;
  for (const c of s.connects) {
    if (c.callerRegion !== caller || c.cloudRegion !== cloud) continue;
    n += c.tcp.count;
    sumS += c.tcp.sumS;
  }
  return n > 0 ? { count: n, meanMs: (sumS / n) * 1000 } : undefined;
}

/**
 * `cross-region`, by pair: calls with `wirescope.region.mismatch` true, per service and caller → signing
 * region. Cost per call = (table RTT − same-region RTT) × (1 request + 3 handshake round trips × the
 * service's share of new connections). A measured connect under half the table's RTT (and < 25 ms)
 * says the peer is near: reported as info with no cost, as the span rule does.
 */
export function fleetCrossRegionPairs(facts: FleetFacts): Finding[] {
  const out: Finding[] = [];
  for (const s of facts.services.values()) {
    for (const pair of s.mismatches) {
      const table = regionRttMs(pair.caller, pair.cloud);
      const same = sameRegionRttMs(pair.caller || undefined);
      const measured = connectBetween(s, pair.caller, pair.cloud);
      const trips = 1 + HANDSHAKE_ROUND_TRIPS * freshShare(facts, s.service);
      const series = { [L.service]: s.service, [L.callerRegion]: pair.caller, [L.cloudRegion]: pair.cloud };
      const counts = { calls: pair.calls, ...(measured ? { tcpConnects: measured.count } : {}) };
      const near =
        measured !== undefined &&
        table !== undefined &&
        measured.meanMs < DISAGREEMENT_SHARE * table &&
        measured.meanMs < CROSS_REGION_MIN_CONNECT_MS;
      if (near) {
        out.push(
          finding({
            code: FINDING_CROSS_REGION,
            severity: 'info',
            summary: `${s.service}: ${count(pair.calls)} calls are configured from ${pair.caller} to ${pair.cloud} (CloudPing p50 ${ms(table)}), but their connects take ${ms(measured.meanMs)}: the peer is near the caller`,
            costMs: 0,
            costPerCallMs: 0,
            costBasis: `no cost claimed: configuration says cross-region, the measured connect (${ms(measured.meanMs)}) says near`,
            fix: `Check what answers for ${pair.cloud} here (a proxy, VPC endpoint or local stand-in) and that the caller region ${pair.caller} is right.`,
            evidence: fleetEvidence(series, counts, { tcpConnectMeanMs: measured.meanMs, tableRttMs: table }),
          }),
        );
        continue;
      }
      const excess = table !== undefined ? Math.max(0, table - same) : 0;
      const perCall = excess * trips;
      out.push(
        finding({
          code: FINDING_CROSS_REGION,
          severity: perCall > 0 ? severityForCost(perCall) : 'warning',
          summary: `${s.service}: ${count(pair.calls)} calls from ${pair.caller} went to ${pair.cloud}: ${table !== undefined ? `one round trip ≈ ${ms(table)} (CloudPing p50) instead of ~${ms(same)}` : 'round trip unknown'}`,
          costMs: perCall * pair.calls,
          costPerCallMs: perCall,
          costBasis: `+${ms(excess)} per round trip × ${trips.toFixed(1)} round trips a call (the request, and a new connection's 3 for the share of calls that opened one)`,
          fix: `Run the code in ${pair.cloud} or keep the data in ${pair.caller} (a bucket or table in the caller's region); every round trip crosses regions.`,
          evidence: fleetEvidence(series, counts, {
            ...(measured ? { tcpConnectMeanMs: measured.meanMs } : {}),
            ...(table !== undefined ? { tableRttMs: table } : {}),
            sameRegionRttMs: same,
            excessPerRoundTripMs: excess,
          }),
        }),
      );
    }
  }
  return out;
}

/**
 * `cross-region`, by connect time: per service and endpoint whose calls name no region pair (caller and
 * signing region equal, or one unknown), the mean `tcp` phase is ≥ 25 ms and ≥ 5 × the table's
 * same-region RTT (over ≥ 2 connects, or ≥ 50 ms for one), and the TLS handshakes are at least as slow
 * as one such round trip. Cost = (mean connect − same-region RTT) × (attempts + 3 per new connection).
 */
export function fleetCrossRegionRtt(facts: FleetFacts): Finding[] {
  const out: Finding[] = [];
  for (const s of facts.services.values()) {
    for (const c of s.connects) {
      if (c.callerRegion && c.cloudRegion && c.callerRegion !== c.cloudRegion) continue;
      const region = c.callerRegion ?? c.cloudRegion;
      const same = sameRegionRttMs(region);
      const threshold = Math.max(CROSS_REGION_MIN_CONNECT_MS, CROSS_REGION_SAME_REGION_FACTOR * same);
      const connect = meanMs(c.tcp);
      if (connect === undefined || connect < threshold) continue;
      if (c.tcp.count < 2 && connect < CROSS_REGION_SINGLE_SAMPLE_MS) continue;
      const tls = meanMs(c.tls);
      if (tls !== undefined && tls < threshold) continue;
      const e = facts.endpoints.find((x) => x.service === s.service && x.endpoint === c.endpoint);
      const attempts = e?.attempts ?? c.tcp.count;
      const roundTrips = attempts + HANDSHAKE_ROUND_TRIPS * c.tcp.count;
      const excess = connect - same;
      const costMs = excess * roundTrips;
      const guesses = region !== undefined ? regionsAtRtt(region, connect) : [];
      const whereTo = guesses.length > 0 ? `probably ${guesses.join(' or ')}` : 'far from it';
      const subject = c.callerRegion
        ? `a caller in ${c.callerRegion}`
        : `an endpoint for ${c.cloudRegion ?? 'an unknown region'}`;
      out.push(
        finding({
          code: FINDING_CROSS_REGION,
          severity: severityForCost(costMs / Math.max(1, attempts)),
          summary: `${s.service}: ${count(c.tcp.count)} connects to ${c.endpoint} took ${ms(connect)} on average from ${subject} (same-region ~${ms(same)}): the peer is not in ${region ?? 'the same region'}, ${whereTo}`,
          costMs,
          costPerCallMs: costMs / Math.max(1, attempts),
          costBasis: `+${ms(excess)} per round trip (mean connect − same-region p50) × ${count(roundTrips)} round trips (requests, and 3 per new connection)`,
          fix: c.callerRegion
            ? `Call an endpoint in ${c.callerRegion}: check the client's region, custom endpoint or proxy, and where the bucket or table lives.`
            : `Record the caller's region (AWS_REGION, or the resource's cloud.region) to confirm, and run the code next to ${c.cloudRegion ?? 'the endpoint'}.`,
          evidence: fleetEvidence(
            {
              [L.service]: s.service,
              [L.endpoint]: c.endpoint,
              ...(c.callerRegion ? { [L.callerRegion]: c.callerRegion } : {}),
              ...(c.cloudRegion ? { [L.cloudRegion]: c.cloudRegion } : {}),
            },
            { tcpConnects: c.tcp.count, attempts, roundTrips },
            {
              tcpConnectMeanMs: connect,
              ...(tls !== undefined ? { tlsHandshakeMeanMs: tls } : {}),
              sameRegionRttMs: same,
              excessPerRoundTripMs: excess,
            },
          ),
        }),
      );
    }
  }
  return out;
}

/**
 * `region-redirect` per service, operation and region pair: `wirescope.region.redirects` ≥ 1. Cost per
 * redirect ≈ 4 round trips at the table's RTT between the regions (the wasted request, and the re-run's
 * new TCP + TLS 1.2 connection); the span rule measures them, the metrics do not.
 */
export function fleetRegionRedirects(facts: FleetFacts): Finding[] {
  const out: Finding[] = [];
  for (const s of facts.services.values()) {
    for (const r of s.redirects) {
      const rtt = regionRttMs(r.from, r.to) ?? sameRegionRttMs(r.to || undefined);
      const perCall = 4 * rtt;
      const op = r.rpcService && r.rpcMethod ? `${r.rpcService}.${r.rpcMethod}` : 'S3';
      const to = r.to || "the bucket's region";
      out.push(
        finding({
          code: FINDING_REGION_REDIRECT,
          severity: severityForCost(perCall),
          summary: `${s.service}: ${count(r.count)} ${op} calls were sent to ${r.from || 'the client region'} and redirected to ${to}: ≈ +${ms(perCall)} each`,
          costMs: perCall * r.count,
          costPerCallMs: perCall,
          costBasis: `estimated: 4 round trips (the redirected request, the re-run's new connection) × ${ms(rtt)} (CloudPing p50 ${r.from} → ${r.to})`,
          fix: `Create the S3 client in ${to} (one client per bucket region) so calls go straight to the bucket instead of paying a redirect each time.`,
          evidence: fleetEvidence(
            {
              [L.service]: s.service,
              [L.rpcService]: r.rpcService,
              [L.rpcMethod]: r.rpcMethod,
              [L.cloudRegion]: r.from,
              [L.bucketRegion]: r.to,
            },
            { redirects: r.count },
            { tableRttMs: rtt },
          ),
        }),
      );
    }
  }
  return out;
}
