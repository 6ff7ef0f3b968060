import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { formatText } from '../reports/format-text.js';
import { newSpanId, newTraceId, span } from '../testing/span-factory.js';
import type { Attributes, WireSpan } from '../types.js';

// Shapes as the standard instrumentations make them (recorded in test/fixtures/standard/README.md):
// instrumentation-aws-sdk's `S3.PutObject` (CLIENT, rpc.*), instrumentation-http's `PUT` (CLIENT) under
// it; for node:https instrumentation-dns's `dns.lookup` and instrumentation-net's `tls.connect` under the
// HTTP span, its `tcp.connect` under `tls.connect` (and holding the lookup's time); for undici the
// dns/net spans are siblings of the HTTP span, under the operation.
const AWS = '@opentelemetry/instrumentation-aws-sdk';
const HTTP = '@opentelemetry/instrumentation-http';
const UNDICI = '@opentelemetry/instrumentation-undici';
const NET = '@opentelemetry/instrumentation-net';
const DNS = '@opentelemetry/instrumentation-dns';
const HOST = 's3.us-east-1.amazonaws.com';

function scoped(scope: string, parts: Parameters<typeof span>[0]): WireSpan {
  return { ...span(parts), scope };
}

interface StdCall {
  startMs: number;
  /** New connection: dns, tcp (own time) and tls (own time) in ms. */
  fresh?: { dns?: number; tcp: number; tls?: number };
  /** node (http span parents the phases) or fetch (phases are siblings). */
  handler?: 'node' | 'fetch';
  region?: string;
  resource?: Attributes;
  /** Leave out the net/dns spans (no instrumentation-net / -dns in the process). */
  noPhases?: boolean;
  traceId?: string;
}

/** One PutObject as instrumentation-aws-sdk + -http/-undici + -net + -dns record it. */
function stdCall(call: StdCall): WireSpan[] {
  const traceId = call.traceId ?? newTraceId();
  const opId = newSpanId();
  const httpId = newSpanId();
  const fresh = call.fresh;
  const setup = fresh ? (fresh.dns ?? 0) + fresh.tcp + (fresh.tls ?? 0) : 0;
  const t0 = call.startMs;
  const out: WireSpan[] = [];
  const resource = { 'service.name': 'orders', 'process.pid': 7, ...call.resource };
  const add = (s: WireSpan) => out.push({ ...s, resource });
  add(
    scoped(AWS, {
      name: 'S3.PutObject',
      traceId,
      spanId: opId,
      startMs: t0,
      durationMs: setup + 12,
      kind: 'client',
      attributes: {
        'rpc.system': 'aws-api',
        'rpc.service': 'S3',
        'rpc.method': 'PutObject',
        'cloud.region': call.region ?? 'us-east-1',
        'aws.s3.bucket': 'orders',
      },
    }),
  );
  const fetch = call.handler === 'fetch';
  add(
    scoped(fetch ? UNDICI : HTTP, {
      name: 'PUT',
      traceId,
      spanId: httpId,
      parentSpanId: opId,
      startMs: t0 + 1,
      durationMs: setup + 10,
      kind: 'client',
      attributes: {
        'http.request.method': 'PUT',
        'server.address': HOST,
        'server.port': 443,
        'url.full': `https://${HOST}/orders/k`,
        'http.response.status_code': 200,
      },
    }),
  );
  if (fresh && !call.noPhases) {
    const phaseParent = fetch ? opId : httpId;
    const dns = fresh.dns ?? 0;
    const tlsId = newSpanId();
    const at = t0 + 1;
    if (fresh.tls !== undefined) {
      add(
        scoped(NET, {
          name: 'tls.connect',
          traceId,
          spanId: tlsId,
          parentSpanId: phaseParent,
          startMs: at,
          durationMs: dns + fresh.tcp + fresh.tls,
          attributes: { 'tls.protocol': 'TLSv1.3' },
        }),
      );
    }
    add(
      scoped(NET, {
        name: 'tcp.connect',
        traceId,
        parentSpanId: fresh.tls !== undefined ? tlsId : phaseParent,
        startMs: at,
        durationMs: dns + fresh.tcp,
        attributes: { 'network.transport': 'tcp', 'server.address': HOST },
      }),
    );
    if (fresh.dns !== undefined) {
      add(
        scoped(DNS, {
          name: 'dns.lookup',
          traceId,
          parentSpanId: phaseParent,
          startMs: at,
          durationMs: dns,
          kind: 'client',
          attributes: { 'peer.ipv4': '10.0.0.1' },
        }),
      );
    }
  }
  return out;
}

const churn = (handler: 'node' | 'fetch' = 'node', extra: Partial<StdCall> = {}) =>
  Array.from({ length: 8 }, (_, i) =>
    stdCall({ startMs: i * 100, fresh: { dns: 2, tcp: 1, tls: 6 }, handler, ...extra }),
  ).flat();

