// Issue 12: lenient reading by default (other signals and bad records skipped, with positions), strict
// on request; an unknown top-level object refused where it opens.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { InputError } from '../input-error.js';
import type { WireSpan } from '../types.js';
import { readSpans } from './read-spans.js';
import type { ReadSpansOptions, SkippedRecord } from './types.js';

const TRACE = '000102030405060708090a0b0c0d0e0f';

function line(spanId: string, extra = ''): string {
  return `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"orders"}}]},"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${spanId}","name":"GET","kind":3,"startTimeUnixNano":"1","endTimeUnixNano":"2"${extra}}]}]}]}`;
}

/** Mixed signals, bad records in the middle and a truncated last line (no newline). */
const MIXED = [
  line('00000000000000a1'),
  '{"resourceMetrics":[{"resource":{},"scopeMetrics":[]}]}',
  '{"resourceSpans": [}',
  '{"resourceLogs":[{"resource":{},"scopeLogs":[]}]}',
  line('00000000000000a2', ',"kind":9').replace('"kind":3,', ''),
  line('zz'),
  line('00000000000000a3'),
  '{"resourceSpans":[{"scopeSp',
].join('\n');

async function read(text: string, options?: ReadSpansOptions): Promise<WireSpan[]> {
  const out: WireSpan[] = [];
  for await (const span of readSpans(
    { stream: Readable.from([Buffer.from(text)]), name: 'mixed.jsonl' },
    options,
  ))
    out.push(span);
  return out;
}

describe('lenient reading (the default)', () => {
  it('skips other signals and bad records of JSON Lines, naming each bad one by line and column', async () => {
    const skipped: SkippedRecord[] = [];
    const spans = await read(MIXED, { skipHook: (record) => skipped.push(record) });
    expect(spans.map((s) => s.spanId)).toEqual(['00000000000000a1', '00000000000000a3']);
    expect(spans.map((s) => s.source?.line)).toEqual([1, 7]);
    expect(skipped.map(({ reason, line, column, problem }) => ({ reason, line, column, problem }))).toEqual([
      { reason: 'not-traces', line: 2, column: 1, problem: 'a metrics record (resourceMetrics), not traces' },
      { reason: 'bad-record', line: 3, column: 20, problem: "unexpected character '}'" },
      { reason: 'not-traces', line: 4, column: 1, problem: 'a logs record (resourceLogs), not traces' },
      { reason: 'bad-record', line: 5, column: 128, problem: 'unknown span kind 9' },
      {
        reason: 'bad-record',
        line: 6,
        column: 128,
        problem: expect.stringMatching(/^spanId "zz" is neither 16 hex digits/),
      },
      { reason: 'bad-record', line: 8, column: 28, problem: 'unexpected end of input' },
    ]);
    expect(skipped[1]!.message).toBe("mixed.jsonl, line 3, column 20: unexpected character '}'");
  });

  it('reports what it skipped in the analysis, the same on the fast path and span by span', async () => {
    const fast = await analyze(
      readSpans({ stream: Readable.from([Buffer.from(MIXED)]), name: 'mixed.jsonl' }),
    );
    expect(fast.stats.spans).toBe(2);
    expect(fast.stats.skipped).toEqual({ notTraces: 2, badRecords: 4 });
    expect(fast.warnings).toEqual([
      "mixed.jsonl, line 3, column 20: unexpected character '}' (record skipped)",
      'mixed.jsonl, line 5, column 128: unknown span kind 9 (record skipped)',
      expect.stringMatching(
        /^mixed\.jsonl, line 6, column 128: spanId "zz" is neither .* \(record skipped\)$/,
      ),
      'mixed.jsonl, line 8, column 28: unexpected end of input (record skipped)',
      'mixed.jsonl: 2 records of metrics, logs or profiles, not traces (skipped)',
    ]);
    const whole = await analyze(await read(MIXED));
    expect(whole.stats.spans).toBe(2);
    expect(whole.stats.skipped).toBeUndefined(); // plain spans carry no skips: the hook does
    expect((await analyze(await read(line('00000000000000a1')))).stats.skipped).toBeUndefined();
  });

  it('skips a bad span of a whole document and a metrics document, not the rest', async () => {
    const doc = `{"resourceSpans":[{"scopeSpans":[{"spans":[
{"traceId":"${TRACE}","spanId":"00000000000000b1","startTimeUnixNano":"1","endTimeUnixNano":"2"},
{"traceId":"${TRACE}","spanId":"00000000000000b2","kind":"SPAN_KIND_NOPE","startTimeUnixNano":"1","endTimeUnixNano":"2"},
{"traceId":"${TRACE}","spanId":"00000000000000b3","startTimeUnixNano":"1","endTimeUnixNano":"2"}
]}]}]}
{"resourceMetrics": [
]}`;
    const skipped: SkippedRecord[] = [];
    const spans = await read(doc, { skipHook: (record) => skipped.push(record) });
    expect(spans.map((s) => s.spanId)).toEqual(['00000000000000b1', '00000000000000b3']);
    expect(skipped.map(({ reason, line, column }) => ({ reason, line, column }))).toEqual([
      { reason: 'bad-record', line: 3, column: 1 },
      { reason: 'not-traces', line: 6, column: 1 },
    ]);
    expect(skipped[0]!.problem).toBe('unknown span kind "SPAN_KIND_NOPE"');
  });
});

