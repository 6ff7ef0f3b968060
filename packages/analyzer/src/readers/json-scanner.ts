import { InputError } from '../input-error.js';
import { isEngineLimitError, MAX_RECORD_BYTES, recordTooLarge } from './input-limits.js';
import type { RecordPosition } from './internal-types.js';
import { type LineTracker, ValueCapture } from './json-capture.js';
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
import { describeByte, describeValueStart } from './json-syntax.js';

export { ROLE, type Role } from './json-roles.js';

/**
 * An incremental scanner for whole-document trace JSON (OTLP `ExportTraceServiceRequest` and its Tempo
 * and Jaeger api_v3 wrappers, Jaeger `{ data: [...] }` or one Jaeger trace, a Zipkin v2 list of spans). It walks the structure byte by byte, chunk by chunk, and hands each span (and
 * each resource, `processes` map, or unrecognized value) to the handler as one complete JSON text the
 * moment it ends, so a document of any size is read with memory bounded by its largest record. The
 * text of a record is then parsed with `JSON.parse`; the scanner itself validates only the structure
 * around records (which role each value plays, json-roles.ts), and tracks line and column for errors;
 * capturing a value's text across chunks is json-capture.ts's. Several top-level values in a row (concatenated
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
  /**
   * An OTLP span (`SPAN`) offered as bytes before it becomes text: true when the handler took it (then
   * `value` is not called for it), false to have it as text.
   */
  spanBytes?(bytes: Buffer, position: RecordPosition): boolean;
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
  private readonly lines: LineTracker;
  /** The value or key being captured (one at a time): state S_CAPTURE or S_IN_KEY. */
  private readonly capture: ValueCapture;
  /** Role of the value being captured. */
  private capRole: Role = ROLE.SKIP;
  /** Where the value or key being captured starts. */
  private capPosition: RecordPosition = { line: 1, column: 1, offset: 0 };

  constructor(
    private readonly file: string,
    private readonly handler: ScanHandler,
    private readonly kind: DocumentKind = 'any',
    startOffset = 0,
    startLine = 1,
  ) {
    this.lines = { base: startOffset, line: startLine, lineStart: startOffset };
    this.capture = new ValueCapture(this.lines);
  }

  /** Scans the next chunk of the document. */
  push(buf: Buffer): void {
    const n = buf.length;
    const lines = this.lines;
    let i = 0;
    if (this.state === S_CAPTURE) {
      i = this.capture.resume(buf);
      if (this.capture.done) this.finishValue(buf, i);
    } else if (this.state === S_IN_KEY) {
      i = this.capture.resume(buf);
      if (this.capture.done) this.finishKey(buf, i);
    }
    while (i < n) {
      const b = buf[i]!;
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
        if (b === 0x0a) {
          lines.line++;
          lines.lineStart = lines.base + i + 1;
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
            this.capPosition = this.position(i);
            i = this.capture.begin(buf, i);
            if (this.capture.done) this.finishKey(buf, i);
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
    if (this.state === S_CAPTURE || this.state === S_IN_KEY) {
      // Held over to the next chunk, bounded before it ever becomes a string.
      if (this.capture.hold(buf) > MAX_RECORD_BYTES)
        throw this.tooLarge(this.capPosition, this.state === S_CAPTURE ? this.capRole : undefined);
    }
    lines.base += n;
  }

  /** Ends the document: anything left open is a truncated input. */
  end(): void {
    if (this.state === S_CAPTURE && this.capture.endsAtInputEnd) {
      this.finishValue(Buffer.alloc(0), 0);
    }
    if (this.state !== S_TOP) {
      const { base, line, lineStart } = this.lines;
      throw new InputError({
        file: this.file,
        line,
        column: base - lineStart + 1,
        offset: base,
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
    const { base, line, lineStart } = this.lines;
    const offset = base + i;
    return { line, column: offset - lineStart + 1, offset };
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
    this.state = S_CAPTURE;
    this.capRole = role;
    this.capPosition = this.position(i);
    const end = this.capture.begin(buf, i);
    if (this.capture.done) this.finishValue(buf, end);
    return end;
  }

  /** The value being captured ended at `end` in `buf`: to the handler as one text. */
  private finishValue(buf: Buffer, end: number): void {
    if (this.capture.size(end) > MAX_RECORD_BYTES) throw this.tooLarge(this.capPosition, this.capRole);
    this.state = S_AFTER;
    let text: string;
    if (this.capRole === ROLE.SPAN && this.handler.spanBytes !== undefined) {
      const bytes = this.capture.bytes(buf, end);
      if (this.handler.spanBytes(bytes, this.capPosition)) return;
      text = bytes.toString('utf8');
    } else text = this.capture.text(buf, end);
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

  /** The key being captured ended at `end` in `buf` (after its closing quote): the role of its value. */
  private finishKey(buf: Buffer, end: number): void {
    if (this.capture.size(end) > MAX_RECORD_BYTES) throw this.tooLarge(this.capPosition, undefined);
    const raw = this.capture.bytes(buf, end);
    const key = raw.includes(0x5c) ? this.decodeKey(raw, end - 1) : raw.toString('utf8', 1, raw.length - 1);
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
