import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../input-error.js';
import type { WireSpan } from '../types.js';
import { readSpans } from './read-spans.js';
import type { ReadSpansOptions } from './types.js';

// The roles table (json-roles.ts) decides which top-level keys make a document of which format and
// what each container must be; these tests read whole documents through readSpans. The shapes follow
// each format's documentation: OTLP/JSON `{resourceSpans}` (also snake_case), Grafana Tempo's
// `/api/traces/<id>` `{batches}` and v2 `{trace: {resourceSpans}}`, Jaeger v2 api_v3
// `{result: {resourceSpans}}`, Jaeger's query API `{data: [trace]}` and one trace
// `{traceID, spans, processes}`, Zipkin v2 `[span, …]`. A document is one value over several lines
// (a single line would be read as JSON Lines).

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

const OTLP_SPAN = {
  traceId: TRACE,
  spanId: SPAN,
  name: 'op',
  startTimeUnixNano: '1000',
  endTimeUnixNano: '2000',
};
const RESOURCE_SPANS = [
  {
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
    scopeSpans: [{ scope: { name: 'lib' }, spans: [OTLP_SPAN] }],
  },
];
const JAEGER_TRACE = {
  traceID: TRACE,
  spans: [{ traceID: TRACE, spanID: SPAN, operationName: 'op', startTime: 1, duration: 1, processID: 'p1' }],
  processes: { p1: { serviceName: 'orders' } },
};

/** A document written over several lines, as files hold them. */
const doc = (value: unknown) => JSON.stringify(value, null, 2);

async function read(text: string, options: ReadSpansOptions = {}): Promise<WireSpan[]> {
  const out: WireSpan[] = [];
  for await (const span of readSpans(
    { stream: Readable.from([Buffer.from(text)]), name: 'in.json' },
    options,
  ))
    out.push(span);
  return out;
}

async function readError(text: string, options: ReadSpansOptions = {}): Promise<InputError> {
  try {
    await read(text, { strict: true, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

const summary = (spans: WireSpan[]) => spans.map((s) => [s.spanId, s.name, s.resource['service.name']]);

describe('documents by their top-level key', () => {
  it('reads the OTLP wrappers, detected and with the format given', async () => {
    const documents = [
      { resourceSpans: RESOURCE_SPANS },
      { resource_spans: RESOURCE_SPANS },
      { batches: RESOURCE_SPANS },
      { result: { resourceSpans: RESOURCE_SPANS } },
      { result: { resource_spans: RESOURCE_SPANS } },
      { trace: { resourceSpans: RESOURCE_SPANS } },
      { trace: { resource_spans: RESOURCE_SPANS } },
    ];
    for (const value of documents) {
      for (const format of ['auto', 'otlp-json'] as const) {
        expect(summary(await read(doc(value), { format }))).toStrictEqual([[SPAN, 'op', 'orders']]);
      }
    }
  });

  it('reads the Jaeger documents, detected and with the format given', async () => {
    const documents = [{ data: [JAEGER_TRACE] }, { data: JAEGER_TRACE }, JAEGER_TRACE];
    for (const value of documents) {
      for (const format of ['auto', 'jaeger-json'] as const) {
        expect(summary(await read(doc(value), { format }))).toStrictEqual([[SPAN, 'op', 'orders']]);
      }
    }
    // The processes may come before the spans.
    const { traceID, spans, processes } = JAEGER_TRACE;
    expect(summary(await read(doc({ processes, traceID, spans }), { format: 'jaeger-json' }))).toStrictEqual([
      [SPAN, 'op', 'orders'],
    ]);
  });

  it('refuses an object around resourceSpans that has none', async () => {
    const error = await readError(doc({ result: { spans: [] } }));
    expect(error.problem).toBe('this object (keys "spans") has no resourceSpans');
  });

  it('names the signal of OTLP metrics, logs and profiles records', async () => {
    for (const [key, signal] of [
      ['resourceMetrics', 'metrics'],
      ['resource_metrics', 'metrics'],
      ['resourceLogs', 'logs'],
      ['resource_logs', 'logs'],
      ['resourceProfiles', 'profiles'],
      ['resource_profiles', 'profiles'],
    ] as const) {
      const error = await readError(doc({ [key]: [] }), { format: 'otlp-json' });
      expect(error.code).toBe('WIRESCOPE_NOT_TRACES');
      expect(error.problem).toBe(`a ${signal} record (${key}), not traces`);
    }
  });
});

describe('containers of the wrong kind', () => {
  it('names the container and what it had to be', async () => {
    const cases: [unknown, string][] = [
      [{ resourceSpans: [5] }, 'expected each resourceSpans entry to be an object, found a number'],
      [
        { resourceSpans: [{ scopeSpans: ['s'] }] },
        'expected each scopeSpans entry to be an object, found a string',
      ],
      [
        { resourceSpans: [{ scopeSpans: [{ spans: {} }] }] },
        'expected spans to be an array, found an object',
      ],
      [
        { resourceSpans: [{ scopeSpans: [{ spans: [true] }] }] },
        'expected each span to be an object, found a boolean',
      ],
      [{ result: [] }, 'expected the object around resourceSpans to be an object, found an array'],
      [{ data: 5 }, 'expected data to be an array, found a number'],
      [{ data: [[]] }, 'expected each data entry (a trace) to be an object, found an array'],
      [{ data: [{ spans: 'x' }] }, 'expected spans to be an array, found a string'],
      [{ data: [{ spans: [5] }] }, 'expected each span to be an object, found a number'],
      [{ traceID: TRACE, spans: [[]] }, 'expected each span to be an object, found an array'],
      [[5], 'expected each span to be an object, found a number'],
    ];
    for (const [value, problem] of cases) {
      const error = await readError(doc(value));
      expect(error.problem).toBe(problem);
    }
  });
});
