import { createRequire } from 'node:module';

// The analyzer's copy of the CloudPing p50 table (packages/analyzer/src/data/ATTRIBUTION.md).
const require = createRequire(import.meta.url);
const table = (
  require('../../../packages/analyzer/src/data/aws-inter-region-rtt-p50.json') as {
    data: Record<string, Record<string, number> | undefined>;
  }
).data;

/** Median round trip between two regions in ms (CloudPing p50), 5 ms when the table lacks one. */
export function rttMs(from: string, to: string): number {
  return table[from]?.[to] ?? table[to]?.[from] ?? 5;
}
