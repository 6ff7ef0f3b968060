import { describe, expect, it } from 'vitest';
import type { WireSpan } from '../types.js';
import { NestingError } from './bounded-json.js';
import { ImpreciseNumberError, ShapeError } from './internal-types.js';
import {
  jaegerDocumentToWire,
  jaegerProcess,
  jaegerSpanToWire,
  jaegerTags,
  jaegerTraceToWire,
} from './jaeger-normalize.js';

// Expected values follow Jaeger's JSON model (jaeger-idl `model/json`, what the query API and the UI
// download write): ids are hex, 64-bit trace ids may be 16 digits and leading zeros may be dropped;
// `startTime`, `duration` and log `timestamp` are microseconds; tags are `{key, type, value}` with type
// `string`, `bool`, `int64`, `float64` or `binary`; the parent is the first CHILD_OF reference (or the
// deprecated `parentSpanID`); the process is inline or named by `processID` in the trace's `processes`.
// The OpenTelemetry → Jaeger translation (collector `pkg/translator/jaeger`) carries kind, status and
// scope in the `span.kind`, `otel.status_code`, `otel.status_description`, `error`, `otel.scope.name` /
// `otel.library.name` tags.

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const PARENT = 'eee19b7ec3c1b173';
const SOURCE = { file: 'trace.json' };

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function span(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceID: TRACE,
    spanID: SPAN,
    operationName: 'GET',
    startTime: 1_700_000_000_000_000,
    duration: 1500,
    ...fields,
  };
}

function tag(key: string, value: unknown, type = 'string'): Record<string, unknown> {
  return { key, type, value };
}

function wire(fields: Record<string, unknown> = {}, processes?: Record<string, unknown>): WireSpan {
  return jaegerSpanToWire(span(fields), processes, SOURCE);
}

describe('jaegerTags', () => {
  it('types each value by its tag type', () => {
    const tags = jaegerTags([
      tag('s', 'text'),
      tag('b1', true, 'bool'),
      tag('b2', 'true', 'bool'),
      tag('b3', 'false', 'bool'),
      tag('b4', false, 'bool'),
      tag('B', 'true', 'BOOL'),
      tag('i', 42, 'int64'),
      tag('iBig', '9007199254740993', 'int64'),
      tag('iStr', '-12', 'int64'),
      tag('f', 2.5, 'float64'),
      tag('fStr', '1.25', 'float64'),
      tag('bin', 'AAEC', 'binary'),
    ]);
    expect(tags).toStrictEqual({
      s: 'text',
      b1: true,
      b2: true,
      b3: false,
      b4: false,
      B: true,
      i: 42,
      iBig: 9007199254740993n,
      iStr: -12,
      f: 2.5,
      fStr: 1.25,
      bin: 'AAEC',
    });
  });

  it('keeps untyped scalars as they are and writes objects as JSON text', () => {
    expect(
      jaegerTags([
        { key: 'noType', value: 'v' },
        { key: 'num', value: 7 },
        { key: 'flag', value: true },
        tag('numberInString', 3),
        tag('obj', { a: [1, 'x'] }),
        tag('nothing', null),
        { key: 'absent' },
      ]),
    ).toStrictEqual({ noType: 'v', num: 7, flag: true, numberInString: 3, obj: '{"a":[1,"x"]}' });
  });

  it('refuses a value nested deeper than the limit, naming the tag', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    const error = thrown(() => jaegerTags([tag('deep', deep)]));
    expect(error).toBeInstanceOf(NestingError);
    expect(error.message).toBe('tag "deep" nests deeper than 256 levels');
  });

  it('skips entries without a string key, and the keys asked to skip', () => {
    expect(
      jaegerTags(
        [null, 'x', ['k', 'v'], { key: 5, value: 'v' }, tag('event', 'x'), tag('a', 'b')],
        new Set(['event']),
      ),
    ).toStrictEqual({ a: 'b' });
  });

  it('reads absent or null tags as none and refuses a non-array', () => {
    expect(jaegerTags(undefined)).toStrictEqual({});
    expect(jaegerTags(null)).toStrictEqual({});
    for (const bad of [{}, 'tags', 3]) {
      const error = thrown(() => jaegerTags(bad));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toBe('tags is not an array');
    }
  });
});

