import { regionOfHost } from '@wirescope/semconv';
import type { AttemptRecord, RuleContext } from '../records.js';

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
  return op?.bucketRegion ?? regionOfServer(attempt.serverAddress) ?? op?.signingRegion;
}

/** Hosts already looked at (rules ask once per attempt; a host repeats across thousands of them). */
const hostRegions = new Map<string, string | undefined>();
const MAX_REMEMBERED_HOSTS = 10_000;

/** {@link regionOfHost}, remembered per host. */
function regionOfServer(host: string | undefined): string | undefined {
  if (!host) return undefined;
  if (hostRegions.has(host)) return hostRegions.get(host);
  const region = regionOfHost(host);
  if (hostRegions.size < MAX_REMEMBERED_HOSTS) hostRegions.set(host, region);
  return region;
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
