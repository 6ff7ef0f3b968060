// Issue 12: every common trace export read by content, gzip too, judged as its OTLP form. Fixtures:
// test/fixtures/formats, written from the recorded OTLP fixtures by scripts/record-format-fixtures.ts.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type AnalysisResult, analyze, detectFormat, readSpans, type WireSpan } from '@wirescope/analyzer';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES: Record<string, string> = {
  'std-churn-https': 'test/fixtures/standard/std-churn-https.otlp.json',
  'std-stale-reset-https': 'test/fixtures/standard/std-stale-reset-https.otlp.json',
  'wirescope-connection-churn': 'test/fixtures/connection-churn.otlp.json',
};
const EXPECTED: Record<string, string[]> = {
  'std-churn-https': ['connection-churn', 'dns-lookup-per-connection'],
  'std-stale-reset-https': ['stale-connection-reset', 'dns-lookup-per-connection'],
  'wirescope-connection-churn': ['connection-churn'],
};
const formPath = (name: string, form: string) => `${ROOT}test/fixtures/formats/${name}.${form}.json`;
const binPath = (name: string, form: string) => `${ROOT}test/fixtures/formats/${name}.${form}`;

function streamOf(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}

async function analyzedBytes(bytes: Buffer, name: string): Promise<AnalysisResult> {
  return analyze(readSpans({ stream: streamOf(bytes), name }));
}

async function spansOf(path: string): Promise<WireSpan[]> {
  const out: WireSpan[] = [];
  for await (const span of readSpans({ path })) out.push(span);
  return out;
}

/** What a report says, with costs to the millisecond (Zipkin and Jaeger keep microseconds only). */
function judged(result: AnalysisResult) {
  return {
    findings: result.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      costMs: Math.round(f.costMs),
      spanIds: f.evidence.spanIds,
      traceIds: f.evidence.traceIds,
    })),
    coverage: result.coverage.rules.map((r) => [r.code, r.judged, r.of]),
    stats: { ...result.stats, spanCountsByName: result.stats.spanCountsByName },
    warnings: result.warnings,
  };
}

describe.each(Object.keys(SOURCES))('%s in every format', (name) => {
  const otlpBytes = readFileSync(`${ROOT}${SOURCES[name]}`);

  it('has the findings the OTLP form has', async () => {
    const otlp = await analyzedBytes(otlpBytes, 'otlp.json');
    expect(otlp.findings.map((f) => f.code)).toEqual(EXPECTED[name]);
  });

  // OTLP in Tempo's and Jaeger api_v3's wrappers: the same analysis to the byte, gzipped or not.
  for (const form of ['tempo', 'tempo-v2', 'jaeger-api-v3']) {
    it(`reads ${form}, plain and gzipped, as the OTLP form`, async () => {
      const otlp = await analyzedBytes(otlpBytes, 'otlp.json');
      const bytes = readFileSync(formPath(name, form));
      expect(detectFormat(bytes)).toBe('otlp-json');
      expect(await analyzedBytes(bytes, form)).toEqual(otlp);
      expect(await analyzedBytes(gzipSync(bytes), form)).toEqual(otlp);
    });
  }

  // OTLP protobuf written by the exporter's own serializer: the same spans and analysis to the byte.
  for (const form of ['otlp.pb', 'file-exporter.pb']) {
    it(`reads OTLP protobuf (${form}), plain and gzipped, as the OTLP form`, async () => {
      const otlp = await analyzedBytes(otlpBytes, 'otlp.json');
      const bytes = readFileSync(binPath(name, form));
      expect(detectFormat(bytes)).toBe('otlp-protobuf');
      expect(await analyzedBytes(bytes, form)).toEqual(otlp);
      expect(await analyzedBytes(gzipSync(bytes), form)).toEqual(otlp);
      const withoutSource = (spans: WireSpan[]) => spans.map(({ source: _, ...span }) => span);
      expect(withoutSource(await spansOf(binPath(name, form)))).toEqual(
        withoutSource(await spansOf(`${ROOT}${SOURCES[name]}`)),
      );
    });
  }

  it('reads a gzipped protobuf request file', async () => {
    const otlp = await analyzedBytes(otlpBytes, 'otlp.json');
    expect(await analyze(readSpans({ path: binPath(name, 'otlp.pb.gz') }))).toEqual(otlp);
  });

  it('reads Zipkin v2 as the collector writes it, plain and gzipped, with the OTLP findings', async () => {
    const otlp = judged(await analyzedBytes(otlpBytes, 'otlp.json'));
    const bytes = readFileSync(formPath(name, 'zipkin-collector'));
    expect(detectFormat(bytes)).toBe('zipkin-json');
    expect(judged(await analyzedBytes(bytes, 'z.json'))).toEqual(otlp);
    expect(judged(await analyzedBytes(gzipSync(bytes), 'z.json.gz'))).toEqual(otlp);
    const spans = await spansOf(formPath(name, 'zipkin-collector'));
    const otlpSpans = await spansOf(`${ROOT}${SOURCES[name]}`);
    // Same spans, attributes as the strings Zipkin keeps, times to the microsecond.
    expect(spans.map((s) => [s.spanId, s.parentSpanId, s.name, s.kind, s.scope, s.status.code])).toEqual(
      otlpSpans.map((s) => [s.spanId, s.parentSpanId, s.name, s.kind, s.scope, s.status.code]),
    );
    expect(spans.map((s) => s.startTimeUnixNano)).toEqual(
      otlpSpans.map((s) => (s.startTimeUnixNano / 1000n) * 1000n),
    );
  });

  it('reads one Jaeger trace, bare and in the UI`s { data: {…} }, as the OTLP spans of that trace', async () => {
    const all = await spansOf(`${ROOT}${SOURCES[name]}`);
    const first = all.filter((s) => s.traceId === all[0]!.traceId);
    const otlp = judged(await analyze(first));
    for (const form of ['jaeger-trace', 'jaeger-ui-trace']) {
      const bytes = readFileSync(formPath(name, form));
      expect(detectFormat(bytes)).toBe('jaeger-json');
      expect(judged(await analyzedBytes(gzipSync(bytes), form))).toEqual(otlp);
      expect((await spansOf(formPath(name, form))).map((s) => s.spanId)).toEqual(first.map((s) => s.spanId));
    }
  });
});

