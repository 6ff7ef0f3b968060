import { InputError } from '../input-error.js';
import type { Attributes, WireSpan } from '../types.js';
import { type JsonObject, type RecordPosition, ShapeError } from './internal-types.js';
import { jaegerSpanToWire } from './jaeger-normalize.js';
import { ACCEPTED_FORMATS, NON_TRACE_KEYS } from './json-roles.js';
import {
  type ClosedObject,
  type DocumentKind,
  JsonScanner,
  ROLE,
  type Role,
  type ScanHandler,
} from './json-scanner.js';
import { findJsonSyntaxError, parseJsonExact, positionIn } from './json-syntax.js';
import { otlpResource, otlpSpanToWire } from './otlp-normalize.js';
import { NOT_TRACES, type SkipRecord } from './skipped.js';
import { zipkinSpanToWire } from './zipkin-normalize.js';

/**
 * What a document's spans become: each `WireSpan` converted, and with `scan`, an OTLP span read straight
 * from its bytes when its resource is known (undefined: read it the full way). `batchUsed` is called
 * when a batch was handed over and used up (the scanned records are used again).
 */
export interface DocumentOutput<T> {
  convert(span: WireSpan): T;
  scan?(bytes: Buffer, resource: Attributes, scope: string | undefined): T | undefined;
  batchUsed?(): void;
}

/** The spans as `WireSpan`s. */
export const WIRE_OUTPUT: DocumentOutput<WireSpan> = { convert: (span) => span };

interface PendingSpan {
  span: unknown;
  position: RecordPosition;
}

/** Parses one record the scanner cut out; a syntax error names its line and column in the file. */
export function parseRecord(file: string, text: string, position: RecordPosition): unknown {
  try {
    return parseJsonExact(text);
  } catch (error) {
    const bytes = Buffer.from(text, 'utf8');
    const found = findJsonSyntaxError(bytes);
    if (!found) {
      throw new InputError({
        file,
        ...position,
        problem: error instanceof Error ? error.message : String(error),
      });
    }
    const { line, column } = positionIn(bytes, found.index, position.line, position.column);
    throw new InputError({
      file,
      line,
      column,
      offset: position.offset + found.index,
      problem: found.problem,
    });
  }
}

/**
 * The error that refuses a top-level object of no format the readers know, at the position where it
 * opened, naming its keys; metrics and logs records get the code `WIRESCOPE_NOT_TRACES` (lenient
 * readers skip and count them).
 */
