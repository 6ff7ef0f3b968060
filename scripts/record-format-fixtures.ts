/**
 * Writes recorded OTLP JSON traces again in the other export formats the analyzer reads, each in the
 * shape its project documents, for test/analyzer-formats.test.ts: test/fixtures/formats/<name>.<form>.json,
 * and OTLP protobuf (a request; the collector file exporter's framing) as <name>.<form>, written by the
 * OpenTelemetry JS exporter's own serializer.
 * The sources are OTLP/HTTP JSON requests (test/fixtures and test/fixtures/standard). See
 * test/fixtures/formats/README.md for each form and where its shape comes from.
 * Run: node --import tsx scripts/record-format-fixtures.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'test/fixtures/formats');

/** The recorded OTLP fixtures converted, by the name their forms get. */
export const SOURCES: Record<string, string> = {
  'std-churn-https': 'test/fixtures/standard/std-churn-https.otlp.json',
  'std-stale-reset-https': 'test/fixtures/standard/std-stale-reset-https.otlp.json',
  'wirescope-connection-churn': 'test/fixtures/connection-churn.otlp.json',
};

type Json = Record<string, unknown>;
type Scalar = string | number | boolean;
type Plain = Scalar | Plain[] | { [key: string]: Plain };

interface OtlpKeyValue {
  key: string;
  value: Json;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpKeyValue[];
  events?: Array<{ name: string; timeUnixNano: string; attributes?: OtlpKeyValue[] }>;
  status?: { code?: number; message?: string };
  links?: unknown[];
  [key: string]: unknown;
}

interface OtlpScopeSpans {
  scope?: { name?: string; version?: string };
  spans: OtlpSpan[];
}

interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeSpans: OtlpScopeSpans[];
}

interface Flat {
  span: OtlpSpan;
  resource: OtlpKeyValue[];
  scope: { name?: string; version?: string };
}

function plain(value: Json): Plain | undefined {
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  const array = value.arrayValue as { values?: Json[] } | undefined;
  if (array) return (array.values ?? []).map(plain).filter((v): v is Plain => v !== undefined);
  return undefined;
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, Plain> {
  const out: Record<string, Plain> = {};
  for (const kv of list ?? []) {
    const value = plain(kv.value);
    if (value !== undefined) out[kv.key] = value;
  }
  return out;
}

function flatten(request: { resourceSpans: OtlpResourceSpans[] }): Flat[] {
  const out: Flat[] = [];
  for (const rs of request.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans)
        out.push({ span, resource: rs.resource?.attributes ?? [], scope: ss.scope ?? {} });
  return out;
}

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const KIND_ENUM = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_ENUM = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/**
 * Grafana Tempo's `GET /api/traces/<id>` (v1 API): `{ "batches": [ResourceSpans] }` as Tempo marshals
 * its protobuf with jsonpb: ids in base64, enums by name, and the pre-1.0 OTLP names
 * `instrumentationLibrarySpans` / `instrumentationLibrary` of older Tempo versions.
 */
function toTempoV1(request: { resourceSpans: OtlpResourceSpans[] }): unknown {
  return {
    batches: request.resourceSpans.map((rs) => ({
      resource: rs.resource,
      instrumentationLibrarySpans: rs.scopeSpans.map((ss) => ({
        instrumentationLibrary: ss.scope,
        spans: ss.spans.map((span) => {
          const out: Json = {
            ...span,
            traceId: hexToBase64(span.traceId),
            spanId: hexToBase64(span.spanId),
            kind: KIND_ENUM[span.kind ?? 0],
          };
          if (span.parentSpanId) out.parentSpanId = hexToBase64(span.parentSpanId);
          else delete out.parentSpanId;
          if (span.status) {
            out.status = { ...span.status, code: STATUS_ENUM[span.status.code ?? 0] };
          }
          return out;
        }),
      })),
    })),
  };
}

/** Tempo's v2 API (`GET /api/v2/traces/<id>`): `{ "trace": { "resourceSpans": [...] } }`, scopeSpans. */
function toTempoV2(request: { resourceSpans: OtlpResourceSpans[] }): unknown {
  return { trace: { resourceSpans: request.resourceSpans } };
}

/**
 * Jaeger v2's api_v3 (`GET /api/v3/traces/<id>`, grpc-gateway): `{ "result": { "resourceSpans": [...] } }`,
 * the OTLP JSON of Jaeger's own OTLP marshaller (hex ids, enums as numbers).
 */
function toJaegerApiV3(request: { resourceSpans: OtlpResourceSpans[] }): unknown {
  return { result: { resourceSpans: request.resourceSpans } };
}

const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'];

function jaegerTag(key: string, value: Plain): Json {
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'number') return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
  if (typeof value === 'string') return { key, type: 'string', value };
  return { key, type: 'string', value: JSON.stringify(value) };
}

const micros = (nanos: string): number => Number(BigInt(nanos) / 1000n);

/**
 * One Jaeger trace, `{ traceID, spans, processes }` (the query API's element of `data`), translated as
 * the collector's OTLP → Jaeger translator does (kind, status and scope as tags; events as logs).
 */