describe('Zipkin v2 as OpenTelemetry JS exporter-zipkin writes it', () => {
  it('keeps what the plugin records: the same findings', async () => {
    const otlp = judged(
      await analyzedBytes(readFileSync(`${ROOT}${SOURCES['wirescope-connection-churn']}`), 'o'),
    );
    const bytes = readFileSync(formPath('wirescope-connection-churn', 'zipkin'));
    expect(judged(await analyzedBytes(bytes, 'z'))).toEqual(otlp);
  });

  it('loses the scope and event attributes of the standard instrumentations, and says what it could not judge', async () => {
    // No scope: instrumentation-dns's lookups read as the plugin's, so dns-lookup-per-connection's rule
    // cannot tell the process did its own lookups; no exception attributes: ECONNRESET is gone, and a
    // stale reset reads as churn.
    const churn = await analyzedBytes(readFileSync(formPath('std-churn-https', 'zipkin')), 'z');
    expect(churn.findings.map((f) => f.code)).toEqual(['connection-churn', 'dns-lookup-per-connection']);
    // Without a scope, the lookups read as part of each new connection's set-up: churn costs more than in
    // the OTLP form, by at most all the lookups; the lookups finding costs the measured durations of the
    // dns.lookup spans it names (microseconds in Zipkin: compared to the ms).
    const otlpPath = `${ROOT}${SOURCES['std-churn-https']}`;
    const otlpChurn = await analyzedBytes(readFileSync(otlpPath), 'o');
    const allLookupsMs = (await spansOf(otlpPath))
      .filter((s) => s.name === 'dns.lookup')
      .reduce((total, s) => total + Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6, 0);
    const [churnFinding, dnsFinding] = churn.findings;
    const otlpChurnMs = otlpChurn.findings.find((f) => f.code === 'connection-churn')!.costMs;
    expect(churnFinding!.costMs).toBeGreaterThan(otlpChurnMs);
    expect(churnFinding!.costMs).toBeLessThanOrEqual(otlpChurnMs + allLookupsMs + 1);
    const zipkinSpans = await spansOf(formPath('std-churn-https', 'zipkin'));
    const named = zipkinSpans.filter((s) => dnsFinding!.evidence.spanIds.includes(s.spanId));
    expect(named.map((s) => s.name)).toEqual(named.map(() => 'dns.lookup'));
    expect(named.length).toBeGreaterThan(0);
    const lookupsMs = named.reduce(
      (total, s) => total + Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
      0,
    );
    expect(Math.round(dnsFinding!.costMs)).toBe(Math.round(lookupsMs));
    expect(churn.coverage.rules.find((r) => r.code === 'dns-lookup-per-connection')).toMatchObject({
      judged: 0,
      of: 8,
    });
    const reset = await analyzedBytes(readFileSync(formPath('std-stale-reset-https', 'zipkin')), 'z');
    expect(reset.findings.map((f) => f.code)).toEqual(['connection-churn', 'dns-lookup-per-connection']);
    const spans = await spansOf(formPath('std-stale-reset-https', 'zipkin'));
    const failed = spans.find((s) => s.status.code === 'error')!;
    expect(failed.events.map((e) => [e.name, e.attributes])).toEqual([['exception', {}]]);
    expect(failed.resource).toEqual({
      'service.name': 'wirescope-standard-fixtures',
      'service.instance.id': 'std-stale-reset-https',
    });
    expect(failed.scope).toBeUndefined();
  });
});
