// OpenTelemetry pieces that break the way a buggy SDK, exporter or processor does, for fail-safe tests
// that prove from outside (as @opentelemetry contrib does) that a producer's hooks never pass a failure
// on to the host: spans whose methods throw, a tracer whose startSpan throws for some span names, span
// processors that throw.
import type { Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { PHASE_SPAN_NAMES, SPAN_HTTP_RESPONSE_BODY } from '@wirescope/semconv';

/** The span methods a producer calls that a faulty span makes throw. */
export const SPAN_METHODS = ['setAttribute', 'setAttributes', 'addEvent', 'end', 'setStatus'] as const;
/** One of {@link SPAN_METHODS}. */
export type SpanMethod = (typeof SPAN_METHODS)[number];

/** The spans the socket layers start: dns.lookup, tcp.connect, tls.handshake and http.response.body. */
export const SOCKET_LAYER_SPANS: readonly string[] = [...PHASE_SPAN_NAMES, SPAN_HTTP_RESPONSE_BODY];

/** A provider of real spans (kept in memory) that misbehave as asked, and what they threw. */
export interface FaultyProvider {
  readonly provider: TracerProvider;
  /** How many times each faulty method or `startSpan` threw. */
  readonly thrown: Map<string, number>;
  /** Finished spans (those whose `end` did not throw first). */
  spans(): ReadableSpan[];
}

/** The error every fault throws: `span exploded on <method>`. */
export function exploded(method: string): Error {
  return new Error(`span exploded on ${method}`);
}

/** True when the current call stack passes through a file whose path contains `fragment`. */
export function calledFrom(fragment: string): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack.includes(fragment);
}

/**
 * A provider whose spans throw on `methods` (each call, before doing anything) and, with
 * `startSpanFor`, whose tracers' `startSpan` throws for those span names. With `from`, a method throws
 * only when called from code whose path contains it (`/instrumentation-http/src/`): the plugin's own
 * calls succeed, so the SDK call is traced and the socket layer's calls are the ones that fail.
 */
export function faultyProvider(fault: {
  methods?: readonly SpanMethod[];
  startSpanFor?: readonly string[];
  from?: string;
}): FaultyProvider {
  const exporter = new InMemorySpanExporter();
  const real = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const thrown = new Map<string, number>();
  const fail = (method: string): never => {
    thrown.set(method, (thrown.get(method) ?? 0) + 1);
    throw exploded(method);
  };
  const methods = new Set<string>(fault.methods ?? []);
  const wrap = (span: Span): Span =>
    new Proxy(span, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof prop === 'string' && methods.has(prop) && typeof value === 'function') {
          return (...args: unknown[]) =>
            fault.from === undefined || calledFrom(fault.from) ? fail(prop) : value.apply(target, args);
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const provider: TracerProvider = {
    getTracer(name, version, options) {
      const tracer = real.getTracer(name, version, options);
      const faulty: Tracer = {
        startSpan(spanName, spanOptions, ctx?: Context) {
          if (fault.startSpanFor?.includes(spanName)) fail('startSpan');
          return wrap(tracer.startSpan(spanName, spanOptions, ctx));
        },
        startActiveSpan: tracer.startActiveSpan.bind(tracer),
      };
      return faulty;
    },
  };
  return { provider, thrown, spans: () => exporter.getFinishedSpans() };
}

/** A provider of real spans with a span processor that throws `processor exploded on <hook>`. */
export function providerWithThrowingProcessor(hook: 'onStart' | 'onEnd'): {
  provider: TracerProvider;
  thrown: () => number;
} {
  let count = 0;
  const processor: SpanProcessor = {
    onStart() {
      if (hook !== 'onStart') return;
      count += 1;
      throw new Error(`processor exploded on ${hook}`);
    },
    onEnd() {
      if (hook !== 'onEnd') return;
      count += 1;
      throw new Error(`processor exploded on ${hook}`);
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [processor, new SimpleSpanProcessor(exporter)],
  });
  return { provider, thrown: () => count };
}
