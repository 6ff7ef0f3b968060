import type { FleetSummary } from '../fleet/types.js';
import { judgedAll, judgedAny } from '../rules/coverage.js';
import type { AnalysisResult, Finding, RuleCoverage } from '../types.js';
import { formatCount, formatMs, totalCostMs } from './units.js';

/**
 * The one-line verdict every report leads with (lower case: reports put `wirescope: ` before it or
 * capitalize it). "Healthy" only when there were findings to be had
 * and none were: every rule judged every call. Otherwise it says what could not be judged.
 */
export function headline(result: AnalysisResult): string {
  const { findings, coverage } = result;
  if (findings.length > 0) {
    const blind = unjudgedRules(result).length;
    return `${formatCount(findings.length, 'finding')}, ≈ ${formatMs(totalCostMs(findings))} estimated cost${blind > 0 ? ` (${formatCount(blind, 'rule')} could not judge every call: see coverage)` : ''}`;
  }
  if (coverage.calls === 0) {
    return result.stats.spans === 0
      ? 'no spans: nothing to judge'
      : `no AWS SDK calls in ${formatCount(result.stats.spans, 'span')}: nothing to judge`;
  }
  if (!judgedAny(coverage))
    return `nothing judged: no rule had the facts it needs for any of ${formatCount(coverage.calls, 'call')} (see coverage)`;
  const blind = unjudgedRules(result).length;
  if (judgedAll(coverage))
    return `no findings: ${formatCount(coverage.calls, 'call')} judged by every rule; they look healthy`;
  return `no findings in what could be judged; ${formatCount(blind, 'rule')} of ${coverage.rules.length} could not judge every call (see coverage)`;
}

/** The rules that could not judge every call they apply to. */
export function unjudgedRules(result: AnalysisResult): RuleCoverage[] {
  return result.coverage.rules.filter((rule) => rule.judged < rule.of);
}

/** A fleet analysis's source in one line: the server, the window, the services. */
function fleetSeenLine(result: AnalysisResult, fleet: FleetSummary): string {
  const names = fleet.services.map((s) => s.service);
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, ${names.length - 8} more` : '');
  const until = fleet.until !== undefined ? ` ending ${fleet.until}` : ' ending now';
  const region = result.coverage.callerRegion;
  return `Prometheus ${fleet.url}, ${fleet.window} window${until}: ${formatCount(names.length, 'service')} (${shown}), ${formatCount(result.coverage.calls, 'AWS call')}; caller region known for ${region.known.toLocaleString('en-US')} of ${result.coverage.calls.toLocaleString('en-US')}; ${fleet.queries} aggregated queries`;
}

/** What was seen, in one line: calls by producer, inferred attempts, duplicates left out. */
export function seenLine(result: AnalysisResult): string {
  const { coverage, stats } = result;
  if (result.fleet) return fleetSeenLine(result, result.fleet);
  const parts = [
    `${formatCount(coverage.calls, 'AWS call')} (${coverage.callsBy.wirescope} from the wirescope plugin, ${coverage.callsBy.other} from other instrumentations only)`,
  ];
  if (coverage.inferredAttempts > 0)
    parts.push(`${formatCount(coverage.inferredAttempts, 'attempt')} inferred from HTTP client spans`);
  if (stats.duplicateSpans > 0)
    parts.push(
      `${formatCount(stats.duplicateSpans, 'duplicate span')} of a second instrumentation counted once`,
    );
  if (stats.skipped)
    parts.push(
      `skipped ${formatCount(stats.skipped.badRecords, 'unreadable record')} and ${formatCount(stats.skipped.notTraces, 'record')} of other signals (see warnings)`,
    );
  const region = coverage.callerRegion;
  parts.push(
    region.known === coverage.calls && coverage.calls > 0
      ? `caller region known${region.fromResource > 0 ? ` (${region.fromResource} from the resource's cloud.region)` : region.fromOption ? ' (--caller-region)' : ''}`
      : `caller region known for ${region.known} of ${coverage.calls}`,
  );
  return parts.join('; ');
}

/** Spans by instrumentation scope, most first: `@opentelemetry/instrumentation-net 16, …`. */
export function scopesLine(result: AnalysisResult, most = 6): string {
  const entries = Object.entries(result.coverage.scopes);
  const shown = entries.slice(0, most).map(([name, spans]) => `${name} ${spans.toLocaleString('en-US')}`);
  if (entries.length > most) shown.push(`${entries.length - most} more`);
  return shown.join(', ');
}

/** `8 of 8`, and what the judged calls were judged from. */
export function judgedText(rule: RuleCoverage): string {
  if (rule.of === 0) return 'not applicable';
  const share = `${rule.judged} of ${rule.of}`;
  return rule.inferred > 0 ? `${share} (${rule.inferred} inferred)` : share;
}

/** Why a rule could not judge every call; what it needs when it could. */
export function coverageNote(rule: RuleCoverage): string {
  if (rule.of === 0) return 'no calls it applies to';
  return rule.reason ?? rule.needs;
}

/** Where a finding's evidence is: its span ids, or for a fleet finding its Prometheus labels and diagnosis. */
export function evidenceWhere(finding: Finding): { label: string; text: string } {
  const e = finding.evidence;
  if (e.series !== undefined) {
    const labels = Object.entries(e.series)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `${k}="${v}"`)
      .join(' ');
    return {
      label: 'series',
      text: `${labels}${e.diagnosis !== undefined ? `; diagnosis ${e.diagnosis}` : ''}`,
    };
  }
  const more = e.spanIdsTotal > e.spanIds.length ? ` … (${e.spanIdsTotal} in all)` : '';
  return { label: 'spans', text: `${e.spanIds.join(' ')}${more}` };
}

/** The counts line: spans, traces, calls, attempts; a fleet analysis has no spans. */
export function countsLine(result: AnalysisResult): string {
  const { stats } = result;
  const reused = `${formatCount(stats.reusedAttempts, 'attempt')} on a reused connection${stats.http2Attempts ? ' or session' : ''}`;
  if (result.fleet) {
    return (
      [formatCount(stats.operations, 'call'), formatCount(stats.attempts, 'attempt'), reused].join(', ') +
      ` (metrics, ${result.fleet.window} window)`
    );
  }
  return [
    formatCount(stats.spans, 'span'),
    formatCount(stats.traces, 'trace'),
    formatCount(stats.operations, 'call'),
    `${formatCount(stats.attempts, 'attempt')}${stats.http2Attempts ? ` (${stats.http2Attempts} on HTTP/2 sessions)` : ''}`,
    reused,
  ].join(', ');
}
