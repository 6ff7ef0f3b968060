import type { Span } from '@opentelemetry/api';
import type { HandlerExecutionContext } from '@smithy/types';
import type { WirescopeInstruments } from '@wirescope/instrumentation';
import type { CommandNames } from './command-names.js';
import type { RegionState } from './region-facts.js';
import type { SecretSource } from './request-secrets.js';

/** What the plugin knows about one SDK call while it runs. */
export interface OperationState {
  readonly span: Span;
  readonly names: CommandNames;
  /** Attempts started so far (the number of the last one). */
  attempts: number;
  /** Region S3 named for the bucket, when a response said so. */
  bucketRegion: string | undefined;
  /** Region the client signs for on the first attempt. */
  firstSigningRegion: string | undefined;
  /** Region the last attempt was signed for. */
  lastSigningRegion: string | undefined;
  /** The last attempt was answered with a redirect to the bucket's region. */
  pendingRedirect: boolean;
  /** Region redirects paid (an attempt answered with another region, then a re-run). */
  redirects: number;
  /** The rest of the region facts, set by `startRegionFacts`. */
  region: RegionState | undefined;
  /** Headers and query of the attempts' signed requests (read only when a status message is written). */
  readonly secretSources: SecretSource[];
  /** Present when a MeterProvider is registered: the call's metrics are recorded (sampled or not). */
  readonly metrics: CallMetrics | undefined;
}

/** What the call's metrics need beyond the rest of the state. */
export interface CallMetrics {
  readonly instruments: WirescopeInstruments;
  /** When the call started, from the kernel's clock (epoch milliseconds). */
  readonly startMs: number;
}

/** Attempts whose requests are kept for redaction (retries and redirect re-runs stay well below). */
export const MAX_SECRET_SOURCES = 16;

// Keyed by the smithy handler context: one object per call, shared by every middleware of that call,
// so the attempt middleware finds its operation and a second copy of the plugin finds the first.
const states = new WeakMap<HandlerExecutionContext, OperationState>();

/** The state of the call `context` belongs to, if the plugin traces it. */
export function operationStateOf(context: HandlerExecutionContext): OperationState | undefined {
  return states.get(context);
}

/** Starts tracking a call. */
export function trackOperation(context: HandlerExecutionContext, state: OperationState): void {
  states.set(context, state);
}

/** Stops tracking a call. */
export function untrackOperation(context: HandlerExecutionContext): void {
  states.delete(context);
}
