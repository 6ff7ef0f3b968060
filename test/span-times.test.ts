// Issue 13: span times from the kernel's one clock. Before, operation and attempt spans started on
// `Date.now()` (whole milliseconds) while their ends were precise, so a child could end after its
// parent and sequential sub-millisecond calls looked concurrent to the analyzer's concurrency rules.
// Here: sequential HeadObjects on a keep-alive connection to a server that answers at once, on both
// handlers; every span nests in time inside its parent, sequential calls never overlap, and the starts
// carry sub-millisecond digits.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { wirescope } from '@wirescope/aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { attr, parentOf, spansNamed } from './support/span-query.js';

const CALLS = 20;
const tracing = createTestTracing();
let server: http.Server;
let endpoint: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '0', 'x-amz-request-id': 'r' });
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await tracing.shutdown();
});

const start = (s: ReadableSpan) => hrTimeToMilliseconds(s.startTime);
const end = (s: ReadableSpan) => hrTimeToMilliseconds(s.endTime);

describe.each(['node', 'fetch'] as const)('span times on the %s handler', (handler) => {
  it(`${CALLS} sequential calls: children inside parents, calls in order, sub-millisecond starts`, async () => {
    tracing.reset();
    const s3 = createS3Client(endpoint, { handler, maxAttempts: 1 });
    s3.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    for (let i = 0; i < CALLS; i++) await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: `k${i}` }));
    s3.destroy();
    const spans = tracing.spans();
    const operations = spansNamed(spans, 'S3.HeadObject').sort((a, b) => start(a) - start(b));
    expect(operations).toHaveLength(CALLS);
    // Every span of ours ends inside its parent's interval and starts after it.
    for (const span of spans) {
      const parent = parentOf(spans, span);
      if (!parent) continue;
      expect(start(span), `${span.name} starts inside ${parent.name}`).toBeGreaterThanOrEqual(start(parent));
      expect(end(span), `${span.name} ends inside ${parent.name}`).toBeLessThanOrEqual(end(parent));
    }
    // Sequential calls never overlap: each starts after the one before ended.
    for (let i = 1; i < operations.length; i++)
      expect(start(operations[i]!)).toBeGreaterThanOrEqual(end(operations[i - 1]!));
    // Starts on whole milliseconds would all have nanoseconds ≡ 0 (mod 1e6); with a sub-millisecond
    // clock the chance that all 2 × 20 do is nil.
    // The attempt names its scheme (OpenTelemetry's url.scheme), from the request the SDK signed.
    expect(new Set(spansNamed(spans, 'S3.HeadObject attempt').map((a) => attr(a, 'url.scheme')))).toEqual(
      new Set(['http']),
    );
    const starts = [...operations, ...spansNamed(spans, 'S3.HeadObject attempt')].map((s) => s.startTime[1]);
    expect(starts.filter((nanos) => nanos % 1_000_000 !== 0).length).toBeGreaterThan(starts.length / 2);
  });
});