describe('jaegerProcess', () => {
  it('gives the process tags with serviceName as service.name', () => {
    expect(
      jaegerProcess({ serviceName: 'orders', tags: [tag('host.name', 'h1'), tag('service.name', 'old')] }),
    ).toStrictEqual({ 'host.name': 'h1', 'service.name': 'orders' });
    expect(jaegerProcess({ tags: [tag('host.name', 'h1')] })).toStrictEqual({ 'host.name': 'h1' });
    expect(jaegerProcess({ serviceName: 5 })).toStrictEqual({});
  });

  it('gives no attributes for a process that is not an object', () => {
    for (const value of [undefined, null, 'p1', ['serviceName']])
      expect(jaegerProcess(value)).toStrictEqual({});
  });
});

describe('jaegerSpanToWire', () => {
  it('reads ids, name, microsecond times and the source', () => {
    const result = wire();
    expect(result).toStrictEqual({
      traceId: TRACE,
      spanId: SPAN,
      name: 'GET',
      kind: 'unspecified',
      startTimeUnixNano: 1_700_000_000_000_000_000n,
      endTimeUnixNano: 1_700_000_000_001_500_000n,
      attributes: {},
      events: [],
      status: { code: 'unset' },
      resource: {},
      source: SOURCE,
    });
  });

  it('pads short ids (64-bit trace ids, dropped leading zeros) and reads uppercase hex', () => {
    const result = wire({ traceID: 'D269B633813FC60C', spanID: 'abc' });
    expect(result.traceId).toBe('0000000000000000d269b633813fc60c');
    expect(result.spanId).toBe('0000000000000abc');
  });

  it('reads a missing name as empty and a missing duration as zero', () => {
    const result = jaegerSpanToWire({ traceID: TRACE, spanID: SPAN, startTime: '1000' }, undefined, SOURCE);
    expect(result.name).toBe('');
    expect(result.startTimeUnixNano).toBe(1_000_000n);
    expect(result.endTimeUnixNano).toBe(1_000_000n);
    expect(wire({ operationName: 5 }).name).toBe('');
  });

  it('refuses a span that is not an object, or without string ids', () => {
    for (const bad of [null, 'span', 5, [span()]]) {
      const error = thrown(() => jaegerSpanToWire(bad, undefined, SOURCE));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toBe('span is not an object');
    }
    expect(thrown(() => wire({ traceID: undefined })).message).toBe('traceID is missing or not a string');
    expect(thrown(() => wire({ traceID: 5 })).message).toBe('traceID is missing or not a string');
    expect(thrown(() => wire({ spanID: undefined })).message).toBe('spanID is missing or not a string');
  });

  it('names the field of a bad id, time or duration', () => {
    expect(thrown(() => wire({ traceID: 'not-a-trace-id!' })).message).toBe(
      'traceID "00000000000000000not-a-trace-id!" is neither 32 hex digits nor base64 of 16 bytes',
    );
    expect(thrown(() => wire({ spanID: 'xyz!' })).message).toBe(
      'spanID "000000000000xyz!" is neither 16 hex digits nor base64 of 8 bytes',
    );
    expect(thrown(() => wire({ startTime: undefined })).message).toBe('startTime is missing');
    expect(thrown(() => wire({ duration: 'long' })).message).toBe('duration "long" is not an integer');
    expect(wire({ duration: null }).endTimeUnixNano).toBe(1_700_000_000_000_000_000n);
  });

  it('reads the kind from span.kind, in any case', () => {
    for (const kind of ['internal', 'server', 'client', 'producer', 'consumer']) {
      expect(wire({ tags: [tag('span.kind', kind)] }).kind).toBe(kind);
      expect(wire({ tags: [tag('span.kind', kind.toUpperCase())] }).kind).toBe(kind);
    }
    expect(wire({ tags: [tag('span.kind', 'unspecified')] }).kind).toBe('unspecified');
    expect(wire({ tags: [tag('span.kind', 'gateway')] }).kind).toBe('unspecified');
    expect(wire({ tags: [tag('span.kind', 2, 'int64')] }).kind).toBe('unspecified');
    expect(wire({}).kind).toBe('unspecified');
  });

  it('reads the status from otel.status_code, else from the error tag', () => {
    const status = (tags: unknown[]) => wire({ tags }).status;
    expect(status([tag('otel.status_code', 'ERROR')])).toStrictEqual({ code: 'error' });
    expect(status([tag('otel.status_code', 'error')])).toStrictEqual({ code: 'error' });
    expect(status([tag('otel.status_code', 'OK')])).toStrictEqual({ code: 'ok' });
    expect(status([tag('otel.status_code', 'ok')])).toStrictEqual({ code: 'ok' });
    expect(status([tag('otel.status_code', 'UNSET')])).toStrictEqual({ code: 'unset' });
    expect(status([tag('otel.status_code', 'bogus')])).toStrictEqual({ code: 'unset' });
    // The status code tag wins over the error tag.
    expect(status([tag('otel.status_code', 'OK'), tag('error', true, 'bool')])).toStrictEqual({ code: 'ok' });
    expect(status([tag('otel.status_code', 'UNSET'), tag('error', true, 'bool')])).toStrictEqual({
      code: 'unset',
    });
    expect(status([tag('error', true, 'bool')])).toStrictEqual({ code: 'error' });
    expect(status([tag('error', 'true')])).toStrictEqual({ code: 'error' });
    expect(status([tag('error', false, 'bool')])).toStrictEqual({ code: 'unset' });
    expect(status([tag('error', 'false')])).toStrictEqual({ code: 'unset' });
    expect(status([tag('error', '')])).toStrictEqual({ code: 'unset' });
    expect(
      status([tag('otel.status_code', 'ERROR'), tag('otel.status_description', 'timed out')]),
    ).toStrictEqual({
      code: 'error',
      message: 'timed out',
    });
  });

  it('keeps the translation tags out of the attributes', () => {
    const result = wire({
      tags: [
        tag('span.kind', 'client'),
        tag('otel.status_code', 'ERROR'),
        tag('otel.status_description', 'boom'),
        tag('error', true, 'bool'),
        tag('otel.scope.name', 'scope-a'),
        tag('otel.scope.version', '1.0'),
        tag('otel.library.name', 'lib-a'),
        tag('otel.library.version', '0.9'),
        tag('internal.span.format', 'proto'),
        tag('http.method', 'GET'),
      ],
    });
    expect(result.attributes).toStrictEqual({ 'http.method': 'GET' });
    expect(result.kind).toBe('client');
    expect(result.status).toStrictEqual({ code: 'error', message: 'boom' });
    expect(result.scope).toBe('scope-a');
  });

  it('reads the scope from otel.scope.name, else otel.library.name, when a non-empty string', () => {
    expect(wire({ tags: [tag('otel.scope.name', 's')] }).scope).toBe('s');
    expect(wire({ tags: [tag('otel.library.name', 'l')] }).scope).toBe('l');
    expect(wire({ tags: [tag('otel.library.name', 'l'), tag('otel.scope.name', 's')] }).scope).toBe('s');
    for (const tags of [[tag('otel.scope.name', '')], [tag('otel.scope.name', 3, 'int64')], []]) {
      expect('scope' in wire({ tags })).toBe(false);
    }
  });

  it('takes the parent from the first CHILD_OF reference', () => {
    expect(
      wire({
        references: [
          'junk',
          { refType: 'FOLLOWS_FROM', traceID: TRACE, spanID: 'aaaaaaaaaaaaaaaa' },
          { refType: 'CHILD_OF', traceID: TRACE },
          { refType: 'CHILD_OF', traceID: TRACE, spanID: PARENT },
          { refType: 'CHILD_OF', traceID: TRACE, spanID: 'bbbbbbbbbbbbbbbb' },
        ],
      }).parentSpanId,
    ).toBe(PARENT);
    expect(wire({ references: [{ refType: 'CHILD_OF', spanID: 'ABC' }] }).parentSpanId).toBe(
      '0000000000000abc',
    );
    expect(thrown(() => wire({ references: [{ refType: 'CHILD_OF', spanID: 'xyz' }] })).message).toBe(
      'references[].spanID "0000000000000xyz" is neither 16 hex digits nor base64 of 8 bytes',
    );
  });

  it('falls back to parentSpanID; empty or all zeros is a root', () => {
    expect(wire({ parentSpanID: PARENT }).parentSpanId).toBe(PARENT);
    expect(wire({ references: [], parentSpanID: 'a0' }).parentSpanId).toBe('00000000000000a0');
    expect(
      wire({ references: [{ refType: 'FOLLOWS_FROM', spanID: SPAN }], parentSpanID: '0a' }).parentSpanId,
    ).toBe('000000000000000a');
    for (const root of ['', '0', '00', '0000000000000000', undefined, 5]) {
      expect('parentSpanId' in wire({ parentSpanID: root })).toBe(false);
    }
    expect('parentSpanId' in wire({ references: 'none' })).toBe(false);
    expect(thrown(() => wire({ parentSpanID: 'xyz' })).message).toBe(
      'parentSpanID "0000000000000xyz" is neither 16 hex digits nor base64 of 8 bytes',
    );
  });

  it('takes the process inline, else from processes by processID', () => {
    const processes = {
      p1: { serviceName: 'orders', tags: [tag('host.name', 'h1')] },
      p2: { serviceName: 'cart' },
    };
    expect(wire({ processID: 'p1' }, processes).resource).toStrictEqual({
      'host.name': 'h1',
      'service.name': 'orders',
    });
    expect(wire({ processID: 'p1', process: { serviceName: 'inline' } }, processes).resource).toStrictEqual({
      'service.name': 'inline',
    });
    expect(wire({ processID: 'p9' }, processes).resource).toStrictEqual({});
    expect(wire({ processID: 'p1' }, undefined).resource).toStrictEqual({});
    expect(wire({}, processes).resource).toStrictEqual({});
    // A processID that is not a string is not looked up (not even as the key "undefined" or "1").
    expect(wire({}, { undefined: { serviceName: 'x' } }).resource).toStrictEqual({});
    expect(wire({ processID: 1 }, { 1: { serviceName: 'x' } }).resource).toStrictEqual({});
  });

  it('reads logs as events: the event field is the name, timestamps in microseconds', () => {
    const result = wire({
      logs: [
        { timestamp: 1_700_000_000_000_100, fields: [tag('event', 'retry'), tag('attempt', 2, 'int64')] },
        { timestamp: '1700000000000200', fields: [tag('message', 'no name')] },
        { timestamp: 1_700_000_000_000_300 },
      ],
    });
    expect(result.events).toStrictEqual([
      { name: 'retry', timeUnixNano: 1_700_000_000_000_100_000n, attributes: { attempt: 2 } },
      { name: '', timeUnixNano: 1_700_000_000_000_200_000n, attributes: { message: 'no name' } },
      { name: '', timeUnixNano: 1_700_000_000_000_300_000n, attributes: {} },
    ]);
    expect(wire({ logs: [{ timestamp: 1, fields: [tag('event', 7, 'int64')] }] }).events[0]!.name).toBe('');
    expect(wire({ logs: null }).events).toStrictEqual([]);
    expect(wire({ logs: undefined }).events).toStrictEqual([]);
  });

  it('refuses bad logs with their index', () => {
    expect(thrown(() => wire({ logs: {} })).message).toBe('logs is not an array');
    expect(thrown(() => wire({ logs: [{ timestamp: 1 }, 'log'] })).message).toBe('logs[1] is not an object');
    expect(thrown(() => wire({ logs: [{ timestamp: 1 }, null] })).message).toBe('logs[1] is not an object');
    expect(thrown(() => wire({ logs: [{ timestamp: 1 }, {}] })).message).toBe('logs[1].timestamp is missing');
  });
});

