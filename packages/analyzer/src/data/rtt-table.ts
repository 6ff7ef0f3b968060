import rtt from './aws-inter-region-rtt-p50.json' with { type: 'json' };

/**
 * Inter-region round-trip medians (CloudPing p50, see ATTRIBUTION.md). CloudPing times a TCP connect,
 * which is one round trip, so a measured `tcp.connect` compares directly with these numbers.
 */
const table = rtt.data as Record<string, Record<string, number> | undefined>;

/** Same-region RTT when a region is missing from the table (FIELD-NOTES: about 1–8 ms). */
const DEFAULT_SAME_REGION_MS = 5;

/** Median RTT between two regions in ms (either direction), or undefined when the table lacks one. */
export function regionRttMs(from: string, to: string): number | undefined {
  return table[from]?.[to] ?? table[to]?.[from];
}

/** Median RTT inside one region in ms (the table's diagonal, default 5 ms). */
export function sameRegionRttMs(region: string | undefined): number {
  if (region === undefined) return DEFAULT_SAME_REGION_MS;
  return table[region]?.[region] ?? DEFAULT_SAME_REGION_MS;
}

/** True when the table knows the region. */
export function isKnownRegion(region: string): boolean {
  return table[region] !== undefined;
}

/**
 * Regions whose median RTT from `from` is closest to a measured RTT (at most `limit`, within ±35 %),
 * nearest first: "a caller in us-east-1 whose connects take ~64 ms is probably talking to us-west-2".
 */
export function regionsAtRtt(from: string, measuredMs: number, limit = 3): string[] {
  const row = table[from];
  if (!row) return [];
  return Object.entries(row)
    .filter(([region, ms]) => region !== from && Math.abs(ms - measuredMs) <= measuredMs * 0.35)
    .sort((a, b) => Math.abs(a[1] - measuredMs) - Math.abs(b[1] - measuredMs))
    .slice(0, limit)
    .map(([region]) => region);
}
