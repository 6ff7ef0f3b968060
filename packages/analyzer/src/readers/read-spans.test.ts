import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { analyze } from '../analyze.js';
import { InputError } from '../input-error.js';
import type { AnalysisResult, WireSpan } from '../types.js';
import { setFileChunkBytes } from './open-input.js';
import { detectFormat, readSpans } from './read-spans.js';
import type { ReadSpansOptions } from './types.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const PARENT = 'eee19b7ec3c1b173';

async function read(
  text: string | Buffer,
  options?: ReadSpansOptions,
  chunkSize?: number,
): Promise<WireSpan[]> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const chunks: Buffer[] = [];
  const size = chunkSize ?? bytes.length;
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out: WireSpan[] = [];
  for await (const span of readSpans({ stream: Readable.from(chunks), name: 'in.json' }, options))
    out.push(span);
  return out;
}

/** The error of a strict reading (a lenient one skips bad records: see lenient-reading.test.ts). */
async function readError(text: string | Buffer, options?: ReadSpansOptions): Promise<InputError> {
  try {
    await read(text, { strict: true, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

/** Collector-style output: snake_case keys, base64 ids, enum names, int64 as strings and numbers. */
const COLLECTOR_STYLE = JSON.stringify({
  resource_spans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { string_value: 'orders' } }] },
      scope_spans: [
        {
          scope: { name: 'x' },
          spans: [
            {
              trace_id: Buffer.from(TRACE, 'hex').toString('base64'),
              span_id: Buffer.from(SPAN, 'hex').toString('base64'),
              parent_span_id: PARENT.toUpperCase(),
              name: 'S3.PutObject attempt',
              kind: 'SPAN_KIND_CLIENT',
              start_time_unix_nano: '1760000000123456789',
              end_time_unix_nano: 'END',
              attributes: [
                { key: 'wirescope.attempt', value: { int_value: '2' } },
                { key: 'big.string', value: { intValue: '9007199254740993' } },
                { key: 'big.number', value: { intValue: 'BIGNUM' } },
                { key: 'safe.number', value: { intValue: 42 } },
                { key: 'ratio', value: { double_value: 0.25 } },
                { key: 'reused', value: { bool_value: false } },
                {
                  key: 'tags',
                  value: { array_value: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } },
                },
                { key: 'map', value: { kvlist_value: { values: [{ key: 'k', value: { intValue: '1' } }] } } },
                { key: 'empty', value: {} },
              ],
              events: [{ time_unix_nano: 1760000000123456000, name: 'e', attributes: [] }],
              status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
            },
          ],
        },
      ],
    },
  ],
})
  // Unquoted integers beyond 2^53, as some producers write them.
  .replace('"END"', '1760000000200000001')
  .replace('"BIGNUM"', '9223372036854775807');

