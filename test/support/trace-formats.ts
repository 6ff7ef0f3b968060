/**
 * Converters that record one set of SDK spans in the three file formats the analyzer reads, for
 * fixtures and round-trip tests: OTLP JSON (the real OTLP/HTTP JSON serializer), OTLP JSON Lines
 * (one request per trace, like the collector's file exporter) and Jaeger JSON (the UI's download).
 */
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

const KIND_NAMES = ['internal', 'server', 'client', 'producer', 'consumer'] as const;
const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'] as const;

/** An `ExportTraceServiceRequest` as OTLP/HTTP JSON, exactly as the OTLP HTTP exporter sends it. */
export function toOtlpJson(spans: readonly ReadableSpan[]): string {
  const bytes = JsonTraceSerializer.serializeRequest([...spans]);
  if (!bytes) throw new Error('JsonTraceSerializer produced nothing');
  return new TextDecoder().decode(bytes);
}

/** OTLP JSON Lines: one `ExportTraceServiceRequest` per trace, one per line, newline-terminated. */
export function toOtlpJsonLines(spans: readonly ReadableSpan[]): string {
  return [...groupByTrace(spans).values()].map((group) => `${toOtlpJson(group)}\n`).join('');
}

function groupByTrace(spans: readonly ReadableSpan[]): Map<string, ReadableSpan[]> {
  const traces = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const traceId = span.spanContext().traceId;
    let group = traces.get(traceId);
    if (!group) {
      group = [];
      traces.set(traceId, group);
    }
    group.push(span);
  }
  return traces;
}

interface JaegerTag {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64';
  value: string | number | boolean;
}

function jaegerTag(key: string, value: unknown): JaegerTag | undefined {
  switch (typeof value) {
    case 'string':
      return { key, type: 'string', value };
    case 'boolean':
      return { key, type: 'bool', value };
    case 'number':
      return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
    case 'object':
      // Jaeger has no arrays: the collector's translator writes them as JSON text.
      return value === null ? undefined : { key, type: 'string', value: JSON.stringify(value) };
    default:
      return undefined;
  }
}

function jaegerTags(attributes: Readonly<Record<string, unknown>> | undefined): JaegerTag[] {
  const tags: JaegerTag[] = [];
  for (const [key, value] of Object.entries(attributes ?? {})) {
    const tag = jaegerTag(key, value);
    if (tag) tags.push(tag);
  }
  return tags;
}

/** Microseconds since the epoch of an HrTime, as Jaeger stores times (sub-microsecond part dropped). */
function micros(time: readonly [number, number]): number {
  return time[0] * 1_000_000 + Math.floor(time[1] / 1000);
}

/**
 * A Jaeger UI download (`{ data: [{ traceID, spans, processes }] }`), translated the way the
 * collector's OTLP → Jaeger translator does: kind, status and scope become `span.kind`,
 * `otel.status_code`/`otel.status_description`/`error` and `otel.scope.*` tags, events become logs
 * with an `event` field, the resource becomes the process (`service.name` → `serviceName`).
 */
export function toJaegerJson(spans: readonly ReadableSpan[]): string {
  const data = [...groupByTrace(spans).entries()].map(([traceId, group]) => {
    const processIds = new Map<unknown, string>();
    const processes: Record<string, { serviceName: string; tags: JaegerTag[] }> = {};
    const jaegerSpans = group.map((span) => {
      let processId = processIds.get(span.resource);
      if (!processId) {
        processId = `p${processIds.size + 1}`;
        processIds.set(span.resource, processId);
        const { 'service.name': serviceName, ...rest } = span.resource.attributes;
        processes[processId] = { serviceName: String(serviceName ?? ''), tags: jaegerTags(rest) };
      }
      const context = span.spanContext();
      const tags = jaegerTags(span.attributes);
      tags.push({ key: 'otel.scope.name', type: 'string', value: span.instrumentationScope.name });
      if (span.instrumentationScope.version) {
        tags.push({ key: 'otel.scope.version', type: 'string', value: span.instrumentationScope.version });
      }
      tags.push({ key: 'span.kind', type: 'string', value: KIND_NAMES[span.kind] ?? 'internal' });
      if (span.status.code !== 0) {
        tags.push({
          key: 'otel.status_code',
          type: 'string',
          value: STATUS_NAMES[span.status.code] ?? 'UNSET',
        });
      }
      if (span.status.code === 2) tags.push({ key: 'error', type: 'bool', value: true });
      if (span.status.message) {
        tags.push({ key: 'otel.status_description', type: 'string', value: span.status.message });
      }
      const parent = span.parentSpanContext?.spanId;
      const start = micros(span.startTime);
      return {
        traceID: traceId,
        spanID: context.spanId,
        operationName: span.name,
        references: parent ? [{ refType: 'CHILD_OF', traceID: traceId, spanID: parent }] : [],
        startTime: start,
        duration: micros(span.endTime) - start,
        tags,
        logs: span.events.map((event) => ({
          timestamp: micros(event.time),
          fields: [{ key: 'event', type: 'string', value: event.name }, ...jaegerTags(event.attributes)],
        })),
        processID: processId,
        warnings: null,
        flags: context.traceFlags,
      };
    });
    return { traceID: traceId, spans: jaegerSpans, processes, warnings: null };
  });
  return JSON.stringify({ data, total: 0, limit: 0, offset: 0, errors: null }, null, 2);
}
