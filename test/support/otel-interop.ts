import { createRequire } from 'node:module';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_CONNECTION_ID, PHASE_SPAN_NAMES } from '@wirescope/semconv';
import { expect } from 'vitest';

/** Spans whose parent is not among `spans` (roots, and orphans whose parent never ended/exported). */
export function rootsOf(spans: readonly ReadableSpan[]): ReadableSpan[] {
  const ids = new Set(spans.map((s) => `${s.spanContext().traceId}/${s.spanContext().spanId}`));
  return spans.filter((s) => {
    const parent = s.parentSpanContext;
    return !parent || !ids.has(`${parent.traceId}/${parent.spanId}`);
  });
}

/**
 * `name [instrumentation scope]` → count of the client side's spans, sorted: compare workloads run
 * twice. The in-process s3rver's SERVER spans and their subtrees are left out: each run starts a new
 * s3rver, and instrumentation-koa wraps the router of every new app again (its span count grows from
 * run to run for reasons on the server side only).
 */
export function spanCounts(spans: readonly ReadableSpan[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const span of clientSide(spans)) {
    const key = `${span.name} [${span.instrumentationScope.name}]`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Spans that are neither SERVER spans nor below one. */
export function clientSide(spans: readonly ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const serverSide = (span: ReadableSpan | undefined): boolean => {
    for (let current = span, depth = 0; current && depth < 100; depth++) {
      if (current.kind === SpanKind.SERVER) return true;
      current = current.parentSpanContext ? byId.get(current.parentSpanContext.spanId) : undefined;
    }
    return false;
  };
  return spans.filter((s) => !serverSide(s));
}

/** An indented text tree of spans (name and scope), for failure messages and reports. */
export function spanTree(spans: readonly ReadableSpan[]): string {
  const children = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId ?? '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (span: ReadableSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${span.name} [${span.instrumentationScope.name}]`);
    for (const child of children.get(span.spanContext().spanId) ?? []) walk(child, depth + 1);
  };
  for (const root of rootsOf(spans)) walk(root, 0);
  return lines.join('\n');
}

/** Instrumentation scope of the plugin's spans. */
export const WIRESCOPE = '@wirescope/aws-sdk';
/** Instrumentation scope of OpenTelemetry's undici spans. */
export const OTEL_UNDICI = '@opentelemetry/instrumentation-undici';
/** SDK calls per workload run. */
export const CALLS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sdk: NodeSDK | undefined;

/** Shuts the NodeSDK down and clears the globals it registered, so another one can start. */
export async function stopSdk(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
  trace.disable();
  context.disable();
  propagation.disable();
}

/** Starts NodeSDK with these instrumentations and an in-memory exporter. */
export function startSdk(instrumentations: (Instrumentation | Instrumentation[])[]): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  sdk = new NodeSDK({
    autoDetectResources: false,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    instrumentations,
  });
  sdk.start();
  // As in an app started with `--import ./otel.js`: core modules are required after the SDK started,
  // so OpenTelemetry's dns/net instrumentations patch them (here the test runner loaded them first).
  const require = createRequire(import.meta.url);
  require('node:dns');
  require('node:net');
  return exporter;
}

/**
 * One run: a fresh s3rver (so a fresh undici pool: pools are per origin), the bucket made through
 * another origin, then CALLS sequential PutObject on the fetch handler. Returns the spans of the puts.
 */
export async function run(exporter: InMemorySpanExporter, withPlugin: boolean): Promise<ReadableSpan[]> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { wirescope } = await import('@wirescope/aws-sdk');
  const { createS3Client } = await import('./clients.js');
  const { createTestBucket, startS3Server } = await import('./s3-server.js');
  const server = await startS3Server();
  try {
    const setup = createS3Client(`https://127.0.0.1:${server.port}`, { handler: 'fetch' });
    await createTestBucket(setup, 'interop');
    setup.destroy();
    await sleep(100);
    exporter.reset();
    const client = createS3Client(server.endpoint, { handler: 'fetch' });
    if (withPlugin) client.middlewareStack.use(wirescope());
    for (let i = 0; i < CALLS; i++) {
      await client.send(new PutObjectCommand({ Bucket: 'interop', Key: `k${i}`, Body: 'x' }));
      // Let undici mark the connection idle, so every run uses exactly one connection.
      await sleep(30);
    }
    client.destroy();
    await sleep(100);
    return withoutSetupTraces(exporter.getFinishedSpans());
  } finally {
    await server.close();
  }
}

/**
 * The setup's CreateBucket (`PUT /interop`) response body is never read, so OpenTelemetry's undici
 * span for it ends whenever undici finishes with it, sometimes after the exporter was reset: drop the
 * traces rooted in that request (and only those).
 */
function withoutSetupTraces(spans: ReadableSpan[]): ReadableSpan[] {
  const setupTraces = new Set(
    rootsOf(spans)
      .filter(
        (s) =>
          s.attributes['url.path'] === '/interop' || String(s.attributes['url.full']).includes('/interop?'),
      )
      .map((s) => s.spanContext().traceId),
  );
  return spans.filter((s) => !setupTraces.has(s.spanContext().traceId));
}

/** Spans of the plugin with this name. */
export const ours = (spans: ReadableSpan[], name: string) =>
  spans.filter((s) => s.name === name && s.instrumentationScope.name === WIRESCOPE);
/** Direct children of a span. */
export const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

/** The tree every call must have with the plugin, whatever else is registered. */
export function expectOneTreePerCall(spans: ReadableSpan[], rootName: string, rootScope: string): void {
  const roots = rootsOf(spans);
  // One root per call, and it is the call's span: nothing orphaned, nothing in a trace of its own.
  expect(
    roots.map((r) => `${r.name} [${r.instrumentationScope.name}]`),
    spanTree(spans),
  ).toEqual(Array(CALLS).fill(`${rootName} [${rootScope}]`));
  expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(CALLS);
  const attempts = ours(spans, 'S3.PutObject attempt');
  expect(attempts).toHaveLength(CALLS);
  for (const attempt of attempts) {
    // OpenTelemetry's undici span (the HTTP client span) nests under our attempt span.
    const http = childrenOf(spans, attempt).filter((s) => s.instrumentationScope.name === OTEL_UNDICI);
    expect(http, spanTree(spans)).toHaveLength(1);
  }
  // One connection for the run: our three phases once, under the attempt that opened it.
  for (const name of PHASE_SPAN_NAMES) {
    const phase = ours(spans, name);
    expect(phase, `${name}\n${spanTree(spans)}`).toHaveLength(1);
    expect(attempts.map((a) => a.spanContext().spanId)).toContain(phase[0]!.parentSpanContext?.spanId);
    expect(phase[0]!.attributes[ATTR_CONNECTION_ID]).toBeTruthy();
  }
}
