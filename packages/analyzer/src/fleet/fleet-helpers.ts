import type { FindingEvidence } from '../types.js';
import type { CountSum, EndpointFacts, ServiceFacts } from './fleet-facts.js';

/** Fleet evidence: no span ids (metrics have none), counts rounded to whole numbers, ms to 0.1. */
export function fleetEvidence(
  series: Record<string, string>,
  counts: Record<string, number>,
  measurements: Record<string, number>,
  diagnosis?: string,
): FindingEvidence {
  const whole: Record<string, number> = {};
  for (const [key, value] of Object.entries(counts)) whole[key] = Math.round(value);
  const rounded: Record<string, number> = {};
  for (const [key, value] of Object.entries(measurements)) rounded[key] = Math.round(value * 10) / 10;
  return {
    spanIds: [],
    spanIdsTotal: 0,
    traceIds: [],
    counts: whole,
    measurements: rounded,
    series,
    ...(diagnosis !== undefined ? { diagnosis } : {}),
  };
}

/** Mean of a histogram in ms, or undefined without observations. */
export function meanMs(h: CountSum | undefined): number | undefined {
  return h !== undefined && h.count > 0 ? (h.sumS / h.count) * 1000 : undefined;
}

/** The dns+tcp+tls time of the endpoint's new connections, per new connection (ms), when measured. */
export function handshakePerConnectionMs(e: EndpointFacts, connections: number): number | undefined {
  const total = (['dns', 'tcp', 'tls'] as const).reduce((t, p) => t + (e.phases[p]?.sumS ?? 0), 0) * 1000;
  if (connections <= 0 || !(['tcp', 'tls'] as const).some((p) => (e.phases[p]?.count ?? 0) > 0))
    return undefined;
  return total / connections;
}

/**
 * New connections a keep-alive pool opens legitimately: the most connections its instances held open
 * at once (peak acquired + peak idle, summed over instances), 0 when the pool gauges are absent.
 */
export function poolAllowance(s: ServiceFacts | undefined): number {
  if (!s) return 0;
  return s.pools.reduce((t, p) => t + (p.acquiredMax ?? 0) + (p.idleMax ?? 0), 0);
}

/** `1,234`: a count from the metrics (an increase over the window), whole. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** `checkout → s3.us-west-2.amazonaws.com`. */
export function where(e: { service: string; endpoint: string }): string {
  return `${e.service} → ${e.endpoint}`;
}
