import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type AttemptScope, runInAttemptScope } from '@wirescope/instrumentation';
import {
  ATTR_BODY_BYTES,
  ATTR_BODY_OUTCOME,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_REUSED,
  ATTR_DNS_ANSWERS,
  ATTR_DNS_QUESTION_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TTFB_MS,
  PHASE_SPAN_NAMES,
  SPAN_DNS_LOOKUP,
  SPAN_HTTP_RESPONSE_BODY,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { Agent, Client, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UndiciConnectionInstrumentation } from './instrumentation.js';

// The vitest globalSetup writes a localhost certificate that every worker trusts (NODE_EXTRA_CA_CERTS).
const tlsOptions = () => ({
  key: readFileSync(process.env['WIRESCOPE_TEST_KEY_FILE']!, 'utf8'),
  cert: readFileSync(process.env['WIRESCOPE_TEST_CERT_FILE']!, 'utf8'),
});

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
let server: https.Server;
let port: number;

beforeAll(async () => {
  // The active span travels through fetch only with a context manager, as under NodeSDK.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  server = https.createServer(tlsOptions(), (req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
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
afterEach(() => exporter.reset());

/** Runs `fn` with a fresh recording span active; ends it after. */
async function underSpan<T>(name: string, fn: () => Promise<T>): Promise<ReadableSpan> {
  const span = tracer.startSpan(name);
  await context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  return exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId)!;
}

const childrenOf = (parent: ReadableSpan) =>
  exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
/** The connection phase spans under `parent` (its `http.response.body` span left out). */
const phasesOf = (parent: ReadableSpan) =>
  childrenOf(parent).filter((s) => (PHASE_SPAN_NAMES as readonly string[]).includes(s.name));

function instrument(config = {}) {
  const instrumentation = new UndiciConnectionInstrumentation(config);
  instrumentation.setTracerProvider(provider);
  return instrumentation;
}

describe('UndiciConnectionInstrumentation, standalone on the active span', () => {
  it("plain fetch(): a new connection, then reuse; phases under the caller's span", async () => {
    const instrumentation = instrument();
    try {
      // Node's own fetch and global dispatcher (its pool for this origin is used by no other test).
      const url = `https://localhost:${port}/`;
      const call = () => fetch(url).then((r) => r.text());
      const spans: ReadableSpan[] = [];
      for (let i = 0; i < 4; i++) spans.push(await underSpan(`call ${i}`, call));
      const [first] = spans;
      expect(first!.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
      expect(first!.attributes[ATTR_HTTP_HANDLER]).toBe('fetch');
      expect(first!.attributes[ATTR_SERVER_ADDRESS]).toBe('localhost');
      expect(first!.attributes[ATTR_SERVER_PORT]).toBe(port);
      expect(first!.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
      expect(first!.attributes[ATTR_TLS_PROTOCOL_VERSION]).toBe('1.3');
      expect(first!.attributes[ATTR_TTFB_MS]).toBeGreaterThan(0);
      // undici's pool may open a second connection for the very next request (the first client is
      // still busy for a tick after the body was read): reuse is judged per connection id.
      const seen = new Set<unknown>();
      for (const span of spans) {
        const id = span.attributes[ATTR_CONNECTION_ID];
        expect(span.attributes[ATTR_CONNECTION_REUSED]).toBe(seen.has(id));
        expect(phasesOf(span).map((s) => s.name)).toEqual(
          seen.has(id) ? [] : [SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE],
        );
        // The 'ok' body, read to its end: one body span on the same connection.
        const bodies = childrenOf(span).filter((s) => s.name === SPAN_HTTP_RESPONSE_BODY);
        expect(bodies.map((b) => b.attributes)).toEqual([
          {
            [ATTR_HTTP_HANDLER]: 'fetch',
            [ATTR_CONNECTION_ID]: id,
            [ATTR_BODY_OUTCOME]: 'complete',
            [ATTR_BODY_BYTES]: 2,
          },
        ]);
        seen.add(id);
      }
      expect(seen.size).toBeLessThan(spans.length);
      // Kernel facts (issue 13): ids c<pid>-<n>, durations to 0.001 ms; socket.reset only on failures.
      expect(first!.attributes[ATTR_CONNECTION_ID]).toMatch(/^c\d+-\d+$/);
      const ttfb = first!.attributes[ATTR_TTFB_MS] as number;
      expect(Math.round(ttfb * 1000) / 1000).toBe(ttfb);
      expect(first!.attributes[ATTR_SOCKET_RESET]).toBeUndefined();
      // OpenTelemetry's network-span attributes on the phases; a reused attempt links to the span that
      // waited for its connection, with the connection id.
      const [dns, tcp, tls] = phasesOf(first!);
      expect(dns?.attributes[ATTR_DNS_QUESTION_NAME]).toBe('localhost');
      expect(dns?.attributes[ATTR_DNS_ANSWERS]).toEqual(['127.0.0.1']);
      expect(tcp?.attributes[ATTR_NETWORK_TRANSPORT]).toBe('tcp');
      expect(tcp?.attributes[ATTR_NETWORK_TYPE]).toBe('ipv4');
      expect(tls?.attributes[ATTR_SERVER_ADDRESS]).toBe('localhost');
      const reused = spans.find((s) => s.attributes[ATTR_CONNECTION_REUSED] === true)!;
      const setup = spans.find(
        (s) =>
          s.attributes[ATTR_CONNECTION_REUSED] === false &&
          s.attributes[ATTR_CONNECTION_ID] === reused.attributes[ATTR_CONNECTION_ID],
      )!;
      expect(reused.links.map((l) => [l.context.spanId, l.attributes?.[ATTR_CONNECTION_ID]])).toEqual([
        [setup.spanContext().spanId, reused.attributes[ATTR_CONNECTION_ID]],
      ]);
      expect(first!.links).toEqual([]);
    } finally {
      instrumentation.disable();
    }
  });

  it('the undici npm package (v7) publishes on the same channels', async () => {
    const instrumentation = instrument();
    const dispatcher = new Agent();
    try {
      // An IP literal: no DNS lookup, so no dns.lookup span.
      const span = await underSpan('npm undici', async () => {
        const response = await request(`https://127.0.0.1:${port}/`, { dispatcher });
        await response.body.text();
      });
      expect(span.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
      expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
      expect(phasesOf(span).map((s) => s.name)).toEqual([SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE]);
      // undici 7's request(): the same body span as fetch.
      const [body] = childrenOf(span).filter((s) => s.name === SPAN_HTTP_RESPONSE_BODY);
      expect(body?.attributes[ATTR_BODY_OUTCOME]).toBe('complete');
      expect(body?.attributes[ATTR_BODY_BYTES]).toBe(2);
    } finally {
      await dispatcher.close();
      instrumentation.disable();
    }
  });

  it('a connection opened for one request and handed to another is traced once, on the one that got it', async () => {
    const instrumentation = instrument();
    const client = new Client(`https://localhost:${port}`);
    try {
      const abort = new AbortController();
      let aborted: Promise<unknown> = Promise.resolve();
      const spanA = await underSpan('A', async () => {
        // A makes the client connect, then gives up before the connection is ready.
        aborted = client.request({ path: '/', method: 'GET', signal: abort.signal }).catch((e) => e);
      });
      const spanB = await underSpan('B', async () => {
        const pending = client.request({ path: '/', method: 'GET' });
        abort.abort();
        await (await pending).body.text();
      });
      expect(((await aborted) as Error).name).toBe('AbortError');
      expect(childrenOf(spanA)).toHaveLength(0);
      expect(childrenOf(spanB).map((s) => s.name)).toContain(SPAN_TLS_HANDSHAKE);
      expect(spanB.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
      expect(exporter.getFinishedSpans().filter((s) => s.name === SPAN_TLS_HANDSHAKE)).toHaveLength(1);
    } finally {
      await client.close();
      instrumentation.disable();
    }
  });

  it('a refused connect: error.type ECONNREFUSED on the span, a failed tcp.connect under it', async () => {
    const instrumentation = instrument();
    const closed = https.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    const dispatcher = new Agent();
    try {
      let caught: unknown;
      const span = await underSpan('refused', () =>
        fetch(`https://127.0.0.1:${deadPort}/`, { dispatcher } as unknown as RequestInit).catch((e) => {
          caught = e;
        }),
      );
      expect((caught as Error).message).toBe('fetch failed');
      expect(span.attributes[ATTR_ERROR_TYPE]).toBe('ECONNREFUSED');
      // As node:http: written on every failed request, false for an error that is no reset.
      expect(span.attributes[ATTR_SOCKET_RESET]).toBe(false);
      const [phase] = childrenOf(span);
      expect(phase?.name).toBe(SPAN_TCP_CONNECT);
      expect(phase?.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      await dispatcher.close();
      instrumentation.disable();
    }
  });
});

describe('UndiciConnectionInstrumentation, lifecycle and scopes', () => {
  it('disable() unsubscribes; enable() is idempotent; nothing is recorded while disabled', async () => {
    const channel = diagnosticsChannel.channel('undici:request:create');
    const before = channel.hasSubscribers;
    const instrumentation = instrument({ enabled: false });
    expect(channel.hasSubscribers).toBe(before);
    instrumentation.enable();
    instrumentation.enable();
    expect(channel.hasSubscribers).toBe(true);
    instrumentation.disable();
    expect(channel.hasSubscribers).toBe(before);
    if (!before) {
      const dispatcher = new Agent();
      const span = await underSpan('off', () =>
        fetch(`https://localhost:${port}/`, { dispatcher } as unknown as RequestInit).then((r) => r.text()),
      );
      await dispatcher.close();
      expect(span.attributes[ATTR_CONNECTION_REUSED]).toBeUndefined();
    }
    expect(instrumentation.getConfig()).toEqual({ enabled: false, recordOnActiveSpan: true });
  });

  it('inside an attempt scope facts go to the attempt, not to the active span; recordOnActiveSpan false ignores the rest', async () => {
    const instrumentation = instrument({ recordOnActiveSpan: false });
    const dispatcher = new Agent();
    try {
      const attemptSpan: Span = tracer.startSpan('attempt');
      const scope: AttemptScope = { attempt: 1, span: attemptSpan, tracer, facts: new Map() };
      const call = () =>
        fetch(`https://localhost:${port}/`, { dispatcher } as unknown as RequestInit).then((r) => r.text());
      const outer = await underSpan('outer', () => runInAttemptScope(scope, call));
      attemptSpan.end();
      const unscoped = await underSpan('unscoped', call);
      expect(scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
      expect(outer.attributes[ATTR_CONNECTION_REUSED]).toBeUndefined();
      expect(unscoped.attributes[ATTR_CONNECTION_REUSED]).toBeUndefined();
      const attempt = exporter.getFinishedSpans().find((s) => s.name === 'attempt')!;
      expect(childrenOf(attempt).map((s) => s.name)).toContain(SPAN_TLS_HANDSHAKE);
    } finally {
      await dispatcher.close();
      instrumentation.disable();
    }
  });
});
