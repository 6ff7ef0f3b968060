import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recordOfWire, type SpanRecord } from '../../span-record/record.js';
import { plainRecord } from '../../testing/plain-record.js';
import { syntheticOtlpLines } from '../../testing/synthetic-otlp.js';
import type { WireSpan } from '../../types.js';
import { lineToWire } from '../lines-reader.js';
import { RecordPool } from './record-pool.js';
import { scanOtlpLine } from './scan-line.js';

const FIXTURES = fileURLToPath(new URL('../../../../../test/fixtures/', import.meta.url));

const plain = plainRecord;

/** The scanner's records of one line, or false when it gives the line up. */
function scanned(line: string): ReturnType<typeof plain>[] | false {
  const bytes = Buffer.from(`${line}\n`);
  const out: SpanRecord[] = [];
  const taken = scanOtlpLine(bytes, 0, bytes.length - 1, out, new RecordPool());
  if (!taken) expect(out).toHaveLength(0);
  return taken && out.map(plain);
}

/** The records of the full reader for one line (throws what it throws). */
function parsed(line: string): ReturnType<typeof plain>[] {
  const wire: WireSpan[] = [];
  lineToWire(JSON.parse(line), { file: 'in.jsonl', line: 1 }, 'otlp', wire);
  return wire.map((span) => plain(recordOfWire(span)));
}

function parsesAsJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

const SPAN = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  parentSpanId: 'eee19b7ec3c1b173',
  name: 'S3.PutObject attempt',
  kind: 1,
  startTimeUnixNano: '1760000000000000000',
  endTimeUnixNano: '1760000000054063756',
  attributes: [
    { key: 'wirescope.attempt', value: { intValue: 2 } },
    { key: 'wirescope.connection.reused', value: { boolValue: false } },
    { key: 'server.address', value: { stringValue: 'b.s3.us-west-2.amazonaws.com' } },
    { key: 'server.port', value: { intValue: '443' } },
    { key: 'wirescope.ttfb_ms', value: { doubleValue: 79.59 } },
    { key: 'aws.request_id', value: { stringValue: 'X1' } },
  ],
  droppedAttributesCount: 0,
  events: [],
  status: { code: 2, message: 'read ECONNRESET' },
  links: [],
  flags: 257,
};

function line(
  span: object = SPAN,
  resource: object = { attributes: [{ key: 'host.name', value: { stringValue: 'h1' } }] },
): string {
  return JSON.stringify({
    resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 's' }, spans: [span] }] }],
  });
}

describe('scanOtlpLine', () => {
  it('reads what exporters write exactly as the full reader does: fixtures and synthetic traces', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.otlp.jsonl'));
    const lines = files.flatMap((f) =>
      readFileSync(FIXTURES + f, 'utf8')
        .split('\n')
        .filter(Boolean),
    );
    lines.push(...[...syntheticOtlpLines(200)].map((l) => l.trimEnd()));
    let taken = 0;
    for (const text of lines) {
      const fast = scanned(text);
      if (fast === false) continue;
      taken++;
      expect(fast).toEqual(parsed(text));
    }
    // The fast path is the common path: a scanner that gave every line up would pass the line above.
    expect(taken).toBeGreaterThan(lines.length * 0.9);
  });

  it('takes the forms the collector accepts and reads them the same', () => {
    const { attributes, ...rest } = SPAN;
    const variants = [
      line(),
      JSON.stringify(JSON.parse(line()), null, 2).replace(/\n/g, ' \t\r '), // whitespace everywhere, one line
      line({ ...rest, attributes: [...attributes].reverse() }),
      line({ ...SPAN, name: 'a"b\\c\u00e9 \u6771\u4eac \u{1F600}' }),
      line({ ...SPAN, traceId: SPAN.traceId.toUpperCase(), parentSpanId: '0000000000000000' }),
      line({ ...SPAN, parentSpanId: '' }),
      line({ ...SPAN, attributes: [{ value: { stringValue: 'GET' }, key: 'http.request.method' }] }),
      line({ ...SPAN, attributes: [{ key: 'server.port', value: { intValue: -7 } }] }),
      line({ ...SPAN, attributes: [{ key: 'wirescope.ttfb_ms', value: { doubleValue: -1.5e-3 } }] }),
      line({ ...SPAN, attributes: null, events: null, status: null }),
      // Values the engine does not keep are skipped whatever their kind (OTel's dns.answers is an array).
      line({
        ...SPAN,
        attributes: [
          ...attributes,
          { key: 'dns.answers', value: { arrayValue: { values: [{ stringValue: '10.0.0.1' }] } } },
          { key: 'k', value: { kvlistValue: { values: [{ key: 'a', value: { intValue: 1 } }] } } },
          { key: 'b', value: { bytesValue: 'AAE=' } },
        ],
      }),
      line({ ...SPAN, kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR' } }),
      line({
        trace_id: SPAN.traceId,
        span_id: SPAN.spanId,
        name: 'x',
        start_time_unix_nano: SPAN.startTimeUnixNano,
        end_time_unix_nano: SPAN.endTimeUnixNano,
      }),
      line(SPAN, {
        attributes: [
          { key: 'service.instance.id', value: { stringValue: 'i-1' } },
          { key: 'process.pid', value: { intValue: 42 } },
        ],
      }),
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [{ spans: [SPAN] }],
            resource: { attributes: [{ key: 'host.name', value: { stringValue: 'late' } }] },
          },
        ],
      }),
    ];
    for (const text of variants) {
      const fast = scanned(text);
      expect(fast, text).not.toBe(false);
      expect(fast).toEqual(parsed(text));
    }
  });

  it('gives up, adding nothing, on forms it leaves to the full reader', () => {
    const giveUps = [
      line({ ...SPAN, events: [{ name: 'wirescope.region.redirect', timeUnixNano: '1' }] }),
      line({ ...SPAN, traceId: 'W47/95gDgQPSabYzgT/GDA==' }),
      line({ ...SPAN, startTimeUnixNano: 1_760_000_000_000_000 }),
      // An array, kvlist or bytes value on a key the engine keeps, or before its key.
      line({ ...SPAN, attributes: [{ key: 'server.address', value: { arrayValue: { values: [] } } }] }),
      line({ ...SPAN, attributes: [{ value: { arrayValue: { values: [] } }, key: 'dns.answers' }] }),
      line({ ...SPAN, attributes: [{ key: 'k', value: {} }] }),
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(SPAN).replace('"name":', '"name":"dup","name":')}]}]}]}`,
      JSON.stringify({ resourceSpans: [{ instrumentationLibrarySpans: [{ spans: [SPAN] }] }] }),
      JSON.stringify({ data: [] }),
      `${line()} {}`,
      '',
    ];
    for (const text of giveUps) expect(scanned(text), text).toBe(false);
  });

  it('never takes a line that is not JSON: a thousand one-byte damages of an exporter line', () => {
    const base = line();
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const bytes = ' "{}[],:\\0123456789aeflnrstu-.E+\t';
    for (let k = 0; k < 1000; k++) {
      const at = random(base.length);
      const op = random(3);
      const c = bytes[random(bytes.length)] as string;
      const damaged =
        op === 0
          ? base.slice(0, at) + base.slice(at + 1)
          : op === 1
            ? base.slice(0, at) + c + base.slice(at)
            : base.slice(0, at) + c + base.slice(at + 1);
      const fast = scanned(damaged);
      if (!parsesAsJson(damaged)) expect(fast, damaged).toBe(false);
      else if (fast !== false) expect(fast).toEqual(parsed(damaged));
    }
  });
});