describe('readSpans: normalization', () => {
  it('accepts what the collector accepts: snake_case, base64 ids, enum names, int64 as string or number', async () => {
    const [span, ...rest] = await read(COLLECTOR_STYLE);
    expect(rest).toEqual([]);
    expect(span).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: PARENT,
      name: 'S3.PutObject attempt',
      kind: 'client',
      startTimeUnixNano: 1760000000123456789n,
      endTimeUnixNano: 1760000000200000001n,
      attributes: {
        'wirescope.attempt': 2,
        'big.string': 9007199254740993n,
        'big.number': 9223372036854775807n,
        'safe.number': 42,
        ratio: 0.25,
        reused: false,
        tags: ['a', 'b'],
        map: '{"k":1}',
      },
      events: [{ name: 'e', timeUnixNano: 1760000000123456000n, attributes: {} }],
      status: { code: 'error', message: 'boom' },
      resource: { 'service.name': 'orders' },
      scope: 'x',
      source: { file: 'in.json', line: 1 },
    });
  });

  it('reads the same from every chunking, down to one byte at a time, pretty-printed or not', async () => {
    const pretty = JSON.stringify(JSON.parse(COLLECTOR_STYLE.replace(/1760000000200000001/, '"1"')), null, 2);
    const whole = await read(pretty);
    expect(whole).toHaveLength(1);
    const spanLine = pretty.split('\n').findIndex((line) => line.includes('"trace_id"')); // 0-based line after the `{`
    expect(whole[0]!.source).toEqual({ file: 'in.json', line: spanLine });
    for (const size of [1, 2, 3, 7, 64]) expect(await read(pretty, {}, size)).toEqual(whole);
    const compact = await read(COLLECTOR_STYLE);
    for (const size of [1, 5, 33]) expect(await read(COLLECTOR_STYLE, {}, size)).toEqual(compact);
  });

  it('keeps strings with quotes, backslashes, braces and multi-byte characters intact across chunks', async () => {
    const tricky = 'a"b\\\\"}{][,\\u00e9 — 東京 \u{1F600}\\';
    const doc = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  name: tricky,
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                  attributes: [{ key: '}"', value: { stringValue: tricky } }],
                },
              ],
            },
          ],
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'late resource' } }] },
        },
      ],
      'weird "key\\': { nested: ['[', '{'] },
    };
    const text = JSON.stringify(doc);
    for (const size of [1, 2, 3, 4, 1000]) {
      const [span] = await read(text, { format: 'otlp-json' }, size);
      expect(span!.name).toBe(tricky);
      expect(span!.attributes['}"']).toBe(tricky);
      expect(span!.resource).toEqual({ 'service.name': 'late resource' }); // resource written after the spans
    }
  });

  it('reads a Jaeger /api/traces response with inline processes, 64-bit trace ids and FOLLOWS_FROM refs', async () => {
    const doc = {
      data: [
        {
          traceID: '69b633813fc60c',
          spans: [
            {
              traceID: '69b633813fc60c',
              spanID: 'c1b174',
              operationName: 'DynamoDB.GetItem',
              references: [
                { refType: 'FOLLOWS_FROM', traceID: '69b633813fc60c', spanID: 'aaaa' },
                { refType: 'CHILD_OF', traceID: '69b633813fc60c', spanID: 'c1b173' },
              ],
              startTime: 1760000000123456,
              duration: 1500,
              tags: [
                { key: 'span.kind', type: 'string', value: 'server' },
                { key: 'error', type: 'bool', value: true },
                { key: 'n', type: 'int64', value: '9007199254740993' },
                { key: 'm', type: 'int64', value: 'BIG' },
                { key: 'f', type: 'float64', value: 1.5 },
              ],
              logs: [
                { timestamp: 1760000000123457, fields: [{ key: 'event', type: 'string', value: 'retry' }] },
              ],
              process: { serviceName: 'api', tags: [{ key: 'host.name', type: 'string', value: 'h1' }] },
            },
          ],
        },
      ],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    };
    const text = JSON.stringify(doc).replace('"BIG"', '12345678901234567890');
    const [span] = await read(text);
    const [prettySpan] = await read(
      JSON.stringify(JSON.parse(text.replace('12345678901234567890', '"12345678901234567890"')), null, 1),
    );
    expect({ ...prettySpan, source: undefined }).toEqual({ ...span, source: undefined });
    expect(span).toMatchObject({
      traceId: '00000000000000000069b633813fc60c',
      spanId: '0000000000c1b174',
      parentSpanId: '0000000000c1b173',
      kind: 'server',
      startTimeUnixNano: 1760000000123456000n,
      endTimeUnixNano: 1760000000124956000n,
      attributes: { n: 9007199254740993n, m: 12345678901234567890n, f: 1.5 },
      status: { code: 'error' },
      resource: { 'service.name': 'api', 'host.name': 'h1' },
      events: [{ name: 'retry', timeUnixNano: 1760000000123457000n, attributes: {} }],
    });
  });

  it('reads gzip by its magic bytes, whatever the file is called, and drops a BOM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirescope-readers-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'spans.json'); // no .gz on purpose
    writeFileSync(
      file,
      gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(COLLECTOR_STYLE)])),
    );
    const spans: WireSpan[] = [];
    for await (const span of readSpans({ path: file })) spans.push(span);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.source).toEqual({ file, line: 1 });
    expect(await read(`\ufeff${COLLECTOR_STYLE}`, {}, 1)).toHaveLength(1);
  });

  it("reads stdin for the path '-'", () => {
    const module = fileURLToPath(new URL('./read-spans.ts', import.meta.url));
    const script = `import { readSpans } from ${JSON.stringify(module)};
      for await (const s of readSpans({ path: '-' })) console.log(s.source.file, s.spanId, String(s.endTimeUnixNano));`;
    const stdout = execFileSync(
      process.execPath,
      ['--conditions=@wirescope/source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        input: gzipSync(COLLECTOR_STYLE),
        encoding: 'utf8',
      },
    );
    expect(stdout.trim()).toBe(`- ${SPAN} 1760000000200000001`);
  });

  it('detects formats from the first bytes', () => {
    expect(detectFormat(`${COLLECTOR_STYLE}\n${COLLECTOR_STYLE}\n`)).toBe('otlp-jsonl');
    expect(detectFormat('{\n  "resourceSpans": [\n')).toBe('otlp-json');
    expect(detectFormat('\ufeff{"data":[{"traceID":"1"')).toBe('jaeger-json');
    expect(detectFormat('[1,2]')).toBeUndefined();
  });

  it('reads nothing from an empty input, and an empty request as no spans', async () => {
    expect(await read('')).toEqual([]);
    expect(await read(' \n\n')).toEqual([]);
    expect(await read('{"resourceSpans":[]}\n{"resourceSpans":null}\n')).toEqual([]);
  });
});