describe('analyzing traces made only by the standard OpenTelemetry instrumentations', () => {
  it.each(['node', 'fetch'] as const)(
    'finds connection churn on %s from the net/dns spans, each phase its own time',
    async (handler) => {
      const result = await analyze(churn(handler));
      expect(result.stats.operations).toBe(8);
      expect(result.stats.attempts).toBe(8);
      expect(result.stats.reusedAttempts).toBe(0);
      const codes = result.findings.map((f) => f.code);
      expect(codes).toContain('connection-churn');
      expect(codes).toContain('dns-lookup-per-connection');
      const churnFinding = result.findings.find((f) => f.code === 'connection-churn');
      // 8 new connections, 1 free for concurrency: 7 extra × (dns 2 + tcp 1 + tls 6) = 63 ms, not the
      // nested span durations (tls.connect 9, tcp.connect 3) summed.
      expect(churnFinding?.costMs).toBeCloseTo(63, 5);
      expect(churnFinding?.evidence.counts).toMatchObject({ newConnections: 8, extraConnections: 7 });
      const rule = result.coverage.rules.find((r) => r.code === 'connection-churn');
      expect(rule).toMatchObject({ judged: 8, of: 8, inferred: 8 });
      expect(result.coverage).toMatchObject({
        calls: 8,
        callsBy: { wirescope: 0, other: 8 },
        inferredAttempts: 8,
      });
      expect(result.coverage.scopes[handler === 'node' ? HTTP : UNDICI]).toBe(8);
    },
  );

  it('treats reused connections as reused when instrumentation-net is there: no churn', async () => {
    const spans = [
      ...stdCall({ startMs: 0, fresh: { dns: 2, tcp: 1, tls: 6 } }),
      ...Array.from({ length: 7 }, (_, i) => stdCall({ startMs: 100 + i * 100 })).flat(),
    ];
    const result = await analyze(spans);
    expect(result.findings.map((f) => f.code)).not.toContain('connection-churn');
    expect(result.stats.reusedAttempts).toBe(7);
    expect(result.coverage.rules.find((r) => r.code === 'connection-churn')).toMatchObject({
      judged: 8,
      of: 8,
    });
  });

  it('judges no connection rule without instrumentation-net, and says so instead of "healthy"', async () => {
    const result = await analyze(churn('node', { noPhases: true }));
    expect(result.findings).toEqual([]);
    const rule = result.coverage.rules.find((r) => r.code === 'connection-churn');
    expect(rule).toMatchObject({ judged: 0, of: 8 });
    expect(rule?.reason).toMatch(/instrumentation-net/);
    const text = formatText(result);
    expect(text).not.toMatch(/healthy/);
    expect(text).toMatch(/no findings in what could be judged/);
    expect(text).toMatch(/connection-churn +0 of 8/);
  });

  it('says there was nothing to judge when no span is an AWS call', async () => {
    const traceId = newTraceId();
    const result = await analyze([
      span({ name: 'GET /health', traceId, startMs: 0, durationMs: 3, kind: 'server' }),
      span({ name: 'SELECT', traceId, startMs: 1, durationMs: 1, kind: 'client' }),
    ]);
    expect(result.coverage.calls).toBe(0);
    expect(formatText(result)).toMatch(/^wirescope: no AWS SDK calls in 2 spans: nothing to judge/);
    expect(formatText(result)).not.toMatch(/healthy/);
  });

  it('takes the caller region from the resource: cross-region by configuration', async () => {
    const spans = Array.from({ length: 4 }, (_, i) =>
      stdCall({
        startMs: i * 100,
        region: 'eu-west-1',
        resource: { 'cloud.region': 'us-east-1' },
        ...(i === 0 ? { fresh: { dns: 2, tcp: 1, tls: 6 } } : {}),
      }),
    ).flat();
    // The endpoint host names the target region: make it the signing region's.
    for (const s of spans)
      if (s.attributes['server.address']) s.attributes['server.address'] = 's3.eu-west-1.amazonaws.com';
    const result = await analyze(spans);
    const finding = result.findings.find((f) => f.code === 'cross-region');
    expect(finding?.summary).toMatch(/us-east-1/);
    expect(finding?.summary).toMatch(/eu-west-1/);
    expect(result.coverage.callerRegion).toEqual({ known: 4, fromResource: 4, fromOption: false });
  });

  it('ignores HTTP client spans that are not under an AWS call', async () => {
    const traceId = newTraceId();
    const result = await analyze([
      scoped(HTTP, {
        name: 'GET',
        traceId,
        startMs: 0,
        durationMs: 5,
        kind: 'client',
        attributes: { 'http.request.method': 'GET', 'server.address': 'example.com' },
      }),
    ]);
    expect(result.stats.attempts).toBe(0);
    expect(result.warnings).toEqual([]);
  });
});

