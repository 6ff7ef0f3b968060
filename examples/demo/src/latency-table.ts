import type { Finding } from '@wirescope/analyzer';

/** The measured latencies and the findings of one variant run. */
export interface RunRecord {
  scenario: string;
  variant: 'before' | 'after';
  label: string;
  latenciesMs: number[];
  /** `service.instance.id` of the run's spans. */
  instance: string;
  /** Calls that failed, when the scenario expects failures (the problem it shows fails calls). */
  failedCalls: number;
  /** The analyzer's findings on this run's spans alone (set after the runs). */
  findings: Finding[];
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

/** `72 ms`, `4.3 ms`, `1.2 s`. */
export function ms(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(1)} s`;
  return `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

/** Total cost of the run's findings of `code` (undefined when there is none). */
export function costOf(run: RunRecord | undefined, code: string): number | undefined {
  const found = run?.findings.filter((f) => f.code === code) ?? [];
  return found.length > 0 ? found.reduce((total, f) => total + f.costMs, 0) : undefined;
}

/** Aligns rows: the first `leftColumns` columns padded right, the others padded left. */
export function alignRows(rows: string[][], leftColumns: number): string[] {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) =>
        i < leftColumns ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number),
      )
      .join('  ')
      .trimEnd(),
  );
}
