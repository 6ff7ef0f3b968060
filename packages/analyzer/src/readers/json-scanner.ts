import { InputError } from '../input-error.js';
import { isEngineLimitError, MAX_RECORD_BYTES, recordTooLarge } from './input-limits.js';
import type { RecordPosition } from './internal-types.js';
import {
  ACCEPTED_FORMATS,
  ARRAY_ROLES,
  DOC_KEY_ROLES,
  ELEMENT_ROLES,
  KEY_ROLES,
  OBJECT_ROLES,
  OTHER_CONTAINER_ROLES,
  ROLE,
  ROLE_NAMES,
  type Role,
} from './json-roles.js';
import { describeByte, describeValueStart, isLiteralByte } from './json-syntax.js';

export { ROLE, type Role } from './json-roles.js';

/**
 * An incremental scanner for whole-document trace JSON (OTLP `ExportTraceServiceRequest` and its Tempo
 * and Jaeger api_v3 wrappers, Jaeger `{ data: [...] }` or one Jaeger trace, a Zipkin v2 list of spans). It walks the structure byte by byte, chunk by chunk, and hands each span (and
 * each resource, `processes` map, or unrecognized value) to the handler as one complete JSON text the
 * moment it ends, so a document of any size is read with memory bounded by its largest record. The
 * text of a record is then parsed with `JSON.parse`; the scanner itself validates only the structure
 * around records, and tracks line and column for errors. Several top-level values in a row (concatenated
 * or pretty-printed JSON Lines) are accepted.
 */

/** Receives the records of a document as they complete. */
export interface ScanHandler {
  /** A structural object opened (`DOC`, `RS_ITEM`, `J_TRACE`, `WRAP`). */
  open(role: Role): void;
  /** A structural object closed; its frame says where it opened and which keys it had. */
  close(role: Role, frame: ClosedObject): void;
  /** A complete record (`SPAN`, `JSPAN`, `ZSPAN`, `RESOURCE`, `PROCESSES`, `SKIP`). */
  value(role: Role, text: string, position: RecordPosition): void;
}

// Scanner states.
const S_TOP = 0;
const S_VALUE = 1;
const S_VALUE_OR_END = 2;
const S_KEY_OR_END = 3;
const S_KEY = 4;
const S_IN_KEY = 5;
const S_COLON = 6;
const S_AFTER = 7;
const S_CAPTURE = 8;

// Capture kinds.
const C_CONTAINER = 0;
const C_STRING = 1;
const C_LITERAL = 2;

/** What the handler learns of an object when it closes. */
export interface ClosedObject {
  /** A DOC had a key of a trace format (`resourceSpans`, `batches`, `data`, …); a WRAP had `resourceSpans`. */
  sawKnownKey: boolean;
  /** Where the object opened. */
  position: RecordPosition;
  /** Its first keys (at most {@link MAX_KEYS_KEPT}), for the error that refuses an unknown object. */
  keys: string[];
}

interface Frame extends ClosedObject {
  role: Role;
  isObject: boolean;
}

/** Keys of a structural object kept for errors. */
export const MAX_KEYS_KEPT = 8;

/** Which documents the scanner recognizes. */
export type DocumentKind = 'otlp' | 'jaeger' | 'zipkin' | 'any';

/** See the module comment. */
export class JsonScanner {
  private state = S_TOP;
  private readonly stack: Frame[] = [];
  private pendingRole: Role = ROLE.DOC;
  private base: number;
  private line = 1;
  private lineStart: number;
  private escape = false;
  // key being read
  private keyParts: Buffer[] = [];
  private keyStart = 0;
  private keyBytes = 0;
  private keyPosition: RecordPosition = { line: 1, column: 1, offset: 0 };
  // record being captured
  private capRole: Role = ROLE.SKIP;
  private capKind = C_CONTAINER;
  private capDepth = 0;
  private capInString = false;
  private capParts: Buffer[] = [];
  private capStart = 0;
  /** Bytes of the record in `capParts` (earlier chunks), held to MAX_RECORD_BYTES. */
  private capBytes = 0;
  private capPosition: RecordPosition = { line: 1, column: 1, offset: 0 };

