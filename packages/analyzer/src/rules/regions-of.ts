import type { AttemptRecord, RuleContext } from '../engine/internal-types.js';
import { regionFromHost } from '../engine/regions.js';

/** Where the calling code runs: the span's `wirescope.caller.region`, else `AnalyzeOptions.callerRegion`. */
export function callerRegionOf(
  attempt: AttemptRecord,
  context: RuleContext,
  op = attempt.operation,
): string | undefined {
  return op?.callerRegion ?? context.callerRegion;
}

/**
 * Where the request went: the bucket's region when S3 told us, else the region the endpoint host names,
 * else the region the request was signed for.
 */
export function targetRegionOf(attempt: AttemptRecord, op = attempt.operation): string | undefined {
  return op?.bucketRegion ?? regionFromHost(attempt.serverAddress) ?? op?.signingRegion;
}

/**
 * Round trips one attempt paid: 1 for the request, +1 for a TCP connect, +1 (TLS 1.3) or +2 (TLS 1.2 or
 * unknown) for a handshake, +1 for a 100-continue wait.
 */
export function roundTripsOf(attempt: AttemptRecord): number {
  let trips = 1;
  if (attempt.isNew) {
    trips += 1;
    const tls = attempt.hasPhase('tls') || attempt.tlsVersion !== undefined || attempt.serverPort === 443;
    if (tls) trips += attempt.tlsVersion === '1.3' || attempt.tlsVersion === 'TLSv1.3' ? 1 : 2;
  }
  if (attempt.expectContinue) trips += 1;
  return trips;
}
