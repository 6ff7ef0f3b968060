/**
 * Test factory: WireSpans shaped as the wirescope plugin produces them (operation, attempt and phase
 * spans with the PRODUCT.md attribute sets). For unit tests only.
 */
import type { Attributes, WireSpan } from '../types.js';

let counter = 0;
const hex = (n: number, length: number) => n.toString(16).padStart(length, '0');

/** A fresh trace id. */
export function newTraceId(): string {
  counter++;
  return hex(counter, 32);
}

/** A fresh span id. */
export function newSpanId(): string {
  counter++;
  return hex(counter, 16);
}

const BASE_NS = 1_700_000_000_000_000_000n;
const ns = (ms: number) => BASE_NS + BigInt(Math.round(ms * 1e6));

/** One span; times in ms from an arbitrary epoch. */
export function span(parts: {
  name: string;
  traceId: string;
  spanId?: string;
  parentSpanId?: string;
  startMs: number;
  durationMs: number;
  attributes?: Attributes;
  error?: boolean;
  kind?: WireSpan['kind'];
}): WireSpan {
  const out: WireSpan = {
    traceId: parts.traceId,
    spanId: parts.spanId ?? newSpanId(),
    name: parts.name,
    kind: parts.kind ?? 'internal',
    startTimeUnixNano: ns(parts.startMs),
    endTimeUnixNano: ns(parts.startMs + parts.durationMs),
    attributes: parts.attributes ?? {},
    events: [],
    status: { code: parts.error ? 'error' : 'unset' },
    resource: { 'service.name': 'test-service', 'process.pid': 4242 },
  };
  if (parts.parentSpanId !== undefined) out.parentSpanId = parts.parentSpanId;
  return out;
}

/** One attempt of a call. */
export interface AttemptSpec {
  /** Offset from the operation start (default: right after the previous attempt). */
  offsetMs?: number;
  /** Default 20 ms. */
  durationMs?: number;
  /** Default true. */
  reused?: boolean;
  /** Default `c4242-1`. */
  connectionId?: string;
  /** Phases of a new connection (defaults dns 2, tcp 1, tls 5 when `reused` is false). */
  dnsMs?: number | null;
  tcpMs?: number | null;
  tlsMs?: number | null;
  queueMs?: number;
  statusCode?: number;
  errorType?: string;
  attributes?: Attributes;
}

/** One SDK call. */
export interface CallSpec {
  traceId?: string;
  startMs: number;
  service?: string;
  operation?: string;
  /** Signing region, default us-east-1. */
  region?: string;
  /** `wirescope.caller.region`, default us-east-1; null leaves it out. */
  callerRegion?: string | null;
  bucket?: string;
  host?: string;
  method?: string;
  /**
   * Attempts as the HTTP/2 producer writes them (NodeHttp2Handler): handler `node-http2`,
   * `network.protocol.version` 2, `wirescope.http2.streams_in_flight` 0, no agent; the connection is the session.
   */
  http2?: boolean;
  error?: boolean;
  attributes?: Attributes;
  attempts?: AttemptSpec[];
}

/** The spans of one call: operation, attempts and their connection phases. */
export function call(spec: CallSpec): WireSpan[] {
  const traceId = spec.traceId ?? newTraceId();
  const service = spec.service ?? 'S3';
  const operation = spec.operation ?? 'PutObject';
  const region = spec.region ?? 'us-east-1';
  const bucket = spec.bucket ?? 'my-bucket';
  const host = spec.host ?? `${bucket}.s3.${region}.amazonaws.com`;
  const attempts = spec.attempts ?? [{}];
  const opId = newSpanId();
  const out: WireSpan[] = [];
  let cursor = spec.startMs;
  attempts.forEach((a, index) => {
    const reused = a.reused ?? true;
    const start = a.offsetMs !== undefined ? spec.startMs + a.offsetMs : cursor;
    const duration = a.durationMs ?? 20;
    cursor = start + duration;
    const attemptId = newSpanId();
    const attributes: Attributes = {
      'wirescope.attempt': index + 1,
      'wirescope.connection.reused': reused,
      'wirescope.connection.id': a.connectionId ?? 'c4242-1',
      'server.address': host,
      'server.port': 443,
      'network.peer.address': '52.216.10.20',
      'http.request.method': spec.method ?? 'PUT',
      'http.response.status_code': a.statusCode ?? 200,
      'wirescope.ttfb_ms': Math.min(10, duration / 2),
      'wirescope.http.handler': 'node-http',
      'wirescope.agent.keep_alive': true,
      'wirescope.agent.max_sockets': 50,
    };
    if (spec.http2) {
      delete attributes['wirescope.agent.keep_alive'];
      delete attributes['wirescope.agent.max_sockets'];
      attributes['wirescope.http.handler'] = 'node-http2';
      attributes['network.protocol.version'] = '2';
      attributes['wirescope.http2.streams_in_flight'] = 0;
    }
    if (reused) attributes['wirescope.connection.idle_ms'] = 150;
    else attributes['tls.protocol.version'] = '1.3';
    if (a.queueMs !== undefined) attributes['wirescope.connection.queue_ms'] = a.queueMs;
    if (a.errorType !== undefined) {
      attributes['error.type'] = a.errorType;
      delete attributes['http.response.status_code'];
    }
    Object.assign(attributes, a.attributes);
    out.push(
      span({
        name: `${service}.${operation} attempt`,
        traceId,
        spanId: attemptId,
        parentSpanId: opId,
        startMs: start,
        durationMs: duration,
        attributes,
        error: a.errorType !== undefined,
      }),
    );
    if (!reused) {
      let phaseStart = start + (a.queueMs ?? 0);
      const phases: Array<[string, number | null | undefined, number]> = [
        ['dns.lookup', a.dnsMs, 2],
        ['tcp.connect', a.tcpMs, 1],
        ['tls.handshake', a.tlsMs, 5],
      ];
      for (const [name, given, fallback] of phases) {
        if (given === null) continue;
        const length = given ?? fallback;
        out.push(span({ name, traceId, parentSpanId: attemptId, startMs: phaseStart, durationMs: length }));
        phaseStart += length;
      }
    }
  });
  const opAttributes: Attributes = {
    'rpc.system': 'aws-api',
    'rpc.service': service,
    'rpc.method': operation,
    'cloud.region': region,
    'aws.request_id': 'REQ123',
    'wirescope.attempts': attempts.length,
    'wirescope.client.region': region,
    'wirescope.region.mismatch': false,
    'wirescope.region.redirects': 0,
  };
  if (service === 'S3') opAttributes['aws.s3.bucket'] = bucket;
  if (spec.callerRegion !== null) opAttributes['wirescope.caller.region'] = spec.callerRegion ?? 'us-east-1';
  Object.assign(opAttributes, spec.attributes);
  out.unshift(
    span({
      name: `${service}.${operation}`,
      traceId,
      spanId: opId,
      startMs: spec.startMs,
      durationMs: Math.max(cursor - spec.startMs, 1) + 1,
      attributes: opAttributes,
      error: spec.error ?? false,
      kind: 'client',
    }),
  );
  return out;
}

/** A healthy run: `count` sequential calls, the first opens a connection, the rest reuse it. */
export function healthyRun(count: number, overrides: Partial<CallSpec> = {}): WireSpan[] {
  const spans: WireSpan[] = [];
  for (let i = 0; i < count; i++) {
    spans.push(...call({ startMs: i * 50, ...overrides, attempts: [{ reused: i > 0 }] }));
  }
  return spans;
}
