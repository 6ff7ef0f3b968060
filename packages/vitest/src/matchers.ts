import type { AnalysisResult, Finding, WireSpan } from '@wirescope/analyzer';
import { createAnalysis } from '@wirescope/analyzer';
import { FINDING_CODES, isFindingCode } from '@wirescope/semconv';
import type { MatcherState } from 'vitest';
import { expect } from 'vitest';
import {
  attemptSpans,
  attemptsOf,
  countsByName,
  formatCounts,
  isReused,
  operationSpans,
  plural,
} from './span-facts.js';
import { emptyCaptureHint, isAnalysisResult, spansOf } from './subject.js';

/** What a matcher returns to vitest. */
interface MatcherOutcome {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

function checkCount(matcher: string, what: string, count: unknown): asserts count is number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new TypeError(`${matcher}: ${what} must be a whole number ≥ 0, got ${String(count)}`);
  }
}

function checkName(matcher: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`${matcher}: the span name must be a non-empty string, got ${String(name)}`);
  }
}

function toHaveSpanCount(this: MatcherState, received: unknown, name: string, count: number): MatcherOutcome {
  checkName('toHaveSpanCount', name);
  checkCount('toHaveSpanCount', 'the count', count);
  const spans = spansOf(received, 'toHaveSpanCount');
  const counts = countsByName(spans);
  const actual = counts.get(name) ?? 0;
  return {
    pass: actual === count,
    actual,
    expected: count,
    message: () =>
      `expected ${this.isNot ? 'not ' : ''}${plural(count, 'span')} named '${name}', found ${actual}\n\n` +
      `Spans by name:\n${formatCounts(counts)}${emptyCaptureHint(received, spans)}`,
  };
}

function toHaveOperationCount(
  this: MatcherState,
  received: unknown,
  name: string,
  count: number,
): MatcherOutcome {
  checkName('toHaveOperationCount', name);
  checkCount('toHaveOperationCount', 'the count', count);
  const spans = spansOf(received, 'toHaveOperationCount');
  const counts = countsByName(operationSpans(spans));
  const actual = counts.get(name) ?? 0;
  return {
    pass: actual === count,
    actual,
    expected: count,
    message: () =>
      `expected ${this.isNot ? 'not ' : ''}${plural(count, 'operation')} named '${name}', found ${actual}\n\n` +
      `Operations (SDK calls) by name:\n${formatCounts(counts)}${emptyCaptureHint(received, spans)}`,
  };
}

function toHaveAttemptCount(
  this: MatcherState,
  received: unknown,
  operationName: string,
  count: number,
): MatcherOutcome {
  checkName('toHaveAttemptCount', operationName);
  checkCount('toHaveAttemptCount', 'the count', count);
  const spans = spansOf(received, 'toHaveAttemptCount');
  const operations = operationSpans(spans).filter((span) => span.name === operationName);
  const perOperation = operations.map((operation) => attemptsOf(operation, spans));
  const actual = perOperation.reduce((sum, attempts) => sum + attempts, 0);
  const found =
    operations.length === 0
      ? `no operation named '${operationName}'`
      : `${actual} (${plural(operations.length, 'operation')}: attempts ${perOperation.join(', ')})`;
  return {
    pass: operations.length > 0 && actual === count,
    actual,
    expected: count,
    message: () =>
      `expected ${this.isNot ? 'not ' : ''}${plural(count, 'attempt')} in all for '${operationName}', ` +
      `found ${found}\n\nOperations by name:\n${formatCounts(countsByName(operationSpans(spans)))}` +
      emptyCaptureHint(received, spans),
  };
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

function toHaveReusedConnectionRatio(
  this: MatcherState,
  received: unknown,
  minRatio: number,
): MatcherOutcome {
  if (typeof minRatio !== 'number' || !(minRatio >= 0 && minRatio <= 1)) {
    throw new TypeError(
      `toHaveReusedConnectionRatio: the ratio must be between 0 and 1, got ${String(minRatio)}`,
    );
  }
  const spans = spansOf(received, 'toHaveReusedConnectionRatio');
  const attempts = attemptSpans(spans);
  const reused = attempts.filter(isReused).length;
  const ratio = attempts.length === 0 ? 0 : reused / attempts.length;
  const byConnection = new Map([
    ['reused connection', reused],
    ['new connection', attempts.length - reused],
  ]);
  return {
    pass: attempts.length > 0 && ratio >= minRatio,
    actual: ratio,
    expected: minRatio,
    message: () =>
      `expected ${this.isNot ? 'less than' : 'at least'} ${percent(minRatio)} of attempts on a reused ` +
      `connection, found ${attempts.length === 0 ? 'no attempt span' : `${reused} of ${attempts.length} (${percent(ratio)})`}` +
      `\n\nAttempts:\n${formatCounts(byConnection)}${emptyCaptureHint(received, spans)}`,
  };
}

function describeFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return '  (none)';
  return findings.map((finding) => `  ${finding.code} (${finding.severity}): ${finding.summary}`).join('\n');
}

