import { FINDING_HOT_PREFIX } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import {
  evidence,
  finding,
  groupBy,
  KeyMemo,
  ms,
  plural,
  scratch,
  severityForCost,
  sum,
} from './rule-helpers.js';

/** S3's documented per-prefix request rates (per second): PUT/COPY/POST/DELETE, and GET/HEAD. */
export const S3_WRITE_LIMIT_PER_S = 3500;
/** GET/HEAD requests per second per prefix. */
export const S3_READ_LIMIT_PER_S = 5500;
/** "Near the limit": this share of it in a one-second window. */
export const HOT_RATE_SHARE = 0.8;

function isSlowDown(a: AttemptRecord): boolean {
  return a.statusCode === 503 || a.errorType === 'SlowDown' || a.errorType === '503';
}

const isWrite = (a: AttemptRecord) =>
  a.httpMethod !== undefined && a.httpMethod !== 'GET' && a.httpMethod !== 'HEAD';
const isRead = (a: AttemptRecord) => a.httpMethod === 'GET' || a.httpMethod === 'HEAD';

/** Most attempts that `count` takes that started within any one-second window. */
function peakPerSecond(attempts: AttemptRecord[], count: (a: AttemptRecord) => boolean): number {
  let n = 0;
  for (let i = 0; i < attempts.length; i++) if (count(attempts[i] as AttemptRecord)) n++;
  const starts = scratch(0, n);
  n = 0;
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i] as AttemptRecord;
    if (count(a)) starts[n++] = a.startMs;
  }
  starts.sort();
  let peak = 0;
  let lo = 0;
  for (let hi = 0; hi < starts.length; hi++) {
    while ((starts[hi] as number) - (starts[lo] as number) >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

/**
 * `hot-prefix`. S3 attempts (operation with `aws.s3.bucket`) are grouped per bucket, and per key prefix
 * when the plugin recorded one (`wirescope.s3.key_prefix`). Triggers when the group drew ≥ 1 503
 * SlowDown, or when its peak rate in a one-second window reached 80 % of S3's per-prefix limit
 * (3,500 writes or 5,500 reads per second); for a whole bucket the rate only suggests a hot prefix
 * (severity info). Cost = measured duration of each 503 attempt + the back-off until its retry started;
 * a rate alone costs nothing yet (0 ms).
 */
export const hotPrefixRule: Rule = {
  code: FINDING_HOT_PREFIX,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    const keys = new KeyMemo();
    const groups = groupBy(context.attempts, (a) => {
      const op = a.operation;
      const bucket = op?.bucket;
      if (bucket === undefined) return undefined;
      const prefix = op?.keyPrefix;
      return prefix !== undefined
        ? keys.key(bucket, prefix, undefined, undefined, () => `${bucket}/${prefix}`)
        : bucket;
    });
    for (const [subject, attempts] of groups) {
      const hasPrefix = (attempts[0] as AttemptRecord).operation?.keyPrefix !== undefined;
      const slowDowns = attempts.filter(isSlowDown);
      const writePeak = peakPerSecond(attempts, isWrite);
      const readPeak = peakPerSecond(attempts, isRead);
      const hotRate =
        writePeak >= HOT_RATE_SHARE * S3_WRITE_LIMIT_PER_S ||
        readPeak >= HOT_RATE_SHARE * S3_READ_LIMIT_PER_S;
      if (slowDowns.length === 0 && !hotRate) continue;
      const costs = slowDowns.map(
        (a) => a.durationMs + (a.next ? Math.max(0, a.next.startMs - (a.startMs + a.durationMs)) : 0),
      );
      const costMs = sum(costs);
      const perCall = slowDowns.length > 0 ? costMs / slowDowns.length : 0;
      const what = hasPrefix ? `prefix ${subject}` : `bucket ${subject}`;
      const rate = `peak ${writePeak} writes/s and ${readPeak} reads/s`;
      findings.push(
        finding({
          code: FINDING_HOT_PREFIX,
          severity:
            slowDowns.length > 0
              ? severityForCost(perCall) === 'info'
                ? 'warning'
                : severityForCost(perCall)
              : hasPrefix
                ? 'warning'
                : 'info',
          summary:
            slowDowns.length > 0
              ? `${plural(slowDowns.length, 'request')} to ${what} drew 503 SlowDown (${rate}): +${ms(perCall)} each with back-off`
              : `Requests to ${what} reach ${rate}, near S3's per-prefix limits (${S3_WRITE_LIMIT_PER_S} writes/s, ${S3_READ_LIMIT_PER_S} reads/s)`,
          costMs,
          costPerCallMs: perCall,
          costBasis:
            slowDowns.length > 0
              ? 'measured: each 503 attempt plus the back-off before its retry'
              : 'no cost measured yet: the rate is near the limit',
          fix: 'Spread keys over more prefixes (S3 scales per prefix) and ramp request rates up gradually; retry SlowDown with back-off.',
          evidence: evidence(
            slowDowns.length > 0 ? slowDowns : attempts,
            {
              attempts: attempts.length,
              slowDowns: slowDowns.length,
              writePeakPerSecond: writePeak,
              readPeakPerSecond: readPeak,
            },
            { slowDownCostMs: costMs },
          ),
        }),
      );
    }
    return findings;
  },
};
