import { describe, expect, it } from 'vitest';
import type { Attributes, WireSpan } from '../types.js';
import { NestingError } from './bounded-json.js';
import { ImpreciseNumberError, ShapeError } from './internal-types.js';
import {
  anyValue,
  forEachOtlpSpan,
  otlpAttributes,
  otlpEvents,
  otlpRequestToWire,
  otlpResource,
  otlpSpanToWire,
  prefixed,
  withPath,
} from './otlp-normalize.js';

// Expected values follow the OTLP/JSON encoding (opentelemetry-proto `docs/specification.md`, "JSON
// Protobuf Encoding"): keys are lowerCamelCase (the collector also takes the proto snake_case names),
// ids hex, enums integers or names, 64-bit integers decimal strings or numbers, `bytesValue` base64;
// `AnyValue` holds one of stringValue, boolValue, intValue, doubleValue (also "NaN", "Infinity" as
// strings in the protobuf JSON mapping), arrayValue {values}, kvlistValue {values: KeyValue[]}, bytesValue.
// The analyzer keeps homogeneous scalar arrays as arrays and writes mixed or nested ones, and maps, as
// JSON text.

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const PARENT = 'eee19b7ec3c1b173';
const SOURCE = { file: 'traces.json' };

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

const str = (s: string) => ({ stringValue: s });
const int = (i: number | string) => ({ intValue: i });

/** `levels` arrayValues (or kvlistValues) inside one another around an empty one. */
function nested(kind: 'arrayValue' | 'kvlistValue', levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { [kind]: { values: [] } };
  for (let i = 1; i < levels; i++) {
    value =
      kind === 'arrayValue'
        ? { arrayValue: { values: [value] } }
        : { kvlistValue: { values: [{ key: 'k', value }] } };
  }
  return value;
}

