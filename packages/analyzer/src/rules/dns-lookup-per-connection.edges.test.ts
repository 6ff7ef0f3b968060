import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// dns-lookup-per-connection pinned whole on a hand-computed case.
async function dns(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'dns-lookup-per-connection');
}

/** Sequential calls on new connections; `lookups[i]` is the dns.lookup ms of call i. */
const connections = (lookups: number[]) =>
  lookups.flatMap((dnsMs, i) =>
    call({ startMs: i * 300, attempts: [{ reused: false, connectionId: `c-${i}`, dnsMs, durationMs: 100 }] }),
  );

describe('dns-lookup-per-connection, pinned', () => {
  it('four lookups, the first free: summary, basis, fix and evidence (hand-computed)', async () => {
    // Lookups 12, 15, 30, 45 ms; peak 1 → extra 15 + 30 + 45 = 90 ms, 30 each, median 30.
    const findings = await dns(connections([12, 15, 30, 45]));
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      '4 of 4 new connections to my-bucket.s3.us-east-1.amazonaws.com paid a DNS lookup (median 30 ms)',
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBeCloseTo(90, 1);
    expect(f?.costPerCallMs).toBeCloseTo(30, 1);
    expect(f?.costBasis).toBe('measured dns.lookup of 3 connections beyond the 1 that concurrency needs');
    expect(f?.fix).toBe(
      "Reuse connections (keep-alive, one client) so fewer lookups happen, and give the agent a caching lookup (e.g. cacheable-lookup): Node's resolver caches nothing.",
    );
    expect(f?.evidence.counts).toEqual({ newConnections: 4, lookups: 4, extraLookups: 3 });
    expect(f?.evidence.measurements).toEqual({ dnsMedianMs: 30, dnsTotalMs: 90 });
    expect(f?.evidence.spanIdsTotal).toBe(3);
    expect(f?.evidence.traceIds).toHaveLength(3);
  });

  it('severity from the mean extra lookup: 100 ms each → error, 9 ms each → info', async () => {
    const [slow] = await dns(connections([100, 100, 100]));
    expect(slow?.severity).toBe('error');
    expect(slow?.costPerCallMs).toBeCloseTo(100, 1);
    const [fast] = await dns(connections([9, 9, 9]));
    expect(fast?.severity).toBe('info');
    expect(fast?.summary).toContain('(median 9.0 ms)');
  });

  it('the evidence is the dns.lookup spans, not the attempts', async () => {
    const spans = connections([5, 6, 7]);
    const [f] = await dns(spans);
    const dnsIds = spans.filter((s) => s.name === 'dns.lookup').map((s) => s.spanId);
    expect(dnsIds).toHaveLength(3);
    expect(f?.evidence.spanIds).toEqual(dnsIds.slice(1));
  });
});
