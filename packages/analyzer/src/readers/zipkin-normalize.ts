// Zipkin v2 JSON (https://zipkin.io/zipkin-api/#/default/post_spans: a list of spans) in the analyzer's
// model, read the way OpenTelemetry writes it: the Zipkin exporters (opentelemetry-js
// `exporter-zipkin` transform.ts, the collector's `zipkinv2` translator) and the mapping in the
// specification (`specification/trace/sdk_exporters/zipkin.md`).
import type {
  Attributes,
  AttributeValue,
  SpanEventRecord,
  SpanKindName,
  SpanSource,
  WireSpan,
} from '../types.js';
import { boundedJson, NestingError, nestsDeeperThan, quoted } from './bounded-json.js';
import { ImpreciseNumberError, type JsonObject, ShapeError } from './internal-types.js';
import { OTLP_FIELD_TAGS } from './jaeger-normalize.js';
import { makeStatus, normalizeId, normalizeParentId, statusCode } from './values.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const KINDS: Record<string, SpanKindName> = {
  CLIENT: 'client',
  SERVER: 'server',
  PRODUCER: 'producer',
  CONSUMER: 'consumer',
};

/**
 * Tags that carry OTLP fields rather than attributes: status (`otel.status_code`, and `error` with the
 * message, as the JS exporter writes them; `otel.status_description` from the collector), scope, an
 * internal span's kind, and the exporters' dropped-counts.
 */
const FIELD_TAGS = new Set<string>([
  ...OTLP_FIELD_TAGS,
  'otel.dropped_attributes_count',
  'otel.dropped_events_count',
  'otel.dropped_links_count',
]);

/**
 * Zipkin has no resource: the exporters write the resource's attributes as tags of every span. Keys
 * in the namespaces of the resource conventions go back to the resource, where the analyzer looks for
 * the process (`service.instance.id`, `host.name`, `process.pid`) and the caller's `cloud.region`.
 */
const RESOURCE_PREFIXES = [
  'service.',
  'telemetry.',
  'host.',
  'process.',
  'os.',
  'container.',
  'k8s.',
  'cloud.',
];

function isResourceKey(key: string): boolean {
  for (const prefix of RESOURCE_PREFIXES) if (key.startsWith(prefix)) return true;
  return key === 'deployment.environment' || key === 'deployment.environment.name';
}

/** Microseconds (a number, fractional in the specification's "decimal accuracy", or digits) as nanoseconds. */
function microsToNanos(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    const whole = Math.trunc(value);
    if (!Number.isSafeInteger(whole)) throw new ImpreciseNumberError(what);
    return BigInt(whole) * 1000n + BigInt(Math.round((value - whole) * 1000));
  }
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return BigInt(value) * 1000n;
  if (value === undefined || value === null) throw new ShapeError(`${what} is missing`);
  throw new ShapeError(`${what} ${JSON.stringify(value)} is not a number of microseconds`);
}

/** A tag value: Zipkin's are strings; other JSON is kept (scalars) or made text (objects, arrays). */
function tagValue(key: string, value: unknown): AttributeValue | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === undefined || value === null) return undefined;
  if (nestsDeeperThan(value)) throw new NestingError(`tag ${quoted(key)}`);
  return boundedJson(value);
}

/**
 * An annotation as an event. The JS exporter writes the event's name only; the collector writes
 * `"name"|{attributes as JSON}|dropped count`, the specification `"name": {attributes as JSON}`.
 */
function annotationToEvent(annotation: unknown, i: number): SpanEventRecord {
  if (!isObject(annotation)) throw new ShapeError(`annotations[${i}] is not an object`);
  const timeUnixNano = microsToNanos(annotation.timestamp, `annotations[${i}].timestamp`);
  const value = typeof annotation.value === 'string' ? annotation.value : '';
  const match = /^("(?:[^"\\]|\\.)*")\s*(?::|\|)\s*(\{.*\})(?:\|\d+)?$/s.exec(value);
  if (match) {
    try {
      const name: unknown = JSON.parse(match[1]!);
      const fields: unknown = JSON.parse(match[2]!);
      if (typeof name === 'string' && isObject(fields)) {
        const attributes: Attributes = {};
        for (const [key, field] of Object.entries(fields)) {
          const converted = tagValue(key, field);
          if (converted !== undefined) attributes[key] = converted;
        }
        return { name, timeUnixNano, attributes };
      }
    } catch (error) {
      if (error instanceof NestingError) throw error;
      // Not the structured form after all: the value is the name.
    }
  }
  return { name: value, timeUnixNano, attributes: {} };
}

