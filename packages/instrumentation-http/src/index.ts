/** Thrown by the constructor and `setConfig` on a bad option (`code` `'WIRESCOPE_BAD_OPTION'`). */
export { WirescopeConfigError } from '@wirescope/instrumentation';
/** Enables / disables scope-only connection facts for the AWS SDK plugin (idempotent, process-wide). */
export {
  disableNodeHttpConnectionFacts,
  enableNodeHttpConnectionFacts,
} from './enable-connection-facts.js';
/** The OpenTelemetry-shaped instrumentation for node:http / node:https connection facts. */
export { HttpConnectionInstrumentation } from './instrumentation.js';
/** Options of `HttpConnectionInstrumentation`. */
export type { HttpConnectionInstrumentationConfig } from './types.js';
