import { trace } from '@opentelemetry/api';
import { describeError } from '@wirescope/instrumentation';
import type { Consumer } from './internal-types.js';
import { addConsumer, removeConsumer } from './patch-agent.js';
import { guard, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './version.js';

// Scope-only: records on SDK attempts (whose tracer the scope brings), never on the active span.
const pluginConsumer: Consumer = {
  recordOnActiveSpan: false,
  tracer: () => trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION),
  ignores: () => false,
};

/**
 * The switch the SDK plugin calls: records connection facts on every attempt that runs inside
 * `runInAttemptScope`, process-wide, from now on. Idempotent; shares the patch with any
 * `HttpConnectionInstrumentation`, so nothing is recorded twice.
 */
export function enableNodeHttpConnectionFacts(): void {
  addConsumer(pluginConsumer);
}

/**
 * Turns the plugin switch off again: when no `HttpConnectionInstrumentation` is enabled either,
 * `http.Agent.prototype.addRequest` is the original function again. Idempotent, never throws.
 */
export function disableNodeHttpConnectionFacts(): void {
  try {
    removeConsumer(pluginConsumer);
  } catch (error) {
    guard.log.warn('disabling failed', describeError(error));
  }
}
