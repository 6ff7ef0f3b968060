import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { formatHtml } from '../reports/format-html.js';
import { formatJson } from '../reports/format-json.js';
import { call, newTraceId } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { MAX_WATERFALL_ATTEMPTS, MAX_WATERFALL_OPERATIONS } from './waterfall.js';

/** One trace of `count` calls, each with one attempt, 1 ms apart. */
function bigTrace(count: number): WireSpan[] {
  const traceId = newTraceId();
  const spans: WireSpan[] = [];
  // Last first: the waterfall must still show the first calls in start order.
  for (let i = count - 1; i >= 0; i--)
    spans.push(...call({ traceId, startMs: i, attempts: [{ durationMs: 1 }] }));
  return spans;
}

describe('waterfall caps (issue 15)', () => {
  it('shows the first 200 operations of a trace and counts the rest: the report does not grow with the trace', async () => {
    const sizes: number[] = [];
    for (const count of [MAX_WATERFALL_OPERATIONS, 20_000]) {
      const started = performance.now();
      const result = await analyze(bigTrace(count));
      const [trace] = result.waterfalls;
      expect(trace?.operations).toHaveLength(MAX_WATERFALL_OPERATIONS);
      expect(trace?.operations.map((op) => op.startMs).slice(0, 3)).toEqual([0, 1, 2]);
      expect(trace?.operationsOmitted).toBe(count === MAX_WATERFALL_OPERATIONS ? undefined : count - 200);
      const json = formatJson(result);
      const html = formatHtml(result);
      sizes.push(json.length);
      if (count > MAX_WATERFALL_OPERATIONS) {
        expect(json).toContain(`"operationsOmitted": ${count - 200}`);
        expect(html).toContain('… and 19,800 more operations of this trace');
      }
      console.log(
        `${count} operations in one trace: JSON ${(json.length / 1024).toFixed(0)} KiB, HTML ${(html.length / 1024).toFixed(0)} KiB, ${(performance.now() - started).toFixed(0)} ms`,
      );
    }
    // 100 times the operations, (almost) the same report: only the counts differ.
    expect(sizes[1]! / sizes[0]!).toBeLessThan(1.1);
  });

  it('takes maxWaterfallOperations, and caps attempts per operation at 50', async () => {
    const few = await analyze(bigTrace(10), { maxWaterfallOperations: 3 });
    expect(few.waterfalls[0]?.operations).toHaveLength(3);
    expect(few.waterfalls[0]?.operationsOmitted).toBe(7);

    const retries = Array.from({ length: 80 }, () => ({ durationMs: 1, reused: false }));
    const result = await analyze(call({ startMs: 0, attempts: retries }));
    const op = result.waterfalls[0]?.operations[0];
    expect(op?.attempts).toHaveLength(MAX_WATERFALL_ATTEMPTS);
    expect(op?.attemptsOmitted).toBe(30);
    expect(formatHtml(result)).toContain('… and 30 more attempts of this operation');
  });
});