describe('readSpans: bad input', () => {
  it('names a missing file with WIRESCOPE_NO_FILE', async () => {
    const path = join(tmpdir(), 'wirescope-no-such-dir', 'spans.json');
    const iterator = readSpans({ path })[Symbol.asyncIterator]();
    const error = await iterator.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'WIRESCOPE_NO_FILE', file: path });
    expect((error as Error).message).toBe(`${path}: no such file`);
  });

  it('names a directory given as the file', async () => {
    const error = await readSpans({ path: tmpdir() })
      [Symbol.asyncIterator]()
      .next()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WIRESCOPE_NO_FILE', file: tmpdir(), problem: 'is a directory' });
  });

  it('reports truncated JSON as unexpected end of input with line and column', async () => {
    const pretty = JSON.stringify(JSON.parse(COLLECTOR_STYLE.replace(/1760000000200000001/, '"1"')), null, 2);
    const cut = pretty.slice(0, pretty.indexOf('"events"'));
    const error = await readError(cut);
    expect(error.problem).toBe('unexpected end of input');
    expect(error.line).toBe(cut.split('\n').length);
    expect(error.message).toMatch(/^in\.json, line \d+, column \d+: unexpected end of input$/);
    const lines = await readError(COLLECTOR_STYLE.slice(0, 100), { format: 'otlp-jsonl' });
    expect(lines).toMatchObject({ line: 1, column: 101, problem: 'unexpected end of input' });
  });

  it('reports a syntax error inside a span at its line and column', async () => {
    const text =
      '{\n  "resourceSpans": [{"scopeSpans": [{"spans": [\n    {"traceId": "x",, "spanId": "y"}\n  ]}]}]\n}';
    const error = await readError(text);
    expect(error).toMatchObject({ line: 3, column: 21, problem: "unexpected character ','" });
  });

  it('reports wrong shapes with the position of the value', async () => {
    expect(await readError('{"resourceSpans": {"scopeSpans": []}}')).toMatchObject({
      line: 1,
      column: 19,
      problem: 'expected resourceSpans to be an array, found an object',
    });
    // A top-level list is Zipkin's: its elements are spans.
    expect(await readError('[{"resourceSpans": []}]')).toMatchObject({
      line: 1,
      column: 2,
      problem: 'traceId is missing or not a string',
    });
    expect((await readError('{"resourceSpans": [{"scopeSpans": [{"spans": [1]}]}]}')).problem).toBe(
      'expected each span to be an object, found a number',
    );
    expect(await readError('\n  {"hello": "world", "n": {"resourceSpans": []}}')).toMatchObject({
      line: 2,
      column: 3,
      problem: expect.stringMatching(
        /^not a trace format wirescope reads: an object with keys "hello", "n"; accepted: OTLP JSON/,
      ),
    });
    const badId = await readError(
      '{\n"resourceSpans":[{"scopeSpans":[{"spans":[\n{"traceId":"zz","spanId":"y"}]}]}]}',
    );
    expect(badId).toMatchObject({ line: 3, column: 1 });
    expect(badId.problem).toMatch(/^traceId "zz" is neither 32 hex digits nor base64 of 16 bytes$/);
  });

  it('fails on the first bad JSON Lines line, naming the line and column', async () => {
    const good = COLLECTOR_STYLE;
    const error = await readError(`${good}\n${good}\n{"resourceSpans": [}\n${good}\n`);
    expect(error).toMatchObject({
      file: 'in.json',
      line: 3,
      column: 20,
      problem: "unexpected character '}'",
    });
    const shape = await readError(`${good}\n{"resourceSpans": [{"scopeSpans": 5}]}\n`);
    expect(shape).toMatchObject({
      line: 2,
      column: 35,
      offset: good.length + 1 + 34,
      problem: 'expected scopeSpans to be an array, found a number',
    });
    const badSpan = await readError(
      `${good}\n${good.replace('"S3.PutObject attempt"', '7').replace(/"kind":"[A-Z_]+"/, '"kind":"SPAN_KIND_NOPE"')}\n`,
    );
    expect(badSpan).toMatchObject({ line: 2, problem: 'unknown span kind "SPAN_KIND_NOPE"' });
  });

  it('reports invalid UTF-8 with its byte offset, also when split across chunks', async () => {
    const text = Buffer.concat([
      Buffer.from('{"resourceSpans": [], "x": "ab'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    for (const size of [1, 2, 1000]) {
      const error = await read(text, {}, size).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ offset: 30, problem: 'invalid UTF-8 (byte 0xc3)' });
    }
    const bomAndCut = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"a":"é'),
      Buffer.from([0xe6, 0x9d]),
    ]);
    expect(await read(bomAndCut).catch((e: unknown) => e)).toMatchObject({ offset: 11 });
  });

  it('reports a corrupt gzip stream as bad input', async () => {
    const gz = gzipSync(Buffer.from(COLLECTOR_STYLE));
    const error = await readError(gz.subarray(0, gz.length - 12));
    expect(error.problem).toMatch(/^gzip: /);
  });
});

