import type { HandlerExecutionContext } from '@smithy/types';
import {
  ATTR_ATTEMPT,
  ATTR_BUCKET_REGION,
  ATTR_CALLER_REGION,
  ATTR_CLIENT_REGION,
  ATTR_CLOUD_REGION,
  ATTR_REGION_MISMATCH,
  ATTR_REGION_REDIRECTS,
  EVENT_REGION_MISMATCH,
  EVENT_REGION_REDIRECT,
  isRegionName,
  regionOfHost,
} from '@wirescope/semconv';
import { signingRegion } from './command-names.js';
import type { OperationState } from './operation-state.js';
import type { BucketRegionMemory } from './region/bucket-region-memory.js';
import { bucketRegionFromError } from './region/error-region.js';
import type { ResolvedWirescopeOptions } from './resolve-options.js';

/** Event attribute listing the disagreements, e.g. `caller us-east-1 ≠ target us-west-2`. */
const ATTR_DISAGREEMENTS = 'wirescope.region.disagreements';

/** Region facts of one call beyond the ones the rest of the plugin reads (`OperationState.region`). */
export interface RegionState {
  /** The S3 bucket the call names. */
  bucket: string | undefined;
  /** Where S3 bucket regions are remembered across calls. */
  memory: BucketRegionMemory;
  /** Region of the first attempt (signing region, else endpoint host): the client's region. */
  firstTarget: string | undefined;
  /** Region of the last attempt. */
  lastTarget: string | undefined;
  /** The SDK's own redirect marker (`context.__s3RegionRedirect`) once we have accounted for it. */
  seenRedirectMarker: string | undefined;
}

/**
 * Where the code runs: the `callerRegion` option, else `AWS_REGION`, else `AWS_DEFAULT_REGION` (both
 * read when the plugin was created), else the background metadata lookup once it has finished.
 */
export function callerRegionOf(options: ResolvedWirescopeOptions): string | undefined {
  return options.callerRegion ?? options.callerRegionDetection?.region;
}

/** Region facts known when the call starts: the caller's region, a remembered bucket region. */
export function startRegionFacts(
  options: ResolvedWirescopeOptions,
  state: OperationState,
  _context: HandlerExecutionContext,
  input: object,
): void {
  const caller = callerRegionOf(options);
  if (caller) state.span.setAttribute(ATTR_CALLER_REGION, caller);
  const bucketInput = (input as { Bucket?: unknown }).Bucket;
  const bucket = state.names.service === 'S3' && typeof bucketInput === 'string' ? bucketInput : undefined;
  if (bucket) state.bucketRegion = options.bucketRegions.get(bucket);
  state.region = {
    bucket,
    memory: options.bucketRegions,
    firstTarget: undefined,
    lastTarget: undefined,
    seenRedirectMarker: undefined,
  };
}

/** A short token such as `auto` or `local` (S3-compatible stores' regions), never a server's long text. */
function isShortRegionWord(value: string | undefined): value is string {
  return value !== undefined && value.length <= 32 && /^[a-z0-9][a-z0-9-]*$/i.test(value);
}

/**
 * Region facts of one attempt: the target region (signing region, else the endpoint host), and for
 * S3 the bucket region named by `x-amz-bucket-region` or the parsed error body (`<Region>`,
 * `<Endpoint>`). Marks a pending redirect when the answer sends the call to another region.
 */
export function recordAttemptRegion(
  state: OperationState,
  context: HandlerExecutionContext,
  statusCode: number | undefined,
  headers: Record<string, string> | undefined,
  error?: unknown,
): void {
  const regional = state.region;
  // After a redirect the SDK signs for the region the server named (`x-amz-bucket-region`): it reaches
  // `cloud.region` and the mismatch event only when it looks like a region (issue 15: 10 KB of it did).
  // A configured region that AWS does not name (`auto` for R2, `local`) is kept when it is one short word.
  const signed = signingRegion(context);
  const signing = isRegionName(signed) || isShortRegionWord(signed) ? signed : undefined;
  if (signing) {
    state.firstSigningRegion ??= signing;
    state.lastSigningRegion = signing;
  }
  const target = signing ?? regionOfHost(endpointHost(context));
  if (target) {
    state.span.setAttribute(ATTR_CLOUD_REGION, target);
    if (regional) {
      regional.firstTarget ??= target;
      regional.lastTarget = target;
    }
  }
  countSdkRedirect(state, context, regional);
  if (state.names.service !== 'S3') return;
  const header = headers?.['x-amz-bucket-region']?.trim().toLowerCase();
  const named = (isRegionName(header) ? header : undefined) ?? bucketRegionFromError(error);
  if (!named) return;
  state.bucketRegion = named;
  if (regional?.bucket) regional.memory.set(regional.bucket, named);
  if (statusCode !== undefined && isRegionRedirect(statusCode, named, target, context, error)) {
    state.pendingRedirect = true;
  }
}

