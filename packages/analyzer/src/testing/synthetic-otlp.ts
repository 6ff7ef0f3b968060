/**
 * Synthetic wirescope traces as OTLP/JSON text, for streaming tests and the reader benchmark: each
 * trace is one SDK call (operation span), one or two attempts (a reset on a reused socket, then a
 * retry on a new TLS connection) and the connection phase spans, with the span-contract attributes,
 * written the way the OTLP HTTP JSON exporter writes them.
 */

const RESOURCE = {
  attributes: [
    { key: 'service.name', value: { stringValue: 'orders-api' } },
    { key: 'telemetry.sdk.language', value: { stringValue: 'nodejs' } },
    { key: 'telemetry.sdk.name', value: { stringValue: 'opentelemetry' } },
    { key: 'telemetry.sdk.version', value: { stringValue: '2.12.0' } },
    { key: 'cloud.region', value: { stringValue: 'us-east-1' } },
  ],
  droppedAttributesCount: 0,
};
const SCOPE = { name: '@wirescope/aws-sdk', version: '0.1.0' };

type Value = string | number | boolean;

function kv(attributes: Record<string, Value>): Array<{ key: string; value: Record<string, Value> }> {
  return Object.entries(attributes).map(([key, value]): { key: string; value: Record<string, Value> } => ({
    key,
    value:
      typeof value === 'string'
        ? { stringValue: value }
        : typeof value === 'boolean'
          ? { boolValue: value }
          : Number.isInteger(value)
            ? { intValue: value }
            : { doubleValue: value },
  }));
}

/** A small deterministic PRNG (mulberry32), so runs are comparable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, digits: number): string {
  let out = '';
  while (out.length < digits)
    out += Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, digits);
}

/** The OTLP/JSON spans of one synthetic trace (3 to 7 spans). */
export function syntheticTraceSpans(index: number, random: () => number): object[] {
  const traceId = hex(random, 32);
  const start = 1_760_000_000_000_000_000n + BigInt(index) * 50_000_000n;
  const ms = (n: number): string => (start + BigInt(Math.round(n * 1_000_000))).toString();
  const s3 = index % 3 !== 2;
  const name = s3 ? 'S3.PutObject' : 'DynamoDB.GetItem';
  const retried = index % 5 === 0;
  const opId = hex(random, 16);
  const spans: object[] = [];
  const span = (
    spanId: string,
    parentSpanId: string | undefined,
    spanName: string,
    kind: number,
    from: number,
    to: number,
    attributes: Record<string, Value>,
    error = false,
  ): object => ({
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name: spanName,
    kind,
    startTimeUnixNano: ms(from),
    endTimeUnixNano: ms(to),
    attributes: kv(attributes),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    status: error ? { code: 2, message: 'read ECONNRESET' } : { code: 0 },
    links: [],
    droppedLinksCount: 0,
    flags: 257,
  });
  let t = 0;
  const attempts = retried ? 2 : 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const attemptId = hex(random, 16);
    const reused = retried ? attempt === 1 : index % 4 !== 0;
    const failed = retried && attempt === 1;
    const host = s3 ? 'orders-bucket.s3.us-west-2.amazonaws.com' : 'dynamodb.us-east-1.amazonaws.com';
    const begin = t;
    if (!reused) {
      spans.push(
        span(hex(random, 16), attemptId, 'dns.lookup', 1, t + 0.1, t + 1.2, { 'server.address': host }),
      );
      spans.push(
        span(hex(random, 16), attemptId, 'tcp.connect', 1, t + 1.2, t + 64.8, {
          'network.peer.address': '52.92.1.10',
        }),
      );
      spans.push(
        span(hex(random, 16), attemptId, 'tls.handshake', 1, t + 64.8, t + 131.5, {
          'tls.protocol.version': '1.3',
        }),
      );
      t += 131.5;
    }
    t += 20 + random() * 80;
    const attributes: Record<string, Value> = {
      'wirescope.attempt': attempt,
      'wirescope.connection.reused': reused,
      'wirescope.connection.id': `c4242-${index % 64}`,
      'server.address': host,
      'server.port': 443,
      'network.peer.address': '52.92.1.10',
      'http.request.method': s3 ? 'PUT' : 'POST',
      'wirescope.http.handler': 'node-http',
      'wirescope.agent.keep_alive': true,
      'wirescope.agent.max_sockets': 50,
      'wirescope.ttfb_ms': Math.round(random() * 8000) / 100,
    };
    if (reused) attributes['wirescope.connection.idle_ms'] = Math.round(random() * 500000) / 100;
    if (failed) {
      attributes['error.type'] = 'ECONNRESET';
      attributes['wirescope.socket.reset'] = true;
    } else {
      attributes['http.response.status_code'] = 200;
    }
    spans.push(span(attemptId, opId, `${name} attempt`, 1, begin, t, attributes, failed));
    t += 1;
  }
  spans.unshift(
    span(opId, undefined, name, 3, 0, t + 0.5, {
      'rpc.system': 'aws-api',
      'rpc.service': s3 ? 'S3' : 'DynamoDB',
      'rpc.method': s3 ? 'PutObject' : 'GetItem',
      'cloud.region': s3 ? 'us-west-2' : 'us-east-1',
      'aws.request_id': hex(random, 16).toUpperCase(),
      ...(s3 ? { 'aws.s3.bucket': 'orders-bucket' } : {}),
      'wirescope.attempts': attempts,
      'wirescope.caller.region': 'us-east-1',
      'wirescope.region.mismatch': s3,
      'wirescope.region.redirects': 0,
    }),
  );
  return spans;
}

