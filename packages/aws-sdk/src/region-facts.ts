import type { HandlerExecutionContext } from '@smithy/types';
import {
  ATTR_BUCKET_REGION,
  ATTR_CALLER_REGION,
  ATTR_CLOUD_REGION,
  ATTR_REGION_MISMATCH,
  ATTR_REGION_REDIRECTS,
  EVENT_REGION_MISMATCH,
} from '@wirescope/semconv';
import { signingRegion } from './command-names.js';
import type { OperationState } from './operation-state.js';
import type { ResolvedWirescopeOptions } from './resolve-options.js';

/** Where the code runs: the option, else `AWS_REGION`, else `AWS_DEFAULT_REGION`. */
export function callerRegionOf(options: ResolvedWirescopeOptions): string | undefined {
  return (
    options.callerRegion ?? (process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'] || undefined)
  );
}

/** Region facts known when the call starts. */
export function startRegionFacts(
  options: ResolvedWirescopeOptions,
  state: OperationState,
  _context: HandlerExecutionContext,
  _input: object,
): void {
  const caller = callerRegionOf(options);
  if (caller) state.span.setAttribute(ATTR_CALLER_REGION, caller);
}

/** Region facts of one attempt: the signing region, and the bucket region S3 named in a response. */
export function recordAttemptRegion(
  state: OperationState,
  context: HandlerExecutionContext,
  statusCode: number | undefined,
  headers: Record<string, string> | undefined,
): void {
  const signing = signingRegion(context);
  if (signing) {
    state.firstSigningRegion ??= signing;
    state.lastSigningRegion = signing;
    state.span.setAttribute(ATTR_CLOUD_REGION, signing);
  }
  const bucketRegion = headers?.['x-amz-bucket-region'];
  if (bucketRegion) {
    state.bucketRegion = bucketRegion;
    if (statusCode !== undefined && statusCode >= 300 && signing && signing !== bucketRegion) {
      state.pendingRedirect = true;
    }
  }
}

/** Region facts when the call ends: bucket region, redirects, mismatch. */
export function finishRegionFacts(options: ResolvedWirescopeOptions, state: OperationState): void {
  const { span } = state;
  span.setAttribute(ATTR_REGION_REDIRECTS, state.redirects);
  if (state.bucketRegion) span.setAttribute(ATTR_BUCKET_REGION, state.bucketRegion);
  const caller = callerRegionOf(options);
  const target = state.lastSigningRegion;
  const disagreements: string[] = [];
  if (caller && target && caller !== target) disagreements.push(`caller ${caller} ≠ target ${target}`);
  if (state.bucketRegion && state.firstSigningRegion && state.bucketRegion !== state.firstSigningRegion) {
    disagreements.push(`client ${state.firstSigningRegion} ≠ bucket ${state.bucketRegion}`);
  }
  span.setAttribute(ATTR_REGION_MISMATCH, disagreements.length > 0);
  if (disagreements.length > 0) {
    span.addEvent(EVENT_REGION_MISMATCH, { 'wirescope.region.disagreements': disagreements.join('; ') });
  }
}
