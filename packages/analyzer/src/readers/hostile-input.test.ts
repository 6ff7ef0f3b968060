import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../input-error.js';
import type { WireSpan } from '../types.js';
import { MAX_RECORD_BYTES, MAX_VALUE_DEPTH, MAX_VALUE_TEXT } from './input-limits.js';
import { readSpans } from './read-spans.js';
import type { TraceFormat } from './types.js';

// Issue 15: files nobody here wrote. Each test writes its hostile file itself and holds the read to a
// time and a memory bound; the figures are printed (`npx vitest run … --reporter verbose` shows them).

const dir = mkdtempSync(join(tmpdir(), 'wirescope-hostile-'));
/** An OTLP protobuf request the JS exporter wrote (test/fixtures/formats). */
const PROTOBUF = readFileSync(
  new URL('../../../../test/fixtures/formats/wirescope-connection-churn.otlp.pb', import.meta.url),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPAN_HEAD =
  '{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"S3.GetObject",' +
  '"kind":3,"startTimeUnixNano":"1760000000000000000","endTimeUnixNano":"1760000000100000000"';

/** One span whose attribute `deep` nests `arrayValue` (or `kvlistValue`) `levels` deep, as text. */
function deepSpan(levels: number, kind: 'array' | 'kvlist' = 'array'): string {
  const open =
    kind === 'array' ? '{"arrayValue":{"values":[' : '{"kvlistValue":{"values":[{"key":"k","value":';
  const close = kind === 'array' ? ']}}' : '}]}}';
  const value = `${open.repeat(levels)}{"stringValue":"leaf"}${close.repeat(levels)}`;
  return `${SPAN_HEAD},"attributes":[{"key":"deep","value":${value}}]}`;
}

function request(span: string): string {
  return `{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[${span}]}]}]}`;
}

/** A pretty-printed document (two lines before the span), so positions are not all on line 1. */
function documentOf(span: string): string {
  return `{\n"resourceSpans":[{"resource":{"attributes":[]},\n"scopeSpans":[{"spans":[${span}]}]}]}\n`;
}

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Measured<T> {
  result: T;
  ms: number;
  /** Growth of the process's peak resident memory during the read, in MB (0 when it stayed under). */
  peakGrowthMb: number;
}

async function measured<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  const peakBefore = process.resourceUsage().maxRSS;
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  const peakGrowthMb = (process.resourceUsage().maxRSS - peakBefore) / 1024;
  return { result, ms, peakGrowthMb };
}

/** Read strictly: these tests pin the error a bad record ends a strict reading with. */
async function readAll(path: string, format?: TraceFormat): Promise<WireSpan[]> {
  const out: WireSpan[] = [];
  for await (const span of readSpans({ path }, { format, strict: true })) out.push(span);
  return out;
}