/** One `ExportTraceServiceRequest` for the given spans, as JSON text. */
export function requestJson(spans: object[]): string {
  return JSON.stringify({ resourceSpans: [{ resource: RESOURCE, scopeSpans: [{ scope: SCOPE, spans }] }] });
}

/** JSON Lines of synthetic traces, one request per trace, until at least `spanCount` spans. */
export function* syntheticOtlpLines(spanCount: number, seed = 1): Generator<string> {
  const random = prng(seed);
  let written = 0;
  for (let index = 0; written < spanCount; index++) {
    const spans = syntheticTraceSpans(index, random);
    written += spans.length;
    yield `${requestJson(spans)}\n`;
  }
}

/**
 * The spans of `syntheticOtlpDocument` in batches of `batchSize` (one `ResourceSpans` each, as an
 * exporter's batches), as OTLP/JSON objects, for writing other encodings of the same spans.
 */
export function* syntheticResourceSpans(spanCount: number, batchSize = 512, seed = 1): Generator<object> {
  const random = prng(seed);
  let batch: object[] = [];
  let written = 0;
  for (let index = 0; written < spanCount; index++) {
    const spans = syntheticTraceSpans(index, random);
    written += spans.length;
    batch.push(...spans);
    if (batch.length >= batchSize) {
      yield { resource: RESOURCE, scopeSpans: [{ scope: SCOPE, spans: batch }] };
      batch = [];
    }
  }
  if (batch.length > 0) yield { resource: RESOURCE, scopeSpans: [{ scope: SCOPE, spans: batch }] };
}

/** One whole OTLP JSON document with all the spans, in pieces (never built as one string). */
export function* syntheticOtlpDocument(spanCount: number, seed = 1): Generator<string> {
  const random = prng(seed);
  yield `{"resourceSpans":[{"resource":${JSON.stringify(RESOURCE)},"scopeSpans":[{"scope":${JSON.stringify(SCOPE)},"spans":[\n`;
  let written = 0;
  for (let index = 0; written < spanCount; index++) {
    const spans = syntheticTraceSpans(index, random);
    written += spans.length;
    yield `${index === 0 ? '' : ',\n'}${spans.map((s) => JSON.stringify(s)).join(',\n')}`;
  }
  yield '\n]}]}]}\n';
}
