import type { AnalysisResult } from '../types.js';

function stable(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value).sort((a, b) =>
      a === 'schemaVersion' ? -1 : b === 'schemaVersion' ? 1 : a < b ? -1 : a > b ? 1 : 0,
    );
    for (const key of keys) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = stable(v);
    }
    return out;
  }
  return value;
}

/**
 * The JSON report (REPORT-SCHEMA.md): the AnalysisResult with `schemaVersion: 1` first, every other
 * object key sorted, bigints as decimal strings, two-space indent and a final newline, so the same
 * analysis always gives the same bytes.
 */
export function formatJson(result: AnalysisResult): string {
  return `${JSON.stringify(stable(result), null, 2)}\n`;
}