function toJaegerTrace(flat: Flat[]): Json {
  const processes: Record<string, Json> = {};
  const processIds = new Map<string, string>();
  const spans = flat.map(({ span, resource, scope }) => {
    const key = JSON.stringify(resource);
    let processID = processIds.get(key);
    if (!processID) {
      processID = `p${processIds.size + 1}`;
      processIds.set(key, processID);
      const { 'service.name': serviceName, ...rest } = attributesOf(resource);
      processes[processID] = {
        serviceName: String(serviceName ?? ''),
        tags: Object.entries(rest).map(([k, v]) => jaegerTag(k, v)),
      };
    }
    const tags = Object.entries(attributesOf(span.attributes)).map(([k, v]) => jaegerTag(k, v));
    if (scope.name) tags.push(jaegerTag('otel.scope.name', scope.name));
    if (scope.version) tags.push(jaegerTag('otel.scope.version', scope.version));
    tags.push(jaegerTag('span.kind', KIND_NAMES[span.kind ?? 0] ?? 'internal'));
    const code = span.status?.code ?? 0;
    if (code !== 0) tags.push(jaegerTag('otel.status_code', STATUS_NAMES[code] ?? 'UNSET'));
    if (code === 2) tags.push(jaegerTag('error', true));
    if (span.status?.message) tags.push(jaegerTag('otel.status_description', span.status.message));
    const start = micros(span.startTimeUnixNano);
    return {
      traceID: span.traceId,
      spanID: span.spanId,
      operationName: span.name,
      references: span.parentSpanId
        ? [{ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId }]
        : [],
      startTime: start,
      duration: micros(span.endTimeUnixNano) - start,
      tags,
      logs: (span.events ?? []).map((event) => ({
        timestamp: micros(event.timeUnixNano),
        fields: [
          jaegerTag('event', event.name),
          ...Object.entries(attributesOf(event.attributes)).map(([k, v]) => jaegerTag(k, v)),
        ],
      })),
      processID,
      warnings: null,
    };
  });
  return { traceID: flat[0]?.span.traceId ?? '', spans, processes, warnings: null };
}

const ZIPKIN_KINDS: Record<number, string | undefined> = {
  2: 'SERVER',
  3: 'CLIENT',
  4: 'PRODUCER',
  5: 'CONSUMER',
};

/**
 * Zipkin v2 JSON (`POST /api/v2/spans`: a list of spans; µs times), as OpenTelemetry JS's
 * exporter-zipkin writes it (transform.ts `toZipkinSpan`): every attribute and resource attribute a
 * string tag, status as `otel.status_code` and the message as `error`, INTERNAL without a kind, events
 * as annotations of their name only, no scope.
 */
function toZipkinJs({ span, resource }: Flat): Json {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributesOf(span.attributes))) tags[k] = String(v);
  const code = span.status?.code ?? 0;
  if (code !== 0) tags['otel.status_code'] = STATUS_NAMES[code] ?? 'UNSET';
  if (code === 2 && span.status?.message) tags.error = span.status.message;
  const res = attributesOf(resource);
  for (const [k, v] of Object.entries(res)) tags[k] = String(v);
  const start = micros(span.startTimeUnixNano);
  const out: Json = {
    traceId: span.traceId,
    parentId: span.parentSpanId || undefined,
    name: span.name,
    id: span.spanId,
    kind: ZIPKIN_KINDS[span.kind ?? 0],
    timestamp: start,
    duration: micros(span.endTimeUnixNano) - start,
    localEndpoint: { serviceName: String(res['service.name'] ?? '') },
    tags,
  };
  if (span.events?.length)
    out.annotations = span.events.map((event) => ({
      timestamp: micros(event.timeUnixNano),
      value: event.name,
    }));
  return out;
}

/**
 * Zipkin v2 JSON as the collector's zipkin exporter writes it (contrib `pkg/translator/zipkin/zipkinv2`):
 * resource attributes as tags under the span's, scope as `otel.scope.name`/`otel.scope.version`,
 * status as `otel.status_code` (`Ok`/`Error`) and `otel.status_description`, an INTERNAL span's kind as
 * the `span.kind` tag, events as annotations `"name"|{attributes}|dropped`.
 */
