import type {
  DeserializeHandler,
  DeserializeMiddleware,
  FinalizeHandler,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  MetadataBearer,
  SerializeHandler,
  SerializeMiddleware,
} from '@smithy/types';
import { nowMs } from '@wirescope/instrumentation';
import { authAttributes, commandMemo } from './call-metrics.js';
import { guard } from './guard.js';
import { type CallMetrics, type OperationState, operationStateOf } from './operation-state.js';

// The Smithy stage durations (issue 14): `smithy.client.call.auth.resolve_identity_duration`,
// `.resolve_endpoint_duration`, `.serialization_duration` (once per run of the serialize step: per
// call, and again on an S3 region-redirect re-run), `.auth.signing_duration` and
// `.deserialization_duration` (per attempt). Placed by step and priority only, never relative to a
// named SDK middleware (FIELD-NOTES). The serialize step runs, in every SDK client seen:
//   [ours, serialize/high] → httpAuthSchemeMiddleware (writes `selectedHttpAuthScheme` once the
//   identity is resolved) → endpointV2Middleware (writes `context.endpointV2` once resolved) → the
//   serializer → [ours, serialize/low]
// so the two writes are the boundaries: the stage middleware at serialize/high watches them with
// accessors on the call's own context objects (the values read and written are the SDK's own,
// untouched). Signing: retryMiddleware → httpSigningMiddleware (reads `selectedHttpAuthScheme`, signs,
// calls next) → [ours, finalizeRequest/high]: from the signer's read to our entry. Deserialization:
// [ours, deserialize/high] → the deserializer → [ours, deserialize/low] → the handler: from the response
// reaching our inner middleware to it leaving the outer one. A boundary the SDK did not write (another
// SDK version, a client without endpoint rules) records nothing for the stages it bounds.

const AUTH_SCHEME_KEY = 'selectedHttpAuthScheme';
const ENDPOINT_KEY = 'endpointV2';
const SMITHY_CONTEXT_KEY = '__smithy_context';

/** What the stage middlewares saw of one call (a run of the serialize step starts a new one). */
interface StageTimes {
  readonly serializeStart: number;
  /** When `selectedHttpAuthScheme` was written: the identity resolved. */
  identityAt: number | undefined;
  schemeId: string | undefined;
  /** When `context.endpointV2` was written: the endpoint resolved. */
  endpointAt: number | undefined;
  /** The last read of `selectedHttpAuthScheme` (the signer reads it as it starts). */
  lastAuthRead: number;
  /** Reads before this do not start a signing (the end of the serialize step, then of each signing). */
  signMark: number;
  /** When the response reached the inner deserialize middleware, for the attempt in progress. */
  responseAt: number | undefined;
}

/** The SDK's values behind the two watched properties, and the call's stage times. */
interface Watched {
  endpoint: unknown;
  scheme: unknown;
  stages: StageTimes;
}

// Found through a symbol-keyed property on the call's context and on its smithy context (invisible to
// the SDK's string-keyed reads, and cheaper than a WeakMap on the call path). One accessor pair per
// property, shared by every call, so each context object keeps one of a few shapes (an accessor made
// per call would give every context a shape of its own, and the SDK's property reads would slow down).
const WATCHED = Symbol('wirescope.stages');

function watchedOf(target: object): Watched | undefined {
  return (target as { [WATCHED]?: Watched })[WATCHED];
}

const endpointAccessor: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: object) {
    return watchedOf(this)?.endpoint;
  },
  set(this: object, value: unknown) {
    const watched = watchedOf(this);
    if (!watched) return;
    watched.endpoint = value;
    watched.stages.endpointAt ??= nowMs();
  },
};

const schemeAccessor: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: object) {
    const watched = watchedOf(this);
    if (!watched) return undefined;
    watched.stages.lastAuthRead = nowMs();
    return watched.scheme;
  },
  set(this: object, value: unknown) {
    const watched = watchedOf(this);
    if (!watched) return;
    watched.scheme = value;
    const stages = watched.stages;
    stages.identityAt ??= nowMs();
    const id = (value as { httpAuthOption?: { schemeId?: unknown } } | undefined)?.httpAuthOption?.schemeId;
    if (typeof id === 'string') stages.schemeId = id;
  },
};

function meteredState(context: HandlerExecutionContext): OperationState | undefined {
  const state = operationStateOf(context);
  return state?.metrics ? state : undefined;
}

function stagesOf(context: HandlerExecutionContext): StageTimes | undefined {
  return watchedOf(context)?.stages;
}

