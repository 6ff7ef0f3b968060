import {
  FINDING_CONNECTION_CHURN,
  FINDING_CROSS_REGION,
  FINDING_DNS_LOOKUP_PER_CONNECTION,
  FINDING_EXPECT_CONTINUE_NO_REUSE,
  FINDING_EXPECT_CONTINUE_TIMEOUT,
  FINDING_HOT_PREFIX,
  FINDING_NO_TIMEOUT,
  FINDING_REGION_REDIRECT,
  FINDING_SLOW_HANDSHAKE,
  FINDING_SOCKET_POOL_SATURATION,
  FINDING_STALE_CONNECTION_RESET,
  FINDING_UNCONSUMED_BODY,
  FINDING_UNRETRIED_SOCKET_ERROR,
  type FindingCode,
} from '@wirescope/semconv';
import type { AttemptRecord, OperationRecord, RuleContext } from '../records.js';
import type { AnalysisCoverage, RuleCoverage } from '../types.js';
import { NO_TIMEOUT_MIN_WAIT_MS } from './no-timeout.js';
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

/** Facts of one call, as bits: each found once per call, in one pass over its attempts. */
const F = {
  attempts: 1,
  /** Every attempt says whether its connection was new or reused. */
  connection: 2,
  /** Every attempt is a wirescope attempt. */
  wirescopeAttempts: 4,
  /** Every inferred attempt ran in a process where instrumentation-dns recorded lookups. */
  dns: 8,
  /** Caller and target region known. */
  regions: 16,
  /** A round trip was measured to a host of the call (a tcp or tls phase to that host, any call). */
  rtt: 32,
  /** The plugin made the operation span. */
  wirescopeOperation: 64,
  s3: 128,
  bucket: 256,
  /** Some fact came from another instrumentation (an operation or attempt not the plugin's). */
  inferred: 512,
  callerRegion: 1024,
  /** At least one attempt is a wirescope attempt. */
  someWirescopeAttempt: 2048,
  /**
   * Every attempt long enough to hold a wait `no-timeout` counts says which timeouts it ran under (the
   * plugin records them only where it found the SDK's handler classes: not in a bundled app).
   */
  timeouts: 4096,
  /**
   * No attempt ran on an HTTP/2 session (also true of a call with no attempts). expect-continue-no-reuse
   * is about node:http's one-off keepAlive:false agent; NodeHttp2Handler has none: its Expect streams
   * share their session (smithy node-http-handler).
   */
  noHttp2: 8192,
  /**
   * Every attempt that asked for 100-continue (`wirescope.expect_continue`, which the plugin writes from
   * the request headers in every version) says how its wait ended (`.ended_by`). Without it the wait
   * was not recorded: the HTTP/2 producer before it recorded waits (issue 14), node:http's before
   * `ended_by` (issue 18), or an error cut the wait short; a trace does not say which.
   */
  expectEndings: 16384,
} as const;

/** Whether a rule can judge one call, and the facts it needs. */
interface Need {
  code: FindingCode;
  needs: string;
  /** Why a call it cannot judge could not be judged, and what to add. */
  missing: string;
  /** The calls it applies to (bits all required; default every call). */
  applies?: number;
  /** The fact bits it needs, all of them — or, in `orBits`, any of those instead. */
  bits: number;
  orBits?: number;
}

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
    bits: F.regions,
    orBits: F.rtt,
  },
  {
    code: FINDING_REGION_REDIRECT,
    needs: 'region redirects (wirescope plugin)',
    missing: 'redirects are recorded by the wirescope plugin only',
    bits: F.wirescopeOperation,
  },
  {
    code: FINDING_CONNECTION_CHURN,
    needs: 'new vs reused connection per attempt',
    missing: NO_CONNECTION_FACTS,
    bits: F.connection,
  },
  {
    code: FINDING_STALE_CONNECTION_RESET,
    needs: 'new vs reused connection, socket errors',
    missing: NO_CONNECTION_FACTS,
    bits: F.connection,
  },
  {
    code: FINDING_EXPECT_CONTINUE_NO_REUSE,
    needs:
      "100-continue waits and connection reuse (wirescope plugin), on node:http only: the SDK's one-off keepAlive:false agent, which NodeHttp2Handler does not use",
    missing: '100-continue waits are recorded by the wirescope plugin only',
    applies: F.noHttp2,
    bits: F.wirescopeAttempts | F.connection,
  },
  {
    code: FINDING_DNS_LOOKUP_PER_CONNECTION,
    needs: 'dns lookups per new connection',
    missing:
      'no DNS facts: add the wirescope plugin, or @opentelemetry/instrumentation-dns and -net in the same process',
    bits: F.connection | F.dns,
  },
  {
    code: FINDING_SOCKET_POOL_SATURATION,
    needs: 'pool waits and concurrency (wirescope plugin)',
    missing: 'waits for a pooled socket are recorded by the wirescope plugin only',
    bits: F.wirescopeAttempts,
  },
  {
    code: FINDING_SLOW_HANDSHAKE,
    needs: 'measured dns/tcp/tls phases of new connections',
    missing: NO_CONNECTION_FACTS,
    bits: F.connection,
  },
  {
    code: FINDING_UNRETRIED_SOCKET_ERROR,
    needs: 'attempts with their errors',
    missing: NO_ATTEMPTS,
    bits: F.attempts,
  },
  {
    code: FINDING_HOT_PREFIX,
    needs: 'S3 calls with their bucket (key prefix from the wirescope plugin option)',
    missing: 'no bucket on the call span (aws.s3.bucket) or no HTTP attempts under it',
    applies: F.s3,
    bits: F.bucket | F.attempts,
  },
  {
    code: FINDING_UNCONSUMED_BODY,
    needs: 'response body phases and pool waits (wirescope plugin)',
    missing: 'response body phases (http.response.body) are recorded by the wirescope plugin only',
    bits: F.wirescopeAttempts,
  },
  {
    code: FINDING_NO_TIMEOUT,
    needs: 'the timeouts each call ran under (wirescope plugin)',
    missing:
      'the timeouts in effect are recorded by the wirescope plugin only, and only where it finds the SDK handler classes in the module cache (not in a bundled app)',
    bits: F.wirescopeAttempts | F.timeouts,
  },
  {
    code: FINDING_EXPECT_CONTINUE_TIMEOUT,
    needs: '100-continue waits and how they ended (wirescope plugin)',
    missing:
      'how 100-continue waits ended is recorded by the wirescope plugin only; a call whose upload asked for 100-continue and carries no wirescope.expect_continue.ended_by cannot be judged (an older wirescope: on HTTP/2 streams before it recorded the wait, on node:http before ended_by; or a wait an error cut short)',
    bits: F.wirescopeAttempts | F.expectEndings,
  },
];