function statusOf(tags: JsonObject): WireSpan['status'] {
  const code = tags['otel.status_code'];
  // The JS exporter writes the message under `error`; others write `error: "true"`.
  const error = typeof tags.error === 'string' && tags.error !== 'true' ? tags.error : undefined;
  const errorTag = tags.error !== undefined && tags.error !== 'false' && tags.error !== false;
  if (typeof code === 'string' && code !== '') {
    const parsed = statusCode(code);
    const description = tags['otel.status_description'];
    const message = typeof description === 'string' && description !== '' ? description : error;
    return makeStatus(parsed, parsed === 'error' ? message : undefined);
  }
  // Zipkin's own convention: an `error` tag marks a failed span, its value the message when it has one.
  if (errorTag) return makeStatus('error', error);
  return { code: 'unset' };
}

/** The remote endpoint as the peer attributes, when the tags do not carry them already. */
function addRemoteEndpoint(remote: unknown, attributes: Attributes): void {
  if (!isObject(remote)) return;
  const address = typeof remote.ipv4 === 'string' ? remote.ipv4 : remote.ipv6;
  if (typeof address === 'string' && address !== '' && attributes['network.peer.address'] === undefined)
    attributes['network.peer.address'] = address;
  if (typeof remote.port === 'number' && attributes['network.peer.port'] === undefined)
    attributes['network.peer.port'] = remote.port;
  if (
    typeof remote.serviceName === 'string' &&
    remote.serviceName !== '' &&
    attributes['peer.service'] === undefined
  )
    attributes['peer.service'] = remote.serviceName;
}

/** One Zipkin v2 span in the analyzer's model. */
export function zipkinSpanToWire(span: unknown, source: SpanSource): WireSpan {
  if (!isObject(span)) throw new ShapeError('span is not an object');
  if (typeof span.traceId !== 'string') throw new ShapeError('traceId is missing or not a string');
  if (typeof span.id !== 'string') throw new ShapeError('id is missing or not a string');
  let tags: JsonObject = {};
  if (isObject(span.tags)) tags = span.tags;
  else if (span.tags !== undefined && span.tags !== null) throw new ShapeError('tags is not an object');
  const isAwsCall = tags['rpc.system'] === 'aws-api';
  const attributes: Attributes = {};
  const resource: Attributes = {};
  for (const key of Object.keys(tags)) {
    if (FIELD_TAGS.has(key)) continue;
    const value = tagValue(key, tags[key]);
    if (value === undefined) continue;
    // On an AWS call span `cloud.region` is the region the request was signed for, not the resource's.
    if (isResourceKey(key) && !(isAwsCall && key === 'cloud.region')) resource[key] = value;
    else attributes[key] = value;
  }
  const local = span.localEndpoint;
  if (isObject(local) && typeof local.serviceName === 'string' && local.serviceName !== '')
    resource['service.name'] = local.serviceName;
  addRemoteEndpoint(span.remoteEndpoint, attributes);
  let kind: SpanKindName = 'internal';
  if (typeof span.kind === 'string') {
    const known = KINDS[span.kind.toUpperCase()];
    if (!known) throw new ShapeError(`unknown span kind ${JSON.stringify(span.kind)}`);
    kind = known;
  } else if (span.kind !== undefined && span.kind !== null) {
    throw new ShapeError(`unknown span kind ${JSON.stringify(span.kind)}`);
  }
  const start = microsToNanos(span.timestamp, 'timestamp');
  const annotations = span.annotations;
  if (annotations !== undefined && annotations !== null && !Array.isArray(annotations))
    throw new ShapeError('annotations is not an array');
  const wire: WireSpan = {
    traceId: normalizeId(span.traceId.padStart(32, '0'), 16, 'traceId'),
    spanId: normalizeId(span.id.padStart(16, '0'), 8, 'id'),
    name: typeof span.name === 'string' ? span.name : '',
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + (span.duration === undefined ? 0n : microsToNanos(span.duration, 'duration')),
    attributes,
    events: (annotations ?? []).map(annotationToEvent),
    status: statusOf(tags),
    resource,
    source,
  };
  const parent =
    typeof span.parentId === 'string'
      ? normalizeParentId(span.parentId.padStart(16, '0'), 'parentId')
      : normalizeParentId(span.parentId, 'parentId');
  if (parent !== undefined) wire.parentSpanId = parent;
  const scope = tags['otel.scope.name'] ?? tags['otel.library.name'];
  if (typeof scope === 'string' && scope !== '') wire.scope = scope;
  return wire;
}

/** Every span of one parsed Zipkin v2 list, in order. */
export function zipkinSpansToWire(doc: unknown, source: SpanSource, out: WireSpan[]): void {
  if (!Array.isArray(doc)) throw new ShapeError('expected a list of Zipkin spans');
  for (let i = 0; i < doc.length; i++) {
    try {
      out.push(zipkinSpanToWire(doc[i], source));
    } catch (error) {
      if (error instanceof ImpreciseNumberError || !(error instanceof ShapeError)) throw error;
      throw new ShapeError(`[${i}]: ${error.message}`);
    }
  }
}