describe('jaegerDocumentToWire and jaegerTraceToWire', () => {
  const trace = (spans: unknown, processes?: unknown) => ({ traceID: TRACE, spans, processes });

  it('reads every span of every trace in order, with the trace processes', () => {
    const out: WireSpan[] = [];
    jaegerDocumentToWire(
      {
        data: [
          trace([span({ spanID: '1', processID: 'p1' }), span({ spanID: '2' })], {
            p1: { serviceName: 'a' },
          }),
          trace([span({ spanID: '3', processID: 'p1' })], { p1: { serviceName: 'b' } }),
        ],
      },
      SOURCE,
      out,
    );
    expect(out.map((s) => [s.spanId, s.resource['service.name']])).toStrictEqual([
      ['0000000000000001', 'a'],
      ['0000000000000002', undefined],
      ['0000000000000003', 'b'],
    ]);
  });

  it('reads the UI single-trace variant, data as one trace', () => {
    const out: WireSpan[] = [];
    jaegerDocumentToWire({ data: trace([span()]) }, SOURCE, out);
    expect(out.map((s) => s.spanId)).toStrictEqual([SPAN]);
    expect(
      thrown(() => jaegerDocumentToWire({ data: trace([span({ spanID: 5 })]) }, SOURCE, [])).message,
    ).toBe('data.spans[0]: spanID is missing or not a string');
  });

  it('reads no spans from absent or null data, a trace without spans, or processes that are not an object', () => {
    for (const doc of [
      {},
      { data: null },
      { data: [] },
      { data: [trace(undefined)] },
      { data: [trace(null)] },
    ]) {
      const out: WireSpan[] = [];
      jaegerDocumentToWire(doc, SOURCE, out);
      expect(out).toStrictEqual([]);
    }
    const out: WireSpan[] = [];
    jaegerTraceToWire(trace([span({ processID: 'p1' })], ['p1']), SOURCE, out);
    expect(out[0]!.resource).toStrictEqual({});
  });

  it('refuses bad documents and traces, naming where', () => {
    for (const doc of [null, [], 'data']) {
      expect(thrown(() => jaegerDocumentToWire(doc, SOURCE, [])).message).toBe(
        'expected a Jaeger object with data',
      );
    }
    expect(thrown(() => jaegerDocumentToWire({ data: 'x' }, SOURCE, [])).message).toBe(
      'data is not an array',
    );
    expect(thrown(() => jaegerDocumentToWire({ data: [trace([]), 'x'] }, SOURCE, [])).message).toBe(
      'data[1] is not an object',
    );
    expect(thrown(() => jaegerDocumentToWire({ data: [trace([]), trace({})] }, SOURCE, [])).message).toBe(
      'data[1].spans is not an array',
    );
    expect(thrown(() => jaegerTraceToWire(null, SOURCE, [])).message).toBe('trace is not an object');
    expect(thrown(() => jaegerTraceToWire(trace('s'), SOURCE, [])).message).toBe(
      'trace.spans is not an array',
    );
    const error = thrown(() =>
      jaegerDocumentToWire({ data: [trace([span(), span({ startTime: 'soon' })])] }, SOURCE, []),
    );
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe('data[0].spans[1]: startTime "soon" is not an integer');
  });

  it('lets an imprecise number through unprefixed, to be read again exactly', () => {
    const error = thrown(() => jaegerTraceToWire(trace([span({ startTime: 2 ** 60 })]), SOURCE, []));
    expect(error).toBeInstanceOf(ImpreciseNumberError);
    expect(error.message).toBe('startTime is an integer beyond 2^53 in a form that cannot be read exactly');
  });

  it('lets an error that is not a shape error through unchanged', () => {
    const bomb = span();
    Object.defineProperty(bomb, 'operationName', {
      get() {
        throw new RangeError('getter');
      },
      enumerable: true,
    });
    const error = thrown(() => jaegerTraceToWire(trace([bomb]), SOURCE, []));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('getter');
  });
});