export function unknownObjectError(file: string, role: Role, closed: ClosedObject): InputError {
  const keys =
    closed.keys.length === 0 ? 'no keys' : `keys ${closed.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  const signal = closed.keys.find((key) => NON_TRACE_KEYS.has(key));
  if (signal !== undefined) {
    return new InputError({
      code: NOT_TRACES,
      file,
      ...closed.position,
      problem: `a ${/metrics/i.test(signal) ? 'metrics' : /logs/i.test(signal) ? 'logs' : 'profiles'} record (${signal}), not traces`,
    });
  }
  const problem =
    role === ROLE.WRAP
      ? `this object (${keys}) has no resourceSpans`
      : `not a trace format wirescope reads: an object with ${keys}; accepted: ${ACCEPTED_FORMATS}`;
  return new InputError({ file, ...closed.position, problem });
}

/**
 * Turns the records of a whole document into spans. A span is emitted as soon as what it needs is
 * known: OTLP spans need their `resource`, Jaeger spans (without an inline `process`) the trace's
 * `processes`. Producers write those first or last; when last, the spans of that one `resourceSpans`
 * entry or trace wait for it (memory bounded by one entry, not by the file).
 *
 * With `skip`, a span that cannot be read and a metrics or logs document are handed to it and left out
 * (the lenient reading); without, they end the read.
 */
class DocumentAssembler<T> implements ScanHandler {
  out: T[] = [];
  private resource: Attributes | undefined;
  /** Scope name of the current `scopeSpans` entry (exporters write `scope` before `spans`). */
  private scope: string | undefined;
  private processes: JsonObject | undefined;
  private processesSeen = false;
  private pending: PendingSpan[] = [];

  constructor(
    private readonly file: string,
    private readonly output: DocumentOutput<T>,
    private readonly skip?: SkipRecord,
  ) {
    // Offered only when the output can take bytes (the analysis fast path).
    const scan = output.scan;
    if (scan !== undefined) {
      this.spanBytes = (bytes) => {
        // A span before its resource waits, parsed, in `pending` (the full way).
        if (this.resource === undefined) return false;
        const record = scan(bytes, this.resource, this.scope);
        if (record === undefined) return false;
        this.out.push(record);
        return true;
      };
    }
  }

  readonly spanBytes?: (bytes: Buffer, position: RecordPosition) => boolean;

  open(role: Role): void {
    if (role === ROLE.SS_ITEM) this.scope = undefined;
    if (role === ROLE.RS_ITEM) this.resource = undefined;
    if (role === ROLE.J_TRACE || role === ROLE.DOC) {
      // A top-level object may be one Jaeger trace (`{ traceID, spans, processes }`) itself.
      this.processes = undefined;
      this.processesSeen = false;
    }
    this.pending = [];
  }

  close(role: Role, closed: ClosedObject): void {
    if (role === ROLE.RS_ITEM) {
      this.resource ??= {};
      this.flush(role);
    } else if (role === ROLE.J_TRACE || (role === ROLE.DOC && this.pending.length > 0)) {
      this.processesSeen = true;
      this.flush(ROLE.J_TRACE);
    }
    if ((role === ROLE.DOC || role === ROLE.WRAP) && !closed.sawKnownKey) {
      const error = unknownObjectError(this.file, role, closed);
      if (this.skip && role === ROLE.DOC && error.code === NOT_TRACES) this.skip(error);
      else throw error;
    }
  }

  value(role: Role, text: string, position: RecordPosition): void {
    switch (role) {
      case ROLE.SPAN: {
        const span = parseRecord(this.file, text, position);
        if (this.resource) this.emit(ROLE.SPAN, span, position);
        else this.pending.push({ span, position });
        return;
      }
      case ROLE.ZSPAN:
        this.emit(ROLE.ZSPAN, parseRecord(this.file, text, position), position);
        return;
      case ROLE.JSPAN: {
        const span = parseRecord(this.file, text, position);
        const needsProcesses =
          typeof span === 'object' && span !== null && !('process' in span) && 'processID' in span;
        if (this.processesSeen || !needsProcesses) this.emit(ROLE.JSPAN, span, position);
        else this.pending.push({ span, position });
        return;
      }
      case ROLE.RESOURCE:
        this.resource = this.normalize(position, () => otlpResource(parseRecord(this.file, text, position)));
        this.flush(ROLE.RS_ITEM);
        return;
      case ROLE.SCOPE: {
        const scope = parseRecord(this.file, text, position);
        const name = typeof scope === 'object' && scope !== null ? (scope as JsonObject).name : undefined;
        this.scope = typeof name === 'string' && name !== '' ? name : undefined;
        return;
      }
      case ROLE.PROCESSES: {
        const processes = parseRecord(this.file, text, position);
        if (processes !== null && (typeof processes !== 'object' || Array.isArray(processes))) {
          throw new InputError({ file: this.file, ...position, problem: 'processes is not an object' });
        }
        this.processes = (processes ?? undefined) as JsonObject | undefined;
        this.processesSeen = true;
        this.flush(ROLE.J_TRACE);
        return;
      }
      default:
        parseRecord(this.file, text, position); // validated, not needed
    }
  }

  private flush(role: Role): void {
    const pending = this.pending;
    this.pending = [];
    for (const { span, position } of pending)
      this.emit(role === ROLE.RS_ITEM ? ROLE.SPAN : ROLE.JSPAN, span, position);
  }

  private emit(role: Role, span: unknown, position: RecordPosition): void {
    const source = { file: this.file, line: position.line };
    let wire: WireSpan;
    try {
      wire = this.normalize(position, () =>
        role === ROLE.SPAN
          ? otlpSpanToWire(span, this.resource ?? {}, source, this.scope)
          : role === ROLE.ZSPAN
            ? zipkinSpanToWire(span, source)
            : jaegerSpanToWire(span, this.processes, source),
      );
    } catch (error) {
      if (!this.skip || !(error instanceof InputError)) throw error;
      this.skip(error);
      return;
    }
    this.out.push(this.output.convert(wire));
  }

  private normalize<T>(position: RecordPosition, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ShapeError) {
        throw new InputError({ file: this.file, ...position, problem: error.message });
      }
      throw error;
    }
  }
}

/**
 * The positioned error for a record that parsed but has the wrong shape, found by scanning it again
 * as a document (JSON Lines reads lines with `JSON.parse`, which knows no positions).
 */
export function locateShapeError(
  text: string,
  file: string,
  kind: DocumentKind,
  line: number,
  offset: number,
): InputError | undefined {
  try {
    const scanner = new JsonScanner(file, new DocumentAssembler(file, WIRE_OUTPUT), kind, offset, line);
    scanner.push(Buffer.from(text, 'utf8'));
    scanner.end();
  } catch (error) {
    if (error instanceof InputError) return error;
  }
  return undefined;
}

/**
 * Spans of whole JSON documents (OTLP, Jaeger or Zipkin, one or several in a row), streamed, a batch per
 * chunk. With `skip`, unreadable spans and metrics or logs documents are handed to it and left out.
 */
export async function* readDocument<T>(
  chunks: AsyncIterable<Buffer>,
  file: string,
  kind: DocumentKind,
  startOffset: () => number,
  output: DocumentOutput<T>,
  skip?: SkipRecord,
): AsyncGenerator<T[]> {
  const assembler = new DocumentAssembler(file, output, skip);
  let scanner: JsonScanner | undefined;
  for await (const chunk of chunks) {
    scanner ??= new JsonScanner(file, assembler, kind, startOffset());
    scanner.push(chunk);
    if (assembler.out.length > 0) {
      yield assembler.out;
      assembler.out = [];
      output.batchUsed?.();
    }
  }
  scanner?.end();
}
