import { type Context, context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  FinalizeHandlerOutput,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  MetadataBearer,
} from '@smithy/types';
import {
  ATTEMPT_HEADER,
  type AttemptFacts,
  type AttemptScope,
  attemptKey,
  flushFacts,
  INVOCATION_ID_HEADER,
  nowMs,
  recordFact,
  registerAttempt,
  runInAttemptScope,
  unregisterAttempt,
} from '@wirescope/instrumentation';
import {
  ATTR_ATTEMPT,
  ATTR_AWS_REQUEST_ID,
  ATTR_ERROR_TYPE,
  ATTR_EXPECT_CONTINUE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_REQUEST_BODY_SIZE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SOCKET_RESET,
  ATTR_URL_SCHEME,
  type AttributeName,
  ERROR_TYPE_CONNECT_TIMEOUT,
  ERROR_TYPE_REQUEST_TIMEOUT,
  ERROR_TYPE_SOCKET_TIMEOUT,
  EVENT_REGION_REDIRECT,
  errorTypeOf,
  isSocketReset,
} from '@wirescope/semconv';
import { attemptMetricScope, recordAttemptMetrics } from './call-metrics.js';
import { guard } from './guard.js';
import { MAX_SECRET_SOURCES, type OperationState, operationStateOf } from './operation-state.js';
import { boundedId, errorStatusMessage } from './redact.js';
import { recordAttemptRegion } from './region-facts.js';
import { removeSecretValues, requestSecrets } from './request-secrets.js';
import type { ResolvedWirescopeOptions } from './resolve-options.js';
import { callNext, observeSettled } from './run-guarded.js';

/** `error.type` of the SDK's code-less timeouts (the handler's own timers, not a socket error). */
const SDK_TIMEOUTS: ReadonlySet<string> = new Set([
  ERROR_TYPE_CONNECT_TIMEOUT,
  ERROR_TYPE_SOCKET_TIMEOUT,
  ERROR_TYPE_REQUEST_TIMEOUT,
]);

interface HttpRequestLike {
  method?: string;
  hostname?: string;
  port?: number;
  protocol?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | string[] | null>;
}

interface HttpResponseLike {
  statusCode?: number;
  headers?: Record<string, string>;
}

/**
 * The attempt span: one per HTTP attempt. finalizeRequest/low runs after the retry middleware
 * (finalizeRequest/high), so the SDK calls it once per attempt, region-redirect re-runs included.
 */