function toZipkinCollector({ span, resource, scope }: Flat): Json {
  const tags: Record<string, string> = {};
  const res = attributesOf(resource);
  for (const [k, v] of Object.entries(res)) if (k !== 'service.name') tags[k] = String(v);
  for (const [k, v] of Object.entries(attributesOf(span.attributes)))
    tags[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (scope.name) tags['otel.scope.name'] = scope.name;
  if (scope.version) tags['otel.scope.version'] = scope.version;
  if (span.kind === 1) tags['span.kind'] = 'internal';
  const code = span.status?.code ?? 0;
  if (code !== 0) tags['otel.status_code'] = code === 1 ? 'Ok' : 'Error';
  if (code === 2) tags.error = 'true';
  if (span.status?.message) tags['otel.status_description'] = span.status.message;
  const start = micros(span.startTimeUnixNano);
  const out: Json = {
    traceId: span.traceId,
    parentId: span.parentSpanId || undefined,
    id: span.spanId,
    kind: ZIPKIN_KINDS[span.kind ?? 0],
    name: span.name,
    timestamp: start,
    duration: micros(span.endTimeUnixNano) - start,
    localEndpoint: { serviceName: String(res['service.name'] ?? '') },
    tags,
  };
  if (span.events?.length)
    out.annotations = span.events.map((event) => ({
      timestamp: micros(event.timeUnixNano),
      value: `${JSON.stringify(event.name)}|${JSON.stringify(attributesOf(event.attributes))}|0`,
    }));
  return out;
}

/** Nanoseconds as the SDK's `[seconds, nanoseconds]`. */
function hrTime(nanos: string): [number, number] {
  const n = BigInt(nanos);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

/**
 * The spans as the SDK's `ReadableSpan`s, so the exporter's own serializer writes them: one resource
 * and one scope object per OTLP entry (the serializer groups spans by their identity).
 */
function toReadableSpans(request: { resourceSpans: OtlpResourceSpans[] }): unknown[] {
  const out: unknown[] = [];
  for (const rs of request.resourceSpans) {
    const resource = { attributes: attributesOf(rs.resource?.attributes) };
    for (const ss of rs.scopeSpans) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version };
      for (const span of ss.spans) {
        const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: 1 };
        out.push({
          name: span.name,
          // The API's SpanKind is OTLP's less one (the serializer adds it back; -1 writes none).
          kind: (span.kind ?? 0) - 1,
          spanContext: () => context,
          parentSpanContext: span.parentSpanId
            ? { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: 1, isRemote: false }
            : undefined,
          startTime: hrTime(span.startTimeUnixNano),
          endTime: hrTime(span.endTimeUnixNano),
          attributes: attributesOf(span.attributes),
          droppedAttributesCount: 0,
          events: (span.events ?? []).map((e) => ({
            name: e.name,
            time: hrTime(e.timeUnixNano),
            attributes: attributesOf(e.attributes),
            droppedAttributesCount: 0,
          })),
          droppedEventsCount: 0,
          links: [],
          droppedLinksCount: 0,
          status: { code: span.status?.code ?? 0, message: span.status?.message },
          resource,
          instrumentationScope: scope,
          ended: true,
          duration: [0, 0],
        });
      }
    }
  }
  return out;
}

/** One `ExportTraceServiceRequest` as the OTLP/HTTP protobuf exporter sends it. */
function toProtobufRequest(spans: unknown[]): Buffer {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans as never);
  if (!bytes) throw new Error('the serializer wrote nothing');
  return Buffer.from(bytes);
}

/**
 * The collector file exporter's `format: proto`: each `TracesData` (the same bytes as a request)
 * preceded by its length, 4 bytes big-endian (contrib `exporter/fileexporter/file_writer.go`). Written
 * a few spans per record, as the exporter writes one record per batch.
 */
function toFileExporterProto(spans: unknown[], perRecord: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < spans.length; i += perRecord) {
    const record = toProtobufRequest(spans.slice(i, i + perRecord));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(record.length);
    parts.push(length, record);
  }
  return Buffer.concat(parts);
}

function writeBytes(name: string, form: string, bytes: Buffer): void {
  writeFileSync(join(OUT, `${name}.${form}`), bytes);
}

function write(name: string, form: string, value: unknown, pretty = true): void {
  writeFileSync(
    join(OUT, `${name}.${form}.json`),
    `${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`,
  );
}

function main(): void {
  mkdirSync(OUT, { recursive: true });
  for (const [name, source] of Object.entries(SOURCES)) {
    const request = JSON.parse(readFileSync(join(ROOT, source), 'utf8')) as {
      resourceSpans: OtlpResourceSpans[];
    };
    const flat = flatten(request);
    write(name, 'tempo', toTempoV1(request));
    write(name, 'tempo-v2', toTempoV2(request), false);
    write(name, 'jaeger-api-v3', toJaegerApiV3(request));
    write(name, 'zipkin', flat.map(toZipkinJs));
    write(name, 'zipkin-collector', flat.map(toZipkinCollector), false);
    // The single-trace forms hold the first trace only (a trace download holds one trace).
    const first = flat.filter((f) => f.span.traceId === flat[0]?.span.traceId);
    write(name, 'jaeger-trace', toJaegerTrace(first));
    write(name, 'jaeger-ui-trace', { data: toJaegerTrace(first) });
    const spans = toReadableSpans(request);
    const protobuf = toProtobufRequest(spans);
    writeBytes(name, 'otlp.pb', protobuf);
    // gzip's header holds no time when none is given: the bytes are the same on every run.
    writeBytes(name, 'otlp.pb.gz', gzipSync(protobuf));
    writeBytes(name, 'file-exporter.pb', toFileExporterProto(spans, 7));
  }
}

main();