describe('anyValue', () => {
  it('reads the scalars in camelCase and snake_case', () => {
    expect(anyValue(str('a'))).toBe('a');
    expect(anyValue({ string_value: 'a' })).toBe('a');
    expect(anyValue(int('42'))).toBe(42);
    expect(anyValue(int(42))).toBe(42);
    expect(anyValue({ int_value: '9007199254740993' })).toBe(9007199254740993n);
    expect(anyValue({ boolValue: false })).toBe(false);
    expect(anyValue({ bool_value: true })).toBe(true);
    expect(anyValue({ doubleValue: 0.5 })).toBe(0.5);
    expect(anyValue({ double_value: 1.5 })).toBe(1.5);
    expect(anyValue({ doubleValue: 'Infinity' })).toBe(Number.POSITIVE_INFINITY);
    expect(anyValue({ doubleValue: '-Infinity' })).toBe(Number.NEGATIVE_INFINITY);
    expect(anyValue({ double_value: 'NaN' })).toBeNaN();
    expect(anyValue({ bytesValue: 'AAEC' })).toBe('AAEC');
    expect(anyValue({ bytes_value: 'AAEC' })).toBe('AAEC');
  });

  it('reads a value with several fields set (against the oneof) as string, else int, bool, double', () => {
    // The same order at the top and nested, where every field is read in both spellings.
    expect(anyValue({ stringValue: 'a', intValue: 1, boolValue: true, doubleValue: 0.5 })).toBe('a');
    expect(anyValue({ intValue: '1', boolValue: true, doubleValue: 0.5 })).toBe(1);
    expect(anyValue({ boolValue: false, doubleValue: 0.5 })).toBe(false);
    expect(
      anyValue({
        arrayValue: {
          values: [
            { stringValue: 'a', intValue: 1 },
            { string_value: 'b', boolValue: true },
          ],
        },
      }),
    ).toStrictEqual(['a', 'b']);
  });

  it('gives undefined for an empty value or one that is not an object', () => {
    for (const value of [undefined, null, 'a', 5, [str('a')], {}, { bytesValue: 5 }, { boolValue: 'true' }]) {
      expect(anyValue(value)).toBeUndefined();
    }
  });

  it('keeps homogeneous scalar arrays, in both spellings', () => {
    expect(anyValue({ arrayValue: { values: [str('a'), str('b')] } })).toStrictEqual(['a', 'b']);
    expect(anyValue({ array_value: { values: [int('1'), int(2)] } })).toStrictEqual([1, 2]);
    expect(anyValue({ arrayValue: { values: [{ boolValue: true }, { bool_value: false }] } })).toStrictEqual([
      true,
      false,
    ]);
    expect(
      anyValue({ arrayValue: { values: [{ doubleValue: 0.5 }, { doubleValue: 'Infinity' }] } }),
    ).toStrictEqual([0.5, Number.POSITIVE_INFINITY]);
    expect(anyValue({ arrayValue: { values: [{ bytesValue: 'AA==' }] } })).toStrictEqual(['AA==']);
    expect(anyValue({ arrayValue: { values: [] } })).toStrictEqual([]);
    expect(anyValue({ arrayValue: {} })).toStrictEqual([]);
    expect(anyValue({ arrayValue: { values: null } })).toStrictEqual([]);
  });

  it('drops empty elements of an array', () => {
    expect(anyValue({ arrayValue: { values: [str('a'), {}, 5, null, str('b')] } })).toStrictEqual(['a', 'b']);
  });

  it('writes mixed, nested and 64-bit-integer arrays as JSON text', () => {
    expect(anyValue({ arrayValue: { values: [str('a'), int(1)] } })).toBe('["a",1]');
    expect(anyValue({ arrayValue: { values: [int(1), str('a')] } })).toBe('[1,"a"]');
    expect(
      anyValue({
        arrayValue: {
          values: [{ arrayValue: { values: [str('a')] } }, { arrayValue: { values: [str('b')] } }],
        },
      }),
    ).toBe('[["a"],["b"]]');
    expect(anyValue({ arrayValue: { values: [int('9007199254740993'), int('9007199254740995')] } })).toBe(
      '[9007199254740993,9007199254740995]',
    );
    expect(
      anyValue({ arrayValue: { values: [{ kvlistValue: { values: [{ key: 'x', value: int(1) }] } }] } }),
    ).toBe('[{"x":1}]');
  });

  it('writes a kvlist as JSON text, dropping entries without a string key and empty values', () => {
    expect(
      anyValue({
        kvlistValue: {
          values: [
            null,
            { key: 5, value: str('five') },
            { value: str('no key') },
            { key: 'a', value: str('x') },
            { key: 'b' },
            { key: 'c', value: 'not an AnyValue' },
            { key: 'd', value: {} },
            { key: 'e', value: { kvlistValue: { values: [{ key: 'f', value: { boolValue: true } }] } } },
          ],
        },
      }),
    ).toBe('{"a":"x","e":{"f":true}}');
    expect(anyValue({ kvlist_value: { values: [{ key: '__proto__', value: int(1) }] } })).toBe(
      '{"__proto__":1}',
    );
    expect(anyValue({ kvlistValue: {} })).toBe('{}');
  });

  it('refuses values lists that are not arrays', () => {
    expect(thrown(() => anyValue({ arrayValue: { values: 'x' } })).message).toBe(
      'arrayValue.values is not an array',
    );
    expect(thrown(() => anyValue({ kvlistValue: { values: {} } })).message).toBe(
      'kvlistValue.values is not an array',
    );
  });

  it('reads 256 nested arrayValues or kvlistValues, and refuses 257', () => {
    expect(anyValue(nested('arrayValue', 256))).toBe(`${'['.repeat(256)}${']'.repeat(256)}`);
    const array = thrown(() => anyValue(nested('arrayValue', 257)));
    expect(array).toBeInstanceOf(NestingError);
    expect(array.message).toBe('arrayValue nests deeper than 256 levels');
    expect(anyValue(nested('kvlistValue', 256))).toBe(`${'{"k":'.repeat(255)}{}${'}'.repeat(255)}`);
    const map = thrown(() => anyValue(nested('kvlistValue', 257)));
    expect(map).toBeInstanceOf(NestingError);
    expect(map.message).toBe('kvlistValue nests deeper than 256 levels');
  });
});

