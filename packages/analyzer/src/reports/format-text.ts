import type { AnalysisResult, Finding, Severity, TextReportOptions } from '../types.js';
import {
  countsLine,
  coverageNote,
  evidenceWhere,
  headline,
  judgedText,
  scopesLine,
  seenLine,
} from './coverage-text.js';
import { escapeControl } from './sanitize.js';
import { formatMeasurement, formatMs } from './units.js';

const SGR = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
};
const SEVERITY_COLOR: Record<Severity, string> = { error: SGR.red, warning: SGR.yellow, info: SGR.cyan };

/** Wraps words to `width`, continuation lines indented. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * The text report: the headline and counts, what was seen, an aligned table of findings (severity,
 * code, total cost, cost per call, summary), each finding's cost basis, fix and evidence, what each
 * rule could judge (coverage), then warnings.
 * Every string from the input goes through `escapeControl`; colour codes are added afterwards.
 */
export function formatText(result: AnalysisResult, options: TextReportOptions = {}): string {
  const width = Math.max(60, options.width ?? 100);
  const paint = (style: string, text: string) => (options.color ? `${style}${text}${SGR.reset}` : text);
  const { findings } = result;
  const out: string[] = [];
  const counts = countsLine(result);
  out.push(paint(SGR.bold, `wirescope: ${headline(result)}`), `  ${counts}`);
  out.push(...wrap(escapeControl(`seen: ${seenLine(result)}`), width, '  '));
  if (Object.keys(result.coverage.scopes).length > 0)
    out.push(...wrap(escapeControl(`spans by instrumentation: ${scopesLine(result)}`), width, '  '));
  if (findings.length > 0) {
    out.push('', ...table(findings, width, paint));
    findings.forEach((finding, index) => {
      out.push('', ...details(finding, index + 1, width, paint));
    });
  }
  if (result.coverage.calls > 0) out.push('', ...coverageTable(result, width, paint));
  if (result.warnings.length > 0) {
    out.push('', paint(SGR.bold, `warnings (${result.warnings.length})`));
    for (const warning of result.warnings) out.push(...wrap(escapeControl(warning), width, '  '));
  }
  return `${out.join('\n')}\n`;
}

type Paint = (style: string, text: string) => string;

/**
 * What each rule could judge: `rule  judged  note`, aligned under a heading and indented (a line never
 * starts with a finding code); long notes wrap under the note column.
 */
function coverageTable(result: AnalysisResult, width: number, paint: Paint): string[] {
  const rows = result.coverage.rules.map((rule) => [
    rule.code,
    judgedText(rule),
    escapeControl(coverageNote(rule)),
  ]);
  const head = ['RULE', 'CALLS JUDGED', 'NEEDS / WHY NOT'];
  const w0 = Math.max((head[0] as string).length, ...rows.map((r) => (r[0] as string).length));
  const w1 = Math.max((head[1] as string).length, ...rows.map((r) => (r[1] as string).length));
  const indent = ' '.repeat(2 + w0 + w1 + 4);
  const out = [
    paint(SGR.bold, 'coverage: what each rule could judge'),
    paint(SGR.dim, `  ${(head[0] as string).padEnd(w0)}  ${(head[1] as string).padEnd(w1)}  ${head[2]}`),
  ];
  for (const [code, judged, note] of rows as [string, string, string][]) {
    const [first = '', ...rest] = wrap(note, width, indent);
    out.push(`  ${code.padEnd(w0)}  ${judged.padEnd(w1)}  ${first.slice(indent.length)}`, ...rest);
  }
  return out;
}

function table(findings: Finding[], width: number, paint: Paint): string[] {
  const rows = findings.map((f) => [
    f.severity,
    f.code,
    formatMs(f.costMs),
    formatMs(f.costPerCallMs),
    escapeControl(f.summary),
  ]);
  const head = ['SEVERITY', 'CODE', 'COST', 'PER CALL', 'SUMMARY'];
  const widths = head
    .slice(0, 4)
    .map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const pad = (cells: string[], styled?: (cell: string, i: number) => string) => {
    const fixed = cells.slice(0, 4).map((cell, i) => {
      const padded =
        i === 2 || i === 3 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number);
      return styled ? styled(padded, i) : padded;
    });
    const used = widths.reduce((a, b) => a + b + 2, 0);
    return `${fixed.join('  ')}  ${truncate(cells[4] as string, Math.max(10, width - used))}`;
  };
  return [
    paint(SGR.dim, pad(head)),
    ...rows.map((row, r) =>
      pad(row, (cell, i) =>
        i === 0
          ? paint(SEVERITY_COLOR[findings[r]?.severity ?? 'info'], cell)
          : i === 1
            ? paint(SGR.bold, cell)
            : cell,
      ),
    ),
  ];
}

function details(finding: Finding, index: number, width: number, paint: Paint): string[] {
  const e = finding.evidence;
  const head = `[${index}] ${finding.code} (${finding.severity}): ≈ ${formatMs(finding.costMs)} in all, ${formatMs(finding.costPerCallMs)} per call`;
  const measured = [
    ...Object.entries(e.counts).map(([k, v]) => `${escapeControl(k)} ${v.toLocaleString('en-US')}`),
    ...Object.entries(e.measurements).map(([k, v]) => `${escapeControl(k)} ${formatMeasurement(k, v)}`),
  ].join(', ');
  const at = evidenceWhere(finding);
  return [
    paint(SEVERITY_COLOR[finding.severity], head),
    ...wrap(escapeControl(finding.summary), width, '    '),
    ...wrap(`${paint(SGR.dim, 'cost:')} ${escapeControl(finding.costBasis)}`, width, '    '),
    ...wrap(`${paint(SGR.dim, 'fix:')} ${escapeControl(finding.fix)}`, width, '    '),
    ...wrap(`${paint(SGR.dim, 'measured:')} ${measured}`, width, '    '),
    ...wrap(`${paint(SGR.dim, `${at.label}:`)} ${escapeControl(at.text)}`, width, '    '),
  ];
}
