/** Helpers around `JSON.parse`: exact big integers, and positions of syntax errors (V8 gives none). */

/** Integer literals outside strings that may not fit a double: 16 digits starting with 9, or 17+. */
const BIG_INT_HINT = /[:[,]\s*-?(?:9\d{15}|[1-9]\d{16})/;
/** A whole string (skipped as is) or an unquoted integer literal of 16+ digits (group 1). */
const STRING_OR_BIG_INT = /"(?:[^"\\]|\\.)*"|(-?\d{16,})(?![\d.eE])/g;

/**
 * `JSON.parse`, except that integer literals beyond 2^53 come back as decimal strings instead of
 * rounded doubles, so nanosecond times and int64 values written as JSON numbers stay exact. The
 * normalizers accept both strings and numbers everywhere an integer is expected.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(BIG_INT_HINT.test(text) ? quoteBigIntegers(text) : text);
}

/** `text` with every integer literal beyond 2^53 (outside strings) written as a decimal string. */
export function quoteBigIntegers(text: string): string {
  return text.replace(STRING_OR_BIG_INT, (match: string, digits: string | undefined) =>
    digits === undefined || Number.isSafeInteger(Number(digits)) ? match : `"${digits}"`,
  );
}

/** A byte as an error message shows it. */
export function describeByte(byte: number | undefined): string {
  if (byte === undefined) return 'end of input';
  if (byte >= 0x21 && byte < 0x7f) return `character '${String.fromCharCode(byte)}'`;
  return `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

/** A syntax error: byte index into the checked buffer and what was wrong. */
export interface JsonSyntaxError {
  index: number;
  problem: string;
}

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * The first syntax error in `buf[start, end)` taken as exactly one JSON value (surrounding whitespace
 * allowed), or `undefined` when it is valid. Used only after `JSON.parse` failed, to say where.
 */
export function findJsonSyntaxError(
  buf: Uint8Array,
  start = 0,
  end = buf.length,
): JsonSyntaxError | undefined {
  let i = start;
  const stack: number[] = []; // 0x7b or 0x5b
  const unexpected = (at: number): JsonSyntaxError =>
    at >= end
      ? { index: end, problem: 'unexpected end of input' }
      : { index: at, problem: `unexpected ${describeByte(buf[at])}` };
  const skipWs = (): void => {
    while (i < end && isWs(buf[i]!)) i++;
  };
  const readString = (): JsonSyntaxError | undefined => {
    i++; // opening quote
    while (i < end) {
      const b = buf[i]!;
      if (b === 0x22) {
        i++;
        return undefined;
      }
      if (b < 0x20) return { index: i, problem: `unescaped control ${describeByte(b)} in string` };
      if (b === 0x5c) {
        const e = buf[i + 1];
        if (e === undefined || i + 1 >= end) return unexpected(end);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            const h = buf[i + k];
            if (i + k >= end) return unexpected(end);
            if (h === undefined || !/[0-9a-fA-F]/.test(String.fromCharCode(h))) {
              return { index: i + k, problem: 'invalid \\u escape in string' };
            }
          }
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          return { index: i + 1, problem: 'invalid escape in string' };
        }
        i += 2;
        continue;
      }
      i++;
    }
    return unexpected(end);
  };
  const readScalar = (): JsonSyntaxError | undefined => {
    const b = buf[i]!;
    if (b === 0x22) return readString();
    for (const literal of ['true', 'false', 'null']) {
      if (b === literal.charCodeAt(0)) {
        for (let k = 0; k < literal.length; k++) {
          if (i + k >= end) return unexpected(end);
          if (buf[i + k] !== literal.charCodeAt(k)) return unexpected(i + k);
        }
        i += literal.length;
        return undefined;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(
      Buffer.from(buf.buffer, buf.byteOffset + i, Math.min(end - i, 400)).toString('latin1'),
    );
    if (!m || m[0].length === 0 || m[0] === '-') return unexpected(i + (m?.[0].length ?? 0));
    const next = i + m[0].length;
    if (next < end && (buf[next] === 0x2e || buf[next] === 0x65 || buf[next] === 0x45)) {
      return next + 1 >= end ? unexpected(end) : { index: next, problem: 'invalid number' };
    }
    i = next;
    return undefined;
  };

  // expect: 0 value, 1 key or '}', 2 key, 3 ':', 4 ',' or close, 5 value or ']'
  let expect = 0;
  for (;;) {
    skipWs();
    if (i >= end) {
      return expect === 4 && stack.length === 0 ? undefined : unexpected(end);
    }
    const b = buf[i]!;
    if (expect === 4 && stack.length === 0) return unexpected(i); // trailing data
    switch (expect) {
      case 0:
      case 5:
        if (expect === 5 && b === 0x5d) {
          stack.pop();
          i++;
          expect = 4;
        } else if (b === 0x7b || b === 0x5b) {
          stack.push(b);
          i++;
          expect = b === 0x7b ? 1 : 5;
        } else {
          const err = readScalar();
          if (err) return err;
          expect = 4;
        }
        break;
      case 1:
      case 2:
        if (expect === 1 && b === 0x7d) {
          stack.pop();
          i++;
          expect = 4;
        } else if (b === 0x22) {
          const err = readString();
          if (err) return err;
          expect = 3;
        } else {
          return unexpected(i);
        }
        break;
      case 3:
        if (b !== 0x3a) return unexpected(i);
        i++;
        expect = 0;
        break;
      default: {
        const top = stack[stack.length - 1];
        if (b === 0x2c) {
          i++;
          expect = top === 0x7b ? 2 : 0;
        } else if ((b === 0x7d && top === 0x7b) || (b === 0x5d && top === 0x5b)) {
          stack.pop();
          i++;
        } else {
          return unexpected(i);
        }
      }
    }
  }
}

/** 1-based line and column (in bytes) of `index` in `buf`, counting from a known start position. */
export function positionIn(
  buf: Uint8Array,
  index: number,
  startLine = 1,
  startColumn = 1,
): { line: number; column: number } {
  let line = startLine;
  let lineStart = -(startColumn - 1);
  for (let k = 0; k < index; k++) {
    if (buf[k] === 0x0a) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

/** True for a byte that can continue a JSON literal (true, false, null) or number. */
export function isLiteralByte(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2d ||
    b === 0x2b ||
    b === 0x2e ||
    b === 0x45
  );
}

/** What kind of JSON value starts with byte `b`, for error messages ("an object", "a number"). */
export function describeValueStart(b: number): string {
  if (b === 0x7b) return 'an object';
  if (b === 0x5b) return 'an array';
  if (b === 0x22) return 'a string';
  if (b === 0x74 || b === 0x66) return 'a boolean';
  if (b === 0x6e) return 'null';
  return 'a number';
}