describe('otlpAttributes and otlpResource', () => {
  it('reads key-value lists, dropping entries without a string key or a value', () => {
    expect(
      otlpAttributes([
        { key: 'a', value: str('x') },
        null,
        'k',
        { key: 7, value: str('y') },
        { value: str('z') },
        { key: 'empty', value: {} },
        { key: 'none' },
        { key: 'n', value: int('3') },
      ]),
    ).toStrictEqual({ a: 'x', n: 3 });
    expect(otlpAttributes(undefined)).toStrictEqual({});
    expect(otlpAttributes(null)).toStrictEqual({});
    expect(thrown(() => otlpAttributes({ key: 'a' })).message).toBe('attributes is not an array');
  });

  it('names the attribute of a value nested too deep, and lets other errors through', () => {
    const deep = thrown(() => otlpAttributes([{ key: 'deep', value: nested('arrayValue', 300) }]));
    expect(deep).toBeInstanceOf(NestingError);
    expect(deep.message).toBe('attribute "deep" nests deeper than 256 levels');
    const big = thrown(() => otlpAttributes([{ key: 'n', value: int(2 ** 60) }]));
    expect(big).toBeInstanceOf(ImpreciseNumberError);
    expect(big.message).toBe(
      'an int64 value is an integer beyond 2^53 in a form that cannot be read exactly',
    );
    const list = thrown(() => otlpAttributes([{ key: 'l', value: { arrayValue: { values: 1 } } }]));
    expect(list).not.toBeInstanceOf(NestingError);
    expect(list.message).toBe('arrayValue.values is not an array');
  });

  it('reads a resource: absent or null is none; not an object is refused', () => {
    expect(otlpResource({ attributes: [{ key: 'service.name', value: str('orders') }] })).toStrictEqual({
      'service.name': 'orders',
    });
    expect(otlpResource(undefined)).toStrictEqual({});
    expect(otlpResource(null)).toStrictEqual({});
    expect(otlpResource({})).toStrictEqual({});
    for (const bad of ['r', [], 3])
      expect(thrown(() => otlpResource(bad)).message).toBe('resource is not an object');
  });
});

describe('otlpEvents', () => {
  it('reads name, time (either spelling) and attributes', () => {
    expect(
      otlpEvents([
        { name: 'retry', timeUnixNano: '1700000000000000001', attributes: [{ key: 'n', value: int(2) }] },
        { time_unix_nano: 5 },
        { name: 7, timeUnixNano: '6' },
      ]),
    ).toStrictEqual([
      { name: 'retry', timeUnixNano: 1700000000000000001n, attributes: { n: 2 } },
      { name: '', timeUnixNano: 5n, attributes: {} },
      { name: '', timeUnixNano: 6n, attributes: {} },
    ]);
    expect(otlpEvents(null)).toStrictEqual([]);
    expect(otlpEvents(undefined)).toStrictEqual([]);
  });

  it('refuses bad events with their index', () => {
    expect(thrown(() => otlpEvents('e')).message).toBe('events is not an array');
    expect(thrown(() => otlpEvents([{ timeUnixNano: '1' }, null])).message).toBe(
      'events[1] is not an object',
    );
    expect(thrown(() => otlpEvents([{ timeUnixNano: '1' }, 'e'])).message).toBe('events[1] is not an object');
    expect(thrown(() => otlpEvents([{ timeUnixNano: '1' }, {}])).message).toBe(
      'events[1].timeUnixNano is missing',
    );
  });
});

