// Measured durations pinned against what the test injects (issue 19), on undici: a server pause before
// the first byte → wirescope.ttfb_ms, a known idle sleep → wirescope.connection.idle_ms. Lower bound:
// what was injected; upper tolerance: generous for a loaded machine but under the injected value, so
// a doubled, halved or constant measurement fails.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_TTFB_MS,
} from '@wirescope/semconv';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciConnectionInstrumentation } from './instrumentation.js';

/** The server waits this long before it writes the response head. */
const PAUSE_MS = 200;
/** The client sleeps this long between two requests on one keep-alive socket. */
const IDLE_MS = 300;
/** Scheduling slack allowed above an injected duration. */
const TOLERANCE_MS = 150;

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
let server: https.Server;
let port: number;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // The vitest globalSetup writes a localhost certificate that every worker trusts.
  const key = readFileSync(process.env['WIRESCOPE_TEST_KEY_FILE']!, 'utf8');
  const cert = readFileSync(process.env['WIRESCOPE_TEST_CERT_FILE']!, 'utf8');
  server = https.createServer({ key, cert, keepAliveTimeout: 30_000 }, (req, res) => {
    const pause = Number(new URL(req.url ?? '/', 'https://x').searchParams.get('pause') ?? 0);
    req.resume();
    req.on('end', () => setTimeout(() => res.end('ok'), pause));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await provider.shutdown();
  context.disable();
});

/** One request on `dispatcher` under a fresh span; returns the span with the facts recorded on it. */
async function get(dispatcher: Agent, path = '/'): Promise<ReadableSpan> {
  const span = tracer.startSpan('attempt');
  await context.with(trace.setSpan(context.active(), span), async () => {
    const response = await request(`https://127.0.0.1:${port}${path}`, { dispatcher });
    await response.body.text();
  });
  span.end();
  return exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId)!;
}

describe('measured durations against injected ones (undici)', () => {
  it(`ttfb_ms: a ${PAUSE_MS} ms server pause before the first byte; idle_ms: a ${IDLE_MS} ms sleep`, async () => {
    const instrumentation = new UndiciConnectionInstrumentation({});
    instrumentation.setTracerProvider(provider);
    // One connection, kept alive well past the sleep: the second request must reuse it.
    const dispatcher = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
    try {
      const fresh = await get(dispatcher, `/?pause=${PAUSE_MS}`);
      await sleep(IDLE_MS);
      const reused = await get(dispatcher, `/?pause=${PAUSE_MS}`);
      const quick = await get(dispatcher);
      expect(fresh.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
      expect(reused.attributes[ATTR_CONNECTION_REUSED]).toBe(true);
      expect(reused.attributes[ATTR_CONNECTION_ID]).toBe(fresh.attributes[ATTR_CONNECTION_ID]);
      for (const span of [fresh, reused]) {
        const ttfb = span.attributes[ATTR_TTFB_MS] as number;
        expect(ttfb).toBeGreaterThanOrEqual(PAUSE_MS - 1);
        expect(ttfb).toBeLessThan(PAUSE_MS + TOLERANCE_MS);
      }
      expect(quick.attributes[ATTR_TTFB_MS] as number).toBeLessThan(PAUSE_MS / 2);
      const idle = reused.attributes[ATTR_CONNECTION_IDLE_MS] as number;
      expect(idle).toBeGreaterThanOrEqual(IDLE_MS - 1);
      expect(idle).toBeLessThan(IDLE_MS + TOLERANCE_MS);
    } finally {
      await dispatcher.close();
      instrumentation.disable();
    }
  });
});
