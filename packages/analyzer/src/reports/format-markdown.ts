import type { AnalysisResult } from '../types.js';
import { coverageNote, evidenceWhere, headline, judgedText, scopesLine, seenLine } from './coverage-text.js';
import { escapeMarkdown } from './sanitize.js';
import { formatCount, formatMeasurement, formatMs } from './units.js';

const ICON = { error: '🔴', warning: '🟠', info: '🔵' } as const;

/**
 * The Markdown report, for a pull-request comment: a heading with the counts, a table of findings, and
 * per finding its fix and measured evidence. Every string from the input is HTML-escaped and
 * Markdown-escaped (`escapeMarkdown`).
 */
export function formatMarkdown(result: AnalysisResult): string {
  const { stats, findings } = result;
  const counts = result.fleet
    ? `${formatCount(stats.operations, 'call')}, ${formatCount(stats.attempts, 'attempt')} (${formatCount(stats.reusedAttempts, 'reused connection')}), metrics over a ${result.fleet.window} window`
    : `${formatCount(stats.operations, 'call')}, ${formatCount(stats.attempts, 'attempt')} (${formatCount(stats.reusedAttempts, 'reused connection')}${stats.http2Attempts ? `, ${stats.http2Attempts} on HTTP/2 sessions` : ''}), ${formatCount(stats.traces, 'trace')}, ${formatCount(stats.spans, 'span')}`;
  const out: string[] = [];
  out.push(
    `### wirescope: ${escapeMarkdown(headline(result))}`,
    '',
    `${counts}. Seen: ${escapeMarkdown(seenLine(result))}.`,
  );
  if (findings.length > 0) {
    out.push(
      '',
      '| Severity | Finding | Cost | Per call | What happened |',
      '| --- | --- | ---: | ---: | --- |',
    );
    for (const f of findings) {
      out.push(
        `| ${ICON[f.severity]} ${f.severity} | \`${f.code}\` | ${formatMs(f.costMs)} | ${formatMs(f.costPerCallMs)} | ${escapeMarkdown(f.summary)} |`,
      );
    }
    for (const f of findings) {
      const measured = [
        ...Object.entries(f.evidence.counts).map(([k, v]) => `${escapeMarkdown(k)} ${v}`),
        ...Object.entries(f.evidence.measurements).map(
          ([k, v]) => `${escapeMarkdown(k)} ${formatMeasurement(k, v)}`,
        ),
      ].join(', ');
      out.push(
        '',
        `#### \`${f.code}\``,
        '',
        `**Fix:** ${escapeMarkdown(f.fix)}`,
        '',
        `Cost: ${escapeMarkdown(f.costBasis)}. Measured: ${measured}. ${evidenceWhere(f).label === 'series' ? 'Series' : 'Spans'}: ${escapeMarkdown(evidenceWhere(f).text)}`,
      );
    }
  }
  if (result.coverage.calls > 0) {
    out.push(
      '',
      `<details><summary>Coverage: what each rule could judge</summary>`,
      '',
      ...(result.fleet ? [] : [`Spans by instrumentation: ${escapeMarkdown(scopesLine(result))}.`, '']),
      '| Rule | Calls judged | Needs / why not |',
      '| --- | --- | --- |',
      ...result.coverage.rules.map(
        (rule) => `| \`${rule.code}\` | ${judgedText(rule)} | ${escapeMarkdown(coverageNote(rule))} |`,
      ),
      '',
      '</details>',
    );
  }
  if (result.warnings.length > 0) {
    out.push('', '<details><summary>Warnings</summary>', '');
    for (const w of result.warnings) out.push(`- ${escapeMarkdown(w)}`);
    out.push('', '</details>');
  }
  return `${out.join('\n')}\n`;
}