describe('otlpSpanToWire', () => {
  const base = {
    traceId: TRACE,
    spanId: SPAN,
    name: 'PUT',
    kind: 3,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000250000000',
  };
  const resource: Attributes = { 'service.name': 'orders' };

  it('reads a span with the resource, scope and source given', () => {
    expect(otlpSpanToWire(base, resource, SOURCE, 'scope-a')).toStrictEqual({
      traceId: TRACE,
      spanId: SPAN,
      name: 'PUT',
      kind: 'client',
      startTimeUnixNano: 1700000000000000000n,
      endTimeUnixNano: 1700000000250000000n,
      attributes: {},
      events: [],
      status: { code: 'unset' },
      resource,
      source: SOURCE,
      scope: 'scope-a',
    });
    const plain = otlpSpanToWire({ ...base, name: 5 }, {}, SOURCE);
    expect(plain.name).toBe('');
    expect('scope' in plain).toBe(false);
    expect('parentSpanId' in plain).toBe(false);
  });

  it('reads the status and the parent', () => {
    const read = (fields: Record<string, unknown>) => otlpSpanToWire({ ...base, ...fields }, {}, SOURCE);
    expect(read({ status: { code: 2, message: 'boom' } }).status).toStrictEqual({
      code: 'error',
      message: 'boom',
    });
    expect(read({ status: { code: 'STATUS_CODE_OK' } }).status).toStrictEqual({ code: 'ok' });
    expect(read({ status: {} }).status).toStrictEqual({ code: 'unset' });
    expect(read({ status: null }).status).toStrictEqual({ code: 'unset' });
    expect(read({ parentSpanId: PARENT }).parentSpanId).toBe(PARENT);
    expect(read({ parent_span_id: PARENT.toUpperCase() }).parentSpanId).toBe(PARENT);
    expect('parentSpanId' in read({ parentSpanId: '' })).toBe(false);
  });

  it('refuses a bad span, status, time or parent, naming the field', () => {
    for (const bad of [null, 'span', [base]]) {
      expect(thrown(() => otlpSpanToWire(bad, {}, SOURCE)).message).toBe('span is not an object');
    }
    const read = (fields: Record<string, unknown>) => () =>
      otlpSpanToWire({ ...base, ...fields }, {}, SOURCE);
    expect(thrown(read({ status: 'ERROR' })).message).toBe('status is not an object');
    expect(thrown(read({ status: 2 })).message).toBe('status is not an object');
    expect(thrown(read({ startTimeUnixNano: undefined })).message).toBe('startTimeUnixNano is missing');
    expect(thrown(read({ endTimeUnixNano: 'later' })).message).toBe(
      'endTimeUnixNano "later" is not an integer',
    );
    expect(thrown(read({ parentSpanId: 'zz' })).message).toBe(
      'parentSpanId "zz" is neither 16 hex digits nor base64 of 8 bytes',
    );
  });
});

