import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import {
  DNS_MIN_EXTRA_LOOKUPS,
  DNS_MIN_LOOKUP_SHARE,
  DNS_MIN_NEW_SHARE,
  DNS_MIN_TOTAL_MS,
} from './dns-lookup-per-connection.js';

async function dns(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'dns-lookup-per-connection');
}

/** Sequential calls on new connections; `lookups[i]` is the dns.lookup ms of call i (null: none). */
function connections(lookups: Array<number | null>): WireSpan[] {
  return lookups.flatMap((dnsMs, i) =>
    call({ startMs: i * 300, attempts: [{ reused: false, connectionId: `c-${i}`, dnsMs, durationMs: 100 }] }),
  );
}

/** Sequential calls on a reused connection, after `after` new-connection calls. */
function reused(count: number, after: number): WireSpan[] {
  return Array.from({ length: count }, (_, i) => call({ startMs: (after + i) * 300 })).flat();
}

describe('dns-lookup-per-connection thresholds', () => {
  it('pins the constants', () => {
    expect([DNS_MIN_EXTRA_LOOKUPS, DNS_MIN_LOOKUP_SHARE, DNS_MIN_NEW_SHARE, DNS_MIN_TOTAL_MS]).toEqual([
      2, 0.8, 0.1, 1,
    ]);
  });

  it('extra lookups beyond peak concurrency: 1 → nothing, 2 → finding', async () => {
    expect(await dns(connections([5, 5]))).toEqual([]);
    const [finding] = await dns(connections([5, 5, 5]));
    expect(finding?.evidence.counts).toEqual({ newConnections: 3, lookups: 3, extraLookups: 2 });
  });

  it('share of new connections with a lookup: 8 of 10 (80 %) → finding, 7 of 10 → nothing', async () => {
    const [finding] = await dns(connections([5, 5, 5, 5, 5, 5, 5, 5, null, null]));
    expect(finding?.evidence.counts).toEqual({ newConnections: 10, lookups: 8, extraLookups: 7 });
    expect(await dns(connections([5, 5, 5, 5, 5, 5, 5, null, null, null]))).toEqual([]);
  });

  it('share of attempts on new connections: 4 of 40 (10 %) → finding, 4 of 41 → nothing', async () => {
    const [finding] = await dns([...connections([5, 5, 5, 5]), ...reused(36, 4)]);
    expect(finding?.evidence.counts).toEqual({ newConnections: 4, lookups: 4, extraLookups: 3 });
    expect(await dns([...connections([5, 5, 5, 5]), ...reused(37, 4)])).toEqual([]);
  });

  it('total of the extra lookups: 2 × 0.5 = 1 ms → finding, 2 × 0.49 ms → nothing', async () => {
    const [finding] = await dns(connections([0.5, 0.5, 0.5]));
    expect(finding?.costMs).toBeCloseTo(1, 1);
    expect(await dns(connections([0.49, 0.49, 0.49]))).toEqual([]);
  });

  it('costs the extra lookups (hand-computed)', async () => {
    // Lookups 12, 15, 30, 45 ms; peak 1 → the first is free: costMs = 15 + 30 + 45 = 90;
    // costPerCallMs = 90 / 3 = 30 → ≥ 10, < 100 → warning; median of the extra ones 30.
    const [finding] = await dns(connections([12, 15, 30, 45]));
    expect(finding?.costMs).toBeCloseTo(90, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(30, 1);
    expect(finding?.severity).toBe('warning');
    expect(finding?.evidence.measurements).toEqual({ dnsMedianMs: 30, dnsTotalMs: 90 });
  });
});
