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
