import { describe, expect, it } from 'vitest';
import { ImpreciseNumberError, ShapeError } from './internal-types.js';
import {
  makeStatus,
  normalizeId,
  normalizeParentId,
  otlpKind,
  statusCode,
  toInt64,
  toNanos,
} from './values.js';

// Expected values follow the OTLP/JSON encoding (opentelemetry-proto `docs/specification.md`, "JSON
// Protobuf Encoding"): trace and span ids are hex (16 and 8 bytes), the protobuf JSON mapping writes
// them as base64; int64 and fixed64 may be decimal strings; enums are integers or their names.

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

/** The error `fn` throws (it must throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('normalizeId', () => {
  it('keeps lowercase hex and lowercases uppercase hex', () => {
    expect(normalizeId(TRACE, 16, 'traceId')).toBe(TRACE);
    expect(normalizeId(TRACE.toUpperCase(), 16, 'traceId')).toBe(TRACE);
    expect(normalizeId(SPAN, 8, 'spanId')).toBe(SPAN);
    expect(normalizeId(SPAN.toUpperCase(), 8, 'spanId')).toBe(SPAN);
    expect(normalizeId('0123456789abcdef', 8, 'spanId')).toBe('0123456789abcdef');
  });

  it('decodes base64 (standard and URL-safe) of exactly the id length', () => {
    // These bytes encode to '+' and '/' in standard base64, which the URL-safe alphabet writes '-' and '_'.
    const bytes = Buffer.from('fbff3efbfffe8c4dfbff3efbfffe8c4d', 'hex');
    expect(bytes.toString('base64')).toBe('+/8++//+jE37/z77//6MTQ==');
    expect(normalizeId('+/8++//+jE37/z77//6MTQ==', 16, 'traceId')).toBe('fbff3efbfffe8c4dfbff3efbfffe8c4d');
    expect(normalizeId('-_8--__-jE37_z77__6MTQ==', 16, 'traceId')).toBe('fbff3efbfffe8c4dfbff3efbfffe8c4d');
    expect(normalizeId('-_8--__-jE37_z77__6MTQ', 16, 'traceId')).toBe('fbff3efbfffe8c4dfbff3efbfffe8c4d');
    expect(normalizeId(Buffer.from(SPAN, 'hex').toString('base64'), 8, 'spanId')).toBe(SPAN);
    expect(normalizeId(Buffer.from(TRACE, 'hex').toString('base64'), 16, 'traceId')).toBe(TRACE);
  });

  it('refuses a value that is not a string, with the field name', () => {
    for (const value of [undefined, null, 42, { id: TRACE }]) {
      const error = thrown(() => normalizeId(value, 16, 'traceId'));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toBe('traceId is missing or not a string');
    }
  });

  it('refuses hex of the wrong length and 32 characters that are not hex', () => {
    expect(thrown(() => normalizeId('abcd', 16, 'traceId')).message).toBe(
      'traceId "abcd" is neither 32 hex digits nor base64 of 16 bytes',
    );
    expect(thrown(() => normalizeId(SPAN, 16, 'traceId')).message).toBe(
      `traceId "${SPAN}" is neither 32 hex digits nor base64 of 16 bytes`,
    );
    // 32 base64 characters are 24 bytes, not 16: neither form.
    for (const bad of ['g'.repeat(32), '+'.repeat(32), `${TRACE.slice(0, 31)}z`]) {
      const error = thrown(() => normalizeId(bad, 16, 'traceId'));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toBe(`traceId "${bad}" is neither 32 hex digits nor base64 of 16 bytes`);
    }
    expect(thrown(() => normalizeId('x'.repeat(16), 8, 'spanId')).message).toBe(
      `spanId "${'x'.repeat(16)}" is neither 16 hex digits nor base64 of 8 bytes`,
    );
  });

  it('refuses base64 with characters outside the alphabet, although Buffer would skip them', () => {
    const b64 = Buffer.from(TRACE, 'hex').toString('base64');
    const bad = `${b64.slice(0, 10)}.${b64.slice(10)}`;
    expect(Buffer.from(bad, 'base64').toString('hex')).toBe(TRACE);
    expect(thrown(() => normalizeId(bad, 16, 'traceId')).message).toBe(
      `traceId ${JSON.stringify(bad)} is neither 32 hex digits nor base64 of 16 bytes`,
    );
    const padded = ` ${b64}`;
    expect(thrown(() => normalizeId(padded, 16, 'traceId'))).toBeInstanceOf(ShapeError);
    expect(thrown(() => normalizeId(`${b64} `, 16, 'traceId'))).toBeInstanceOf(ShapeError);
  });

  it('quotes at most 40 characters of a bad id', () => {
    const long = 'z'.repeat(50);
    expect(thrown(() => normalizeId(long, 8, 'spanId')).message).toBe(
      `spanId "${'z'.repeat(40)}" is neither 16 hex digits nor base64 of 8 bytes`,
    );
  });
});

describe('normalizeParentId', () => {
  it('reads absent, null, empty and all-zero parents as no parent', () => {
    expect(normalizeParentId(undefined, 'parentSpanId')).toBeUndefined();
    expect(normalizeParentId(null, 'parentSpanId')).toBeUndefined();
    expect(normalizeParentId('', 'parentSpanId')).toBeUndefined();
    expect(normalizeParentId('0000000000000000', 'parentSpanId')).toBeUndefined();
    // Eight zero bytes in base64.
    expect(normalizeParentId('AAAAAAAAAAA=', 'parentSpanId')).toBeUndefined();
  });

  it('normalizes a parent like any span id and names the field in errors', () => {
    expect(normalizeParentId(SPAN.toUpperCase(), 'parentSpanId')).toBe(SPAN);
    expect(thrown(() => normalizeParentId('abc', 'parentSpanId')).message).toBe(
      'parentSpanId "abc" is neither 16 hex digits nor base64 of 8 bytes',
    );
    expect(thrown(() => normalizeParentId(7, 'parentSpanId')).message).toBe(
      'parentSpanId is missing or not a string',
    );
  });
});

describe('toNanos', () => {
  it('reads decimal strings exactly and safe integers', () => {
    expect(toNanos('1700000000123456789', 'startTimeUnixNano')).toBe(1700000000123456789n);
    expect(toNanos('0', 'startTimeUnixNano')).toBe(0n);
    expect(toNanos(1_700_000_000_000, 'startTimeUnixNano')).toBe(1_700_000_000_000n);
    expect(toNanos(Number.MAX_SAFE_INTEGER, 't')).toBe(9007199254740991n);
    // 30 digits is the longest accepted decimal.
    expect(toNanos('1'.repeat(30), 't')).toBe(BigInt('1'.repeat(30)));
  });

  it('says a missing time is missing', () => {
    for (const value of [undefined, null]) {
      const error = thrown(() => toNanos(value, 'endTimeUnixNano'));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error).not.toBeInstanceOf(ImpreciseNumberError);
      expect(error.message).toBe('endTimeUnixNano is missing');
    }
  });

  it('refuses what is not a plain non-negative decimal integer', () => {
    const cases: [unknown, string][] = [
      ['', '""'],
      ['-5', '"-5"'],
      ['+5', '"+5"'],
      [' 12', '" 12"'],
      ['0x10', '"0x10"'],
      ['1e3', '"1e3"'],
      ['1'.repeat(31), `"${'1'.repeat(31)}"`],
      [1.5, '1.5'],
      [true, 'true'],
    ];
    for (const [value, shown] of cases) {
      const error = thrown(() => toNanos(value, 'startTimeUnixNano'));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error).not.toBeInstanceOf(ImpreciseNumberError);
      expect(error.message).toBe(`startTimeUnixNano ${shown} is not an integer`);
    }
  });

  it('refuses a JSON number that JSON.parse has already rounded (2^53 and beyond)', () => {
    const error = thrown(() => toNanos(2 ** 53, 'startTimeUnixNano'));
    expect(error).toBeInstanceOf(ImpreciseNumberError);
    expect(error.message).toBe(
      'startTimeUnixNano is an integer beyond 2^53 in a form that cannot be read exactly',
    );
  });
});

describe('toInt64', () => {
  it('gives a number while exact, else a bigint, from numbers and decimal strings', () => {
    expect(toInt64(42)).toBe(42);
    expect(toInt64(-7)).toBe(-7);
    expect(toInt64('42')).toBe(42);
    expect(toInt64('-42')).toBe(-42);
    expect(toInt64('9007199254740991')).toBe(9007199254740991);
    expect(toInt64('9007199254740993')).toBe(9007199254740993n);
    expect(toInt64('-9223372036854775808')).toBe(-9223372036854775808n);
  });

  it('gives undefined for what is not an integer', () => {
    // [12] would pass a regex test on its text, "12".
    for (const value of [1.5, 'abc', '12x', 'x12', '1.5', '', true, null, undefined, {}, [12]]) {
      expect(toInt64(value)).toBeUndefined();
    }
  });

  it('refuses an integer JSON number beyond 2^53', () => {
    const error = thrown(() => toInt64(2 ** 60));
    expect(error).toBeInstanceOf(ImpreciseNumberError);
    expect(error.message).toBe(
      'an int64 value is an integer beyond 2^53 in a form that cannot be read exactly',
    );
  });
});

describe('otlpKind', () => {
  it('reads the enum as a number, a SPAN_KIND_ name or a bare name', () => {
    const names = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
    for (let n = 0; n < names.length; n++) {
      expect(otlpKind(n)).toBe(names[n]);
      expect(otlpKind(`SPAN_KIND_${names[n]!.toUpperCase()}`)).toBe(names[n]);
      expect(otlpKind(names[n])).toBe(names[n]);
    }
    expect(otlpKind(undefined)).toBe('unspecified');
    expect(otlpKind(null)).toBe('unspecified');
  });

  it('refuses unknown kinds', () => {
    for (const [value, shown] of [
      [6, '6'],
      [-1, '-1'],
      [true, 'true'],
      ['SPAN_KIND_BOGUS', '"SPAN_KIND_BOGUS"'],
      ['clientspan_kind_', '"clientspan_kind_"'],
      ['', '""'],
    ] as const) {
      const error = thrown(() => otlpKind(value));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toBe(`unknown span kind ${shown}`);
    }
  });
});

describe('statusCode', () => {
  it('reads the enum as a number, a STATUS_CODE_ name or a bare name', () => {
    const names = ['unset', 'ok', 'error'];
    for (let n = 0; n < names.length; n++) {
      expect(statusCode(n)).toBe(names[n]);
      expect(statusCode(`STATUS_CODE_${names[n]!.toUpperCase()}`)).toBe(names[n]);
      expect(statusCode(names[n])).toBe(names[n]);
    }
    expect(statusCode(undefined)).toBe('unset');
    expect(statusCode(null)).toBe('unset');
  });

  it('refuses unknown codes', () => {
    for (const [value, shown] of [
      [3, '3'],
      [false, 'false'],
      ['STATUS_CODE_BROKEN', '"STATUS_CODE_BROKEN"'],
      ['errorstatus_code_', '"errorstatus_code_"'],
    ] as const) {
      const error = thrown(() => statusCode(value));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toBe(`unknown status code ${shown}`);
    }
  });
});

describe('makeStatus', () => {
  it('keeps a non-empty string message only', () => {
    expect(makeStatus('error', 'boom')).toStrictEqual({ code: 'error', message: 'boom' });
    expect(makeStatus('error', '')).toStrictEqual({ code: 'error' });
    expect(makeStatus('ok', 5)).toStrictEqual({ code: 'ok' });
    expect(makeStatus('unset', undefined)).toStrictEqual({ code: 'unset' });
  });
});