/** The fact bits of one call. */
function factsOf(
  call: CallFacts,
  context: RuleContext,
  input: CoverageInput,
  rttHosts: ReadonlySet<string>,
): number {
  const op = call.operation;
  let facts: number = F.noHttp2;
  if (op?.wirescope === true) facts |= F.wirescopeOperation;
  else if (op !== undefined) facts |= F.inferred;
  if (op?.bucket !== undefined) facts |= F.bucket | F.s3;
  else if (op !== undefined && (op.service === 'S3' || op.name.startsWith('S3.'))) facts |= F.s3;
  const caller = op?.callerRegion ?? context.callerRegion;
  if (caller !== undefined) facts |= F.callerRegion;
  if (call.attempts.length === 0) return facts;
  facts |= F.attempts | F.connection | F.wirescopeAttempts | F.dns | F.timeouts | F.expectEndings;
  let target = false;
  for (const a of call.attempts) {
    if (a.requestTimeoutMs === undefined && a.durationMs >= NO_TIMEOUT_MIN_WAIT_MS) facts &= ~F.timeouts;
    if (a.reused === undefined) facts &= ~F.connection;
    if (a.http2 !== undefined) facts &= ~F.noHttp2;
    if (a.expectContinue && a.expectEndedBy === undefined) facts &= ~F.expectEndings;
    if (a.inferred) {
      facts = (facts & ~F.wirescopeAttempts) | F.inferred;
      if (!input.dnsFrom(a.origin)) facts &= ~F.dns;
    } else facts |= F.someWirescopeAttempt;
    if (!target && caller !== undefined) target = targetRegionOf(a, op) !== undefined;
    if ((facts & F.rtt) === 0 && rttHosts.has(a.hostKey)) facts |= F.rtt;
  }
  if (target) facts |= F.regions;
  return facts;
}

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
  const of = new Uint32Array(NEEDS.length);
  const judged = new Uint32Array(NEEDS.length);
  const inferred = new Uint32Array(NEEDS.length);
  let count = 0;
  let known = 0;
  let fromResource = 0;
  let inferredAttempts = 0;
  let byOthersOnly = 0;
  for (const call of calls) {
    count++;
    const facts = factsOf(call, context, input, rttHosts);
    for (let i = 0; i < NEEDS.length; i++) {
      const need = NEEDS[i] as Need;
      if (need.applies !== undefined && (facts & need.applies) !== need.applies) continue;
      of[i] = (of[i] as number) + 1;
      if ((facts & need.bits) !== need.bits && (need.orBits === undefined || (facts & need.orBits) === 0))
        continue;
      judged[i] = (judged[i] as number) + 1;
      if ((facts & F.inferred) !== 0) inferred[i] = (inferred[i] as number) + 1;
    }
    if (
      (facts & (F.wirescopeOperation | F.attempts)) === 0 ||
      ((facts & F.wirescopeOperation) === 0 && (facts & F.wirescopeAttempts) === 0)
    )
      byOthersOnly++;
    if ((facts & F.callerRegion) !== 0) known++;
    if (call.operation?.callerRegionFromResource) fromResource++;
    if ((facts & F.inferred) !== 0)
      for (const attempt of call.attempts) if (attempt.inferred) inferredAttempts++;
  }
  const rules: RuleCoverage[] = NEEDS.map((need, i) => {
    const entry: RuleCoverage = {
      code: need.code,
      judged: judged[i] as number,
      of: of[i] as number,
      inferred: inferred[i] as number,
      needs: need.needs,
    };
    if (entry.judged < entry.of) entry.reason = need.missing;
    return entry;
  });
  const scopes: Record<string, number> = {};
  for (const [name, spans] of [...input.scopes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)))
    scopes[name === '' ? '(unknown)' : name] = spans;
  return {
    calls: count,
    callsBy: { wirescope: count - byOthersOnly, other: byOthersOnly },
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
