import { type Attributes, context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type {
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  InitializeMiddleware,
  MetadataBearer,
} from '@smithy/types';
import { nowMs } from '@wirescope/instrumentation';
import {
  ATTR_ATTEMPTS,
  ATTR_AWS_REQUEST_ID,
  ATTR_AWS_S3_BUCKET,
  ATTR_ERROR_TYPE,
  ATTR_EVENT_STREAM,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
  ATTR_S3_KEY_PREFIX,
  errorTypeOf,
  RPC_SYSTEM_AWS_API,
} from '@wirescope/semconv';
import { recordCallMetrics } from './call-metrics.js';
import { commandNames, isEventStreamCall } from './command-names.js';
import { guard } from './guard.js';
import {
  type OperationState,
  operationStateOf,
  trackOperation,
  untrackOperation,
} from './operation-state.js';
import { boundedId, errorStatusMessage } from './redact.js';
import { finishRegionFacts, startRegionFacts } from './region-facts.js';
import { removeSecretValues, requestSecrets } from './request-secrets.js';
import type { ResolvedWirescopeOptions } from './resolve-options.js';
import { callNext, observeSettled, runGuarded } from './run-guarded.js';

/**
 * The operation span: one per SDK call, around everything the call does (initialize/high sees S3's
 * region-redirect re-runs, which happen in initialize/normal).
 */
export function operationMiddleware(
  options: ResolvedWirescopeOptions,
): InitializeMiddleware<object, MetadataBearer> {
  return (next: InitializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
    (args: InitializeHandlerArguments<object>): Promise<InitializeHandlerOutput<MetadataBearer>> => {
      // A second copy of the plugin on the same call, or no recording tracer: just pass through.
      if (operationStateOf(context)) return callNext(next, args);
      const state = guard(
        'starting the operation span',
        () => startOperation(options, context, args),
        undefined,
      );
      if (!state) return callNext(next, args);
      trackOperation(context, state);
      return observeSettled(
        () => runGuarded(trace.setSpan(otelContext.active(), state.span), () => next(args)),
        (output, error) => {
          untrackOperation(context);
          guard('ending the operation span', () => endOperation(options, state, output, error), undefined);
        },
      );
    };
}

function startOperation(
  options: ResolvedWirescopeOptions,
  context: HandlerExecutionContext,
  args: InitializeHandlerArguments<object>,
): OperationState | undefined {
  const names = commandNames(context);
  const input = args.input as { Bucket?: unknown; Key?: unknown };
  // Everything known at the start goes in at the start: one call, and samplers see it.
  const attributes: Attributes = {
    [ATTR_RPC_SYSTEM]: RPC_SYSTEM_AWS_API,
    [ATTR_RPC_SERVICE]: names.service,
    [ATTR_RPC_METHOD]: names.operation,
  };
  if (isEventStreamCall(context)) attributes[ATTR_EVENT_STREAM] = true;
  if (names.service === 'S3' && typeof input.Bucket === 'string') {
    attributes[ATTR_AWS_S3_BUCKET] = input.Bucket;
    if (options.s3KeyPrefixLength > 0 && typeof input.Key === 'string') {
      attributes[ATTR_S3_KEY_PREFIX] = input.Key.slice(0, options.s3KeyPrefixLength);
    }
  }
  // The kernel's clock, start and end: the SDK's own start is Date.now() (whole milliseconds).
  const startMs = nowMs();
  const span = options
    .tracer()
    .startSpan(names.spanName, { kind: SpanKind.CLIENT, startTime: startMs, attributes });
  // An unsampled call is still counted when a MeterProvider is registered (issue 14); without one,
  // it passes straight through as before.
  const instruments = options.instruments();
  if (!span.isRecording() && !instruments) return undefined;
  const state: OperationState = {
    span,
    names,
    attempts: 0,
    bucketRegion: undefined,
    firstSigningRegion: undefined,
    lastSigningRegion: undefined,
    pendingRedirect: false,
    redirects: 0,
    region: undefined,
    secretSources: [],
    metrics: instruments ? { instruments, startMs } : undefined,
  };
  try {
    startRegionFacts(options, state, context, input);
  } catch (error) {
    // The call goes on untraced (the guard logs why): a span started and never ended would be lost
    // without a word, so it ends here.
    guard('ending the operation span after its start failed', () => span.end(), undefined);
    throw error;
  }
  return state;
}

function endOperation(
  options: ResolvedWirescopeOptions,
  state: OperationState,
  output: InitializeHandlerOutput<MetadataBearer> | undefined,
  error: unknown,
): void {
  // The call ends when it settled, not after our bookkeeping below.
  const endMs = nowMs();
  const { span } = state;
  span.setAttribute(ATTR_ATTEMPTS, state.attempts);
  const metadata = output?.output?.$metadata ?? (error as Partial<MetadataBearer> | undefined)?.$metadata;
  if (metadata?.requestId) span.setAttribute(ATTR_AWS_REQUEST_ID, boundedId(metadata.requestId));
  const regions = finishRegionFacts(options, state);
  let type: string | undefined;
  if (error !== undefined) {
    const secrets = requestSecrets(state.secretSources);
    type = boundedId(removeSecretValues(errorTypeOf(error), secrets));
    span.setAttribute(ATTR_ERROR_TYPE, type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorStatusMessage(type, error, secrets) });
  }
  span.end(endMs);
  recordCallMetrics(state, regions, type, endMs);
}
