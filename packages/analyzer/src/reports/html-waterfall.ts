import type { TraceWaterfall, WaterfallAttempt, WaterfallOperation } from '../types.js';
import { escapeHtml } from './sanitize.js';
import { formatCount, formatMs } from './units.js';

const SEGMENT_LABEL = {
  queue: 'queue',
  dns: 'dns',
  tcp: 'tcp',
  tls: 'tls',
  continue: 'wait (100-continue)',
  ttfb: 'ttfb',
} as const;

const pct = (ms: number, scale: number) => `${Math.max(0, Math.min(100, (ms / scale) * 100)).toFixed(3)}%`;

/** Legend of the segment classes. */
export function waterfallLegend(): string {
  const items = Object.entries(SEGMENT_LABEL).map(
    ([kind, label]) => `<span><i class="seg seg-${kind}"></i>${label}</span>`,
  );
  return `<p class="legend muted">${items.join('')}<span>⇄ attempts with the same connection badge shared one socket (on HTTP/2, one session)</span></p>`;
}

function attemptRow(
  a: WaterfallAttempt,
  opStart: number,
  scale: number,
  connIndex: Map<string, number>,
  uses: Map<string, number>,
): string {
  const id = a.connectionId;
  const shared = id !== undefined && (uses.get(id) ?? 0) > 1;
  const badge =
    id !== undefined
      ? `<span class="conn conn-${(connIndex.get(id) ?? 0) % 8}" data-connection-id="${escapeHtml(id)}" title="${a.http2 ? 'HTTP/2 session' : 'connection'} ${escapeHtml(id)}">${a.reused ? '↺ ' : '+ '}${a.http2 ? 'h2 session' : 'conn'} ${(connIndex.get(id) ?? 0) + 1}</span>`
      : '';
  const outcome =
    a.errorType !== undefined
      ? ` <span class="mono">${escapeHtml(a.errorType)}</span>`
      : a.statusCode !== undefined
        ? ` <span class="muted">${a.statusCode}</span>`
        : '';
  const start = opStart + a.startMs;
  const segs = a.segments
    .map(
      (s) =>
        `<span class="seg seg-${s.kind}" data-kind="${s.kind}" style="left:${pct(opStart + s.startMs, scale)};width:${pct(s.durationMs, scale)}" title="${SEGMENT_LABEL[s.kind]} ${formatMs(s.durationMs)}"></span>`,
    )
    .join('');
  const classes = ['wf-row', 'attempt', a.reused ? 'reused' : 'new-connection', shared ? 'shared' : '']
    .filter(Boolean)
    .join(' ');
  return `<div class="${classes}" data-span-id="${escapeHtml(a.spanId)}"${id !== undefined ? ` data-connection-id="${escapeHtml(id)}"` : ''}><div class="wf-label">attempt ${a.attempt}${badge}${outcome} <span class="muted">${formatMs(a.durationMs)}</span></div><div class="wf-track"><span class="bar attempt-bar${a.errorType !== undefined ? ' error' : ''}" style="left:${pct(start, scale)};width:${pct(a.durationMs, scale)}" title="attempt ${formatMs(a.durationMs)}"></span>${segs}</div></div>`;
}

/**
 * One trace's waterfall: a row per operation and per attempt, bars positioned in % of the trace's
 * span of time, a `.seg.seg-<kind>` per queue / dns / tcp / tls / 100-continue wait / ttfb segment.
 * Attempts carry a badge per connection id (same colour and number = same socket; ↺ reused, + new)
 * and the class `shared` when their connection carried more than one attempt in the trace.
 */
export function waterfallHtml(trace: TraceWaterfall): string {
  // Scale to the latest end of anything drawn: an attempt can end a fraction of a millisecond after its
  // operation (separate clock reads), and its bar must stay inside the track.
  const scale = trace.operations.reduce((max, op) => Math.max(max, operationEnd(op)), 1);
  const connIndex = new Map<string, number>();
  const uses = new Map<string, number>();
  for (const op of trace.operations) {
    for (const a of op.attempts) {
      if (a.connectionId === undefined) continue;
      if (!connIndex.has(a.connectionId)) connIndex.set(a.connectionId, connIndex.size);
      uses.set(a.connectionId, (uses.get(a.connectionId) ?? 0) + 1);
    }
  }
  const rows = trace.operations.map((op) => {
    const opRow = `<div class="wf-row op" data-span-id="${escapeHtml(op.spanId)}"><div class="wf-label">${escapeHtml(op.name)} <span class="muted">${formatMs(op.durationMs)}</span></div><div class="wf-track"><span class="bar op-bar${op.error ? ' error' : ''}" style="left:${pct(op.startMs, scale)};width:${pct(op.durationMs, scale)}"></span></div></div>`;
    const attempts = op.attempts.map((a) => attemptRow(a, op.startMs, scale, connIndex, uses)).join('');
    return opRow + attempts + omitted(op.attemptsOmitted, 'attempt');
  });
  // Headed by what the trace is; the 32-digit id follows, smaller, for looking the trace up (issue 16).
  const title = trace.title || `trace ${trace.traceId}`;
  return `<section class="waterfall" data-trace-id="${escapeHtml(trace.traceId)}"><h3><span class="wf-title">${escapeHtml(title)}</span> <span class="muted">${formatMs(scale)}, ${formatCount(connIndex.size, 'connection')}</span> <span class="trace-id muted">trace <span class="mono">${escapeHtml(trace.traceId)}</span></span></h3>${rows.join('')}${omitted(trace.operationsOmitted, 'operation')}</section>`;
}

/** The row that says how many operations (or attempts) the waterfall leaves out, when it does. */
function omitted(count: number | undefined, what: 'operation' | 'attempt'): string {
  if (!count) return '';
  return `<div class="wf-row omitted muted" data-omitted="${count}">… and ${formatCount(count, `more ${what}`)} of this ${what === 'operation' ? 'trace' : 'operation'}, left out of the waterfall</div>`;
}

function operationEnd(op: WaterfallOperation): number {
  let end = op.startMs + op.durationMs;
  for (const a of op.attempts) {
    end = Math.max(end, op.startMs + a.startMs + a.durationMs);
    for (const seg of a.segments) end = Math.max(end, op.startMs + seg.startMs + seg.durationMs);
  }
  return end;
}
