/** The attempts by the SDK's per-attempt headers, for a request made outside its attempt's context. */
export {
  ATTEMPT_HEADER,
  attemptKey,
  attemptOfRequestHeaders,
  INVOCATION_ID_HEADER,
  MAX_REGISTERED_ATTEMPTS,
  registerAttempt,
  unregisterAttempt,
} from './attempt-registry.js';
export type { AttemptFacts, AttemptScope, FactValue } from './attempt-scope.js';
export {
  currentAttemptScope,
  disableAttemptScopeStorage,
  flushFacts,
  recordFact,
  runInAttemptScope,
} from './attempt-scope.js';
export type { BodyPhaseStart } from './body-phase.js';
/** The `http.response.body` span both producers share (outcome, bytes, grace period). */
export { BodyPhase, DEFAULT_BODY_GRACE_PERIOD_MS, shortestGracePeriod } from './body-phase.js';
export { epochMs, nowMs, roundMs } from './clock.js';
/** What one option accepts, for `checkOptions`. */
export type { OptionRule } from './config-error.js';
/** Configuration-time option checks and their one error (`code` `'WIRESCOPE_BAD_OPTION'`). */
export {
  checkOptions,
  MAX_TIMER_MS,
  rules,
  WIRESCOPE_BAD_OPTION,
  WirescopeConfigError,
} from './config-error.js';
export { nextConnectionId } from './connection-id.js';
export type { ConnectionInstrumentationConfig, Resolved } from './connection-instrumentation.js';
export { ConnectionInstrumentation, METER_PROVIDER_RULE } from './connection-instrumentation.js';
/** Connection metrics the socket layers record (issue 14), through the attempt's `MetricScope`. */
export type { ConnectionPhase, MetricScope } from './connection-metrics.js';
export {
  ConnectionGauge,
  metricAddress,
  poolTallyOf,
  recordAcquire,
  recordDnsLookup,
  recordExpectContinue,
  recordPhaseMetric,
  recordQueueWait,
  recordSocketReset,
} from './connection-metrics.js';
export type { CounterTally, TallySeries } from './counter-tally.js';
export { bound, MAX_ERROR_MESSAGE, safeErrorMessage } from './error-message.js';
export type { Guard } from './guard.js';
export { createGuard, describeError } from './guard.js';
/** The instruments of a MeterProvider (undefined: none registered, no metric work) and their guard. */
export type { WirescopeInstruments } from './metrics.js';
export { instrumentsFor, metricGuard } from './metrics.js';
export {
  dnsLookupAttributes,
  linkToConnection,
  MAX_DNS_ANSWERS,
  socketConnectAttributes,
} from './network-attributes.js';
export type { PhaseFailure, PhaseParent } from './phase-span.js';
export { emitPhaseSpan } from './phase-span.js';
export type { PoolTally } from './pool-tally.js';
export { processState, REGISTRY_SCHEMA } from './process-registry.js';
export { INFERRED_QUEUE_NOISE_MS } from './queue-wait.js';
export { redactSecrets } from './redact-secrets.js';
/** One process-wide patch of a function, shared by every consumer (first in installs, last out restores). */
export type { PatchSlot, SharedPatch } from './shared-patch.js';
export { joinPatch, leavePatch } from './shared-patch.js';
export { isTlsErrorCode, tlsFactsOf, tlsVersionOf } from './tls-facts.js';