describe('readSpans: files read through one reused buffer', () => {
  const fixtures = fileURLToPath(new URL('../../../../test/fixtures/', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-chunks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Every span of a file, read in chunks of `size` bytes (the buffer is used again for each chunk). */
  async function readFileIn(path: string, size: number): Promise<WireSpan[]> {
    const previous = setFileChunkBytes(size);
    try {
      const out: WireSpan[] = [];
      for await (const span of readSpans({ path })) out.push(span);
      return out;
    } finally {
      setFileChunkBytes(previous);
    }
  }

  /** The analysis of a file read in chunks of `size` bytes (the fast path for JSON Lines). */
  async function analyzeFileIn(path: string, size: number): Promise<AnalysisResult> {
    const previous = setFileChunkBytes(size);
    try {
      return await analyze(readSpans({ path }));
    } finally {
      setFileChunkBytes(previous);
    }
  }

  it('reads every format, gzipped or not, the same at any chunk size', async () => {
    const jsonl = readFileSync(join(fixtures, 'connection-churn.otlp.jsonl'));
    const gz = join(dir, 'churn.otlp.jsonl.gz');
    writeFileSync(gz, gzipSync(jsonl));
    const tricky = join(dir, 'tricky.json');
    writeFileSync(tricky, JSON.stringify(JSON.parse(COLLECTOR_STYLE), null, 2));
    const files = [
      join(fixtures, 'connection-churn.otlp.jsonl'),
      join(fixtures, 'connection-churn.otlp.json'),
      join(fixtures, 'connection-churn.jaeger.json'),
      gz,
      tricky,
    ];
    for (const file of files) {
      const whole = await readFileIn(file, 1 << 20);
      expect(whole.length).toBeGreaterThan(0);
      for (const size of [1, 3, 64, 4096]) expect(await readFileIn(file, size)).toEqual(whole);
    }
  });

  it('gives each of two analyses reading at once its own records', async () => {
    // Streams of small chunks: the two readers' batches interleave at every await.
    const chunked = (file: string) => {
      const bytes = readFileSync(join(fixtures, file));
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 2048) chunks.push(bytes.subarray(i, i + 2048));
      return readSpans({ stream: Readable.from(chunks), name: file });
    };
    const files = ['stale-connection-reset.otlp.jsonl', 'connection-churn.otlp.jsonl'];
    const alone = [await analyze(chunked(files[0] as string)), await analyze(chunked(files[1] as string))];
    const together = await Promise.all(files.map((file) => analyze(chunked(file))));
    expect(together).toEqual(alone);
  });

  it('gives the same analysis at any chunk size on the JSON Lines fast path', async () => {
    const file = join(fixtures, 'stale-connection-reset.otlp.jsonl');
    const whole = await analyzeFileIn(file, 1 << 20);
    expect(whole.findings.length).toBeGreaterThan(0);
    for (const size of [1, 7, 256, 4096]) expect(await analyzeFileIn(file, size)).toEqual(whole);
  });
});
