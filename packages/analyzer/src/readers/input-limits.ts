import { InputError } from '../input-error.js';
import type { RecordPosition } from './internal-types.js';

/**
 * Limits the readers hold any input to, so a hostile or broken file ends with an InputError naming the
 * file and the position instead of exhausting the stack, the heap or V8's string length (issue 15).
 * Each is far above what a real trace writes.
 */

/**
 * The largest record, in bytes: a JSON Lines line, or one span, resource, `processes` map, key or
 * other value of a whole document. 64 MiB is 16 times the collector's default 4 MiB gRPC message limit
 * (one export request, which the file exporter writes as one line), and far below V8's longest string
 * (about 512 MiB), which a record must fit as text.
 */
export const MAX_RECORD_BYTES = 64 << 20;

/**
 * How deep an attribute value may nest: `arrayValue`/`kvlistValue` levels in OTLP, arrays and objects
 * inside a Jaeger tag value. Exporters write one or two levels; 256 keeps the readers' recursion
 * over a value far from the stack limit.
 */
export const MAX_VALUE_DEPTH = 256;

/**
 * The longest text an array or map attribute value becomes (mixed or nested values are kept as their
 * JSON text, written once, never escaped again per level); longer text is cut and ends with `…`.
 */
export const MAX_VALUE_TEXT = 16 << 10;

/**
 * True for what V8 and Node throw when an input outgrows them (the stack, a string's length, an
 * array's): a last line of defence, turned into an InputError with the file and the position of the
 * record being read. The limits above should keep these from happening at all.
 */
export function isEngineLimitError(error: unknown): error is Error {
  return (
    error instanceof RangeError ||
    (error instanceof Error && (error as { code?: unknown }).code === 'ERR_STRING_TOO_LONG')
  );
}

/** The limit in words, for messages: `64 MiB`. */
export function mebibytes(bytes: number): string {
  return `${Math.round(bytes / (1 << 20))} MiB`;
}

/** The error for `what` (a span, a key, a value) over MAX_RECORD_BYTES, at the position it starts. */
export function recordTooLarge(file: string, position: RecordPosition, what: string): InputError {
  return new InputError({
    file,
    ...position,
    problem: `${what} larger than ${mebibytes(MAX_RECORD_BYTES)}, the limit of one record`,
  });
}
