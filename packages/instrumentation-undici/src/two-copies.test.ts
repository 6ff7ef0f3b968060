// Issue 13: two copies of this package in one process record every connection once. A second copy of
// the module state comes from vitest's module registry: after `vi.resetModules()` a dynamic import
// evaluates the package (and the kernel under it) again, as a second installed copy would. Every
// process-wide piece of state lives in the kernel's registry on globalThis, so the first copy to get a
// consumer subscribes and the other only joins. (test/two-copies.test.ts does the same with two built
// copies installed under different versions.)
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
  ATTR_CONNECTION_REUSED,
  SPAN_HTTP_RESPONSE_BODY,
  SPAN_TCP_CONNECT,
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as copyA from './index.js';

type Copy = typeof copyA;

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
let copyB: Copy;
let server: http.Server;
let origin: string;

beforeAll(async () => {
  vi.resetModules();
  copyB = (await import('./index.js')) as Copy;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // Plain HTTP, each connection closed after its response: every call opens a new one.
  server = http.createServer((req, res) => {
    res.setHeader('connection', 'close');
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await provider.shutdown();
  context.disable();
});
afterEach(() => exporter.reset());

/** One fetch under a new caller span; the caller span and the spans under it. */
async function call(): Promise<{ caller: ReadableSpan; children: ReadableSpan[] }> {
  const span = tracer.startSpan('caller');
  const body = await context.with(trace.setSpan(context.active(), span), () =>
    fetch(`${origin}/`).then((r) => r.text()),
  );
  span.end();
  expect(body).toBe('ok');
  const id = span.spanContext().spanId;
  const spans = exporter.getFinishedSpans();
  return {
    caller: spans.find((s) => s.spanContext().spanId === id)!,
    children: spans.filter((s) => s.parentSpanContext?.spanId === id),
  };
}

function instrument(copy: Copy): InstanceType<Copy['UndiciConnectionInstrumentation']> {
  const instrumentation = new copy.UndiciConnectionInstrumentation({ enabled: false });
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  return instrumentation;
}

const subscribed = () => diagnosticsChannel.channel('undici:request:create').hasSubscribers;

describe('two copies of @wirescope/instrumentation-undici in one process', () => {
  it('are two module instances', () => {
    expect(copyB.UndiciConnectionInstrumentation).not.toBe(copyA.UndiciConnectionInstrumentation);
  });

  it('an instrumentation enabled from each: one fetch, one tcp.connect span, one connection id', async () => {
    const a = instrument(copyA);
    const b = instrument(copyB);
    try {
      const { caller, children } = await call();
      expect(caller.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
      const id = caller.attributes[ATTR_CONNECTION_ID];
      expect(id).toMatch(/^c\d+-\d+$/);
      expect(children.filter((s) => s.name === SPAN_TCP_CONNECT)).toHaveLength(1);
      expect(children.filter((s) => s.name === SPAN_HTTP_RESPONSE_BODY)).toHaveLength(1);
      const ids = new Set(children.map((s) => s.attributes[ATTR_CONNECTION_ID]));
      expect([...ids]).toEqual([id]);
    } finally {
      a.disable();
      b.disable();
    }
    expect(subscribed()).toBe(false);
  });

  it.each([
    ['the subscribing copy (a) leaves first', 'a'],
    ['the joining copy (b) leaves first', 'b'],
  ] as const)('%s: the other keeps recording; the last one out unsubscribes', async (_name, first) => {
    const a = instrument(copyA);
    const b = instrument(copyB);
    const [leaving, staying] = first === 'a' ? [a, b] : [b, a];
    leaving.disable();
    expect(subscribed()).toBe(true);
    const { caller, children } = await call();
    expect(caller.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
    expect(children.filter((s) => s.name === SPAN_TCP_CONNECT)).toHaveLength(1);
    staying.disable();
    expect(subscribed()).toBe(false);
    // Nothing is recorded once both are off.
    const after = await call();
    expect(after.caller.attributes[ATTR_CONNECTION_ID]).toBeUndefined();
    expect(after.children).toEqual([]);
  });

  it("the plugin's switch is one per process: on from one copy, off from the other", () => {
    copyA.enableUndiciConnectionFacts();
    copyB.enableUndiciConnectionFacts();
    expect(subscribed()).toBe(true);
    copyB.disableUndiciConnectionFacts();
    expect(subscribed()).toBe(false);
    copyA.disableUndiciConnectionFacts();
    expect(subscribed()).toBe(false);
  });
});
