// Fleet versions of the connection rules: the same judgments and thresholds as the span rules, from
// counts over a window instead of attempt by attempt.
import {
  FINDING_CONNECTION_CHURN,
  FINDING_DNS_LOOKUP_PER_CONNECTION,
  FINDING_EXPECT_CONTINUE_NO_REUSE,
  FINDING_STALE_CONNECTION_RESET,
} from '@wirescope/semconv';
import { CHURN_MIN_EXTRA_CONNECTIONS, CHURN_MIN_NEW_SHARE } from '../rules/connection-churn.js';
import {
  DNS_MIN_EXTRA_LOOKUPS,
  DNS_MIN_LOOKUP_SHARE,
  DNS_MIN_NEW_SHARE,
  DNS_MIN_TOTAL_MS,
} from '../rules/dns-lookup-per-connection.js';
import { idleTimeoutOption } from '../rules/idle-cutoff.js';
import { finding, ms, severityForCost } from '../rules/rule-helpers.js';
import type { Finding } from '../types.js';
import type { EndpointFacts, FleetFacts } from './fleet-facts.js';
import {
  count,
  fleetEvidence,
  handshakePerConnectionMs,
  meanMs,
  poolAllowance,
  where,
} from './fleet-helpers.js';
import { FLEET_LABELS as L } from './prometheus-names.js';

const seriesOf = (e: EndpointFacts) => ({ [L.service]: e.service, [L.endpoint]: e.endpoint });

/**
 * `connection-churn` per service and endpoint: new connections (attempts with
 * `wirescope.connection.reused` false) less those other rules explain (retries after a socket reset,
 * 100-continue uploads on new connections) and less what the pool held open at its peak (the pool
 * gauges; 0 without them), ≥ 2 beyond that and ≥ 50 % of the attempts. Cost = those extra connections ×
 * the endpoint's mean dns+tcp+tls per new connection.
 */
export function fleetConnectionChurn(facts: FleetFacts): Finding[] {
  const out: Finding[] = [];
  for (const e of facts.endpoints) {
    const explained = e.resetsReused + e.resetsNew + e.expect.fresh;
    const fresh = Math.max(0, e.fresh - explained);
    const allowance = poolAllowance(facts.services.get(e.service));
    const extra = fresh - allowance;
    if (extra < CHURN_MIN_EXTRA_CONNECTIONS || fresh < CHURN_MIN_NEW_SHARE * e.attempts) continue;
    const handshake = handshakePerConnectionMs(e, e.fresh);
    const perCall = handshake ?? 0;
    const tls = (e.phases.tls?.count ?? 0) > 0;
    out.push(
      finding({
        code: FINDING_CONNECTION_CHURN,
        severity: handshake !== undefined ? severityForCost(perCall) : 'warning',
        summary: `${where(e)}: ${count(fresh)} of ${count(e.attempts)} requests opened a new ${tls ? 'TLS ' : ''}connection (a new client per call, or keep-alive off?)${handshake !== undefined ? `: ≈ ${ms(handshake)} each` : ''}`,
        costMs: extra * perCall,
        costPerCallMs: perCall,
        costBasis:
          handshake !== undefined
            ? `${count(extra)} connections beyond the ${count(allowance)} the pool held open at peak × mean dns+tcp+tls ${ms(handshake)} (wirescope.connection.phase.duration)`
            : 'no cost claimed: no wirescope.connection.phase.duration for this endpoint',
        fix: 'Create the SDK client once, outside the handler, and reuse it and its agent; keep idle sockets open between calls.',
        evidence: fleetEvidence(
          seriesOf(e),
          {
            attempts: e.attempts,
            newConnections: e.fresh,
            explainedElsewhere: Math.min(explained, e.fresh),
            peakOpenConnections: allowance,
            extraConnections: extra,
          },
          handshake !== undefined ? { handshakeMeanMs: handshake } : {},
        ),
      }),
    );
  }
  return out;
}

/**
 * `dns-lookup-per-connection` per service and endpoint: new connections ≥ 10 % of the attempts, DNS
 * lookups (`wirescope.phase` dns) ≥ 80 % of them, ≥ 2 beyond the pool's peak (at least 1), taking ≥ 1 ms
 * together. Cost = extra lookups × the mean lookup.
 */
