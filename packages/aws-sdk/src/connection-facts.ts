import { ProxyTracerProvider, type Tracer } from '@opentelemetry/api';
import { disableAttemptScopeStorage } from '@wirescope/instrumentation';
import {
  disableNodeHttp2ConnectionFacts,
  disableNodeHttpConnectionFacts,
  enableNodeHttp2ConnectionFacts,
  enableNodeHttpConnectionFacts,
} from '@wirescope/instrumentation-http';
import { disableUndiciConnectionFacts, enableUndiciConnectionFacts } from '@wirescope/instrumentation-undici';
import { log } from './guard.js';
import { patchHandlerTimeouts, unpatchHandlerTimeouts } from './handler-timeouts.js';
import type { ResolvedWirescopeOptions } from './resolve-options.js';

/** What the plugins of this process asked for, and whether `disableWirescope()` switched them off. */
interface ProcessSwitch {
  disabled: boolean;
  nodeHttp: boolean;
  fetch: boolean;
  http2: boolean;
}

// On globalThis under a Symbol.for key, as the instrumentations keep their patch and channels: two
// copies of this package in one process share one switch.
const SWITCH_KEY = Symbol.for('wirescope.aws-sdk.switch');

type GlobalWithSwitch = typeof globalThis & { [SWITCH_KEY]?: ProcessSwitch };

function processSwitch(): ProcessSwitch {
  const g = globalThis as GlobalWithSwitch;
  g[SWITCH_KEY] ??= { disabled: false, nodeHttp: false, fetch: false, http2: false };
  return g[SWITCH_KEY];
}

// A tracer from a provider with no delegate: every span it starts is a non-recording one, so the
// plugin's middlewares pass straight through (they record only on a recording operation span).
const DISABLED_TRACER: Tracer = new ProxyTracerProvider().getTracer('@wirescope/aws-sdk (disabled)');

/** True after `disableWirescope()` and until `enableWirescope()`. */
export function wirescopeDisabled(): boolean {
  return (globalThis as GlobalWithSwitch)[SWITCH_KEY]?.disabled === true;
}

/** The tracer the plugin's middlewares use: `tracer`, or a non-recording one while disabled. */
export function tracerUnlessDisabled(tracer: () => Tracer): Tracer {
  return wirescopeDisabled() ? DISABLED_TRACER : tracer();
}

/**
 * Switches on the socket-level producers the plugin needs (each is idempotent and process-wide); while
 * wirescope is disabled, only remembers them for `enableWirescope()`.
 */
export function enableConnectionFacts(options: ResolvedWirescopeOptions): void {
  const state = processSwitch();
  if (options.nodeHttp) state.nodeHttp = true;
  if (options.fetch) state.fetch = true;
  if (options.http2) state.http2 = true;
  if (state.disabled) return;
  if (options.nodeHttp) enableNodeHttpConnectionFacts();
  if (options.fetch) enableUndiciConnectionFacts();
  if (options.http2) enableNodeHttp2ConnectionFacts();
  patchHandlerTimeouts();
}

/**
 * Undoes every process-wide hook the plugin installed: restores `http.Agent.prototype.addRequest` and
 * `http2.connect`, unsubscribes undici's diagnostics channels, stops the perf_hooks observer and
 * releases the attempt-scope storage, and makes every plugin (on every client, created before or
 * after) pass calls straight through with no span. Hooks that an `HttpConnectionInstrumentation`,
 * `UndiciConnectionInstrumentation` or `Http2ConnectionInstrumentation` you registered yourself still
 * needs stay until you call its `disable()`. Idempotent; never throws. `enableWirescope()` switches everything on again.
 */
export function disableWirescope(): void {
  try {
    processSwitch().disabled = true;
    disableNodeHttpConnectionFacts();
    disableUndiciConnectionFacts();
    disableNodeHttp2ConnectionFacts();
    unpatchHandlerTimeouts();
    disableAttemptScopeStorage();
  } catch (error) {
    log.warn('disabling failed', error);
  }
}

/**
 * Undoes `disableWirescope()`: every plugin records again from the next call, and the hooks the
 * plugins asked for are installed again. Idempotent; never throws; a no-op unless disabled.
 */
export function enableWirescope(): void {
  try {
    const state = processSwitch();
    if (!state.disabled) return;
    state.disabled = false;
    if (state.nodeHttp) enableNodeHttpConnectionFacts();
    if (state.fetch) enableUndiciConnectionFacts();
    if (state.http2) enableNodeHttp2ConnectionFacts();
    patchHandlerTimeouts();
  } catch (error) {
    log.warn('enabling failed', error);
  }
}
