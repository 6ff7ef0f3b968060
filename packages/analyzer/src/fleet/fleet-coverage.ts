// What each rule could judge from the metrics present: per service, a rule judged its calls when the
// metrics it needs had series in the window; never "healthy" about what it could not judge.
import {
  FINDING_CODES,
  FINDING_CONNECTION_CHURN,
  FINDING_CROSS_REGION,
  FINDING_DNS_LOOKUP_PER_CONNECTION,
  FINDING_EXPECT_CONTINUE_NO_REUSE,
  FINDING_REGION_REDIRECT,
  FINDING_SLOW_HANDSHAKE,
  FINDING_SOCKET_POOL_SATURATION,
  FINDING_STALE_CONNECTION_RESET,
  type FindingCode,
} from '@wirescope/semconv';
import type { RuleCoverage } from '../types.js';
import type { FleetFacts, ServiceFacts } from './fleet-facts.js';
import { METRIC_ROLES, type MetricRole } from './fleet-queries.js';

interface FleetNeed {
  needs: string;
  /** Role sets: the rule judges a service with every role of any one set. */
  anyOf: MetricRole[][];
  /** Why not, when a counter that only exists once something happened is missing. */
  absentMeans?: string;
}

const NEEDS: Partial<Record<FindingCode, FleetNeed>> = {
  [FINDING_CONNECTION_CHURN]: {
    needs: 'wirescope.attempts by connection reuse (cost: wirescope.connection.phase.duration)',
    anyOf: [['attempts']],
  },
  [FINDING_DNS_LOOKUP_PER_CONNECTION]: {
    needs: 'wirescope.attempts and wirescope.connection.phase.duration (phase dns)',
    anyOf: [['attempts', 'phase']],
  },
  [FINDING_STALE_CONNECTION_RESET]: {
    needs: 'wirescope.socket.resets by connection reuse',
    anyOf: [['resets']],
    absentMeans:
      'no socket was reset in the window, or the producer does not record resets: the metrics cannot tell which',
  },
  [FINDING_SOCKET_POOL_SATURATION]: {
    needs:
      'http.client.request.time_in_queue, or the pool gauges smithy.client.http.connections.usage and .limit',
    anyOf: [['timeInQueue'], ['connectionsUsage', 'connectionsLimit']],
    absentMeans:
      'no request waited for a pooled connection in the window, or the producer does not record the waits: the metrics cannot tell which',
  },
  [FINDING_EXPECT_CONTINUE_NO_REUSE]: {
    needs: 'wirescope.expect_continue.duration by connection reuse',
    anyOf: [['expectContinue']],
    absentMeans:
      'no request waited for 100-continue in the window (no ≥ 2 MiB upload), or the producer does not record the waits: the metrics cannot tell which',
  },
  [FINDING_CROSS_REGION]: {
    needs:
      'wirescope.calls (region mismatch by caller and signing region) or tcp connect times (wirescope.connection.phase.duration)',
    anyOf: [['calls'], ['phase']],
  },
  [FINDING_REGION_REDIRECT]: {
    needs: 'wirescope.region.redirects',
    anyOf: [['redirects']],
    absentMeans:
      'no S3 region redirect in the window, or the producer does not record them: the metrics cannot tell which',
  },
  [FINDING_SLOW_HANDSHAKE]: {
    needs:
      'TLS handshake histogram (wirescope.connection.phase.duration) and idle pool connections (smithy.client.http.connections.usage): only the slow-TLS-while-idle diagnosis; the span rule judges every handshake',
    anyOf: [['phase', 'connectionsUsage']],
  },
};

/** The calls a service stands for: its `wirescope.calls`, else its attempts. */
export function callsOf(facts: FleetFacts, s: ServiceFacts): number {
  if (s.calls > 0) return s.calls;
  return facts.endpoints.filter((e) => e.service === s.service).reduce((t, e) => t + e.attempts, 0);
}

const has = (s: ServiceFacts, role: MetricRole) => (s.present[role] ?? 0) > 0;

/** One entry per finding code, in finding-code order, over every service. */
export function fleetCoverage(facts: FleetFacts): RuleCoverage[] {
  const services = [...facts.services.values()];
  const of = Math.round(services.reduce((t, s) => t + callsOf(facts, s), 0));
  return FINDING_CODES.map((code): RuleCoverage => {
    const need = NEEDS[code];
    if (!need) {
      return {
        code,
        judged: 0,
        of,
        inferred: 0,
        needs: 'spans',
        reason: 'not in the metric contract: judged from traces only (wirescope analyze <trace file>)',
      };
    }
    const judgedServices = services.filter((s) =>
      need.anyOf.some((set) => set.every((role) => has(s, role))),
    );
    const judged = Math.round(judgedServices.reduce((t, s) => t + callsOf(facts, s), 0));
    const blind = services.filter((s) => !judgedServices.includes(s)).map((s) => s.service);
    const missing = [
      ...new Set(
        need.anyOf[0]
          ?.filter((role) => services.some((s) => blind.includes(s.service) && !has(s, role)))
          .map((role) => METRIC_ROLES[role]),
      ),
    ];
    const reason =
      judged >= of
        ? undefined
        : `no ${missing.join(' or ')} series for ${blind.slice(0, 5).join(', ')}${blind.length > 5 ? ` and ${blind.length - 5} more` : ''}${need.absentMeans ? `: ${need.absentMeans}` : ''}`;
    // The pool diagnoses need the pool's limit besides what judges the queue.
    const noLimit =
      code === FINDING_SOCKET_POOL_SATURATION &&
      judged > 0 &&
      !services.some((s) => has(s, 'connectionsLimit'))
        ? `; leak and starvation not judged: no ${METRIC_ROLES.connectionsLimit} series`
        : '';
    return {
      code,
      judged,
      of,
      inferred: 0,
      needs: `${need.needs}${noLimit}`,
      ...(reason ? { reason: `${reason}${noLimit}` } : {}),
    };
  });
}
