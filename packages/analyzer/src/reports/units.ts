/** `190 ms`, `1.2 ms`, `3.4 s`: every number a report prints carries its unit. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '? ms';
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(1)} s`;
  if (Math.abs(value) >= 10) return `${Math.round(value)} ms`;
  return `${value.toFixed(1)} ms`;
}

/** `1,234 spans`. */
export function formatCount(count: number, word: string, many = `${word}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? word : many}`;
}

/** A measurement from the evidence, unit from its key (`…Ms` → ms), else a plain count. */
export function formatMeasurement(key: string, value: number): string {
  return /Ms(Min|Max|Median)?$/.test(key) ? formatMs(value) : value.toLocaleString('en-US');
}

/** Total estimated cost of all findings. */
export function totalCostMs(findings: ReadonlyArray<{ costMs: number }>): number {
  return findings.reduce((total, f) => total + f.costMs, 0);
}