describe('the plugin beside the standard instrumentations', () => {
  /** wirescope's call under instrumentation-aws-sdk's, instrumentation-http's span and net/dns phases under the attempt. */
  function mixedCall(startMs: number): WireSpan[] {
    const traceId = newTraceId();
    const otelOp = newSpanId();
    const op = newSpanId();
    const attempt = newSpanId();
    const http = newSpanId();
    const tls = newSpanId();
    const ws = '@wirescope/aws-sdk';
    return [
      scoped(AWS, {
        name: 'S3.PutObject',
        traceId,
        spanId: otelOp,
        startMs,
        durationMs: 22,
        kind: 'client',
        attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'S3', 'rpc.method': 'PutObject' },
      }),
      scoped(ws, {
        name: 'S3.PutObject',
        traceId,
        spanId: op,
        parentSpanId: otelOp,
        startMs,
        durationMs: 21,
        kind: 'client',
        attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'S3', 'wirescope.attempts': 1 },
      }),
      scoped(ws, {
        name: 'S3.PutObject attempt',
        traceId,
        spanId: attempt,
        parentSpanId: op,
        startMs,
        durationMs: 20,
        attributes: {
          'wirescope.attempt': 1,
          'wirescope.connection.reused': false,
          'server.address': HOST,
          'server.port': 443,
        },
      }),
      scoped(ws, { name: 'dns.lookup', traceId, parentSpanId: attempt, startMs, durationMs: 2 }),
      scoped(ws, {
        name: 'tcp.connect',
        traceId,
        parentSpanId: attempt,
        startMs: startMs + 2,
        durationMs: 1,
      }),
      scoped(ws, {
        name: 'tls.handshake',
        traceId,
        parentSpanId: attempt,
        startMs: startMs + 3,
        durationMs: 6,
      }),
      scoped(HTTP, {
        name: 'PUT',
        traceId,
        spanId: http,
        parentSpanId: attempt,
        startMs,
        durationMs: 19,
        kind: 'client',
        attributes: { 'http.request.method': 'PUT', 'server.address': HOST },
      }),
      scoped(DNS, { name: 'dns.lookup', traceId, parentSpanId: http, startMs, durationMs: 2.5 }),
      scoped(NET, { name: 'tls.connect', traceId, spanId: tls, parentSpanId: http, startMs, durationMs: 10 }),
      scoped(NET, { name: 'tcp.connect', traceId, parentSpanId: tls, startMs, durationMs: 3.5 }),
    ];
  }

  it('counts each call and each phase once, with the plugin’s own durations', async () => {
    const spans = Array.from({ length: 8 }, (_, i) => mixedCall(i * 100)).flat();
    const result = await analyze(spans);
    expect(result.stats.operations).toBe(8);
    expect(result.stats.attempts).toBe(8);
    expect(result.stats.spanCountsByName).toMatchObject({
      'S3.PutObject': 8,
      'dns.lookup': 8,
      'tcp.connect': 8,
      'tls.handshake': 8,
    });
    expect(result.stats.spanCountsByName['tls.connect'] ?? 0).toBe(0);
    // 8 OTel operation spans, 8 HTTP spans, 8 × (dns, tcp, tls) of the other instrumentations.
    expect(result.stats.duplicateSpans).toBe(8 + 8 + 24);
    const churnFinding = result.findings.find((f) => f.code === 'connection-churn');
    // 7 extra connections × (2 + 1 + 6) ms of the plugin's phases.
    expect(churnFinding?.costMs).toBeCloseTo(63, 5);
    expect(result.coverage.callsBy).toEqual({ wirescope: 8, other: 0 });
  });

  it('uncounts a replaced phase of another scope under its own name, never a negative count', async () => {
    const traceId = newTraceId();
    const op = newSpanId();
    const attempt = newSpanId();
    const ws = '@wirescope/aws-sdk';
    const spans: WireSpan[] = [
      scoped(ws, { name: 'S3.PutObject', traceId, spanId: op, startMs: 0, durationMs: 21, kind: 'client' }),
      scoped(ws, {
        name: 'S3.PutObject attempt',
        traceId,
        spanId: attempt,
        parentSpanId: op,
        startMs: 0,
        durationMs: 20,
        attributes: { 'wirescope.attempt': 1, 'wirescope.connection.reused': false, 'server.address': HOST },
      }),
      // Another scope's span with wirescope's TLS name arrives first; wirescope's own replaces it.
      scoped('vendor-tls', {
        name: 'tls.handshake',
        traceId,
        parentSpanId: attempt,
        startMs: 3,
        durationMs: 9,
      }),
      scoped(ws, { name: 'tls.handshake', traceId, parentSpanId: attempt, startMs: 3, durationMs: 6 }),
    ];
    const result = await analyze(spans);
    expect(result.stats.spanCountsByName).toEqual({
      'S3.PutObject': 1,
      'S3.PutObject attempt': 1,
      'tls.handshake': 1,
    });
    expect(result.stats.duplicateSpans).toBe(1);
    expect(result.stats.spans).toBe(3);
  });
});
