import type { SpanRecord } from '../span-record/record.js';
import type { WaterfallOperation } from '../types.js';

/** What a waterfall trace is, from its spans: the root span's name and the service that made it. */
export interface TraceFacts {
  traceId: string;
  /** Name of the trace's root span (no parent), when it was in the input. */
  rootName: string | undefined;
  /** Start of that root span, ms: of several parentless spans, the earliest names the trace. */
  rootStartMs: number;
  /** `service.name` of the root span's resource, else of the first span that had one. */
  service: string | undefined;
  serviceFromRoot: boolean;
}

/** Span names and services are input: a title stays one readable line whatever the file holds. */
const MAX_PART = 80;
/** Distinct operation names a title lists before "+N more". */
const MAX_OPERATION_NAMES = 3;

const clip = (text: string) => (text.length <= MAX_PART ? text : `${text.slice(0, MAX_PART - 1)}…`);

/** `unknown_service:node` is OpenTelemetry's default when the app named no service: it says nothing. */
function serviceOf(span: SpanRecord): string | undefined {
  const value = span.resource['service.name'];
  return typeof value === 'string' && value !== '' && !value.startsWith('unknown_service')
    ? value
    : undefined;
}

/** Notes, for the waterfall traces only, what each trace is as its spans arrive. */
export class TraceTitles {
  private readonly byTrace = new Map<number, TraceFacts>();

  /** The spans of trace number `trace` (id `traceId`) will be noted. */
  track(trace: number, traceId: string): void {
    this.byTrace.set(trace, {
      traceId,
      rootName: undefined,
      rootStartMs: Number.POSITIVE_INFINITY,
      service: undefined,
      serviceFromRoot: false,
    });
  }

  /** One span of trace number `trace` (ignored unless the trace is tracked). */
  note(trace: number, span: SpanRecord): void {
    const facts = this.byTrace.get(trace);
    if (!facts) return;
    const service = serviceOf(span);
    if (!span.hasParent && span.startMs < facts.rootStartMs) {
      facts.rootName = span.name;
      facts.rootStartMs = span.startMs;
      if (service !== undefined) {
        facts.service = service;
        facts.serviceFromRoot = true;
      }
    } else if (facts.service === undefined && service !== undefined) {
      facts.service = service;
    }
  }

  /** The facts of every tracked trace, by trace id. */
  byTraceId(): Map<string, TraceFacts> {
    return new Map([...this.byTrace.values()].map((facts) => [facts.traceId, facts]));
  }
}

/** `S3.PutObject ×4, DynamoDB.PutItem`: the trace's calls by name, in order of first start. */
export function operationsLine(operations: WaterfallOperation[], omitted = 0): string {
  const counts = new Map<string, number>();
  for (const op of operations) counts.set(op.name, (counts.get(op.name) ?? 0) + 1);
  const names = [...counts].map(([name, count]) => (count > 1 ? `${clip(name)} ×${count}` : clip(name)));
  const shown = names.slice(0, MAX_OPERATION_NAMES);
  if (names.length > shown.length) shown.push(`+${names.length - shown.length} more`);
  if (omitted > 0) shown.push(`+${omitted.toLocaleString('en-US')} more calls`);
  return shown.join(', ');
}

/**
 * The title of a trace's waterfall: what ran, then the service. `S3.PutObject · checkout-service` when
 * the root is a call; `POST /checkout → S3.PutObject ×2, DynamoDB.PutItem · checkout-service`
 * when the root is something else (a request handler, a job); the calls alone when the root span was
 * not in the input.
 */
export function traceTitle(
  facts: Pick<TraceFacts, 'rootName' | 'service'> | undefined,
  operations: WaterfallOperation[],
  omitted = 0,
): string {
  const calls = operationsLine(operations, omitted);
  const root = facts?.rootName;
  let head: string;
  // A root that is one of the calls (a script's SDK call, several parentless calls) adds nothing.
  if (root === undefined || operations.some((op) => op.name === root)) head = calls;
  else if (calls === '') head = clip(root);
  else head = `${clip(root)} → ${calls}`;
  return facts?.service !== undefined ? `${head} · ${clip(facts.service)}` : head;
}