/** The regions a call ended with, for its metrics. */
export interface RegionSummary {
  readonly caller: string | undefined;
  /** The region of the first attempt: the client's. */
  readonly client: string | undefined;
  /** The region of the last attempt (`cloud.region`). */
  readonly target: string | undefined;
  readonly mismatch: boolean;
}

/** The region an attempt targets: the signing region, else the one the endpoint host names. */
export function targetRegionOf(context: HandlerExecutionContext): string | undefined {
  const signed = signingRegion(context);
  if (isRegionName(signed) || isShortRegionWord(signed)) return signed;
  return regionOfHost(endpointHost(context));
}

/** Region facts when the call ends: client and bucket regions, redirects, mismatch. */
export function finishRegionFacts(options: ResolvedWirescopeOptions, state: OperationState): RegionSummary {
  const { span } = state;
  const regional = state.region;
  span.setAttribute(ATTR_REGION_REDIRECTS, state.redirects);
  if (state.bucketRegion) span.setAttribute(ATTR_BUCKET_REGION, state.bucketRegion);
  const caller = callerRegionOf(options);
  // The background lookup may have finished while the call ran.
  if (caller) span.setAttribute(ATTR_CALLER_REGION, caller);
  const client = regional?.firstTarget ?? state.firstSigningRegion;
  const target = regional?.lastTarget ?? state.lastSigningRegion;
  if (client) span.setAttribute(ATTR_CLIENT_REGION, client);
  const bucket = state.bucketRegion;
  const callerMismatch = Boolean(caller && target && caller !== target);
  const bucketMismatch = Boolean(bucket && client && bucket !== client);
  const summary: RegionSummary = { caller, client, target, mismatch: callerMismatch || bucketMismatch };
  span.setAttribute(ATTR_REGION_MISMATCH, summary.mismatch);
  if (!callerMismatch && !bucketMismatch) return summary; // the usual case: no event to build
  const disagreements: string[] = [];
  const event: Record<string, string> = {};
  if (callerMismatch && caller && target) {
    disagreements.push(`caller ${caller} ≠ target ${target}`);
    event[ATTR_CALLER_REGION] = caller;
    event[ATTR_CLOUD_REGION] = target;
  }
  if (bucketMismatch && bucket && client) {
    disagreements.push(`client ${client} ≠ bucket ${bucket}`);
    event[ATTR_CLIENT_REGION] = client;
    event[ATTR_BUCKET_REGION] = bucket;
  }
  span.addEvent(EVENT_REGION_MISMATCH, { ...event, [ATTR_DISAGREEMENTS]: disagreements.join('; ') });
  return summary;
}

// S3 re-runs a call in the bucket's region (`followRegionRedirects`) on 301, and on 400 for
// IllegalLocationConstraintException or HeadBucket (@aws-sdk/middleware-sdk-s3 regionRedirectMiddleware).
// Any other answer of 300 or more that names another region counts too: if a re-run follows, it paid
// for the wrong region. A redirect is counted only when another attempt follows.
function isRegionRedirect(
  statusCode: number,
  named: string,
  target: string | undefined,
  context: HandlerExecutionContext,
  error: unknown,
): boolean {
  if (statusCode === 301) return true;
  if (statusCode === 400) {
    const name = (error as { name?: unknown } | undefined)?.name;
    if (name === 'IllegalLocationConstraintException' || context.commandName === 'HeadBucketCommand')
      return true;
  }
  return statusCode >= 300 && target !== undefined && named !== target;
}

// The SDK marks a redirected call with `context.__s3RegionRedirect` before re-running it. If our own
// reading of the first answer missed the redirect, the marker still counts it, once.
function countSdkRedirect(
  state: OperationState,
  context: HandlerExecutionContext,
  regional: RegionState | undefined,
): void {
  const marker = (context as { __s3RegionRedirect?: unknown }).__s3RegionRedirect;
  if (!regional || typeof marker !== 'string' || marker === regional.seenRedirectMarker) return;
  regional.seenRedirectMarker = marker;
  if (state.redirects > 0) return;
  state.redirects = 1;
  state.span.addEvent(EVENT_REGION_REDIRECT, { [ATTR_ATTEMPT]: state.attempts });
}

function endpointHost(context: HandlerExecutionContext): string | undefined {
  const url = (context as { endpointV2?: { url?: { hostname?: unknown } } }).endpointV2?.url;
  return typeof url?.hostname === 'string' ? url.hostname : undefined;
}
