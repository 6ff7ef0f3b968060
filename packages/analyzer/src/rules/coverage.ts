import {
  FINDING_CONNECTION_CHURN,
  FINDING_CROSS_REGION,
  FINDING_DNS_LOOKUP_PER_CONNECTION,
  FINDING_EXPECT_CONTINUE_NO_REUSE,
  FINDING_HOT_PREFIX,
  FINDING_REGION_REDIRECT,
  FINDING_SLOW_HANDSHAKE,
  FINDING_SOCKET_POOL_SATURATION,
  FINDING_STALE_CONNECTION_RESET,
  FINDING_UNRETRIED_SOCKET_ERROR,
  type FindingCode,
} from '@wirescope/semconv';
import type { AttemptRecord, OperationRecord, RuleContext } from '../engine/internal-types.js';
import type { AnalysisCoverage, RuleCoverage } from '../types.js';
import { targetRegionOf } from './regions-of.js';

/** One call as coverage sees it: its operation (absent for attempts with no operation span) and attempts. */
export interface CallFacts {
  operation: OperationRecord | undefined;
  attempts: AttemptRecord[];
}

/** What coverage is told besides the calls. */
export interface CoverageInput {
  /** Spans by instrumentation scope name ('' when unknown). */
  scopes: Map<string, number>;
  /** True when instrumentation-dns recorded lookups in this origin (process). */
  dnsFrom(origin: string): boolean;
}

/** Whether a rule can judge one call, and the facts it needs. */
interface Need {
  code: FindingCode;
  needs: string;
  /** Why a call it cannot judge could not be judged, and what to add. */
  missing: string;
  /** The calls it applies to (default: every call). */
  applies?(call: CallFacts): boolean;
  can(call: CallFacts, context: RuleContext, input: CoverageInput, rttHosts: ReadonlySet<string>): boolean;
}

const hasAttempts = (call: CallFacts) => call.attempts.length > 0;
const connectionKnown = (call: CallFacts) =>
  hasAttempts(call) && call.attempts.every((a) => a.reused !== undefined);
const allWirescope = (call: CallFacts) => hasAttempts(call) && call.attempts.every((a) => !a.inferred);
/** A round trip was measured to a host of the call (a tcp or tls phase to the same host, any call). */
const measuredRtt = (call: CallFacts, hosts: ReadonlySet<string>) =>
  call.attempts.some((a) => hosts.has(a.hostKey));
const callerRegion = (call: CallFacts, context: RuleContext) =>
  call.operation?.callerRegion ?? context.callerRegion;
const isS3 = (call: CallFacts) =>
  call.operation?.bucket !== undefined ||
  call.operation?.service === 'S3' ||
  call.operation?.name.startsWith('S3.') === true;

const NO_CONNECTION_FACTS =
  'no connection facts: add the wirescope plugin, or @opentelemetry/instrumentation-net beside instrumentation-http/-undici';
const NO_ATTEMPTS =
  'no HTTP attempts under the call: add the wirescope plugin, or @opentelemetry/instrumentation-http / -undici';

