// Issue 16: a waterfall is headed by what the trace is (root span, calls, service), the 32-digit trace id
// after it, smaller; the JSON report carries the title and its parts.
import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call, newSpanId, newTraceId, span } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { formatHtml } from './format-html.js';
import { formatJson } from './format-json.js';

/** Calls under one server span (a request handler) of service `checkout-service`. */
function checkoutTrace(rootName: string): WireSpan[] {
  const traceId = newTraceId();
  const rootId = newSpanId();
  const root = span({ name: rootName, traceId, spanId: rootId, startMs: 0, durationMs: 200, kind: 'server' });
  const calls = [
    call({ traceId, startMs: 10 }),
    call({ traceId, startMs: 40 }),
    call({
      traceId,
      startMs: 70,
      service: 'DynamoDB',
      operation: 'PutItem',
      host: 'dynamodb.us-east-1.amazonaws.com',
    }),
  ];
  for (const spans of calls) (spans[0] as WireSpan).parentSpanId = rootId;
  return [root, ...calls.flat()].map((s) => ({
    ...s,
    resource: { ...s.resource, 'service.name': 'checkout-service' },
  }));
}

describe('waterfall titles', () => {
  it('names a trace whose root is its one call by the call and the service', async () => {
    const result = await analyze(call({ startMs: 0 }));
    const [waterfall] = result.waterfalls;
    expect(waterfall?.title).toBe('S3.PutObject · test-service');
    expect(waterfall?.rootSpanName).toBe('S3.PutObject');
    expect(waterfall?.serviceName).toBe('test-service');
  });

  it('names a handler trace by its root span, then its calls in start order, then the service', async () => {
    const result = await analyze(checkoutTrace('POST /checkout'));
    expect(result.waterfalls[0]?.title).toBe(
      'POST /checkout → S3.PutObject ×2, DynamoDB.PutItem · checkout-service',
    );
  });

  it('names a trace whose root span is missing by its calls, the service from its spans', async () => {
    const spans = checkoutTrace('POST /checkout').slice(1);
    const result = await analyze(spans);
    expect(result.waterfalls[0]?.title).toBe('S3.PutObject ×2, DynamoDB.PutItem · checkout-service');
    expect(result.waterfalls[0]?.rootSpanName).toBeUndefined();
  });

  it("leaves out OpenTelemetry's unknown_service default, and lists at most three call names", async () => {
    const traceId = newTraceId();
    const spans = ['A.One', 'B.Two', 'C.Three', 'D.Four', 'E.Five'].flatMap((name, i) => {
      const [service, operation] = name.split('.') as [string, string];
      return call({ traceId, startMs: i * 30, service, operation, host: `${service}.example` });
    });
    const result = await analyze(
      spans.map((s) => ({ ...s, resource: { 'service.name': 'unknown_service:node', 'process.pid': 1 } })),
    );
    expect(result.waterfalls[0]?.title).toBe('A.One, B.Two, C.Three, +2 more');
    expect(result.waterfalls[0]?.serviceName).toBeUndefined();
  });

  it('puts the title first and the trace id after it, smaller, in the HTML; escapes and clips input', async () => {
    const hostile = `<img src=x onerror=alert(1)>${'x'.repeat(200)}`;
    const spans = checkoutTrace(hostile);
    const result = await analyze(spans);
    const title = result.waterfalls[0]?.title ?? '';
    expect(title.startsWith(`<img src=x onerror=alert(1)>${'x'.repeat(51)}… → S3.PutObject ×2`)).toBe(true);
    const html = formatHtml(result);
    expect(html).not.toContain('<img');
    const heading = /<section class="waterfall"[^>]*><h3>(.*?)<\/h3>/.exec(html)?.[1] ?? '';
    expect(heading).toMatch(/^<span class="wf-title">&lt;img src=x/);
    expect(heading.indexOf('wf-title')).toBeLessThan(heading.indexOf('trace-id'));
    expect(heading).toContain(
      `<span class="trace-id muted">trace <span class="mono">${spans[0]?.traceId}</span>`,
    );
    expect(html).toMatch(/\.waterfall h3 \.trace-id \{[^}]*font-size: 11px/);
  });

  it('writes title, rootSpanName and serviceName in the JSON report', async () => {
    const json = JSON.parse(formatJson(await analyze(checkoutTrace('POST /checkout'))));
    expect(json.waterfalls[0]).toMatchObject({
      rootSpanName: 'POST /checkout',
      serviceName: 'checkout-service',
      title: 'POST /checkout → S3.PutObject ×2, DynamoDB.PutItem · checkout-service',
    });
  });
});
