import { describe, expect, it } from 'vitest';
import { analyze, createAnalysis } from './analyze.js';
import { call, healthyRun, span } from './testing/span-factory.js';

const churnCalls = () =>
  Array.from({ length: 6 }, (_, i) =>
    call({ startMs: i * 500, attempts: [{ reused: false, connectionId: `c-${i}`, tcpMs: 2, tlsMs: 8 }] }),
  ).flat();

describe('createAnalysis', () => {
  it('gives the same findings and stats whatever order the spans arrive in (children before parents)', async () => {
    const spans = churnCalls();
    const inOrder = await analyze(spans);
    const reversed = await analyze([...spans].reverse());
    expect(reversed.findings).toEqual(inOrder.findings);
    expect(reversed.stats).toEqual(inOrder.stats);
    expect(reversed.warnings).toEqual([]);
    expect(inOrder.findings.map((f) => f.code)).toContain('connection-churn');
  });

  it('counts spans, traces, operations, attempts and reuse', async () => {
    const result = await analyze([
      ...healthyRun(4),
      span({ name: 'GET /health', traceId: 'f'.repeat(32), startMs: 0, durationMs: 1 }),
    ]);
    expect(result.stats).toEqual({
      spans: 4 * 2 + 3 + 1,
      traces: 5,
      operations: 4,
      attempts: 4,
      reusedAttempts: 3,
      duplicateSpans: 0,
      spanCountsByName: {
        'GET /health': 1,
        'S3.PutObject': 4,
        'S3.PutObject attempt': 4,
        'dns.lookup': 1,
        'tcp.connect': 1,
        'tls.handshake': 1,
      },
    });
    expect(result.findings).toEqual([]);
    expect(result.schemaVersion).toBe(2);
  });

  it('drops duplicate wirescope spans with a warning, and warns about attempts without their operation', async () => {
    const spans = healthyRun(2);
    const orphan = call({ startMs: 1000 }).filter((s) => s.name !== 'S3.PutObject');
    const result = await analyze([...spans, ...spans, ...orphan]);
    expect(result.stats.spans).toBe(spans.length + orphan.length);
    expect(result.stats.spanCountsByName['tls.handshake']).toBe(1);
    expect(result.warnings.filter((w) => w.startsWith('duplicate span id'))).toHaveLength(spans.length);
    expect(result.warnings.some((w) => w.includes('is not an operation span in the input'))).toBe(true);
    expect(result.stats.attempts).toBe(3);
  });

  it('caps warnings', async () => {
    const spans = healthyRun(40);
    const result = await analyze([...spans, ...spans]);
    expect(result.warnings).toHaveLength(51);
    expect(result.warnings.at(-1)).toMatch(/^… and \d+ more warnings$/);
  });

  it('builds waterfalls for the first maxWaterfallTraces traces, with segments and connection ids', async () => {
    const spans = [
      ...call({
        startMs: 0,
        attempts: [
          { reused: false, connectionId: 'c-1', queueMs: 3, dnsMs: 2, tcpMs: 4, tlsMs: 6, durationMs: 40 },
        ],
      }),
      ...healthyRun(3),
    ];
    const result = await analyze(spans, { maxWaterfallTraces: 2 });
    expect(result.waterfalls).toHaveLength(2);
    const attempt = result.waterfalls[0]?.operations[0]?.attempts[0];
    expect(attempt?.connectionId).toBe('c-1');
    expect(attempt?.segments.map((s) => [s.kind, s.startMs, s.durationMs])).toEqual([
      ['queue', 0, 3],
      ['dns', 3, 2],
      ['tcp', 5, 4],
      ['tls', 9, 6],
      ['ttfb', 30, 10],
    ]);
  });

  it('addInput: inputs added in turn give what one analyze() of all their spans gives', async () => {
    const spans = churnCalls();
    const half = spans.length >> 1;
    const analysis = createAnalysis();
    expect(await analysis.addInput(spans.slice(0, half))).toBe(half);
    expect(
      await analysis.addInput(
        (async function* () {
          yield* spans.slice(half);
        })(),
      ),
    ).toBe(spans.length - half);
    const result = analysis.finish();
    const whole = await analyze(spans);
    expect(result.findings).toEqual(whole.findings);
    expect(result.stats).toEqual(whole.stats);
    await expect(analysis.addInput([])).rejects.toThrow(/after finish/);
  });

  it('reports progress and refuses to be used after finish', () => {
    const seen: number[] = [];
    const analysis = createAnalysis({ progressHook: (n) => seen.push(n) });
    for (const s of healthyRun(5500)) analysis.add(s);
    analysis.finish();
    expect(seen).toEqual([10_000]);
    expect(() => analysis.add(healthyRun(1)[0]!)).toThrow(/after finish/);
  });
});
