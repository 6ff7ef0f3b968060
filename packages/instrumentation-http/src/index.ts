/** Thrown by the constructor and `setConfig` on a bad option (`code` `'WIRESCOPE_BAD_OPTION'`). */
export { WirescopeConfigError } from '@wirescope/instrumentation';
/** Enables / disables scope-only connection facts for the AWS SDK plugin (idempotent, process-wide). */
export {
  disableNodeHttpConnectionFacts,
  enableNodeHttpConnectionFacts,
} from './enable-connection-facts.js';
/** Enables / disables scope-only HTTP/2 session facts for the AWS SDK plugin (idempotent, process-wide). */
export {
  disableNodeHttp2ConnectionFacts,
  enableNodeHttp2ConnectionFacts,
} from './http2-enable-connection-facts.js';
/** The OpenTelemetry-shaped instrumentation for node:http2 client sessions (NodeHttp2Handler). */
export { Http2ConnectionInstrumentation } from './http2-instrumentation.js';
/** The OpenTelemetry-shaped instrumentation for node:http / node:https connection facts. */
export { HttpConnectionInstrumentation } from './instrumentation.js';
/** Options of `HttpConnectionInstrumentation` and `Http2ConnectionInstrumentation`. */
export type { Http2ConnectionInstrumentationConfig, HttpConnectionInstrumentationConfig } from './types.js';
