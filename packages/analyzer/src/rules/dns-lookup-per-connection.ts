import { FINDING_DNS_LOOKUP_PER_CONNECTION } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { allHttp2, connectionsNeeded, isHttp2EventStream } from './http2-sessions.js';
import { evidenceOf, finding, groupBy, median, ms, severityForCost, sum } from './rule-helpers.js';

/** At least this many lookups beyond what concurrency explains. */
export const DNS_MIN_EXTRA_LOOKUPS = 2;
/** …at least this share of the new connections paid a lookup… */
export const DNS_MIN_LOOKUP_SHARE = 0.8;
/** …new connections were at least this share of the attempts (a reconnect every 50 calls is not this)… */
export const DNS_MIN_NEW_SHARE = 0.1;
/** …and the extra lookups took at least this long together (ms). */
export const DNS_MIN_TOTAL_MS = 1;

/**
 * `dns-lookup-per-connection`. Node does not cache DNS: each new connection calls getaddrinfo. Per host
 * name (and process), triggers when ≥ 10 % of the attempts opened a connection, ≥ 80 % of those
 * carried a `dns.lookup` span, ≥ 2
 * lookups remain beyond the host's peak concurrency, and those extra lookups took ≥ 1 ms in all.
 * Cost = sum of the measured durations of the extra lookups. Overlaps `connection-churn` (which
 * counts the whole handshake): the fixes differ. On HTTP/2 the new connections are new sessions, and the
 * lookups concurrency explains are the sessions it needs (`connectionsNeeded`: streams multiplex).
 */
export const dnsLookupPerConnectionRule: Rule = {
  code: FINDING_DNS_LOOKUP_PER_CONNECTION,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    const groups = groupBy(context.attempts, (a) => (a.serverAddress ? a.hostKey : undefined));
    for (const attempts of groups.values()) {
      // Event-stream calls get a session each by design (a lookup each, at subscription rate): left out.
      const fresh = attempts.filter((a) => a.isNew && !isHttp2EventStream(a));
      if (fresh.length < DNS_MIN_NEW_SHARE * attempts.length) continue;
      const lookups = fresh.filter((a) => a.hasPhase('dns'));
      const peak = Math.max(1, connectionsNeeded(attempts));
      const extra = lookups.slice(peak);
      if (extra.length < DNS_MIN_EXTRA_LOOKUPS || lookups.length < DNS_MIN_LOOKUP_SHARE * fresh.length)
        continue;
      const durations = extra.map((a) => a.phaseMs('dns') ?? 0);
      const costMs = sum(durations);
      if (costMs < DNS_MIN_TOTAL_MS) continue;
      const host = (attempts[0] as AttemptRecord).serverAddress as string;
      const h2 = allHttp2(attempts);
      const what = h2 ? 'HTTP/2 sessions' : 'connections';
      findings.push(
        finding({
          code: FINDING_DNS_LOOKUP_PER_CONNECTION,
          severity: severityForCost(costMs / extra.length),
          summary: `${lookups.length} of ${fresh.length} new ${what} to ${host} paid a DNS lookup (median ${ms(median(durations))})`,
          costMs,
          costPerCallMs: costMs / extra.length,
          costBasis: `measured dns.lookup of ${extra.length} ${h2 ? 'sessions' : 'connections'} beyond the ${peak} that concurrency needs`,
          fix: h2
            ? "Reuse sessions (one client; NodeHttp2Handler without disableConcurrentStreams multiplexes every call on one session per host) so fewer lookups happen, and give the sessions a caching lookup (new NodeHttp2Handler({ nodeHttp2ConnectOptions: { lookup } }), e.g. cacheable-lookup's): Node's resolver caches nothing."
            : "Reuse connections (keep-alive, one client) so fewer lookups happen, and give the agent a caching lookup (e.g. cacheable-lookup): Node's resolver caches nothing.",
          evidence: evidenceOf(
            extra.length,
            (i) => (extra[i] as AttemptRecord).phases.dns as { spanId: string; traceId: string },
            { newConnections: fresh.length, lookups: lookups.length, extraLookups: extra.length },
            { dnsMedianMs: median(durations), dnsTotalMs: costMs },
          ),
        }),
      );
    }
    return findings;
  },
};