function findingOutcome(
  state: MatcherState,
  result: AnalysisResult,
  code: string,
  hint: string,
): MatcherOutcome {
  const matching = result.findings.filter((finding) => finding.code === code);
  // `not.toHaveFinding` is no proof when the rule could judge no call (no calls, or not the facts it
  // needs): it fails then, with the reason, as `wirescope check` does.
  const coverage = result.coverage as AnalysisResult['coverage'] | undefined;
  const rule = coverage?.rules.find((r) => r.code === code);
  const unjudged =
    state.isNot &&
    coverage !== undefined &&
    (rule?.judged ?? 0) === 0 &&
    (coverage.calls === 0 || (rule?.of ?? 0) > 0);
  return {
    pass: matching.length > 0 || unjudged,
    actual: result.findings.map((finding) => finding.code),
    expected: code,
    message: () =>
      unjudged && matching.length === 0
        ? `expected no '${code}' finding, but the rule could judge no call: ${coverage?.calls === 0 ? 'no AWS SDK call was captured' : `0 of ${rule?.of} calls judged (${rule?.reason ?? rule?.needs})`}`
        : state.isNot
          ? `expected no '${code}' finding, found:\n${describeFindings(matching)}`
          : `expected a '${code}' finding, found ${result.findings.length === 0 ? 'no finding' : 'only'}:\n` +
            `${describeFindings(result.findings)}\n\nSpans by name:\n` +
            `${formatCounts(new Map(Object.entries(result.stats.spanCountsByName).sort(([a], [b]) => a.localeCompare(b))))}${hint}`,
  };
}

/** The analysis of `spans`, synchronous so `expect(captured).toHaveFinding(code)` needs no await. */
function analysisOf(spans: readonly WireSpan[]): AnalysisResult {
  const analysis = createAnalysis();
  for (const span of spans) analysis.add(span);
  return analysis.finish();
}

function toHaveFinding(this: MatcherState, received: unknown, code: string): MatcherOutcome {
  if (typeof code !== 'string' || !isFindingCode(code)) {
    throw new TypeError(
      `toHaveFinding: unknown finding code '${String(code)}'; codes: ${FINDING_CODES.join(', ')}`,
    );
  }
  if (isAnalysisResult(received)) return findingOutcome(this, received, code, '');
  const spans = spansOf(received, 'toHaveFinding');
  return findingOutcome(this, analysisOf(spans), code, emptyCaptureHint(received, spans));
}

/** The wirescope matchers, for `expect.extend`. */
export const wirescopeMatchers = {
  toHaveSpanCount,
  toHaveFinding,
  toHaveAttemptCount,
  toHaveReusedConnectionRatio,
  toHaveOperationCount,
};

/** Registers the wirescope matchers on vitest's `expect` (calling it again is harmless). */
export function installWirescopeMatchers(): void {
  expect.extend(wirescopeMatchers);
}
