import type { RequestOptions } from 'node:http';
import type { Tracer } from '@opentelemetry/api';
import type { MetricScope } from '@wirescope/instrumentation';
import type { Consumer } from './internal-types.js';

/** What both node instrumentations' configs say of their consumer (HTTP/1.1 and HTTP/2 alike). */
interface ConsumerConfig {
  readonly recordOnActiveSpan: boolean;
  readonly ignoreRequestHook?: ((options: RequestOptions) => boolean) | undefined;
  readonly bodyGracePeriodMs?: number | undefined;
}

/**
 * The consumer an instrumentation instance puts in its patch's registry: its config read live (so
 * `setConfig` takes effect on the next request), its tracer and its metric scope (outside the plugin).
 */
export function consumerOf(
  config: () => ConsumerConfig,
  tracer: () => Tracer,
  metrics: () => MetricScope | undefined = () => undefined,
): Consumer {
  return {
    metrics,
    get recordOnActiveSpan() {
      return config().recordOnActiveSpan;
    },
    tracer,
    ignores: (options: RequestOptions) => config().ignoreRequestHook?.(options) === true,
    get bodyGracePeriodMs() {
      return config().bodyGracePeriodMs;
    },
  };
}
