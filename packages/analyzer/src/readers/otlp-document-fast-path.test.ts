import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyze } from '../analyze.js';
import { syntheticOtlpDocument, syntheticTraceSpans } from '../testing/synthetic-otlp.js';
import type { AnalysisResult, WireSpan } from '../types.js';
import { setFileChunkBytes } from './open-input.js';
import { readSpans } from './read-spans.js';

const ROOT = fileURLToPath(new URL('../../../../test/fixtures/', import.meta.url));

/** The same input through the WireSpan path (parse, normalize, `recordOfWire`): a plain iterable. */
async function* viaWireSpans(spans: AsyncIterable<WireSpan>): AsyncGenerator<WireSpan> {
  yield* spans;
}

const stream = (text: string): Readable => Readable.from([Buffer.from(text)], { objectMode: false });

async function both(text: string, name = 'in.json'): Promise<[AnalysisResult, AnalysisResult]> {
  const fast = await analyze(readSpans({ stream: stream(text), name }));
  const slow = await analyze(viaWireSpans(readSpans({ stream: stream(text), name })));
  return [fast, slow];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('analyze(readSpans(…)) reads the OTLP spans of whole JSON documents from their bytes', () => {
  const files = [
    ...readdirSync(ROOT)
      .filter((f) => f.endsWith('.otlp.json'))
      .map((f) => ROOT + f),
    ...readdirSync(`${ROOT}standard`)
      .filter((f) => f.endsWith('.otlp.json'))
      .map((f) => `${ROOT}standard/${f}`),
    ...readdirSync(`${ROOT}formats`)
      .filter((f) => /\.(tempo|tempo-v2|jaeger-api-v3)\.json$/.test(f))
      .map((f) => `${ROOT}formats/${f}`),
  ];
  it('has recorded documents to compare (wirescope, standard instrumentations, Tempo, api_v3)', () => {
    expect(files.length).toBeGreaterThan(20);
  });
  for (const file of files) {
    it(`gives the WireSpan path's result for ${file.slice(ROOT.length)}`, async () => {
      const fast = await analyze(readSpans({ path: file }));
      const slow = await analyze(viaWireSpans(readSpans({ path: file })));
      expect(fast).toEqual(slow);
    });
  }

  it('takes the fast path: JSON.parse runs for the resource and scope records, not once per span', async () => {
    const text = [...syntheticOtlpDocument(3000)].join('');
    const parse = vi.spyOn(JSON, 'parse');
    const fast = await analyze(readSpans({ stream: stream(text), name: 'in.json' }));
    const fastParses = parse.mock.calls.length;
    parse.mockClear();
    const slow = await analyze(viaWireSpans(readSpans({ stream: stream(text), name: 'in.json' })));
    expect(fast.findings.length).toBeGreaterThan(0);
    expect(fast).toEqual(slow);
    expect(fast.stats.spans).toBeGreaterThanOrEqual(3000);
    // One resource and one scope record in this document; the WireSpan path parses every span.
    expect(fastParses).toBeLessThanOrEqual(2);
    expect(parse.mock.calls.length).toBeGreaterThanOrEqual(3000);
  });

  it('reads the same across chunk boundaries (17-byte chunks: every span split, some several times)', async () => {
    const text = [...syntheticOtlpDocument(400)].join('');
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/wirescope-doc-`);
    const file = `${dir}/doc.json`;
    writeFileSync(file, text);
    const previous = setFileChunkBytes(17);
    try {
      const fast = await analyze(readSpans({ path: file }));
      const slow = await analyze(viaWireSpans(readSpans({ path: file })));
      expect(fast.stats.spans).toBeGreaterThanOrEqual(400);
      expect(fast).toEqual(slow);
    } finally {
      setFileChunkBytes(previous);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads spans before their resource, odd spans among plain ones and two resources as the WireSpan path does', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const plain = [0, 1, 2, 3].flatMap((i) => syntheticTraceSpans(i, random)) as Array<
      Record<string, unknown>
    >;
    // Forms the byte scanner gives up on (base64 ids, numeric times, events, an array value kept by
    // the engine) and a pretty-printed span: each read the full way, in place.
    const odd = [
      { ...plain[0], traceId: 'AAECAwQFBgcICQoLDA0ODw==', spanId: 'AAECAwQFBgc=' },
      { ...plain[1], spanId: 'ffffffffffffff02', startTimeUnixNano: 1_760_000_000_000_000 },
      {
        ...plain[2],
        spanId: 'ffffffffffffff03',
        events: [{ name: 'wirescope.region.redirect', timeUnixNano: '1760000000100000000' }],
      },
    ];
    const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'svc-a' } }] };
    const doc = {
      resourceSpans: [
        // Resource last: the spans wait for it, parsed.
        { scopeSpans: [{ scope: { name: 's1' }, spans: plain.slice(0, 6) }], resource },
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc-b' } }] },
          scopeSpans: [
            { scope: { name: 's2' }, spans: [...plain.slice(6), ...odd] },
            { spans: plain.slice(3, 5).map((s, i) => ({ ...s, spanId: `ffffffffffffff1${i}` })) },
          ],
        },
      ],
    };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      const [fast, slow] = await both(text);
      // Every span read: the copies under other scopes count as another instrumentation's duplicates.
      expect(fast.stats.spans + fast.stats.duplicateSpans).toBe(plain.length + odd.length + 2);
      expect(fast).toEqual(slow);
    }
  });

  it('reports a bad span in a document at its line and column, as the WireSpan path does', async () => {
    const good = JSON.stringify(syntheticTraceSpans(0, () => 0.5)[0]);
    const text = `{"resourceSpans":[{"resource":{},"scopeSpans":[{"spans":[\n${good},\n{"traceId":"zz","spanId":1,"name":5,"kind":"SPAN_KIND_BOGUS","startTimeUnixNano":"1","endTimeUnixNano":"2"}\n]}]}]}`;
    const errorOf = async (run: () => Promise<unknown>) =>
      run().then(
        () => undefined,
        (error: unknown) => error,
      );
    const fast = await errorOf(() =>
      analyze(readSpans({ stream: stream(text), name: 'bad.json' }, { strict: true })),
    );
    const slow = await errorOf(() =>
      analyze(viaWireSpans(readSpans({ stream: stream(text), name: 'bad.json' }, { strict: true }))),
    );
    expect(fast).toBeInstanceOf(Error);
    expect(String(fast)).toMatch(/bad\.json, line 3, column 1: traceId "zz"/);
    expect(String(fast)).toBe(String(slow));
  });
});