  constructor(
    private readonly file: string,
    private readonly handler: ScanHandler,
    private readonly kind: DocumentKind = 'any',
    startOffset = 0,
    startLine = 1,
  ) {
    this.base = startOffset;
    this.lineStart = startOffset;
    this.line = startLine;
  }

  /** Scans the next chunk of the document. */
  push(buf: Buffer): void {
    const n = buf.length;
    let i = 0;
    if (this.state === S_CAPTURE) {
      this.capStart = 0;
      i = this.continueCapture(buf, 0);
    } else if (this.state === S_IN_KEY) {
      this.keyStart = 0;
      i = this.continueKey(buf, 0);
    }
    while (i < n) {
      const b = buf[i]!;
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
        if (b === 0x0a) {
          this.line++;
          this.lineStart = this.base + i + 1;
        }
        i++;
        continue;
      }
      switch (this.state) {
        case S_TOP:
          this.pendingRole = ROLE.DOC;
          i = this.startValue(buf, i);
          break;
        case S_VALUE:
          i = this.startValue(buf, i);
          break;
        case S_VALUE_OR_END:
          if (b === 0x5d) {
            i = this.closeContainer(i);
          } else {
            this.pendingRole = ELEMENT_ROLES[this.top().role] ?? ROLE.SKIP;
            i = this.startValue(buf, i);
          }
          break;
        case S_KEY_OR_END:
        case S_KEY:
          if (b === 0x7d && this.state === S_KEY_OR_END) {
            i = this.closeContainer(i);
          } else if (b === 0x22) {
            this.state = S_IN_KEY;
            this.keyStart = i;
            this.keyParts = [];
            this.keyBytes = 0;
            this.keyPosition = this.position(i);
            i = this.continueKey(buf, i + 1);
          } else {
            throw this.syntaxError(i, b);
          }
          break;
        case S_COLON:
          if (b !== 0x3a) throw this.syntaxError(i, b);
          this.state = S_VALUE;
          i++;
          break;
        case S_AFTER: {
          const top = this.top();
          if (b === 0x2c) {
            this.state = top.isObject ? S_KEY : S_VALUE;
            if (!top.isObject) this.pendingRole = ELEMENT_ROLES[top.role] ?? ROLE.SKIP;
            i++;
          } else if (b === (top.isObject ? 0x7d : 0x5d)) {
            i = this.closeContainer(i);
          } else {
            throw this.syntaxError(i, b);
          }
          break;
        }
        default:
          throw new Error(`wirescope: scanner in unexpected state ${this.state}`);
      }
    }
    if (this.state === S_CAPTURE) {
      // Copies: the chunk's buffer may be used again for the next chunk.
      if (this.capStart < n) {
        this.capBytes += n - this.capStart;
        if (this.capBytes > MAX_RECORD_BYTES) throw this.tooLarge(this.capPosition, this.capRole);
        this.capParts.push(Buffer.from(buf.subarray(this.capStart)));
      }
    } else if (this.state === S_IN_KEY) {
      this.keyBytes += n - this.keyStart;
      if (this.keyBytes > MAX_RECORD_BYTES) throw this.tooLarge(this.keyPosition, undefined);
      this.keyParts.push(Buffer.from(buf.subarray(this.keyStart)));
    }
    this.base += n;
  }

  /** Ends the document: anything left open is a truncated input. */
  end(): void {
    if (this.state === S_CAPTURE && this.capKind === C_LITERAL) {
      this.finishCapture(Buffer.alloc(0), 0);
    }
    if (this.state !== S_TOP) {
      throw new InputError({
        file: this.file,
        line: this.line,
        column: this.base - this.lineStart + 1,
        offset: this.base,
        problem: 'unexpected end of input',
      });
    }
  }

  /** Whether this scanner reads documents of the kind `role` belongs to (Zipkin's list, Jaeger's trace). */
  private accepts(role: Role): boolean {
    if (this.kind === 'any') return true;
    return role === ROLE.Z_SPANS ? this.kind === 'zipkin' : this.kind === 'jaeger';
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private position(i: number): RecordPosition {
    const offset = this.base + i;
    return { line: this.line, column: offset - this.lineStart + 1, offset };
  }

  private syntaxError(i: number, b: number): InputError {
    return new InputError({ file: this.file, ...this.position(i), problem: `unexpected ${describeByte(b)}` });
  }

  private shapeError(i: number, role: Role, b: number): InputError {
    const expected =
      OBJECT_ROLES.has(role) || role === ROLE.SPAN || role === ROLE.JSPAN || role === ROLE.ZSPAN
        ? 'an object'
        : 'an array';
    const name = ROLE_NAMES[role] ?? 'the value';
    const problem =
      role === ROLE.DOC
        ? `expected a trace document (${ACCEPTED_FORMATS}), found ${describeValueStart(b)}`
        : `expected ${name} to be ${expected}, found ${describeValueStart(b)}`;
    return new InputError({ file: this.file, ...this.position(i), problem });
  }

  private startValue(buf: Buffer, i: number): number {
    const b = buf[i]!;
    let role = this.pendingRole;
    const valueStart =
      b === 0x7b ||
      b === 0x5b ||
      b === 0x22 ||
      b === 0x2d ||
      (b >= 0x30 && b <= 0x39) ||
      b === 0x74 ||
      b === 0x66 ||
      b === 0x6e;
    if (!valueStart) throw this.syntaxError(i, b);
    if (OBJECT_ROLES.has(role) || ARRAY_ROLES.has(role)) {
      let isObject = OBJECT_ROLES.has(role);
      const other = OTHER_CONTAINER_ROLES[role];
      if (other !== undefined && b === (isObject ? 0x5b : 0x7b) && this.accepts(other)) {
        role = other;
        isObject = !isObject;
      }
      if (b === (isObject ? 0x7b : 0x5b)) {
        this.stack.push({ role, isObject, sawKnownKey: false, position: this.position(i), keys: [] });
        this.state = isObject ? S_KEY_OR_END : S_VALUE_OR_END;
        if (isObject) this.handler.open(role);
        return i + 1;
      }
      if (b !== 0x6e || role === ROLE.DOC) throw this.shapeError(i, role, b);
      return this.startCapture(buf, i, ROLE.SKIP); // `null` stands for an empty list
    }
    if ((role === ROLE.SPAN || role === ROLE.JSPAN || role === ROLE.ZSPAN) && b !== 0x7b)
      throw this.shapeError(i, role, b);
    if ((role === ROLE.RESOURCE || role === ROLE.PROCESSES) && b !== 0x7b && b !== 0x6e) {
      throw this.shapeError(i, role, b);
    }
    return this.startCapture(buf, i, role);
  }

  private startCapture(buf: Buffer, i: number, role: Role): number {
    const b = buf[i]!;
    this.state = S_CAPTURE;
    this.capRole = role;
    this.capParts = [];
    this.capStart = i;
    this.capBytes = 0;
    this.capPosition = this.position(i);
    this.capDepth = 0;
    this.capInString = false;
    if (b === 0x22) {
      this.capKind = C_STRING;
      this.capInString = true;
      return this.continueCapture(buf, i + 1);
    }
    this.capKind = b === 0x7b || b === 0x5b ? C_CONTAINER : C_LITERAL;
    return this.continueCapture(buf, i);
  }

  /** Index of the closing quote of a string whose content continues at `from`, or -1. */
  private closeQuote(buf: Buffer, from: number): number {
    let k = from;
    if (this.escape) {
      this.escape = false;
      k++;
    }
    for (;;) {
      const j = buf.indexOf(0x22, k);
      const stop = j === -1 ? buf.length : j;
      let backslashes = 0;
      for (let m = stop - 1; m >= k && buf[m] === 0x5c; m--) backslashes++;
      if (j === -1) {
        this.escape = (backslashes & 1) === 1;
        return -1;
      }
      if ((backslashes & 1) === 0) return j;
      k = j + 1;
    }
  }

  private continueCapture(buf: Buffer, i: number): number {
    const n = buf.length;
    if (this.capInString) {
      const j = this.closeQuote(buf, i);
      if (j === -1) return n;
      this.capInString = false;
      i = j + 1;
      if (this.capKind === C_STRING) {
        this.finishCapture(buf, i);
        return i;
      }
    }
    if (this.capKind === C_LITERAL) {
      while (i < n && isLiteralByte(buf[i]!)) i++;
      if (i < n) this.finishCapture(buf, i);
      return i;
    }
    let depth = this.capDepth;
    while (i < n) {
      const b = buf[i]!;
      if (b === 0x22) {
        const j = this.closeQuote(buf, i + 1);
        if (j === -1) {
          this.capInString = true;
          this.capDepth = depth;
          return n;
        }
        i = j + 1;
        continue;
      }
      if (b === 0x7b || b === 0x5b) {
        depth++;
      } else if (b === 0x7d || b === 0x5d) {
        depth--;
        if (depth === 0) {
          this.finishCapture(buf, i + 1);
          return i + 1;
        }
      } else if (b === 0x0a) {
        this.line++;
        this.lineStart = this.base + i + 1;
      }
      i++;
    }
    this.capDepth = depth;
    return n;
  }

  private finishCapture(buf: Buffer, end: number): void {
    if (this.capBytes + end - this.capStart > MAX_RECORD_BYTES) {
      throw this.tooLarge(this.capPosition, this.capRole);
    }
    let text: string;
    if (this.capParts.length === 0) {
      text = buf.toString('utf8', this.capStart, end);
    } else {
      this.capParts.push(buf.subarray(0, end));
      text = Buffer.concat(this.capParts).toString('utf8');
      this.capParts = [];
    }
    this.state = S_AFTER;
    try {
      this.handler.value(this.capRole, text, this.capPosition);
    } catch (error) {
      if (!isEngineLimitError(error)) throw error;
      throw new InputError({
        file: this.file,
        ...this.capPosition,
        problem: `cannot be read: ${error.message}`,
      });
    }
  }

  /** A record (or, with no role, an object key) over MAX_RECORD_BYTES, before it becomes a string. */
  private tooLarge(position: RecordPosition, role: Role | undefined): InputError {
    const what =
      role === undefined
        ? 'an object key'
        : role === ROLE.SPAN || role === ROLE.JSPAN || role === ROLE.ZSPAN
          ? 'a span'
          : ROLE_NAMES[role];
    return recordTooLarge(this.file, position, what ?? 'a value');
  }

  private continueKey(buf: Buffer, i: number): number {
    const j = this.closeQuote(buf, i);
    if (j === -1) return buf.length;
    if (this.keyBytes + j + 1 - this.keyStart > MAX_RECORD_BYTES)
      throw this.tooLarge(this.keyPosition, undefined);
    let raw: Buffer;
    if (this.keyParts.length === 0) {
      raw = buf.subarray(this.keyStart, j + 1);
    } else {
      this.keyParts.push(buf.subarray(0, j + 1));
      raw = Buffer.concat(this.keyParts);
      this.keyParts = [];
    }
    const key = raw.includes(0x5c) ? this.decodeKey(raw, j) : raw.toString('utf8', 1, raw.length - 1);
    const top = this.top();
    let role: Role = KEY_ROLES[top.role]?.[key] ?? ROLE.SKIP;
    if (top.role === ROLE.DOC) {
      const known = Object.hasOwn(DOC_KEY_ROLES, key) ? DOC_KEY_ROLES[key] : undefined;
      if (known && (this.kind === 'any' || this.kind === known.kind)) role = known.role;
      if (top.keys.length < MAX_KEYS_KEPT) top.keys.push(key);
    } else if (top.role === ROLE.WRAP && top.keys.length < MAX_KEYS_KEPT) top.keys.push(key);
    if (role !== ROLE.SKIP && (top.role === ROLE.DOC || top.role === ROLE.WRAP)) top.sawKnownKey = true;
    this.pendingRole = role;
    this.state = S_COLON;
    return j + 1;
  }

  private decodeKey(raw: Buffer, j: number): string {
    try {
      return JSON.parse(raw.toString('utf8')) as string;
    } catch {
      throw new InputError({ file: this.file, ...this.position(j), problem: 'invalid escape in object key' });
    }
  }

  private closeContainer(i: number): number {
    const frame = this.stack.pop()!;
    this.state = this.stack.length === 0 ? S_TOP : S_AFTER;
    if (frame.isObject) {
      try {
        this.handler.close(frame.role, frame);
      } catch (error) {
        if (error instanceof InputError || !(error instanceof Error)) throw error;
        throw new InputError({ file: this.file, ...this.position(i), problem: error.message });
      }
    }
    return i + 1;
  }
}