describe('strict reading', () => {
  it('ends with the error of the first record a lenient reading would skip', async () => {
    const error = await read(MIXED, { strict: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'WIRESCOPE_NOT_TRACES', line: 2, column: 1 });
    const bad = await read(
      MIXED.split('\n')
        .filter((_, i) => i !== 1 && i !== 3)
        .join('\n'),
      { strict: true },
    ).catch((e: unknown) => e);
    expect(bad).toMatchObject({
      code: 'WIRESCOPE_BAD_INPUT',
      line: 2,
      column: 20,
      problem: "unexpected character '}'",
    });
  });
});

describe('an unknown top-level object', () => {
  it('is refused where it opens, naming its keys and the formats accepted', async () => {
    const text = `\n\n   {"traces": [\n${'{"a": 1},\n'.repeat(100)}{"a": 1}], "count": 101}\n`;
    const error = (await read(text).catch((e: unknown) => e)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ line: 3, column: 4, offset: 5 });
    expect(error.problem).toBe(
      'not a trace format wirescope reads: an object with keys "traces", "count"; accepted: OTLP JSON {resourceSpans}, Tempo {batches}, Jaeger api_v3 {result: {resourceSpans}}, Jaeger {data} or one Jaeger trace {traceID, spans, processes}, Zipkin v2 [spans]',
    );
    // A line of JSON Lines: a bad record, skipped with that warning (strict: the error).
    const skipped: SkippedRecord[] = [];
    expect(
      await read(`${line('00000000000000c1')}\n{"x": {"resourceSpans": []}}\n`, {
        skipHook: (record) => skipped.push(record),
      }),
    ).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ reason: 'bad-record', line: 2, column: 1 });
    expect(skipped[0]!.problem).toMatch(
      /^not a trace format wirescope reads: an object with keys "x"; accepted:/,
    );
    const lines = (await read('{"x": {"resourceSpans": []}}\n', { strict: true }).catch(
      (e: unknown) => e,
    )) as InputError;
    expect(lines).toMatchObject({ line: 1, column: 1, problem: skipped[0]!.problem });
    const wrap = (await read('{"result": {"spans": []}}', { strict: true }).catch(
      (e: unknown) => e,
    )) as InputError;
    expect(wrap).toMatchObject({
      line: 1,
      column: 12,
      problem: 'this object (keys "spans") has no resourceSpans',
    });
  });
});