/** The facts each rule needs, in finding-code order (README "Which finding needs which facts"). */
const NEEDS: readonly Need[] = [
  {
    code: FINDING_CROSS_REGION,
    needs: 'caller and target region, or a measured round trip',
    missing:
      'caller region unknown and no connection measured: set cloud.region in the resource (AWS_REGION) or pass --caller-region',
    can: (call, context, _input, rttHosts) =>
      (callerRegion(call, context) !== undefined &&
        call.attempts.some((a) => targetRegionOf(a, call.operation) !== undefined)) ||
      measuredRtt(call, rttHosts),
  },
  {
    code: FINDING_REGION_REDIRECT,
    needs: 'region redirects (wirescope plugin)',
    missing: 'redirects are recorded by the wirescope plugin only',
    can: (call) => call.operation?.wirescope === true,
  },
  {
    code: FINDING_CONNECTION_CHURN,
    needs: 'new vs reused connection per attempt',
    missing: NO_CONNECTION_FACTS,
    can: connectionKnown,
  },
  {
    code: FINDING_STALE_CONNECTION_RESET,
    needs: 'new vs reused connection, socket errors',
    missing: NO_CONNECTION_FACTS,
    can: connectionKnown,
  },
  {
    code: FINDING_EXPECT_CONTINUE_NO_REUSE,
    needs: '100-continue waits and connection reuse (wirescope plugin)',
    missing: '100-continue waits are recorded by the wirescope plugin only',
    can: (call) => allWirescope(call) && connectionKnown(call),
  },
  {
    code: FINDING_DNS_LOOKUP_PER_CONNECTION,
    needs: 'dns lookups per new connection',
    missing:
      'no DNS facts: add the wirescope plugin, or @opentelemetry/instrumentation-dns and -net in the same process',
    can: (call, _context, input) =>
      connectionKnown(call) && call.attempts.every((a) => !a.inferred || input.dnsFrom(a.origin)),
  },
  {
    code: FINDING_SOCKET_POOL_SATURATION,
    needs: 'pool waits and concurrency (wirescope plugin)',
    missing: 'waits for a pooled socket are recorded by the wirescope plugin only',
    can: allWirescope,
  },
  {
    code: FINDING_SLOW_HANDSHAKE,
    needs: 'measured dns/tcp/tls phases of new connections',
    missing: NO_CONNECTION_FACTS,
    can: connectionKnown,
  },
  {
    code: FINDING_UNRETRIED_SOCKET_ERROR,
    needs: 'attempts with their errors',
    missing: NO_ATTEMPTS,
    can: hasAttempts,
  },
  {
    code: FINDING_HOT_PREFIX,
    needs: 'S3 calls with their bucket (key prefix from the wirescope plugin option)',
    missing: 'no bucket on the call span (aws.s3.bucket) or no HTTP attempts under it',
    applies: isS3,
    can: (call) => call.operation?.bucket !== undefined && hasAttempts(call),
  },
];

const inferredCall = (call: CallFacts) =>
  (call.operation !== undefined && !call.operation.wirescope) || call.attempts.some((a) => a.inferred);

/** What each rule could judge of the calls, and what was seen. */
export function computeCoverage(
  context: RuleContext,
  calls: Iterable<CallFacts>,
  input: CoverageInput,
): AnalysisCoverage {
  const rttHosts = new Set<string>();
  for (const attempt of context.attempts)
    if (attempt.phaseOk('tcp') || attempt.phaseOk('tls')) rttHosts.add(attempt.hostKey);
  // One pass over the calls (each made, read and dropped: a million calls are not held at once).
  const tally = NEEDS.map(() => ({ of: 0, judged: 0, inferred: 0 }));
  let count = 0;
  let wirescope = 0;
  let known = 0;
  let fromResource = 0;
  let inferredAttempts = 0;
  for (const call of calls) {
    count++;
    const inferred = inferredCall(call);
    NEEDS.forEach((need, i) => {
      const t = tally[i] as { of: number; judged: number; inferred: number };
      if (need.applies && !need.applies(call)) return;
      t.of++;
      if (!need.can(call, context, input, rttHosts)) return;
      t.judged++;
      if (inferred) t.inferred++;
    });
    if (call.operation?.wirescope === true || call.attempts.some((a) => !a.inferred)) wirescope++;
    if (callerRegion(call, context) !== undefined) known++;
    if (call.operation?.callerRegionFromResource) fromResource++;
    for (const attempt of call.attempts) if (attempt.inferred) inferredAttempts++;
  }
  const rules: RuleCoverage[] = NEEDS.map((need, i) => {
    const { of, judged, inferred } = tally[i] as { of: number; judged: number; inferred: number };
    const entry: RuleCoverage = { code: need.code, judged, of, inferred, needs: need.needs };
    if (judged < of) entry.reason = need.missing;
    return entry;
  });
  const scopes: Record<string, number> = {};
  for (const [name, spans] of [...input.scopes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)))
    scopes[name === '' ? '(unknown)' : name] = spans;
  return {
    calls: count,
    callsBy: { wirescope, other: count - wirescope },
    inferredAttempts,
    scopes,
    callerRegion: { known, fromResource, fromOption: context.callerRegion !== undefined },
    rules,
  };
}

/** True when at least one rule judged at least one call. */
export function judgedAny(coverage: AnalysisCoverage): boolean {
  return coverage.rules.some((rule) => rule.judged > 0);
}

/** True when every rule judged every call it applies to (and there were calls). */
export function judgedAll(coverage: AnalysisCoverage): boolean {
  return coverage.calls > 0 && coverage.rules.every((rule) => rule.judged === rule.of);
}
