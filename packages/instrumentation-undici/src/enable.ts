import { diag } from '@opentelemetry/api';
import { UndiciConnectionInstrumentation } from './instrumentation.js';

let instance: UndiciConnectionInstrumentation | undefined;

/**
 * The process-wide switch the SDK plugin calls: facts only on the plugin's attempt spans (never on
 * other active spans). Idempotent: the first call subscribes, later calls do nothing.
 */
export function enableUndiciConnectionFacts(): void {
  if (instance) return;
  instance = new UndiciConnectionInstrumentation({ enabled: false, recordOnActiveSpan: false });
  instance.enable();
}

/**
 * Turns the plugin's switch off again: when no `UndiciConnectionInstrumentation` is enabled either,
 * every undici diagnostics channel we subscribed to is unsubscribed and the perf_hooks observer is
 * disconnected. Idempotent, never throws.
 */
export function disableUndiciConnectionFacts(): void {
  const current = instance;
  instance = undefined;
  try {
    current?.disable();
  } catch (error) {
    diag.warn('@wirescope/instrumentation-undici: disabling failed', error);
  }
}
