import { InputError } from '../input-error.js';
import type { Attributes, WireSpan } from '../types.js';
import { type JsonObject, type RecordPosition, ShapeError } from './internal-types.js';
import { jaegerSpanToWire } from './jaeger-normalize.js';
import { type DocumentKind, JsonScanner, ROLE, type Role, type ScanHandler } from './json-scanner.js';
import { findJsonSyntaxError, parseJsonExact, positionIn } from './json-syntax.js';
import { otlpResource, otlpSpanToWire } from './otlp-normalize.js';

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
 * Turns the records of a whole document into spans. A span is emitted as soon as what it needs is
 * known: OTLP spans need their `resource`, Jaeger spans (without an inline `process`) the trace's
 * `processes`. Producers write those first or last; when last, the spans of that one `resourceSpans`
 * entry or trace wait for it (memory bounded by one entry, not by the file).
 */
class DocumentAssembler implements ScanHandler {
  out: WireSpan[] = [];
  private resource: Attributes | undefined;
  /** Scope name of the current `scopeSpans` entry (exporters write `scope` before `spans`). */
  private scope: string | undefined;
  private processes: JsonObject | undefined;
  private processesSeen = false;
  private pending: PendingSpan[] = [];

  constructor(
    private readonly file: string,
    private readonly kind: DocumentKind,
  ) {}

  open(role: Role): void {
    if (role === ROLE.SS_ITEM) this.scope = undefined;
    if (role === ROLE.RS_ITEM) this.resource = undefined;
    if (role === ROLE.J_TRACE) {
      this.processes = undefined;
      this.processesSeen = false;
    }
    this.pending = [];
  }

  close(role: Role, sawKnownKey: boolean): void {
    if (role === ROLE.RS_ITEM) {
      this.resource ??= {};
      this.flush(role);
    } else if (role === ROLE.J_TRACE) {
      this.processesSeen = true;
      this.flush(role);
    } else if (role === ROLE.DOC && !sawKnownKey) {
      throw new Error(
        this.kind === 'otlp'
          ? 'this object has no resourceSpans: not an OTLP ExportTraceServiceRequest'
          : this.kind === 'jaeger'
            ? 'this object has no data: not a Jaeger traces document'
            : 'this object has neither resourceSpans (OTLP) nor data (Jaeger)',
      );
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
    this.out.push(
      this.normalize(position, () =>
        role === ROLE.SPAN
          ? otlpSpanToWire(span, this.resource ?? {}, source, this.scope)
          : jaegerSpanToWire(span, this.processes, source),
      ),
    );
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
    const scanner = new JsonScanner(file, new DocumentAssembler(file, kind), kind, offset, line);
    scanner.push(Buffer.from(text, 'utf8'));
    scanner.end();
  } catch (error) {
    if (error instanceof InputError) return error;
  }
  return undefined;
}

/** Spans of whole JSON documents (OTLP or Jaeger, one or several in a row), streamed, a batch per chunk. */
export async function* readDocument(
  chunks: AsyncIterable<Buffer>,
  file: string,
  kind: DocumentKind,
  startOffset: () => number,
): AsyncGenerator<WireSpan[]> {
  const assembler = new DocumentAssembler(file, kind);
  let scanner: JsonScanner | undefined;
  for await (const chunk of chunks) {
    scanner ??= new JsonScanner(file, assembler, kind, startOffset());
    scanner.push(chunk);
    if (assembler.out.length > 0) {
      yield assembler.out;
      assembler.out = [];
    }
  }
  scanner?.end();
}
