import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call, healthyRun } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { formatHtml } from './format-html.js';
import { formatJson } from './format-json.js';
import { formatMarkdown } from './format-markdown.js';
import { formatText } from './format-text.js';
import { escapeControl, escapeMarkdown } from './sanitize.js';

const HOSTILE_HOST = 'evil\x1b]0;pwned\x07\x1b[2J\x9b31m<script>alert(1)</script>\u202e.example';

/** Churning calls whose operation name and host carry terminal escapes and HTML. */
function hostileChurn(): WireSpan[] {
  return Array.from({ length: 5 }, (_, i) =>
    call({
      startMs: i * 400,
      operation: 'Put<script>alert("x")</script>\x1b[31m',
      host: HOSTILE_HOST,
      attempts: [{ reused: false, connectionId: `c-${i}`, tcpMs: 3, tlsMs: 9, dnsMs: 2 }],
    }),
  ).flat();
}

const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

describe('formatText', () => {
  it('prints no control characters from hostile input, and aligns the findings table', async () => {
    const result = await analyze([
      ...hostileChurn(),
      ...call({ startMs: 9000, attempts: [{ queueMs: 30 }, { queueMs: 30 }] }),
    ]);
    const text = formatText(result, { width: 120 });
    expect(CONTROL.test(text)).toBe(false);
    expect(text).toContain('\\x1b[31m');
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('SEVERITY'));
    const rows = lines.slice(header, header + 1 + result.findings.length);
    expect(rows.length).toBeGreaterThan(2);
    const summaryColumn = (rows[0] as string).indexOf('SUMMARY');
    for (const row of rows) {
      expect(row.length).toBeLessThanOrEqual(120);
      expect(row[summaryColumn - 1]).toBe(' ');
      expect(row[summaryColumn]).not.toBe(' ');
    }
    // Units on every number in the table: costs end in ms or s.
    for (const row of rows.slice(1)) expect(row).toMatch(/\d (ms|s) +\d+(\.\d)? (ms|s) {2}/);
  });

  it('colours only when asked, and says "no findings" for a healthy run', async () => {
    const healthy = await analyze(healthyRun(5));
    const plain = formatText(healthy);
    expect(plain).toContain('wirescope: no findings');
    expect(plain).toContain('5 calls');
    expect(plain.includes('\x1b')).toBe(false);
    expect(formatText(healthy, { color: true })).toContain('\x1b[1m');
  });
});

describe('formatHtml', () => {
  it('escapes <script> from span names and attributes and renders findings and waterfall bars', async () => {
    const html = formatHtml(await analyze(hostileChurn()), { title: '<b>t</b>' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<title>&lt;b&gt;t&lt;/b&gt;</title>');
    expect(CONTROL.test(html)).toBe(false);
    expect(html).toContain('data-finding-code="connection-churn"');
    expect(html).toMatch(/class="seg seg-tls"/);
    expect(html).not.toMatch(/<script|<link|src=|href="http/);
  });

  it('marks attempts that share a connection', async () => {
    const traceId = 'a'.repeat(32);
    const spans = [
      ...call({ traceId, startMs: 0, attempts: [{ reused: false, connectionId: 'c-1' }] }),
      ...call({ traceId, startMs: 50, attempts: [{ reused: true, connectionId: 'c-1' }] }),
      ...call({ traceId, startMs: 100, attempts: [{ reused: false, connectionId: 'c-2' }] }),
    ];
    const html = formatHtml(await analyze(spans));
    expect(html.match(/class="wf-row attempt [a-z-]+ shared"/g)).toHaveLength(2);
    expect(html.match(/data-connection-id="c-1"/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('conn conn-1');
  });
});

describe('formatMarkdown', () => {
  it('escapes HTML and Markdown from the input', async () => {
    const md = formatMarkdown(await analyze(hostileChurn()));
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;');
    expect(CONTROL.test(md)).toBe(false);
    expect(md).toContain('| `connection-churn` |');
    expect(escapeMarkdown("a|b [x](y) it's")).toBe('a\\|b \\[x\\]\\(y\\) it&#39;s');
  });
});

describe('formatJson', () => {
  it('is versioned, stable, sorted and bigint-safe', async () => {
    const result = await analyze(hostileChurn());
    const json = formatJson(result);
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)[0]).toBe('schemaVersion');
    expect(parsed.schemaVersion).toBe(2);
    expect(parsed.findings[0].code).toBe('connection-churn');
    const spans = hostileChurn();
    expect(formatJson(await analyze(spans))).toBe(formatJson(await analyze([...spans].reverse())));
    expect(
      formatJson({ ...result, warnings: [], stats: { ...result.stats, spans: 1 }, extra: 10n } as never),
    ).toContain('"extra": "10"');
  });
});

describe('escapeControl', () => {
  it('makes ESC, C0, C1 and bidi overrides visible', () => {
    expect(escapeControl('a\x1b[31mb\x9bc\u202ed\n')).toBe('a\\x1b[31mb\\x9bc\\u202ed\\x0a');
  });
});

describe('coverage in every format', () => {
  /** Calls whose attempts say nothing of connection reuse: connection rules cannot judge them. */
  function blindCalls(): WireSpan[] {
    return Array.from({ length: 3 }, (_, i) =>
      call({
        startMs: i * 100,
        attempts: [{ reused: true, attributes: { 'wirescope.connection.reused': 'x' } }],
      }),
    ).flat();
  }

  it('says healthy only when every rule judged every call, in text, markdown and html', async () => {
    const healthy = await analyze(healthyRun(5));
    expect(healthy.coverage.rules.every((r) => r.judged === r.of)).toBe(true);
    expect(formatText(healthy)).toMatch(
      /^wirescope: no findings: 5 calls judged by every rule; they look healthy/,
    );
    expect(formatMarkdown(healthy)).toMatch(/^### wirescope: no findings: 5 calls judged by every rule/);
    expect(formatHtml(healthy)).toContain(
      'id="headline">No findings: 5 calls judged by every rule; they look healthy.<',
    );

    const blind = await analyze(blindCalls());
    const churn = blind.coverage.rules.find((r) => r.code === 'connection-churn');
    expect(churn).toMatchObject({ judged: 0, of: 3 });
    for (const out of [formatText(blind), formatMarkdown(blind), formatHtml(blind)]) {
      expect(out).not.toMatch(/healthy/);
      expect(out).toMatch(/no findings in what could be judged/i);
    }
    expect(formatMarkdown(blind)).toMatch(/\| `connection-churn` \| 0 of 3 \| no connection facts/);
    expect(formatHtml(blind)).toMatch(
      /<tr data-rule="connection-churn" data-judged="0" data-of="3"><td><code>connection-churn<\/code><\/td><td class="num">0 of 3<\/td><td>no connection facts/,
    );
    const json = JSON.parse(formatJson(blind));
    expect(json.coverage.rules.find((r: { code: string }) => r.code === 'connection-churn')).toMatchObject({
      judged: 0,
      of: 3,
    });
  });
});