export function attemptMiddleware(
  options: ResolvedWirescopeOptions,
): FinalizeRequestMiddleware<object, MetadataBearer> {
  return (next: FinalizeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
    (args: FinalizeHandlerArguments<object>): Promise<FinalizeHandlerOutput<MetadataBearer>> => {
      const state = operationStateOf(context);
      if (!state) return callNext(next, args);
      const started = guard(
        'starting the attempt span',
        () => startAttempt(options, state, context, args),
        undefined,
      );
      if (!started) return callNext(next, args);
      const { scope } = started;
      return observeSettled(
        // One context for both: the attempt span active and the scope the socket layer looks for.
        () => runInAttemptScope(scope, () => next(args), started.context),
        (output, error) =>
          guard(
            'ending the attempt span',
            () => endAttempt(state, context, started, output?.response, error),
            undefined,
          ),
      );
    };
}

/** An attempt just started: its scope, and the context the rest of the handler chain runs in. */
interface StartedAttempt {
  readonly scope: AttemptScope;
  readonly context: Context;
  /** When the attempt started, from the kernel's clock. */
  readonly startMs: number;
  /** Its key in the kernel's attempt registry, while registered (see registerAttemptByHeaders). */
  readonly registryKey: string | undefined;
}

function startAttempt(
  options: ResolvedWirescopeOptions,
  state: OperationState,
  handlerContext: HandlerExecutionContext,
  args: FinalizeHandlerArguments<object>,
): StartedAttempt {
  state.attempts += 1;
  if (state.pendingRedirect) {
    state.pendingRedirect = false;
    state.redirects += 1;
    state.span.addEvent(EVENT_REGION_REDIRECT, { [ATTR_ATTEMPT]: state.attempts });
  }
  const request = args.request as HttpRequestLike;
  if (state.secretSources.length < MAX_SECRET_SOURCES) {
    state.secretSources.push({ headers: request.headers, query: request.query });
  }
  const attributes: Record<string, string | number | boolean> = { [ATTR_ATTEMPT]: state.attempts };
  if (request.method) attributes[ATTR_HTTP_REQUEST_METHOD] = request.method;
  if (request.hostname) attributes[ATTR_SERVER_ADDRESS] = request.hostname;
  const scheme = request.protocol === 'http:' ? 'http' : 'https';
  attributes[ATTR_URL_SCHEME] = scheme;
  attributes[ATTR_SERVER_PORT] = request.port ?? (scheme === 'http' ? 80 : 443);
  if (request.headers) addHeaderFacts(request.headers, attributes);
  // With a context manager the operation's context is usually still the active one: no copy needed.
  const active = otelContext.active();
  const parent = trace.getSpan(active) === state.span ? active : trace.setSpan(active, state.span);
  const tracer = options.tracer();
  const startMs = nowMs();
  const span = tracer.startSpan(
    state.names.attemptSpanName,
    { kind: SpanKind.INTERNAL, startTime: startMs, attributes },
    parent,
  );
  const facts: AttemptFacts = new Map();
  for (const key in attributes) facts.set(key as AttributeName, attributes[key]!);
  const metrics = attemptMetricScope(options, state, handlerContext, request.hostname);
  // Facts from here on collect in `pending` and reach the span in one setAttributes at the end.
  const scope: AttemptScope = {
    attempt: state.attempts,
    span,
    tracer,
    facts,
    pending: {},
    metrics,
    startMs,
  };
  const registryKey = guard('registering the attempt', () => registerByHeaders(request, scope), undefined);
  return { scope, context: trace.setSpan(parent, span), startMs, registryKey };
}

/**
 * Registers the attempt by the SDK's `amz-sdk-invocation-id` and `amz-sdk-request` headers (set by the
 * retry middleware before this one runs), so a socket layer that sees the request outside this
 * attempt's async context still finds it: undici makes a request that waited in a Pool at its
 * `connections` limit in the context of the request whose connection freed. Unregistered when the
 * attempt ends. No key when a command omits the headers: such a request is found by context only.
 */
function registerByHeaders(request: HttpRequestLike, scope: AttemptScope): string | undefined {
  const headers = request.headers;
  if (!headers) return undefined;
  const key = attemptKey(headers[INVOCATION_ID_HEADER], headers[ATTEMPT_HEADER]);
  if (key !== undefined) registerAttempt(key, scope);
  return key;
}

/**
 * `http.request.body.size` and `wirescope.expect_continue` from the request headers (names in any
 * case), in one pass that lower-cases only the names as long as the two it looks for.
 */
function addHeaderFacts(
  headers: Record<string, string>,
  attributes: Record<string, string | number | boolean>,
): void {
  let length: string | undefined;
  let expect: string | undefined;
  for (const name of Object.keys(headers)) {
    if (name.length === 14) {
      if (length === undefined && name.toLowerCase() === 'content-length') length = headers[name];
    } else if (name.length === 6 && expect === undefined && name.toLowerCase() === 'expect') {
      expect = headers[name];
    }
  }
  if (length !== undefined && /^\d+$/.test(length)) attributes[ATTR_REQUEST_BODY_SIZE] = Number(length);
  if (expect?.toLowerCase() === '100-continue') attributes[ATTR_EXPECT_CONTINUE] = true;
}

function endAttempt(
  state: OperationState,
  context: HandlerExecutionContext,
  started: StartedAttempt,
  response: unknown,
  error: unknown,
): void {
  // The attempt ends when the handler settled, not after our bookkeeping below.
  const endMs = nowMs();
  const { scope } = started;
  try {
    recordOutcome(state, context, scope, response, error);
  } finally {
    // Ended whatever happened above (the guard around us logs it): a span never ended is never exported.
    // Each step guarded on its own, so every failure is logged.
    if (scope.span.isRecording()) guard('writing the attempt facts', () => flushFacts(scope), undefined);
    guard('ending the attempt span', () => scope.span.end(endMs), undefined);
    const key = started.registryKey;
    if (key !== undefined) guard('unregistering the attempt', () => unregisterAttempt(key, scope), undefined);
    recordAttemptMetrics(state, scope, started.startMs, endMs);
  }
}

function recordOutcome(
  state: OperationState,
  context: HandlerExecutionContext,
  scope: AttemptScope,
  response: unknown,
  error: unknown,
): void {
  const http = (response ?? (error as { $response?: unknown } | undefined)?.$response) as
    | HttpResponseLike
    | undefined;
  if (typeof http?.statusCode === 'number')
    recordFact(scope, ATTR_HTTP_RESPONSE_STATUS_CODE, http.statusCode);
  const headers = http?.headers;
  // Response header names arrive lower-cased from both handlers (Node's IncomingMessage, fetch Headers).
  const requestId = headers && (headers['x-amz-request-id'] ?? headers['x-amzn-requestid']);
  if (requestId) recordFact(scope, ATTR_AWS_REQUEST_ID, boundedId(requestId));
  recordAttemptRegion(state, context, http?.statusCode, headers, error);
  if (error !== undefined) {
    // The socket layer saw the real error first (the SDK re-labels ECONNRESET as TimeoutError).
    const secrets = requestSecrets(state.secretSources);
    const type =
      (scope.facts.get(ATTR_ERROR_TYPE) as string | undefined) ??
      boundedId(removeSecretValues(errorTypeOf(error), secrets));
    recordFact(scope, ATTR_ERROR_TYPE, type);
    // The socket layers write it on every failed request. The SDK's own timers are the failures no socket
    // layer may see: node-http-handler destroys the socket with its timeout (node's layer writes false),
    // fetch-http-handler abandons the undici request, which never fails; written here as node writes it.
    if (!scope.facts.has(ATTR_SOCKET_RESET) && (isSocketReset(type) || SDK_TIMEOUTS.has(type)))
      recordFact(scope, ATTR_SOCKET_RESET, isSocketReset(type));
    scope.span.setStatus({ code: SpanStatusCode.ERROR, message: errorStatusMessage(type, error, secrets) });
  }
}
