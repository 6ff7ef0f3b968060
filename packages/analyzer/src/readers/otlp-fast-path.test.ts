import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { syntheticOtlpLines } from '../testing/synthetic-otlp.js';
import type { AnalysisResult, WireSpan } from '../types.js';
import { readSpans } from './read-spans.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/', import.meta.url));

/** The same input through the WireSpan path: a plain async iterable is not a fresh readSpans iterator. */
async function* viaWireSpans(spans: AsyncIterable<WireSpan>): AsyncGenerator<WireSpan> {
  yield* spans;
}

function stream(text: string): Readable {
  return Readable.from([Buffer.from(text)], { objectMode: false });
}

async function both(text: () => string): Promise<[AnalysisResult, AnalysisResult]> {
  const fast = await analyze(readSpans({ stream: stream(text()), name: 'in.jsonl' }));
  const slow = await analyze(viaWireSpans(readSpans({ stream: stream(text()), name: 'in.jsonl' })));
  return [fast, slow];
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('analyze(readSpans(…)) fast path for OTLP JSON Lines', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.otlp.jsonl'));
  it('has recorded fixtures to compare', () => {
    expect(files.length).toBeGreaterThan(5);
  });
  for (const file of files) {
    it(`gives the WireSpan path's result for ${file}`, async () => {
      const fast = await analyze(readSpans({ path: FIXTURES + file }));
      const slow = await analyze(viaWireSpans(readSpans({ path: FIXTURES + file })));
      expect(fast).toEqual(slow);
    });
  }

  it("gives the WireSpan path's result for synthetic traces with findings", async () => {
    const [fast, slow] = await both(() => [...syntheticOtlpLines(3000)].join(''));
    expect(fast.findings.length).toBeGreaterThan(0);
    expect(fast).toEqual(slow);
  });

  it('keeps numbers, base64 ids, big times, events and odd values as the WireSpan path does', async () => {
    const span = (over: Record<string, unknown>) => ({
      traceId: 'AAECAwQFBgcICQoLDA0ODw==',
      spanId: 'AAECAwQFBgc=',
      name: 'S3.PutObject attempt',
      kind: 'SPAN_KIND_INTERNAL',
      startTimeUnixNano: 1_760_000_000_000_000,
      endTimeUnixNano: '1760000000123456789',
      attributes: [
        { key: 'wirescope.attempt', value: { intValue: '1' } },
        { key: 'server.port', value: { int_value: 443 } },
        { key: 'wirescope.ttfb_ms', value: { doubleValue: 'NaN' } },
        { key: 'other', value: { arrayValue: { values: [{ stringValue: 'x' }] } } },
        { key: 'wirescope.connection.reused', value: { stringValue: 'false' } },
      ],
      events: [{ name: 'wirescope.region.redirect', timeUnixNano: '1760000000100000000' }],
      status: { code: 'STATUS_CODE_ERROR' },
      ...over,
    });
    const line = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'host.name', value: { stringValue: 'h1' } }] },
          scopeSpans: [
            {
              spans: [
                span({}),
                span({ spanId: '0001020304050608', startTimeUnixNano: '99', endTimeUnixNano: '12' }),
                span({ spanId: '0001020304050609', endTimeUnixNano: '9999999999999999999' }),
              ],
            },
          ],
        },
      ],
    });
    const [fast, slow] = await both(() => `${line}\n${line.replace('"h1"', '"h2"')}\n`);
    expect(fast.stats.attempts).toBe(3);
    expect(fast).toEqual(slow);
  });

  it('fails on a bad line exactly as the reader does', async () => {
    const good = [...syntheticOtlpLines(20)].join('');
    for (const bad of [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0001020304050607"}]}]}]}\n',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"000102030405060708090a0b0c0d0e0f","spanId":"0001020304050607","startTimeUnixNano":"1","endTimeUnixNano":"x"}]}]}]}\n',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"000102030405060708090a0b0c0d0e0f","spanId":"0001020304050607","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":{}}]}]}]}\n',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"000102030405060708090a0b0c0d0e0f","spanId":"0001020304050607","startTimeUnixNano":"1","endTimeUnixNano":"2","kind":9}]}]}]}\n',
      '{"resourceSpans": 3}\n',
    ]) {
      const strict = { strict: true };
      const fast = await failure(() =>
        analyze(readSpans({ stream: stream(good + bad), name: 'in.jsonl' }, strict)),
      );
      const slow = await failure(() =>
        analyze(viaWireSpans(readSpans({ stream: stream(good + bad), name: 'in.jsonl' }, strict))),
      );
      expect(fast).toBeInstanceOf(Error);
      expect(String(fast)).toBe(String(slow));
      expect(fast).toEqual(slow);
      // Lenient (the default): the line is skipped on both paths with the same warning, the rest read.
      const lenientFast = await analyze(readSpans({ stream: stream(good + bad), name: 'in.jsonl' }));
      const skipped: string[] = [];
      const lenientSlow = await analyze(
        viaWireSpans(
          readSpans(
            { stream: stream(good + bad), name: 'in.jsonl' },
            { skipHook: (record) => skipped.push(record.message) },
          ),
        ),
      );
      expect(lenientFast.warnings).toContain(`${(fast as Error).message} (record skipped)`);
      expect(skipped).toEqual([(fast as Error).message]);
      expect(lenientFast.stats.skipped).toEqual({ notTraces: 0, badRecords: 1 });
      expect(lenientFast.stats.spans).toBe(lenientSlow.stats.spans);
      expect(lenientFast.findings).toEqual(lenientSlow.findings);
    }
  });

  it('keeps an exact time beyond 2^53 written as a JSON number', async () => {
    const line = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"000102030405060708090a0b0c0d0e0f","spanId":"0001020304050607","name":"S3.GetObject attempt","startTimeUnixNano":1760000000000000001,"endTimeUnixNano":1760000000050000003,"attributes":[{"key":"wirescope.attempt","value":{"intValue":1}}]}]}]}]}\n`;
    const [fast, slow] = await both(() => line);
    expect(fast.stats.attempts).toBe(1);
    expect(fast).toEqual(slow);
  });

  it('is not taken once spans were pulled from the iterator', async () => {
    const spans = readSpans({ stream: stream([...syntheticOtlpLines(50)].join('')), name: 'in.jsonl' });
    const first = await spans.next();
    expect(first.done).toBe(false);
    const result = await analyze(spans);
    const all = await analyze(readSpans({ stream: stream([...syntheticOtlpLines(50)].join('')), name: 'x' }));
    expect(result.stats.spans).toBe(all.stats.spans - 1);
  });
});
