import { describe, expect, it } from 'vitest';
import type { Finding, HostAttemptLatency } from '../types.js';
import { costBarsHtml, latencyChartsHtml } from './html-charts.js';

const finding = (code: Finding['code'], costMs: number): Finding => ({
  code,
  severity: 'warning',
  summary: `<b>${code}</b>`,
  costMs,
  costPerCallMs: costMs,
  costBasis: '',
  fix: '',
  evidence: { spanIds: [], spanIdsTotal: 0, traceIds: [], counts: {}, measurements: {} },
});

const host = (parts: Partial<HostAttemptLatency>): HostAttemptLatency => ({
  host: 'h.example:443',
  binEdgesMs: [10, 15.8, 25.1, 39.8, 63.1, 100],
  new: { count: 0, histogram: [] },
  reused: { count: 0, histogram: [] },
  unknown: 0,
  ...parts,
});

describe('costBarsHtml', () => {
  it('draws each cost in % of the largest, escaped summaries in the title, nothing for no findings', () => {
    const html = costBarsHtml([
      finding('connection-churn', 800),
      finding('slow-handshake', 200),
      finding('hot-prefix', 0),
    ]);
    expect(html.match(/class="cost-bar[^"]*" style="width:([\d.]+)%"/g)).toEqual([
      'class="cost-bar severity-warning" style="width:100.000%"',
      'class="cost-bar severity-warning" style="width:25.000%"',
      'class="cost-bar severity-warning" style="width:0.000%"',
    ]);
    expect(html).toContain('href="#finding-2">2. <code>slow-handshake</code>');
    expect(html).toContain('title="&lt;b&gt;connection-churn&lt;/b&gt;"');
    expect(html).toContain('≈ 800 ms');
    expect(costBarsHtml([])).toBe('');
    expect(costBarsHtml([finding('hot-prefix', 0)])).toContain('width:0.000%');
  });
});

describe('latencyChartsHtml', () => {
  it('draws both series with bins placed on the log axis, a median line and ticks with units', () => {
    const html = latencyChartsHtml({
      hosts: [
        host({
          new: { count: 2, histogram: [0, 0, 0, 0, 2], minMs: 70, medianMs: 70, p90Ms: 80, maxMs: 80 },
          reused: { count: 3, histogram: [3, 0, 0, 0, 0], minMs: 10, medianMs: 11, p90Ms: 12, maxMs: 12 },
        }),
      ],
    });
    expect(html).toContain(
      '<span class="bin bin-new" data-count="2" data-from-ms="63.1" data-to-ms="100" style="left:80.000%;width:20.000%;height:100.000%"',
    );
    expect(html).toContain('data-series="reused" data-count="3"');
    expect(html.match(/class="median"/g)).toHaveLength(2);
    expect(html).toMatch(/<span class="tick tick-start" style="left:0.000%">10 ms<\/span>/);
    expect(html).toMatch(/<span class="tick tick-end" style="left:100.000%">100 ms<\/span>/);
    expect(html).toContain('>20 ms</span>');
    expect(html).toContain('>50 ms</span>');
  });

  it('says so when a host has no reused or no new attempts, instead of an empty chart', () => {
    const noReuse = latencyChartsHtml({
      hosts: [
        host({
          new: { count: 1, histogram: [1, 0, 0, 0, 0], minMs: 10, medianMs: 10, p90Ms: 10, maxMs: 10 },
        }),
      ],
    });
    expect(noReuse).toMatch(
      /data-series="reused" data-count="0">.*No attempt to this host reused a connection/,
    );
    expect(noReuse.match(/class="hist"/g)).toHaveLength(1);
    const noNew = latencyChartsHtml({
      hosts: [
        host({
          reused: { count: 1, histogram: [1, 0, 0, 0, 0], minMs: 10, medianMs: 10, p90Ms: 10, maxMs: 10 },
        }),
      ],
    });
    expect(noNew).toMatch(
      /data-series="new" data-count="0">.*No attempt to this host opened a new connection/,
    );
  });

  it('says the chart cannot be drawn when reuse is unknown, and how many attempts it leaves out otherwise', () => {
    const unknown = latencyChartsHtml({ hosts: [host({ binEdgesMs: [], unknown: 7 })], hostsOmitted: 3 });
    expect(unknown).toContain('class="host-latency cannot-draw"');
    expect(unknown).toContain('cannot be drawn for this host: for all 7 attempts');
    expect(unknown).toContain('instrumentation-net');
    expect(unknown).not.toContain('class="hist"');
    expect(unknown).toContain('… and 3 more hosts');
    const some = latencyChartsHtml({
      hosts: [
        host({
          new: { count: 1, histogram: [1, 0, 0, 0, 0], minMs: 10, medianMs: 10, p90Ms: 10, maxMs: 10 },
          unknown: 1,
        }),
      ],
    });
    expect(some).toContain(
      '1 attempt left out: the spans do not say whether its connection was new or reused',
    );
    expect(latencyChartsHtml(undefined)).toBe('');
    expect(latencyChartsHtml({ hosts: [] })).toBe('');
  });

  it('escapes the host', () => {
    const html = latencyChartsHtml({
      hosts: [host({ host: '<img src=x>:443', unknown: 1, binEdgesMs: [] })],
    });
    expect(html).not.toContain('<img');
    expect(html).toContain('data-host="&lt;img src=x&gt;:443"');
  });
});
