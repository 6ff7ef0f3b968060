import { FINDING_REGION_REDIRECT } from '@wirescope/semconv';
import type { AttemptRecord, OperationRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { evidence, finding, groupBy, handshakeMs, ms, plural, severityForCost, sum } from './rule-helpers.js';

/** HTTP statuses S3 answers a wrong-region request with (301 PermanentRedirect, 307, 400 AuthorizationHeaderMalformed / IllegalLocationConstraint). */
const REDIRECT_STATUSES = new Set([301, 307, 400]);

/**
 * The attempts a redirect wasted: those answered 301/307/400 and followed by another attempt; when the
 * statuses were not recorded, the first `redirects` attempts.
 */
function wastedAttempts(op: OperationRecord): AttemptRecord[] {
  const byStatus = op.attempts.filter(
    (a) => a.next !== undefined && REDIRECT_STATUSES.has(a.statusCode ?? 0),
  );
  if (byStatus.length > 0) return byStatus;
  return op.attempts.slice(0, Math.min(op.redirects, Math.max(0, op.attempts.length - 1)));
}

/**
 * `region-redirect`. Triggers for every operation with `wirescope.region.redirects` ≥ 1 (or a
 * `wirescope.region.redirect` event): S3 answered in the wrong region and the call re-ran in the
 * bucket's region. Cost per call = duration of each redirected attempt + the handshake (dns+tcp+tls)
 * of the attempt that followed it on a new connection, all measured.
 */
export const regionRedirectRule: Rule = {
  code: FINDING_REGION_REDIRECT,
  run(context: RuleContext): Finding[] {
    const redirected = context.redirected;
    const groups = groupBy(
      redirected,
      (op) => `${op.clientRegion ?? op.signingRegion ?? '?'}|${op.bucketRegion ?? '?'}|${op.bucket ?? ''}`,
    );
    const findings: Finding[] = [];
    for (const ops of groups.values()) {
      const first = ops[0] as OperationRecord;
      const costs = ops.map((op) =>
        sum(wastedAttempts(op).map((a) => a.durationMs + (a.next?.isNew ? handshakeMs(a.next) : 0))),
      );
      const costMs = sum(costs);
      const perCall = costMs / ops.length;
      const from = first.clientRegion ?? first.signingRegion ?? 'the client region';
      const to = first.bucketRegion ?? "the bucket's region";
      const bucket = first.bucket !== undefined ? `bucket ${first.bucket}` : 'the bucket';
      findings.push(
        finding({
          code: FINDING_REGION_REDIRECT,
          severity: perCall > 0 ? severityForCost(perCall) : 'warning',
          summary: `${plural(ops.length, 'call')} (${first.name}) to ${bucket} were sent to ${from} and redirected to ${to}: +${ms(perCall)} each`,
          costMs,
          costPerCallMs: perCall,
          costBasis: 'measured: the redirected attempt plus the new connection of the re-run',
          fix: `Create the S3 client in ${to} (one client per bucket region) so calls go straight to the bucket instead of paying a redirect each time.`,
          evidence: evidence(
            ops,
            { calls: ops.length, redirects: sum(ops.map((op) => op.redirects)) },
            { costPerCallMs: perCall },
          ),
        }),
      );
    }
    return findings;
  },
};