async function readError(path: string, format?: TraceFormat): Promise<InputError> {
  try {
    await readAll(path, format);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

function report(what: string, m: Measured<unknown>, bytes: number): void {
  console.log(
    `${what}: ${(bytes / 1024).toFixed(1)} KiB in ${m.ms.toFixed(0)} ms, peak RSS +${m.peakGrowthMb.toFixed(0)} MB`,
  );
}

describe('attribute values nested deep (issue 15)', () => {
  it('reads 100 levels of arrayValue as one bounded text, linear in the input', async () => {
    for (const [name, text] of [
      ['deep-100.otlp.jsonl', `${request(deepSpan(100))}\n`],
      ['deep-100.otlp.json', documentOf(deepSpan(100))],
    ] as const) {
      const path = file(name, text);
      const m = await measured(() => readAll(path));
      report(name, m, text.length);
      const value = m.result[0]!.attributes['deep'];
      expect(typeof value).toBe('string');
      // Written once: 100 brackets each side of the leaf, no backslash (no level re-escaped).
      expect(value).toBe(`${'['.repeat(100)}"leaf"${']'.repeat(100)}`);
      expect(m.ms).toBeLessThan(2_000);
      expect(m.peakGrowthMb).toBeLessThan(100);
    }
  });

  it('cuts the text of a wide value at MAX_VALUE_TEXT characters', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => `{"intValue":${i}},{"stringValue":"s${i}"}`);
    const span = `${SPAN_HEAD},"attributes":[{"key":"wide","value":{"arrayValue":{"values":[${items.join(',')}]}}}]}`;
    const [read] = await readAll(file('wide.otlp.jsonl', `${request(span)}\n`));
    const value = read!.attributes['wide'] as string;
    expect(value.length).toBe(MAX_VALUE_TEXT + 1);
    expect(value.startsWith('[0,"s0",1,"s1"')).toBe(true);
    expect(value.endsWith('…')).toBe(true);
  });

  it('stops 3,000 levels (arrays, maps, Jaeger tags) with an InputError naming file and position', async () => {
    const cases: Array<[string, string]> = [
      ['deep-3000.otlp.jsonl', `${request(deepSpan(10))}\n${request(deepSpan(3_000))}\n`],
      ['deep-3000.otlp.json', documentOf(deepSpan(3_000))],
      ['deep-3000-kvlist.otlp.json', documentOf(deepSpan(3_000, 'kvlist'))],
      [
        'deep-3000.jaeger.json',
        `{"data":[{"traceID":"5b8efff798038103d269b633813fc60c","spans":[\n{"traceID":"5b8efff798038103d269b633813fc60c","spanID":"eee19b7ec3c1b174","operationName":"x","startTime":1,"duration":1,"tags":[{"key":"deep","type":"string","value":${'['.repeat(3_000)}1${']'.repeat(3_000)}}]}]}]}\n`,
      ],
    ];
    for (const [name, text] of cases) {
      const path = file(name, text);
      const m = await measured(() => readError(path));
      report(name, m, text.length);
      const error = m.result;
      expect(error.file).toBe(path);
      expect(error.problem).toMatch(new RegExp(`"deep" nests deeper than ${MAX_VALUE_DEPTH} levels`));
      expect(error.line).toBe(name.endsWith('.jsonl') ? 2 : name.includes('jaeger') ? 2 : 3);
      expect(error.offset).toBeTypeOf('number');
      expect(error.message).not.toMatch(/call stack|string length|longer than/);
      expect(m.ms).toBeLessThan(2_000);
      expect(m.peakGrowthMb).toBeLessThan(100);
    }
  });

  it('reads 100,000 levels of nesting under a key nobody reads without touching the stack', async () => {
    const span = `${SPAN_HEAD},"extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const [name, text] of [
      ['ignored-deep.otlp.jsonl', `${request(span)}\n`],
      ['ignored-deep.otlp.json', documentOf(span)],
    ] as const) {
      const spans = await readAll(file(name, text));
      expect(spans).toHaveLength(1);
    }
  });
});

/** Writes `prefix`, then `fill` bytes of `x`, then `suffix`, in 1 MiB pieces (never one big string). */
function hugeFile(name: string, prefix: string, fill: number, suffix: string): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, prefix);
    const piece = Buffer.alloc(1 << 20, 'x');
    for (let left = fill; left > 0; left -= piece.length)
      writeSync(fd, piece, 0, Math.min(left, piece.length));
    writeSync(fd, suffix);
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('a record over the size limit (issue 15)', () => {
  const over = MAX_RECORD_BYTES + (1 << 20);

  it('stops a JSON Lines line over MAX_RECORD_BYTES at its line, before it becomes a string', async () => {
    const path = hugeFile(
      'huge-line.otlp.jsonl',
      `${request(deepSpan(1))}\n${request(`${SPAN_HEAD},"name":"`)}`,
      over,
      '"}]}]}]}\n',
    );
    for (const format of [undefined, 'otlp-jsonl'] as const) {
      const m = await measured(() => readError(path, format));
      report(`huge line (${format ?? 'auto'})`, m, over);
      expect(m.result.file).toBe(path);
      expect(m.result.line).toBe(2);
      expect(m.result.offset).toBe(request(deepSpan(1)).length + 1);
      expect(m.result.problem).toMatch(/longer than 64 MiB, the limit of one record/);
      expect(m.ms).toBeLessThan(5_000);
      // The line is held up to the limit, no further (no string, no concatenation of it).
      expect(m.peakGrowthMb).toBeLessThan(2 * (MAX_RECORD_BYTES >> 20) + 64);
    }
  });

  it('stops a span of a document over MAX_RECORD_BYTES at the span, and a key likewise', async () => {
    const head = `{\n"resourceSpans":[{"scopeSpans":[{"spans":[\n  {"name":"`;
    const span = hugeFile('huge-span.otlp.json', head, over, '"}]}]}]}\n');
    const m = await measured(() => readError(span, 'otlp-json'));
    report('huge span', m, over);
    expect(m.result).toMatchObject({ file: span, line: 3, column: 3, offset: head.indexOf('  {') + 2 });
    expect(m.result.problem).toMatch(/a span larger than 64 MiB/);
    expect(m.ms).toBeLessThan(5_000);
    expect(m.peakGrowthMb).toBeLessThan(2 * (MAX_RECORD_BYTES >> 20) + 64);

    const key = hugeFile('huge-key.otlp.json', '{"', over, '":1}\n');
    const keyError = await readError(key, 'otlp-json');
    expect(keyError).toMatchObject({ file: key, line: 1, column: 2, offset: 1 });
    expect(keyError.problem).toMatch(/an object key larger than 64 MiB/);
  });
});

/** File descriptors of this process open on `path` (Linux: /proc/self/fd). */
function openHandlesOn(path: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) count++;
    } catch {
      // closed between the listing and the look
    }
  }
  return count;
}

describe.runIf(process.platform === 'linux')('file handles (issue 15)', () => {
  const lines = Array.from({ length: 50 }, () => request(deepSpan(1))).join('\n');
  const cases: Array<[string, string | Buffer, 'break' | 'error']> = [
    ['early break, JSON Lines', `${lines}\n`, 'break'],
    ['early break, document', documentOf(Array.from({ length: 50 }, () => deepSpan(1)).join(',')), 'break'],
    ['early break, gzip', gzipSync(`${lines}\n`), 'break'],
    ['bad UTF-8', Buffer.concat([Buffer.from(`${lines}\n`), Buffer.from([0xff, 0x0a])]), 'error'],
    ['syntax error in the first line of a document', '{"resourceSpans": [}\n', 'error'],
    ['wrong shape', '{"resourceSpans": 5}\n', 'error'],
    ['deep value', `${request(deepSpan(3_000))}\n`, 'error'],
    ['truncated gzip', gzipSync(`${lines}\n`).subarray(0, 200), 'error'],
    ['early break, protobuf', PROTOBUF, 'break'],
    ['truncated protobuf', PROTOBUF.subarray(0, PROTOBUF.length - 10), 'error'],
  ];
  for (const [what, text, how] of cases) {
    it(`closes the file after ${what}`, async () => {
      const path = file(`handles-${what.replace(/\W+/g, '-')}`, text);
      const before = openHandlesOn(path);
      for (let i = 0; i < 20; i++) {
        if (how === 'break') {
          for await (const _ of readSpans({ path })) break;
        } else {
          await expect(readAll(path)).rejects.toBeInstanceOf(InputError);
        }
      }
      expect(openHandlesOn(path)).toBe(before);
      expect(before).toBe(0);
    });
  }
});
