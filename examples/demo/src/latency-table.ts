import type { AnalysisResult } from '@wirescope/analyzer';

/** The measured latencies and the findings of one variant run. */
export interface RunRecord {
  scenario: string;
  variant: 'before' | 'after';
  label: string;
  latenciesMs: number[];
  /** `service.instance.id` of the run's spans. */
  instance: string;
  /** Error, when the run failed. */
  error?: string;
}

/** Median of a list (0 when empty). */
export function p50(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Finding codes per run instance, from the findings' evidence span ids. */
export function codesByInstance(
  result: AnalysisResult,
  instanceOfSpan: ReadonlyMap<string, string>,
): Map<string, Set<string>> {
  const codes = new Map<string, Set<string>>();
  for (const finding of result.findings) {
    for (const spanId of finding.evidence.spanIds) {
      const instance = instanceOfSpan.get(spanId);
      if (instance === undefined) continue;
      let set = codes.get(instance);
      if (!set) {
        set = new Set();
        codes.set(instance, set);
      }
      set.add(finding.code);
    }
  }
  return codes;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

/** The per-scenario table: findings before and after the fix, p50 before and after, ms saved. */
export function formatLatencyTable(
  runs: readonly RunRecord[],
  codes: ReadonlyMap<string, Set<string>>,
  notes: ReadonlyMap<string, string>,
): string {
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const rows: string[][] = [['scenario', 'findings before → after', 'p50 before', 'p50 after', 'saved/call']];
  const details: string[] = [];
  for (const id of scenarios) {
    const before = runs.find((r) => r.scenario === id && r.variant === 'before');
    const after = runs.find((r) => r.scenario === id && r.variant === 'after');
    if (!before) continue;
    const list = (run: RunRecord | undefined) =>
      run ? [...(codes.get(run.instance) ?? [])].sort().join(', ') || 'none' : '';
    const b = p50(before.latenciesMs);
    const a = after ? p50(after.latenciesMs) : undefined;
    rows.push([
      id,
      after ? `${list(before)} → ${list(after)}` : list(before),
      before.error ? 'failed' : ms(b),
      after ? (after.error ? 'failed' : ms(a as number)) : '—',
      after && !after.error && !before.error ? ms(b - (a as number)) : '—',
    ]);
    details.push(`  ${id}: before = ${before.label}${before.error ? ` (failed: ${before.error})` : ''}`);
    if (after)
      details.push(
        `  ${' '.repeat(id.length)}  after  = ${after.label}${after.error ? ` (failed: ${after.error})` : ''}`,
      );
    else details.push(`  ${' '.repeat(id.length)}  after  = ${notes.get(id) ?? 'none'}`);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const table = rows.map((r) =>
    r
      .map((cell, i) => (i >= 2 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd(),
  );
  return [...table, '', ...details].join('\n');
}
