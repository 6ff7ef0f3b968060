import { UndiciConnectionInstrumentation } from './instrumentation.js';
import { hubState } from './ledger.js';
import { guard } from './version.js';

/**
 * The process-wide switch the SDK plugin calls: facts only on the plugin's attempt spans (never on
 * other active spans). Idempotent across every copy of this package: the first call subscribes, later
 * calls (from this copy or another) do nothing.
 */
export function enableUndiciConnectionFacts(): void {
  const state = hubState();
  if (state.pluginSwitch) return;
  const instance = new UndiciConnectionInstrumentation({ enabled: false, recordOnActiveSpan: false });
  state.pluginSwitch = instance;
  instance.enable();
}

/**
 * Turns the plugin's switch off again, whichever copy turned it on: when no
 * `UndiciConnectionInstrumentation` is enabled either, every undici diagnostics channel we subscribed
 * to is unsubscribed and the perf_hooks observer is disconnected. Idempotent, never throws.
 */
export function disableUndiciConnectionFacts(): void {
  guard.run('disabling', () => {
    const state = hubState();
    const current = state.pluginSwitch;
    state.pluginSwitch = undefined;
    current?.disable();
  });
}
