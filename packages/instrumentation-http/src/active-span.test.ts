import http from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disableNodeHttpConnectionFacts, enableNodeHttpConnectionFacts } from './enable-connection-facts.js';
import { HttpConnectionInstrumentation } from './instrumentation.js';
import { type Listening, send, startHttpServer } from './test-support/servers.js';
import { createTracing, inAttempt, parentIdOf, spanIdOf } from './test-support/tracing.js';

let server: Listening<http.Server>;
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  server = await startHttpServer((_req, res) => res.end('ok'));
});

afterAll(async () => {
  context.disable();
  await server.close();
});

/** Sends one request with a client span active, as @opentelemetry/instrumentation-http would have. */
async function underActiveSpan(tracing: ReturnType<typeof createTracing>, agent: http.Agent) {
  const span = tracing.tracer.startSpan('GET');
  await context.with(trace.setSpan(context.active(), span), () =>
    send(http, { host: 'localhost', port: server.port, agent }),
  );
  span.end();
  return tracing.spans().find((s) => spanIdOf(s) === spanIdOf(span))!;
}

describe('standalone (no attempt scope)', () => {
  it('records on the active span and parents phase spans under it, with its own tracer', async () => {
    const tracing = createTracing();
    const instrumentation = new HttpConnectionInstrumentation({ enabled: false });
    registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: tracing.provider });
    const agent = new http.Agent({ keepAlive: true });
    const first = await underActiveSpan(tracing, agent);
    const second = await underActiveSpan(tracing, agent);
    instrumentation.disable();
    agent.destroy();

    expect(first.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
    expect(first.attributes[ATTR_HTTP_HANDLER]).toBe('node-http');
    expect(first.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
    expect(second.attributes[ATTR_CONNECTION_REUSED]).toBe(true);
    expect(second.attributes[ATTR_CONNECTION_ID]).toBe(first.attributes[ATTR_CONNECTION_ID]);
    const [dns] = tracing.named(SPAN_DNS_LOOKUP);
    const [tcp] = tracing.named(SPAN_TCP_CONNECT);
    expect(tracing.named(SPAN_TCP_CONNECT)).toHaveLength(1);
    expect(parentIdOf(dns!)).toBe(spanIdOf(first));
    expect(parentIdOf(tcp!)).toBe(spanIdOf(first));
    expect(tcp!.instrumentationScope.name).toBe('@wirescope/instrumentation-http');
  });

  it('records nothing outside a scope with recordOnActiveSpan: false, or with no recording span', async () => {
    const tracing = createTracing();
    const instrumentation = new HttpConnectionInstrumentation({ recordOnActiveSpan: false });
    instrumentation.setTracerProvider(tracing.provider);
    const agent = new http.Agent({ keepAlive: true });
    const span = await underActiveSpan(tracing, agent);
    expect(span.attributes[ATTR_CONNECTION_REUSED]).toBeUndefined();
    instrumentation.setConfig({ recordOnActiveSpan: true });
    expect(instrumentation.getConfig()).toMatchObject({ enabled: true, recordOnActiveSpan: true });
    // No active span at all: nothing to record on, and the request is untouched.
    const reply = await send(http, { host: 'localhost', port: server.port, agent });
    expect(reply.status).toBe(200);
    expect(tracing.named(SPAN_TCP_CONNECT)).toHaveLength(0);
    instrumentation.disable();
    agent.destroy();
  });

  it('prefers the attempt scope over the active span', async () => {
    const tracing = createTracing();
    const instrumentation = new HttpConnectionInstrumentation();
    instrumentation.setTracerProvider(tracing.provider);
    const agent = new http.Agent({ keepAlive: true });
    const outer = tracing.tracer.startSpan('GET');
    const attempt = await context.with(trace.setSpan(context.active(), outer), () =>
      inAttempt(tracing.tracer, () => send(http, { host: 'localhost', port: server.port, agent })),
    );
    outer.end();
    instrumentation.disable();
    agent.destroy();
    expect(attempt.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
    const outerSpan = tracing.spans().find((s) => spanIdOf(s) === spanIdOf(outer))!;
    expect(outerSpan.attributes[ATTR_CONNECTION_REUSED]).toBeUndefined();
    expect(parentIdOf(tracing.named(SPAN_TCP_CONNECT)[0]!)).toBe(spanIdOf(attempt.scope.span));
  });

  it('the SDK plugin switch never records on the active span', async () => {
    enableNodeHttpConnectionFacts();
    const tracing = createTracing();
    const agent = new http.Agent({ keepAlive: true });
    const span = await underActiveSpan(tracing, agent);
    disableNodeHttpConnectionFacts();
    agent.destroy();
    expect(span.attributes[ATTR_CONNECTION_REUSED]).toBeUndefined();
    expect(tracing.named(SPAN_TCP_CONNECT)).toHaveLength(0);
  });
});
