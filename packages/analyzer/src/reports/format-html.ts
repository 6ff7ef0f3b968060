import type { AnalysisResult, Finding, HtmlReportOptions } from '../types.js';
import { coverageNote, evidenceWhere, headline, judgedText, scopesLine, seenLine } from './coverage-text.js';
import { costBarsHtml, latencyChartsHtml } from './html-charts.js';
import { HTML_STYLE } from './html-style.js';
import { waterfallHtml, waterfallLegend } from './html-waterfall.js';
import { escapeHtml } from './sanitize.js';
import { formatCount, formatMeasurement, formatMs } from './units.js';

function findingHtml(f: Finding, index: number): string {
  const e = f.evidence;
  const measured = [
    ...Object.entries(e.counts).map(([k, v]) => `${escapeHtml(k)} ${v.toLocaleString('en-US')}`),
    ...Object.entries(e.measurements).map(([k, v]) => `${escapeHtml(k)} ${formatMeasurement(k, v)}`),
  ].join(', ');
  const at = evidenceWhere(f);
  return `<article class="finding severity-${f.severity}" id="finding-${index + 1}" data-finding-code="${f.code}" data-severity="${f.severity}">
<h3><span class="cost">≈ ${formatMs(f.costMs)} <span class="muted">(${formatMs(f.costPerCallMs)} per call)</span></span><code>${f.code}</code> <span class="muted">${f.severity}</span></h3>
<p class="summary">${escapeHtml(f.summary)}</p>
<dl><dt>fix</dt><dd class="fix">${escapeHtml(f.fix)}</dd><dt>cost</dt><dd>${escapeHtml(f.costBasis)}</dd><dt>measured</dt><dd>${measured}</dd><dt>${at.label}</dt><dd class="mono">${escapeHtml(at.text)}</dd></dl>
</article>`;
}

function statsHtml(result: AnalysisResult): string {
  const s = result.stats;
  const row = (label: string, value: number) =>
    `<tr><td>${label}</td><td class="num">${value.toLocaleString('en-US')}</td></tr>`;
  const byName = Object.entries(s.spanCountsByName)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(
      ([name, count]) =>
        `<tr><td class="mono">${escapeHtml(name)}</td><td class="num">${count.toLocaleString('en-US')} spans</td></tr>`,
    )
    .join('');
  return `<table class="stats" id="stats">${row('spans', s.spans)}${row('traces', s.traces)}${row('calls (operation spans)', s.operations)}${row('attempts', s.attempts)}${row('attempts on a reused connection', s.reusedAttempts)}${s.http2Attempts ? row('attempts on HTTP/2 sessions', s.http2Attempts) : ''}</table>
<details><summary>spans by name</summary><table class="stats">${byName}</table></details>`;
}

/** What was seen and what each rule could judge. */
function coverageHtml(result: AnalysisResult): string {
  const rows = result.coverage.rules
    .map(
      (rule) =>
        `<tr data-rule="${rule.code}" data-judged="${rule.judged}" data-of="${rule.of}"><td><code>${rule.code}</code></td><td class="num">${escapeHtml(judgedText(rule))}</td><td>${escapeHtml(coverageNote(rule))}</td></tr>`,
    )
    .join('');
  return `<p id="seen">${escapeHtml(`Seen: ${seenLine(result)}.`)}</p>
${result.fleet ? '' : `<p class="muted">${escapeHtml(`Spans by instrumentation: ${scopesLine(result)}.`)}</p>`}
<table class="stats" id="coverage"><tr><th>rule</th><th>calls judged</th><th>needs / why not</th></tr>${rows}</table>`;
}

/**
 * The HTML report: one self-contained file (inline CSS, no script, no external asset). Findings are
 * `<article class="finding" data-finding-code="…">`, their costs drawn as bars (`#finding-costs`); per
 * host, attempt latency on new against reused connections (`#attempt-latency`); each trace's waterfall is a
 * `<section class="waterfall">` with `.seg.seg-<kind>` bars. Every string from the input is escaped.
 */
export function formatHtml(result: AnalysisResult, options: HtmlReportOptions = {}): string {
  const title = escapeHtml(options.title ?? 'wirescope report');
  const { findings } = result;
  const verdict = headline(result);
  const head = `${verdict.charAt(0).toUpperCase()}${verdict.slice(1)}.`;
  const warnings =
    result.warnings.length > 0
      ? `<h2>Warnings</h2><ul id="warnings">${result.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
      : '';
  const waterfalls =
    result.waterfalls.length > 0
      ? `<h2>Waterfalls</h2><p class="muted">First ${formatCount(result.waterfalls.length, 'trace')}: each attempt's queue, dns, tcp, tls, 100-continue wait and time to first byte.</p>${waterfallLegend()}<div id="waterfalls">${result.waterfalls.map(waterfallHtml).join('\n')}</div>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${HTML_STYLE}</style>
</head>
<body data-schema-version="${result.schemaVersion}">
<header><h1>${title}</h1><p class="muted" id="headline">${escapeHtml(head)}</p></header>
<h2>Findings</h2>
${costBarsHtml(findings)}
<div id="findings" data-count="${findings.length}">${findings.length === 0 ? '<p class="no-findings">No findings.</p>' : findings.map(findingHtml).join('\n')}</div>
${latencyChartsHtml(result.attemptLatency)}
<h2>Coverage</h2>
${coverageHtml(result)}
<h2>Counts</h2>
${statsHtml(result)}
${waterfalls}
${warnings}
<footer class="muted"><p>wirescope · report schema ${result.schemaVersion}</p></footer>
</body>
</html>
`;
}
