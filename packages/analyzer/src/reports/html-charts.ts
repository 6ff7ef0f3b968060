import type { AttemptLatency, Finding, HostAttemptLatency, LatencySeries } from '../types.js';
import { escapeHtml } from './sanitize.js';
import { formatCount, formatMs } from './units.js';

/**
 * The HTML report's pictures, plain HTML and CSS (no script, no SVG font, nothing fetched): positions
 * and sizes are percentages of their track, so they fit any width. Each chart carries `data-*`
 * attributes with the numbers it draws, for tests and for people reading the source.
 */

const pct = (part: number, whole: number) =>
  `${(whole > 0 ? Math.max(0, Math.min(100, (part / whole) * 100)) : 0).toFixed(3)}%`;

/** The cost of each finding as a bar, scaled to the largest; each links to its finding. */
export function costBarsHtml(findings: readonly Finding[]): string {
  if (findings.length === 0) return '';
  const largest = findings.reduce((max, f) => Math.max(max, f.costMs), 0);
  const rows = findings.map(
    (f, index) =>
      `<div class="cost-row" data-finding-code="${f.code}" data-cost-ms="${f.costMs}"><a class="cost-label" href="#finding-${index + 1}">${index + 1}. <code>${f.code}</code></a><span class="cost-track"><span class="cost-bar severity-${f.severity}" style="width:${pct(f.costMs, largest)}" title="${escapeHtml(f.summary)}"></span></span><span class="cost-value">≈ ${formatMs(f.costMs)}</span></div>`,
  );
  return `<figure class="chart" id="finding-costs" data-largest-cost-ms="${largest}"><figcaption class="muted">Estimated cost of each finding, ms, bars scaled to the largest (${formatMs(largest)}).</figcaption>${rows.join('')}</figure>`;
}

const SERIES = {
  new: { label: 'new connection', none: 'No attempt to this host opened a new connection in these spans.' },
  reused: {
    label: 'reused connection',
    none: 'No attempt to this host reused a connection: every attempt paid for a new one.',
  },
} as const;

/** Ticks: whole decades, with 2 and 5 between them when the axis spans two decades or less. */
function ticks(first: number, last: number): number[] {
  const decades = Math.round(Math.log10(last / first));
  const steps = decades <= 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let d = 0; d <= decades; d++) {
    for (const step of steps) {
      const value = Number((first * 10 ** d * step).toPrecision(3));
      if (value <= last * 1.0001) out.push(value);
    }
  }
  return out;
}

/** `0.1 ms`, `2 ms`, `500 ms`, `1 s`: round tick values, printed as they are. */
const tickLabel = (ms: number) => (ms >= 1000 ? `${Number((ms / 1000).toPrecision(3))} s` : `${ms} ms`);

const axisPosition = (ms: number, first: number, last: number) =>
  pct(Math.log10(ms / first), Math.log10(last / first));

function seriesRow(kind: 'new' | 'reused', s: LatencySeries, edges: number[]): string {
  const { label, none } = SERIES[kind];
  if (s.count === 0) {
    return `<div class="lat-row empty" data-series="${kind}" data-count="0"><div class="lat-label">${label}</div><div class="lat-empty muted">${none}</div></div>`;
  }
  const first = edges[0] as number;
  const last = edges[edges.length - 1] as number;
  const tallest = s.histogram.reduce((max, c) => Math.max(max, c), 0);
  // Bins are equal steps of the log axis: placed by index, exact whatever the edges' rounding.
  const bins = s.histogram.length;
  const bars = s.histogram
    .map((count, i) => {
      if (count === 0) return '';
      const from = edges[i] as number;
      const to = edges[i + 1] as number;
      return `<span class="bin bin-${kind}" data-count="${count}" data-from-ms="${from}" data-to-ms="${to}" style="left:${pct(i, bins)};width:${pct(1, bins)};height:${pct(count, tallest)}" title="${formatCount(count, 'attempt')}, ${formatMs(from)} to ${formatMs(to)}"></span>`;
    })
    .join('');
  const median =
    s.medianMs !== undefined
      ? `<span class="median" style="left:${axisPosition(Math.max(s.medianMs, first), first, last)}" title="median ${formatMs(s.medianMs)}"></span>`
      : '';
  const facts = `${formatCount(s.count, 'attempt')} · median ${formatMs(s.medianMs ?? 0)} · p90 ${formatMs(s.p90Ms ?? 0)}`;
  return `<div class="lat-row" data-series="${kind}" data-count="${s.count}"><div class="lat-label">${label}<span class="muted">${facts}</span></div><div class="hist" role="img" aria-label="${label}: ${facts}" data-tallest="${tallest}">${bars}${median}</div></div>`;
}

function axisRow(edges: number[]): string {
  const first = edges[0] as number;
  const last = edges[edges.length - 1] as number;
  const marks = ticks(first, last);
  const items = marks
    .map((ms, i) => {
      // The end labels stay inside the axis: the first hangs right of its tick, the last left of it.
      const align = i === 0 ? 'start' : i === marks.length - 1 ? 'end' : 'mid';
      return `<span class="tick tick-${align}" style="left:${axisPosition(ms, first, last)}">${tickLabel(ms)}</span>`;
    })
    .join('');
  return `<div class="lat-row lat-axis"><div class="lat-label muted">attempt latency, ms (log scale)</div><div class="axis">${items}</div></div>`;
}

function hostHtml(h: HostAttemptLatency): string {
  const known = h.new.count + h.reused.count;
  const all = known + h.unknown;
  const head = `<h3><span class="mono">${escapeHtml(h.host)}</span> <span class="muted">${formatCount(all, 'attempt')}</span></h3>`;
  const attrs = `data-host="${escapeHtml(h.host)}" data-new="${h.new.count}" data-reused="${h.reused.count}" data-unknown="${h.unknown}"`;
  if (known === 0) {
    return `<section class="host-latency cannot-draw" ${attrs}>${head}<p class="chart-note" data-reason="reuse-unknown">New against reused connections cannot be drawn for this host: for ${all === 1 ? 'its one attempt' : `all ${all} attempts`} the spans do not say whether the connection was new or reused (HTTP client spans of other instrumentations, with no @opentelemetry/instrumentation-net in the process; see Coverage). Add the wirescope plugin, or instrumentation-net.</p></section>`;
  }
  const note =
    h.unknown > 0
      ? `<p class="chart-note" data-reason="reuse-unknown">${formatCount(h.unknown, 'attempt')} left out: the spans do not say whether ${h.unknown === 1 ? 'its' : 'their'} connection was new or reused (see Coverage).</p>`
      : '';
  return `<section class="host-latency" ${attrs}>${head}${seriesRow('new', h.new, h.binEdgesMs)}${seriesRow('reused', h.reused, h.binEdgesMs)}${axisRow(h.binEdgesMs)}${note}</section>`;
}

/** Per host, the distribution of attempt latency on new against reused connections. */
export function latencyChartsHtml(latency: AttemptLatency | undefined): string {
  if (!latency || latency.hosts.length === 0) return '';
  const omitted = latency.hostsOmitted
    ? `<p class="muted">… and ${formatCount(latency.hostsOmitted, 'more host')}, with fewer attempts.</p>`
    : '';
  return `<h2>Attempt latency by host</h2><p class="muted">How long each HTTP attempt took, on a <span class="key key-new"></span>new connection against a <span class="key key-reused"></span>reused one. Bars count attempts per bin, each row scaled to its tallest bin (hover a bar for its count); the line marks the median.</p><div id="attempt-latency">${latency.hosts.map(hostHtml).join('\n')}</div>${omitted}`;
}
