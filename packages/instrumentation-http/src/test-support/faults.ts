import type { Span, Tracer } from '@opentelemetry/api';

/** The span methods a fault can make throw. */
export type SpanMethod = 'setAttribute' | 'setAttributes' | 'addEvent' | 'end' | 'setStatus' | 'isRecording';

/** How a {@link faultyTracer} misbehaves, as a broken SDK or exporter would, from outside the package. */
export interface SpanFault {
  /** The spans that misbehave, by name (default: every span). */
  readonly spans?: (name: string) => boolean;
  /** `startSpan` throws for those spans. */
  readonly startSpan?: boolean;
  /** These methods of those spans throw. */
  readonly methods?: readonly SpanMethod[];
  /** With `setAttribute` in `methods`: it throws only for these attribute keys. */
  readonly keys?: readonly string[];
}

/** The error a fault throws: `span exploded on <method>`. */
export function exploded(method: string): Error {
  return new Error(`span exploded on ${method}`);
}

/** A span whose faulty methods throw and whose other methods are the real span's. */
export function faultySpan(span: Span, fault: SpanFault): Span {
  const methods = new Set<string>(fault.methods ?? []);
  return new Proxy(span, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && methods.has(prop)) {
        return (...args: unknown[]) => {
          if (prop === 'setAttribute' && fault.keys && !fault.keys.includes(String(args[0]))) {
            target.setAttribute(args[0] as string, args[1] as string);
            return receiver;
          }
          throw exploded(prop);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `tracer`, with the spans `fault` selects misbehaving. */
export function faultyTracer(tracer: Tracer, fault: SpanFault): Tracer {
  const selected = (name: string) => fault.spans?.(name) ?? true;
  return {
    startSpan(name, options, ctx) {
      if (fault.startSpan && selected(name)) throw exploded('startSpan');
      const span = tracer.startSpan(name, options, ctx);
      return selected(name) ? faultySpan(span, fault) : span;
    },
    startActiveSpan: tracer.startActiveSpan.bind(tracer),
  };
}
