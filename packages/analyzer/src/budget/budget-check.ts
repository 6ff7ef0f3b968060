import { type FindingCode, SPAN_TLS_HANDSHAKE } from '@wirescope/semconv';
import type {
  AnalysisResult,
  Budget,
  BudgetResult,
  BudgetViolation,
  RuleCoverage,
  SpanCountLimit,
} from '../types.js';

function spanViolations(name: string, limit: SpanCountLimit, actual: number): BudgetViolation[] {
  const out: BudgetViolation[] = [];
  const warnOnly = limit.warnOnly === true;
  const add = (expected: string) =>
    out.push({ kind: 'spans', subject: name, expected, actual: String(actual), warnOnly });
  if (limit.exact !== undefined && actual !== limit.exact) add(`exactly ${limit.exact}`);
  if (limit.min !== undefined && actual < limit.min) add(`min ${limit.min}`);
  if (limit.max !== undefined && actual > limit.max) add(`max ${limit.max}`);
  return out;
}

/** `not judged (0 of 8 calls)`, `3 of 8 calls judged`. */
function judged(rule: RuleCoverage | undefined): string {
  if (!rule) return 'rule unknown to this analysis';
  return rule.judged === 0
    ? `not judged (0 of ${rule.of} calls)`
    : `${rule.judged} of ${rule.of} calls judged`;
}

/**
 * The count a span limit holds against: spans of that name, and for `tls.handshake` also
 * instrumentation-net's `tls.connect` (the same phase under another name; each phase counts once).
 */
export function budgetSpanCount(result: AnalysisResult, name: string): number {
  const counts = result.stats.spanCountsByName;
  const count = counts[name] ?? 0;
  return name === SPAN_TLS_HANDSHAKE ? count + (counts[OTEL_TLS_CONNECT] ?? 0) : count;
}

const OTEL_TLS_CONNECT = 'tls.connect';

/**
 * What the budget asks of coverage: a forbidden code whose rule judged no call (no calls at all, or
 * none with the facts it needs) cannot pass — nothing was checked — unless `allowUnjudged` lets it;
 * `minCoverage` asks for a least share of judged calls.
 */
function coverageViolations(result: AnalysisResult, budget: Budget): BudgetViolation[] {
  const out: BudgetViolation[] = [];
  const rules = new Map(result.coverage.rules.map((rule) => [rule.code, rule]));
  const calls = result.coverage.calls;
  const allowed = (code: FindingCode) =>
    budget.allowUnjudged === true ||
    (Array.isArray(budget.allowUnjudged) && budget.allowUnjudged.includes(code));
  for (const code of budget.forbid ?? []) {
    const rule = rules.get(code);
    // A rule with no call to apply to (hot-prefix without S3 calls) has nothing to miss.
    const applies = calls === 0 || (rule !== undefined && rule.of > 0);
    if (applies && (rule?.judged ?? 0) === 0) {
      out.push({
        kind: 'coverage',
        subject: code,
        expected: 'judged at least one call',
        actual: calls === 0 ? 'not judged (no AWS SDK calls)' : judged(rule),
        warnOnly: allowed(code),
        ...(calls === 0
          ? { reason: 'the input holds no AWS SDK call' }
          : rule?.reason
            ? { reason: rule.reason }
            : {}),
      });
    }
  }
  const min = budget.minCoverage;
  if (min !== undefined) {
    const wanted: Array<[FindingCode, number]> =
      typeof min === 'number'
        ? (budget.forbid ?? []).map((code) => [code, min])
        : (Object.entries(min) as Array<[FindingCode, number]>);
    for (const [code, share] of wanted) {
      const rule = rules.get(code);
      const of = rule?.of ?? 0;
      const got = of === 0 ? (calls === 0 ? 0 : 1) : (rule?.judged ?? 0) / of;
      if (got < share) {
        out.push({
          kind: 'coverage',
          subject: code,
          expected: `judged ≥ ${Math.round(share * 100)} % of calls`,
          actual: judged(rule),
          warnOnly: false,
          ...(rule?.reason ? { reason: rule.reason } : {}),
        });
      }
    }
  }
  return out;
}

/**
 * Holds an analysis against a budget: span counts by name (min / max / exact; `warnOnly` limits only
 * warn), `forbid` codes fail when any finding has them or when their rule could judge no call
 * (`allowUnjudged` turns that into a warning), `minCoverage` asks for a least share of judged calls,
 * `warn` codes are listed but never fail. `ok` is false when any violation is not warn-only.
 */
export function checkBudget(result: AnalysisResult, budget: Budget): BudgetResult {
  const violations: BudgetViolation[] = [];
  for (const [name, limit] of Object.entries(budget.spans ?? {})) {
    violations.push(...spanViolations(name, limit, budgetSpanCount(result, name)));
  }
  const count = (code: string) => result.findings.filter((f) => f.code === code).length;
  for (const [codes, warnOnly] of [
    [budget.forbid ?? [], false],
    [budget.warn ?? [], true],
  ] as const) {
    for (const code of codes) {
      const n = count(code);
      if (n > 0) {
        violations.push({
          kind: 'forbid',
          subject: code,
          expected: 'no finding',
          actual: `${n} finding${n === 1 ? '' : 's'}`,
          warnOnly,
        });
      }
    }
  }
  violations.push(...coverageViolations(result, budget));
  return { ok: violations.every((v) => v.warnOnly), violations };
}