export function fleetDnsPerConnection(facts: FleetFacts): Finding[] {
  const out: Finding[] = [];
  for (const e of facts.endpoints) {
    const dns = e.phases.dns;
    if (!dns || e.fresh < DNS_MIN_NEW_SHARE * e.attempts) continue;
    const allowance = Math.max(1, poolAllowance(facts.services.get(e.service)));
    const extra = dns.count - allowance;
    if (extra < DNS_MIN_EXTRA_LOOKUPS || dns.count < DNS_MIN_LOOKUP_SHARE * e.fresh) continue;
    const mean = meanMs(dns) ?? 0;
    const costMs = extra * mean;
    if (costMs < DNS_MIN_TOTAL_MS) continue;
    out.push(
      finding({
        code: FINDING_DNS_LOOKUP_PER_CONNECTION,
        severity: severityForCost(mean),
        // More lookups than new connections (counters read over a window that cuts a series' start, or
        // lookups for connects that failed) reads as a count of both, not as "31 of 27".
        summary:
          dns.count > e.fresh
            ? `${where(e)}: ${count(dns.count)} DNS lookups for ${count(e.fresh)} new connections (mean ${ms(mean)})`
            : `${where(e)}: ${count(dns.count)} of ${count(e.fresh)} new connections paid a DNS lookup (mean ${ms(mean)})`,
        costMs,
        costPerCallMs: mean,
        costBasis: `${count(extra)} lookups beyond the ${count(allowance)} the pool's peak needs × mean ${ms(mean)} (wirescope.connection.phase.duration, phase dns)`,
        fix: "Reuse connections (keep-alive, one client) so fewer lookups happen, and give the agent a caching lookup (e.g. cacheable-lookup): Node's resolver caches nothing.",
        evidence: fleetEvidence(
          seriesOf(e),
          { attempts: e.attempts, newConnections: e.fresh, lookups: dns.count, extraLookups: extra },
          { dnsMeanMs: mean, dnsTotalMs: dns.sumS * 1000 },
        ),
      }),
    );
  }
  return out;
}

/**
 * `stale-connection-reset` per service and endpoint: any reset on a reused socket
 * (`wirescope.socket.resets` with `wirescope.connection.reused` true). Cost per reset = the endpoint's
 * mean new connection (the retry's); the failed attempt's own time is not in the metrics (a lower bound).
 */
export function fleetStaleReset(facts: FleetFacts): Finding[] {
  const out: Finding[] = [];
  for (const e of facts.endpoints) {
    if (e.resetsReused < 1) continue;
    const measured = handshakePerConnectionMs(e, e.fresh);
    const handshake = measured ?? 0;
    const severity = severityForCost(handshake);
    const option = idleTimeoutOption(e.resetHandlers.length === 1 ? e.resetHandlers[0] : undefined);
    out.push(
      finding({
        code: FINDING_STALE_CONNECTION_RESET,
        severity: severity === 'info' ? 'warning' : severity,
        summary: `${where(e)}: ${count(e.resetsReused)} requests wrote into a dead keep-alive socket (reset on a reused connection) of ${count(e.attempts)} requests`,
        costMs: e.resetsReused * handshake,
        costPerCallMs: handshake,
        costBasis:
          measured !== undefined
            ? `at least the retry's new connection: mean dns+tcp+tls ${ms(handshake)} per reset (the failed attempt's own time is not in the metrics)`
            : 'no cost claimed: the new connections to the endpoint are not measured (no wirescope.connection.phase.duration)',
        fix: `Close idle sockets before the server or NAT does: set ${option} below the peer's idle cut-off (the traces' stale-connection-reset finding measures the cut-off).`,
        evidence: fleetEvidence(
          seriesOf(e),
          { resetsOnReused: e.resetsReused, resetsOnNew: e.resetsNew, attempts: e.attempts },
          measured !== undefined ? { handshakeMeanMs: handshake } : {},
        ),
      }),
    );
  }
  return out;
}

/**
 * `expect-continue-no-reuse` per service and endpoint: 100-continue waits (`wirescope.expect_continue.duration`)
 * on new connections and none on a reused one: the SDK's one-off agent for ≥ 2 MiB uploads. Cost per
 * upload = the mean wait the server ended (the timer's are expect-continue-timeout's) + the mean new connection.
 */
export function fleetExpectContinueNoReuse(facts: FleetFacts): Finding[] {
  const out: Finding[] = [];
  for (const e of facts.endpoints) {
    if (e.expect.fresh < 1 || e.expect.reused > 0) continue;
    const wait = meanMs(e.expect.serverWait) ?? 0;
    const measured = handshakePerConnectionMs(e, e.fresh);
    const handshake = measured ?? 0;
    const perCall = wait + handshake;
    out.push(
      finding({
        code: FINDING_EXPECT_CONTINUE_NO_REUSE,
        severity: severityForCost(perCall),
        summary: `${where(e)}: ${count(e.expect.fresh)} uploads waited for 100-continue, every one on a new connection (the SDK's one-off agent for ≥ 2 MiB bodies): ≈ ${ms(perCall)} each`,
        costMs: e.expect.fresh * perCall,
        costPerCallMs: perCall,
        costBasis:
          measured !== undefined
            ? `mean 100-continue wait ${ms(wait)} + mean dns+tcp+tls ${ms(handshake)} per upload`
            : `mean 100-continue wait ${ms(wait)} per upload (the one-off connections are not measured: no wirescope.connection.phase.duration)`,
        fix: 'Pass an https.Agent instance to the handler (new NodeHttpHandler({ httpsAgent })) so large uploads reuse it, or turn the header off with the S3Client option expectContinueHeader: false.',
        evidence: fleetEvidence(
          seriesOf(e),
          { uploads: e.expect.fresh, uploadsOnReused: 0 },
          { continueWaitMeanMs: wait, ...(measured !== undefined ? { handshakeMeanMs: handshake } : {}) },
        ),
      }),
    );
  }
  return out;
}
