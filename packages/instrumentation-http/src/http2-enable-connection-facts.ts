import { trace } from '@opentelemetry/api';
import { describeError } from '@wirescope/instrumentation';
import { addHttp2Consumer, removeHttp2Consumer } from './http2-patch-connect.js';
import type { Consumer } from './internal-types.js';
import { guard, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './version.js';

// Scope-only: records on SDK attempts (whose tracer the scope brings), never on the active span.
const pluginConsumer: Consumer = {
  recordOnActiveSpan: false,
  tracer: () => trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION),
  ignores: () => false,
};

/**
 * The switch the SDK plugin calls: records HTTP/2 connection facts (sessions of the SDK's
 * `NodeHttp2Handler`) on every attempt that runs inside `runInAttemptScope`, process-wide, from now on.
 * Idempotent; shares the patch with any `Http2ConnectionInstrumentation`, so nothing is recorded twice.
 */
export function enableNodeHttp2ConnectionFacts(): void {
  addHttp2Consumer(pluginConsumer);
}

/**
 * Turns the plugin switch off again: when no `Http2ConnectionInstrumentation` is enabled either,
 * `http2.connect` is the original function again. Idempotent, never throws.
 */
export function disableNodeHttp2ConnectionFacts(): void {
  try {
    removeHttp2Consumer(pluginConsumer);
  } catch (error) {
    guard.log.warn('disabling HTTP/2 facts failed', describeError(error));
  }
}
