import type { SpanKindName, SpanStatus } from '../types.js';
import { ImpreciseNumberError, ShapeError } from './internal-types.js';

const HEX_32 = /^[0-9a-fA-F]{32}$/;
const HEX_16 = /^[0-9a-fA-F]{16}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** True when every character is 0-9 or a-f (a loop: faster than a regex on this hot path). */
function isLowerHex(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * An id as lowercase hex. OTLP/JSON carries hex, but the protobuf JSON mapping (and some collectors'
 * older output) carries base64 of the 16 or 8 bytes; both are accepted, as the collector does.
 */
export function normalizeId(value: unknown, bytes: 16 | 8, what: string): string {
  if (typeof value !== 'string') throw new ShapeError(`${what} is missing or not a string`);
  const hexLength = bytes * 2;
  if (value.length === hexLength) {
    if (isLowerHex(value)) return value;
    if ((bytes === 16 ? HEX_32 : HEX_16).test(value)) return value.toLowerCase();
  }
  if (BASE64.test(value)) {
    const decoded = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    if (decoded.length === bytes) return decoded.toString('hex');
  }
  throw new ShapeError(
    `${what} ${JSON.stringify(value.slice(0, 40))} is neither ${hexLength} hex digits nor base64 of ${bytes} bytes`,
  );
}

/** An optional parent id: absent, empty or all zeros mean "no parent". */
export function normalizeParentId(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const id = normalizeId(value, 8, what);
  return id === '0000000000000000' ? undefined : id;
}

const DIGITS = /^-?\d+$/;

/** True for a plain decimal integer (what `BigInt()` should take: no sign, no `0x`, no spaces). */
function isDigits(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > 30) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Nanoseconds as an exact bigint, from a decimal string or a (safe) number. */
export function toNanos(value: unknown, what: string): bigint {
  if (typeof value === 'string' && isDigits(value)) return BigInt(value);
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return BigInt(value);
    if (Number.isInteger(value)) throw new ImpreciseNumberError(what);
  }
  if (value === undefined || value === null) throw new ShapeError(`${what} is missing`);
  throw new ShapeError(`${what} ${JSON.stringify(value)} is not an integer`);
}

/** An int64 attribute value: a number while it is exact, else a bigint. */
export function toInt64(value: unknown): number | bigint | undefined {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    if (Number.isInteger(value)) throw new ImpreciseNumberError('an int64 value');
    return undefined;
  }
  if (typeof value === 'string' && DIGITS.test(value)) {
    const asNumber = Number(value);
    return Number.isSafeInteger(asNumber) ? asNumber : BigInt(value);
  }
  return undefined;
}

const KIND_BY_NUMBER: readonly SpanKindName[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];

/** An OTLP kind: number (0–5) or enum name (`SPAN_KIND_CLIENT`), also bare (`client`). */
export function otlpKind(value: unknown): SpanKindName {
  if (value === undefined || value === null) return 'unspecified';
  if (typeof value === 'number') {
    const kind = KIND_BY_NUMBER[value];
    if (kind) return kind;
  } else if (typeof value === 'string') {
    const name = value.toLowerCase().replace(/^span_kind_/, '');
    if ((KIND_BY_NUMBER as readonly string[]).includes(name)) return name as SpanKindName;
  }
  throw new ShapeError(`unknown span kind ${JSON.stringify(value)}`);
}

const STATUS_BY_NUMBER: readonly SpanStatus['code'][] = ['unset', 'ok', 'error'];

/** An OTLP status code: number (0–2) or enum name (`STATUS_CODE_ERROR`), also bare (`error`). */
export function statusCode(value: unknown): SpanStatus['code'] {
  if (value === undefined || value === null) return 'unset';
  if (typeof value === 'number') {
    const code = STATUS_BY_NUMBER[value];
    if (code) return code;
  } else if (typeof value === 'string') {
    const name = value.toLowerCase().replace(/^status_code_/, '');
    if ((STATUS_BY_NUMBER as readonly string[]).includes(name)) return name as SpanStatus['code'];
  }
  throw new ShapeError(`unknown status code ${JSON.stringify(value)}`);
}

/** A `SpanStatus` with the message only when there is one. */
export function makeStatus(code: SpanStatus['code'], message: unknown): SpanStatus {
  return typeof message === 'string' && message.length > 0 ? { code, message } : { code };
}
