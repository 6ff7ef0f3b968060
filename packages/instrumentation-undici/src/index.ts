/** Thrown by the constructor and `setConfig` on a bad option (`code` `'WIRESCOPE_BAD_OPTION'`). */
export { WirescopeConfigError } from '@wirescope/instrumentation';
/** Enables / disables attempt-only connection facts for the AWS SDK plugin (idempotent, process-wide). */
export { disableUndiciConnectionFacts, enableUndiciConnectionFacts } from './enable-connection-facts.js';
/** The OpenTelemetry-shaped instrumentation for undici / fetch connection facts. */
export { UndiciConnectionInstrumentation } from './instrumentation.js';
/** Options of `UndiciConnectionInstrumentation`. */
export type { UndiciConnectionInstrumentationConfig } from './types.js';
