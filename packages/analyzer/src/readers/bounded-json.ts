import { MAX_VALUE_DEPTH, MAX_VALUE_TEXT } from './input-limits.js';
import { ShapeError } from './internal-types.js';

/** An attribute value nests deeper than {@link MAX_VALUE_DEPTH}; the reader adds file and position. */
export class NestingError extends ShapeError {
  constructor(what: string) {
    super(`${what} nests deeper than ${MAX_VALUE_DEPTH} levels`);
    this.name = 'NestingError';
  }
}

/**
 * The JSON text of a plain value (strings, numbers, booleans, bigints as digits, arrays, objects),
 * written in one pass and cut at `max` characters with a closing `…`: linear in the output, whatever
 * the input holds. `undefined` items are written as `null`, `undefined` members left out.
 */
export function boundedJson(value: unknown, max = MAX_VALUE_TEXT): string {
  const writer = { parts: [] as string[], length: 0, max, full: false };
  write(writer, value, 0);
  const text = writer.parts.join('');
  return writer.full ? `${text.slice(0, max)}…` : text;
}

interface Writer {
  parts: string[];
  length: number;
  max: number;
  full: boolean;
}

function put(w: Writer, text: string): void {
  if (w.full) return;
  w.parts.push(text);
  w.length += text.length;
  if (w.length > w.max) w.full = true;
}

function write(w: Writer, value: unknown, depth: number): void {
  if (w.full) return;
  switch (typeof value) {
    case 'string':
      // Only what can still be shown is escaped: a 60 MB string costs what the text keeps.
      put(w, JSON.stringify(value.length > w.max - w.length ? value.slice(0, w.max - w.length + 1) : value));
      return;
    case 'number':
      put(w, Number.isFinite(value) ? String(value) : 'null');
      return;
    case 'bigint':
      put(w, value.toString());
      return;
    case 'boolean':
      put(w, value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      put(w, 'null');
      return;
  }
  if (value === null) {
    put(w, 'null');
    return;
  }
  if (depth >= MAX_VALUE_DEPTH) throw new NestingError('the value');
  if (Array.isArray(value)) {
    put(w, '[');
    for (let i = 0; i < value.length && !w.full; i++) {
      if (i > 0) put(w, ',');
      write(w, value[i], depth + 1);
    }
    put(w, ']');
    return;
  }
  put(w, '{');
  let first = true;
  for (const key in value) {
    if (w.full) break;
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    if (!first) put(w, ',');
    first = false;
    put(w, `${JSON.stringify(key.length > w.max ? key.slice(0, w.max) : key)}:`);
    write(w, member, depth + 1);
  }
  put(w, '}');
}

/** True when a parsed JSON value nests arrays or objects deeper than `limit` levels (stops there). */
export function nestsDeeperThan(value: unknown, limit = MAX_VALUE_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  const members = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  for (const member of members) if (nestsDeeperThan(member, limit - 1)) return true;
  return false;
}

/** A key as an error message shows it: quoted, and cut when long. */
export function quoted(key: string): string {
  return JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}…` : key);
}
