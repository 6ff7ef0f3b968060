export {
  ATTR_AGENT_KEEP_ALIVE,
  ATTR_AGENT_MAX_SOCKETS,
  ATTR_AGENT_ONE_OFF,
  ATTR_ATTEMPT,
  ATTR_ATTEMPTS,
  ATTR_AWS_REQUEST_ID,
  ATTR_AWS_S3_BUCKET,
  ATTR_BODY_BYTES,
  ATTR_BODY_OUTCOME,
  ATTR_BUCKET_REGION,
  ATTR_CALLER_REGION,
  ATTR_CLIENT_REGION,
  ATTR_CLOUD_REGION,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REQUESTS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_EXPECT_CONTINUE,
  ATTR_EXPECT_CONTINUE_WAIT_MS,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_REGION_MISMATCH,
  ATTR_REGION_REDIRECTS,
  ATTR_REQUEST_BODY_SIZE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
  ATTR_S3_KEY_PREFIX,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SOCKET_ERROR,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
  ATTR_TTFB_MS,
  BODY_OUTCOME_ABORTED,
  BODY_OUTCOME_COMPLETE,
  BODY_OUTCOME_ERROR,
  BODY_OUTCOME_UNREAD,
  ERROR_TYPE_ABORTED,
  EVENT_REGION_MISMATCH,
  EVENT_REGION_REDIRECT,
  HTTP_HANDLER_FETCH,
  HTTP_HANDLER_NODE,
  RPC_SYSTEM_AWS_API,
} from './attributes.js';
export type { BodyPhaseStart } from './body-phase.js';
/** The `http.response.body` span both producers share (outcome, bytes, grace period). */
export { BodyPhase, DEFAULT_BODY_GRACE_PERIOD_MS } from './body-phase.js';
export type { AttemptScope } from './context-keys.js';
export {
  currentAttemptScope,
  disableAttemptScopeStorage,
  recordFact,
  runInAttemptScope,
} from './context-keys.js';
export {
  ERROR_TYPE_CONNECT_TIMEOUT,
  ERROR_TYPE_REQUEST_TIMEOUT,
  ERROR_TYPE_SOCKET_TIMEOUT,
  errorTypeOf,
  isSocketReset,
} from './error-type.js';
export type { FindingCode } from './finding-codes.js';
export {
  FINDING_CODES,
  FINDING_CONNECTION_CHURN,
  FINDING_CROSS_REGION,
  FINDING_DNS_LOOKUP_PER_CONNECTION,
  FINDING_EXPECT_CONTINUE_NO_REUSE,
  FINDING_HOT_PREFIX,
  FINDING_REGION_REDIRECT,
  FINDING_SLOW_HANDSHAKE,
  FINDING_SOCKET_POOL_SATURATION,
  FINDING_STALE_CONNECTION_RESET,
  FINDING_UNRETRIED_SOCKET_ERROR,
  isFindingCode,
} from './finding-codes.js';
/** redactSecrets(text): credentials, tokens, signatures and SSE-C keys in free text replaced by REDACTED. */
export { redactSecrets } from './redact-secrets.js';
export { isRegionName, regionOfHost } from './region-of-host.js';
export type { PhaseSpanName } from './span-names.js';
export {
  attemptSpanName,
  operationSpanName,
  PHASE_SPAN_NAMES,
  SPAN_DNS_LOOKUP,
  SPAN_HTTP_RESPONSE_BODY,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from './span-names.js';