describe('forEachOtlpSpan and otlpRequestToWire', () => {
  const otlpSpan = (spanId: string) => ({
    traceId: TRACE,
    spanId,
    startTimeUnixNano: '1',
    endTimeUnixNano: '2',
  });

  it('visits every span in order with its resource and scope name, in every spelling', () => {
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: str('a') }] },
          scopeSpans: [
            { scope: { name: 's1' }, spans: [otlpSpan('0000000000000001'), otlpSpan('0000000000000002')] },
            { scope: { name: '' }, spans: [otlpSpan('0000000000000003')] },
            { spans: null },
          ],
        },
        {
          instrumentationLibrarySpans: [
            { instrumentationLibrary: { name: 'lib1' }, spans: [otlpSpan('0000000000000004')] },
          ],
        },
        {
          instrumentation_library_spans: [
            { instrumentation_library: { name: 'lib2' }, spans: [otlpSpan('0000000000000005')] },
          ],
        },
        { scope_spans: [{ scope: { name: 7 }, spans: [otlpSpan('0000000000000006')] }] },
      ],
    };
    const seen: [string, unknown, string | undefined][] = [];
    forEachOtlpSpan(request, (span, resource, scope) =>
      seen.push([(span as { spanId: string }).spanId, resource['service.name'], scope]),
    );
    expect(seen).toStrictEqual([
      ['0000000000000001', 'a', 's1'],
      ['0000000000000002', 'a', 's1'],
      ['0000000000000003', 'a', undefined],
      ['0000000000000004', undefined, 'lib1'],
      ['0000000000000005', undefined, 'lib2'],
      ['0000000000000006', undefined, undefined],
    ]);
    const out: WireSpan[] = [];
    otlpRequestToWire({ resource_spans: request.resourceSpans }, SOURCE, out);
    expect(out.map((s) => [s.spanId, s.scope])).toStrictEqual(seen.map(([id, , scope]) => [id, scope]));
    const none: WireSpan[] = [];
    otlpRequestToWire({}, SOURCE, none);
    otlpRequestToWire({ resourceSpans: null }, SOURCE, none);
    otlpRequestToWire({ resourceSpans: [{}] }, SOURCE, none);
    expect(none).toStrictEqual([]);
  });

  it('prefers scopeSpans to the pre-1.0 instrumentationLibrarySpans', () => {
    const seen: string[] = [];
    forEachOtlpSpan(
      {
        resourceSpans: [
          {
            scopeSpans: [{ spans: [otlpSpan('0000000000000001')] }],
            instrumentationLibrarySpans: [{ spans: [otlpSpan('0000000000000002')] }],
          },
        ],
      },
      (span) => seen.push((span as { spanId: string }).spanId),
    );
    expect(seen).toStrictEqual(['0000000000000001']);
  });

  it('refuses bad requests with the path of the record', () => {
    const run = (request: unknown) => () => otlpRequestToWire(request, SOURCE, []);
    expect(thrown(run(null)).message).toBe('expected an ExportTraceServiceRequest object');
    expect(thrown(run([])).message).toBe('expected an ExportTraceServiceRequest object');
    expect(thrown(run({ resourceSpans: {} })).message).toBe('resourceSpans is not an array');
    expect(thrown(run({ resourceSpans: [{}, 'rs'] })).message).toBe('resourceSpans[1] is not an object');
    expect(thrown(run({ resourceSpans: [{}, { resource: 'r' }] })).message).toBe(
      'resourceSpans[1]: resource is not an object',
    );
    expect(thrown(run({ resourceSpans: [{ scopeSpans: 's' }] })).message).toBe(
      'resourceSpans[0].scopeSpans is not an array',
    );
    expect(thrown(run({ resourceSpans: [{ scopeSpans: [{}, null] }] })).message).toBe(
      'resourceSpans[0].scopeSpans[1] is not an object',
    );
    expect(thrown(run({ resourceSpans: [{ scopeSpans: [{ spans: 's' }] }] })).message).toBe(
      'resourceSpans[0].scopeSpans[0].spans is not an array',
    );
    const error = thrown(
      run({ resourceSpans: [{}, { scopeSpans: [{}, { spans: [otlpSpan(SPAN), { traceId: TRACE }] }] }] }),
    );
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe('resourceSpans[1].scopeSpans[1].spans[1]: spanId is missing or not a string');
  });

  it('lets imprecise numbers and other errors through without the path', () => {
    const big = thrown(() =>
      otlpRequestToWire(
        { resourceSpans: [{ scopeSpans: [{ spans: [{ ...otlpSpan(SPAN), startTimeUnixNano: 2 ** 60 }] }] }] },
        SOURCE,
        [],
      ),
    );
    expect(big).toBeInstanceOf(ImpreciseNumberError);
    expect(big.message).toBe(
      'startTimeUnixNano is an integer beyond 2^53 in a form that cannot be read exactly',
    );
    const other = thrown(() =>
      forEachOtlpSpan({ resourceSpans: [{ scopeSpans: [{ spans: [1] }] }] }, () => {
        throw new TypeError('visitor');
      }),
    );
    expect(other).toBeInstanceOf(TypeError);
    expect(other.message).toBe('visitor');
  });
});

describe('withPath and prefixed', () => {
  it('prefixes shape errors only', () => {
    expect(withPath('here', () => 5)).toBe(5);
    expect(
      thrown(() =>
        withPath('resourceSpans[0]', () => {
          throw new ShapeError('bad');
        }),
      ).message,
    ).toBe('resourceSpans[0]: bad');
    const shape = prefixed('p', new ShapeError('bad')) as Error;
    expect(shape).toBeInstanceOf(ShapeError);
    expect(shape.message).toBe('p: bad');
    const imprecise = new ImpreciseNumberError('x');
    expect(prefixed('p', imprecise)).toBe(imprecise);
    const plain = new Error('plain');
    expect(prefixed('p', plain)).toBe(plain);
    expect(prefixed('p', 'text')).toBe('text');
  });
});