/** serialize/high: starts the call's stage times and watches the two writes. */
export function serializeStartMiddleware(): SerializeMiddleware<object, MetadataBearer> {
  return (next: SerializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => (args) => {
    if (meteredState(context)) guard('watching the SDK stages', () => watchStages(context), undefined);
    return next(args);
  };
}

function watchStages(context: HandlerExecutionContext): void {
  const stages: StageTimes = {
    serializeStart: nowMs(),
    identityAt: undefined,
    schemeId: undefined,
    endpointAt: undefined,
    lastAuthRead: Number.NEGATIVE_INFINITY,
    signMark: Number.POSITIVE_INFINITY,
    responseAt: undefined,
  };
  const known = watchedOf(context);
  if (known) {
    // A re-run of the serialize step (an S3 region redirect): the accessors are in place.
    known.stages = stages;
    return;
  }
  const record = context as Record<string, unknown>;
  const smithy = record[SMITHY_CONTEXT_KEY];
  const watched: Watched = {
    endpoint: record[ENDPOINT_KEY],
    scheme:
      typeof smithy === 'object' && smithy !== null
        ? (smithy as Record<string, unknown>)[AUTH_SCHEME_KEY]
        : undefined,
    stages,
  };
  (context as { [WATCHED]?: Watched })[WATCHED] = watched;
  Object.defineProperty(context, ENDPOINT_KEY, endpointAccessor);
  // The auth scheme: written once (identity), read by the signer on each attempt. The SDK makes this
  // object when the call starts.
  if (typeof smithy === 'object' && smithy !== null) {
    (smithy as { [WATCHED]?: Watched })[WATCHED] = watched;
    Object.defineProperty(smithy, AUTH_SCHEME_KEY, schemeAccessor);
  }
}

/** serialize/low: the serializer is done; records identity, endpoint and serialization. */
export function serializeEndMiddleware(): SerializeMiddleware<object, MetadataBearer> {
  return (next: SerializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => (args) => {
    const stages = stagesOf(context);
    const state = stages && meteredState(context);
    if (state && stages)
      guard('recording the serialize stages', () => recordSerialize(state, stages), undefined);
    return next(args);
  };
}

function recordSerialize(state: OperationState, stages: StageTimes): void {
  const end = nowMs();
  stages.signMark = end;
  const { instruments } = state.metrics as CallMetrics;
  const memo = commandMemo(state.names, instruments);
  const { identityAt, endpointAt } = stages;
  const seconds = (from: number, to: number) => Math.max(0, to - from) / 1000;
  if (identityAt !== undefined) {
    instruments.resolveIdentityDuration.record(
      seconds(stages.serializeStart, identityAt),
      authAttributes(memo, stages.schemeId),
    );
  }
  if (endpointAt !== undefined) {
    const from = identityAt !== undefined && identityAt <= endpointAt ? identityAt : stages.serializeStart;
    instruments.resolveEndpointDuration.record(seconds(from, endpointAt), memo.rpc);
    instruments.serializationDuration.record(
      seconds(Math.max(endpointAt, identityAt ?? endpointAt), end),
      memo.rpc,
    );
  }
}

/** finalizeRequest/high, right after the signer: records the attempt's signing. */
export function signedMiddleware(): FinalizeRequestMiddleware<object, MetadataBearer> {
  return (next: FinalizeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => (args) => {
    const stages = stagesOf(context);
    const state = stages && meteredState(context);
    if (state && stages) guard('recording the signing', () => recordSigning(state, stages), undefined);
    return next(args);
  };
}

function recordSigning(state: OperationState, stages: StageTimes): void {
  const now = nowMs();
  if (stages.lastAuthRead > stages.signMark) {
    const { instruments } = state.metrics as CallMetrics;
    const memo = commandMemo(state.names, instruments);
    instruments.signingDuration.record(
      (now - stages.lastAuthRead) / 1000,
      authAttributes(memo, stages.schemeId),
    );
  }
  stages.signMark = now;
}

/** deserialize/low, just above the handler: marks the response's arrival. */
export function responseMiddleware(): DeserializeMiddleware<object, MetadataBearer> {
  return (next: DeserializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => (args) => {
    const stages = stagesOf(context);
    if (!stages) return next(args);
    return next(args).then((output) => {
      stages.responseAt = nowMs();
      return output;
    });
  };
}

/** deserialize/high: the deserializer is done (its output or its error); records the deserialization. */
export function deserializedMiddleware(): DeserializeMiddleware<object, MetadataBearer> {
  return (next: DeserializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => (args) => {
    const stages = stagesOf(context);
    if (!stages) return next(args);
    const settled = () =>
      guard('recording the deserialization', () => recordDeserialize(context, stages), undefined);
    return next(args).then(
      (output) => {
        settled();
        return output;
      },
      (error: unknown) => {
        settled();
        throw error;
      },
    );
  };
}

function recordDeserialize(context: HandlerExecutionContext, stages: StageTimes): void {
  const at = stages.responseAt;
  const state = meteredState(context);
  if (at === undefined || !state) return;
  stages.responseAt = undefined;
  const { instruments } = state.metrics as CallMetrics;
  const memo = commandMemo(state.names, instruments);
  instruments.deserializationDuration.record(Math.max(0, nowMs() - at) / 1000, memo.rpc);
}
