import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../records.js';
import {
  distinctCalls,
  evidence,
  evidenceOf,
  finding,
  groupBy,
  handshakeMs,
  hostOf,
  KeyMemo,
  MAX_EVIDENCE_IDS,
  median,
  ms,
  operationNames,
  peakConcurrency,
  plural,
  releaseScratch,
  roundMs,
  scratch,
  severityForCost,
  sum,
} from './rule-helpers.js';

// The rule helpers pinned on hand-made inputs (the rules' own tests reach them only through analyze).

/** A stand-in attempt with only the fields a helper reads. */
const attempt = (fields: Record<string, unknown>) => fields as unknown as AttemptRecord;

const timed = (startMs: number, durationMs: number) => attempt({ startMs, durationMs });

describe('rule helpers, pinned', () => {
  it('evidence caps the id lists at 20, keeps the total, dedupes trace ids and rounds measurements', () => {
    expect(MAX_EVIDENCE_IDS).toBe(20);
    const spans = Array.from({ length: 25 }, (_, i) => ({ spanId: `s${i}`, traceId: `t${i}` }));
    const capped = evidence(spans, { n: 25 }, { a: 1.26, b: 0.04 });
    expect(capped.spanIds).toEqual(spans.slice(0, 20).map((s) => s.spanId));
    expect(capped.spanIdsTotal).toBe(25);
    expect(capped.traceIds).toEqual(spans.slice(0, 20).map((s) => s.traceId));
    expect(capped.counts).toEqual({ n: 25 });
    expect(capped.measurements).toEqual({ a: 1.3, b: 0 });

    const shared = evidence(
      [
        { spanId: 'a', traceId: 'x' },
        { spanId: 'b', traceId: 'y' },
        { spanId: 'c', traceId: 'x' },
      ],
      {},
      {},
    );
    expect(shared).toEqual({
      spanIds: ['a', 'b', 'c'],
      spanIdsTotal: 3,
      traceIds: ['x', 'y'],
      counts: {},
      measurements: {},
    });
  });

  it('evidence lists at most 20 distinct trace ids even when later spans repeat earlier traces', () => {
    const spans = [
      ...Array.from({ length: 20 }, (_, i) => ({ spanId: `s${i}`, traceId: `t${i}` })),
      { spanId: 'again', traceId: 't0' },
      { spanId: 'new', traceId: 'late' },
    ];
    expect(evidence(spans, {}, {}).traceIds).toHaveLength(20);
    expect(evidence(spans, {}, {}).traceIds).not.toContain('late');
  });

  it('roundMs rounds to 0.1 ms', () => {
    expect(roundMs(1.25)).toBe(1.3);
    expect(roundMs(1.24)).toBe(1.2);
    expect(roundMs(918.604)).toBe(918.6);
  });

  it('ms: seconds from 1,000 ms, whole ms from 10 ms, one decimal below', () => {
    expect(ms(1000)).toBe('1.0 s');
    expect(ms(6000)).toBe('6.0 s');
    expect(ms(1250)).toBe('1.3 s');
    expect(ms(999.4)).toBe('999 ms');
    expect(ms(150.4)).toBe('150 ms');
    expect(ms(100)).toBe('100 ms');
    expect(ms(32)).toBe('32 ms');
    expect(ms(10)).toBe('10 ms');
    expect(ms(9.99)).toBe('10.0 ms');
    expect(ms(5.349)).toBe('5.3 ms');
    expect(ms(0)).toBe('0.0 ms');
  });

  it('plural: singular for exactly one, the given plural otherwise', () => {
    expect(plural(1, 'call')).toBe('1 call');
    expect(plural(0, 'call')).toBe('0 calls');
    expect(plural(2, 'call')).toBe('2 calls');
    expect(plural(3, 'child', 'children')).toBe('3 children');
    expect(plural(1, 'child', 'children')).toBe('1 child');
  });

  it('median: 0 for none, the middle of an odd list, the mean of the middle two of an even one (numeric sort)', () => {
    expect(median([])).toBe(0);
    expect(median([7])).toBe(7);
    expect(median([10, 9, 1])).toBe(9);
    expect(median([4, 1, 30, 2])).toBe(3);
    expect(median([100, 20, 3, 1000])).toBe(60);
  });

  it('sum', () => {
    expect(sum([])).toBe(0);
    expect(sum([1, 2, 3.5])).toBe(6.5);
  });

  it('hostOf: host:port, the host alone without a port, a placeholder without a host', () => {
    expect(hostOf(attempt({ serverAddress: 'example.com', serverPort: 443 }))).toBe('example.com:443');
    expect(hostOf(attempt({ serverAddress: 'example.com' }))).toBe('example.com');
    expect(hostOf(attempt({ serverPort: 8080 }))).toBe('(unknown host):8080');
    expect(hostOf(attempt({}))).toBe('(unknown host)');
  });

  it('handshakeMs adds the dns, tcp and tls phases it has', () => {
    const phases = (values: Record<string, number>) => attempt({ phaseMs: (phase: string) => values[phase] });
    expect(handshakeMs(phases({ dns: 2, tcp: 10, tls: 20, queue: 100 }))).toBe(32);
    expect(handshakeMs(phases({ tcp: 7 }))).toBe(7);
    expect(handshakeMs(phases({ dns: 3 }))).toBe(3);
    expect(handshakeMs(phases({ tls: 40 }))).toBe(40);
    expect(handshakeMs(phases({}))).toBe(0);
  });

  it('KeyMemo makes a key once per tuple of parts', () => {
    const memo = new KeyMemo();
    let made = 0;
    const make = (text: string) => () => {
      made++;
      return text;
    };
    expect(memo.key('a', 1, undefined, 'd', make('first'))).toBe('first');
    expect(memo.key('a', 1, undefined, 'd', make('second'))).toBe('first');
    expect(made).toBe(1);
    expect(memo.key('a', 1, undefined, 'e', make('other d'))).toBe('other d');
    expect(memo.key('a', 2, undefined, 'd', make('other b'))).toBe('other b');
    expect(memo.key('b', 1, undefined, 'd', make('other a'))).toBe('other a');
    expect(memo.key('a', 1, 'c', 'd', make('other c'))).toBe('other c');
    expect(made).toBe(5);
  });

  it('groupBy keeps first-seen order and skips items without a key', () => {
    const groups = groupBy(['b1', 'a1', 'x', 'b2', 'a2'], (s) => (s === 'x' ? undefined : s.slice(0, 1)));
    expect([...groups.entries()]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
    ]);
  });

  it('operationNames: distinct names, " attempt" dropped from a span name, at most 3 then an ellipsis', () => {
    const op = (name: string) => attempt({ operation: { name }, name: `${name} attempt` });
    const bare = (name: string) => attempt({ name });
    expect(operationNames([op('S3.PutObject'), op('S3.PutObject'), op('S3.GetObject')])).toBe(
      'S3.PutObject, S3.GetObject',
    );
    expect(operationNames([bare('S3.ListObjects attempt'), bare('GET attempts')])).toBe(
      'S3.ListObjects, GET attempts',
    );
    expect(operationNames([op('A'), op('B'), op('C')])).toBe('A, B, C');
    expect(operationNames([op('A'), op('B'), op('C'), op('D')])).toBe('A, B, C, …');
    expect(operationNames([op('A'), op('B'), op('C')], 2)).toBe('A, B, …');
  });

  it('distinctCalls counts call keys (an attempt without an operation has a key of its own), in any order', () => {
    const call = (callKey: number) => attempt({ callKey });
    expect(distinctCalls([])).toBe(0);
    expect(distinctCalls([call(3), call(1), call(3), call(-5), call(1), call(-6)])).toBe(4);
    expect(distinctCalls(Array.from({ length: 3000 }, (_, i) => call(i % 1000)))).toBe(1000);
  });

  it('evidenceOf asks only for the spans the evidence names, and says the same as evidence', () => {
    const spans = Array.from({ length: 5000 }, (_, i) => ({ spanId: `s${i}`, traceId: `t${i % 7}` }));
    let asked = 0;
    const lazy = evidenceOf(
      spans.length,
      (i) => {
        asked++;
        return spans[i] as { spanId: string; traceId: string };
      },
      { n: 1 },
      { ms: 1.26 },
    );
    // 7 distinct traces only: every span is looked at for more, but the spans list stops at 20.
    expect(lazy).toEqual(evidence(spans, { n: 1 }, { ms: 1.26 }));
    expect(lazy.spanIds).toHaveLength(20);
    expect(lazy.traceIds).toHaveLength(7);
    expect(asked).toBe(spans.length);
    const distinct = Array.from({ length: 5000 }, (_, i) => ({ spanId: `s${i}`, traceId: `t${i}` }));
    asked = 0;
    evidenceOf(
      distinct.length,
      (i) => {
        asked++;
        return distinct[i] as { spanId: string; traceId: string };
      },
      {},
      {},
    );
    expect(asked).toBe(MAX_EVIDENCE_IDS);
  });

  it('scratch gives the asked length, growing its buffer past 1,024 slots', () => {
    expect(scratch(0, 3)).toHaveLength(3);
    const big = scratch(1, 5000);
    expect(big).toHaveLength(5000);
    big[4999] = 7;
    expect(scratch(1, 5000)[4999]).toBe(7);
    releaseScratch();
    expect(scratch(1, 5000)[4999]).toBe(0);
  });

  it('peakConcurrency: most attempts in flight at once, an end at a start not overlapping', () => {
    expect(peakConcurrency([])).toBe(0);
    expect(peakConcurrency([timed(0, 10)])).toBe(1);
    // Unsorted: [50, 150), [0, 10), [60, 65), [100, 200), [64, 70) → at 64: 50, 60, 64 in flight.
    expect(peakConcurrency([timed(50, 100), timed(0, 10), timed(60, 5), timed(100, 100), timed(64, 6)])).toBe(
      3,
    );
    expect(peakConcurrency([timed(0, 100), timed(100, 100), timed(200, 100)])).toBe(1);
    expect(peakConcurrency([timed(0, 100), timed(99, 100), timed(198, 100)])).toBe(2);
    // Numeric, not lexical, order: 9 ends before 10 starts; 100 and 20 overlap.
    expect(peakConcurrency([timed(10, 5), timed(4, 5), timed(100, 50), timed(20, 90)])).toBe(2);
  });

  it('severityForCost: error from 100 ms, warning from 10 ms, info below', () => {
    expect(severityForCost(100)).toBe('error');
    expect(severityForCost(99.99)).toBe('warning');
    expect(severityForCost(10)).toBe('warning');
    expect(severityForCost(9.99)).toBe('info');
    expect(severityForCost(0)).toBe('info');
  });

  it('finding rounds both costs to 0.1 ms and keeps the rest', () => {
    const parts = {
      code: 'connection-churn' as const,
      severity: 'warning' as const,
      summary: 's',
      costMs: 12.345,
      costPerCallMs: 6.1725,
      costBasis: 'b',
      fix: 'f',
      evidence: evidence([], {}, {}),
    };
    expect(finding(parts)).toEqual({ ...parts, costMs: 12.3, costPerCallMs: 6.2 });
  });
});
