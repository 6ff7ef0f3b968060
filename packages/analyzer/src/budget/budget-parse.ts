import { isUtf8 } from 'node:buffer';
import { FINDING_CODES, type FindingCode, isFindingCode } from '@wirescope/semconv';
import { InputError } from '../input-error.js';
import { firstInvalid } from '../readers/utf8-guard.js';
import type { Budget, SpanCountLimit } from '../types.js';

const TOP_LEVEL_KEYS = new Set([
  'spans',
  'forbid',
  'warn',
  'allowUnjudged',
  'minCoverage',
  '$schema',
  'description',
]);
const LIMIT_KEYS = new Set(['min', 'max', 'exact', 'warnOnly']);

function fail(
  file: string,
  problem: string,
  position?: { line: number; column: number } | { offset: number },
): never {
  throw new InputError({ code: 'WIRESCOPE_BAD_BUDGET', file, problem, ...(position ?? {}) });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Line and column of a character offset. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    fail(file, `not valid JSON: ${message}`, at ? positionOf(text, Number(at[1])) : undefined);
  }
}

function parseLimit(value: unknown, file: string, path: string): SpanCountLimit {
  if (!isObject(value)) fail(file, `${path} must be an object such as { "max": 2 }`);
  const limit: SpanCountLimit = {};
  for (const [key, v] of Object.entries(value)) {
    if (!LIMIT_KEYS.has(key)) fail(file, `${path}.${key} is not a limit (use min, max, exact, warnOnly)`);
    if (key === 'warnOnly') {
      if (typeof v !== 'boolean') fail(file, `${path}.warnOnly must be true or false`);
      limit.warnOnly = v;
      continue;
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      fail(file, `${path}.${key} must be a non-negative integer`);
    }
    limit[key as 'min' | 'max' | 'exact'] = v;
  }
  if (limit.min === undefined && limit.max === undefined && limit.exact === undefined) {
    fail(file, `${path} needs at least one of min, max, exact`);
  }
  if (limit.min !== undefined && limit.max !== undefined && limit.min > limit.max) {
    fail(file, `${path}.min (${limit.min}) is greater than ${path}.max (${limit.max})`);
  }
  if (limit.exact !== undefined && (limit.min !== undefined || limit.max !== undefined)) {
    fail(file, `${path}.exact cannot be combined with min or max`);
  }
  return limit;
}

function parseShare(value: unknown, file: string, path: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    fail(file, `${path} must be a share of calls from 0 to 1 (0.9 for 90 %)`);
  }
  return value;
}

function parseMinCoverage(value: unknown, file: string): number | Partial<Record<FindingCode, number>> {
  if (typeof value === 'number') return parseShare(value, file, 'minCoverage');
  if (!isObject(value)) fail(file, 'minCoverage must be a share (0–1) or an object of finding code → share');
  const out: Partial<Record<FindingCode, number>> = {};
  for (const [code, share] of Object.entries(value)) {
    if (!isFindingCode(code)) {
      fail(
        file,
        `minCoverage[${JSON.stringify(code)}] is not a finding code (known: ${FINDING_CODES.join(', ')})`,
      );
    }
    out[code] = parseShare(share, file, `minCoverage[${JSON.stringify(code)}]`);
  }
  return out;
}

function parseCodes(value: unknown, file: string, key: 'forbid' | 'warn' | 'allowUnjudged'): FindingCode[] {
  if (!Array.isArray(value)) fail(file, `${key} must be an array of finding codes`);
  return value.map((code, index) => {
    if (typeof code !== 'string' || !isFindingCode(code)) {
      fail(
        file,
        `${key}[${index}] ${JSON.stringify(code)} is not a finding code (known: ${FINDING_CODES.join(', ')})`,
      );
    }
    return code;
  });
}

/**
 * The text of a budget file's bytes, decoded strictly: invalid UTF-8 is an error at its byte offset,
 * not a U+FFFD that makes a span name match nothing (and `check` pass). A BOM is dropped.
 */
function decodeStrictly(bytes: Uint8Array, file: string): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buf)) {
    const offset = firstInvalid(buf);
    const byte = buf[offset];
    fail(
      file,
      `invalid UTF-8 (byte 0x${(byte ?? 0).toString(16).padStart(2, '0')}): save the budget as UTF-8`,
      {
        offset,
      },
    );
  }
  const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  return buf.toString('utf8', start);
}

/**
 * Parses and validates a budget file, given as its bytes (decoded strictly as UTF-8) or as text.
 * Throws InputError (code `WIRESCOPE_BAD_BUDGET`) naming the file and the JSON path:
 * `spans["tls.handshake"].max must be a non-negative integer`. Unknown top-level keys (other than
 * `$schema` and `description`), unknown limit keys and unknown finding codes are errors.
 */
export function parseBudget(text: string | Uint8Array, file: string): Budget {
  const root = parseJson(typeof text === 'string' ? text : decodeStrictly(text, file), file);
  if (!isObject(root))
    fail(file, 'a budget must be a JSON object such as { "spans": {...}, "forbid": [...] }');
  const budget: Budget = {};
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL_KEYS.has(key))
      fail(
        file,
        `${JSON.stringify(key)} is not a budget key (use spans, forbid, warn, allowUnjudged, minCoverage)`,
      );
  }
  if (root.spans !== undefined) {
    if (!isObject(root.spans))
      fail(file, 'spans must be an object of span name → { min, max, exact, warnOnly }');
    budget.spans = {};
    for (const [name, value] of Object.entries(root.spans)) {
      budget.spans[name] = parseLimit(value, file, `spans[${JSON.stringify(name)}]`);
    }
  }
  if (root.forbid !== undefined) budget.forbid = parseCodes(root.forbid, file, 'forbid');
  if (root.warn !== undefined) budget.warn = parseCodes(root.warn, file, 'warn');
  if (root.allowUnjudged !== undefined) {
    budget.allowUnjudged =
      typeof root.allowUnjudged === 'boolean'
        ? root.allowUnjudged
        : parseCodes(root.allowUnjudged, file, 'allowUnjudged');
  }
  if (root.minCoverage !== undefined) budget.minCoverage = parseMinCoverage(root.minCoverage, file);
  return budget;
}
