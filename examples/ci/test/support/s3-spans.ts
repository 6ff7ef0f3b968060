// Spans as @wirescope/aws-sdk records them, made by hand with a real OpenTelemetry tracer through
// the global API (the same path the plugin takes): an operation span per call, an attempt span per
// HTTP attempt, and the connection phases under the attempt that opened a connection.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@wirescope/example-ci');

/** One HTTP attempt of a call. */
export interface AttemptPlan {
  /** Ran on a socket that had already carried a request (no DNS, TCP or TLS). */
  reused: boolean;
  /** HTTP status, when a response came. */
  status?: number;
  /** Socket error code, e.g. ECONNRESET, when the attempt failed without a response. */
  errorType?: string;
  /** On reuse: how long the socket had sat idle. */
  idleMs?: number;
}

let connections = 0;

/**
 * The time the spans say (ms since the epoch): each span gets explicit start and end times on this
 * clock, and calls follow each other 50 ms apart. Spans timed by the real clock would make the analysis
 * depend on the speed of the machine: six calls made within one millisecond look concurrent (the SDK
 * gives a span's start millisecond precision), and concurrency explains new connections away.
 */
let clock = Date.now();

/** A connection phase span taking `ms`, a child of the attempt that is active. */
function phase(name: string, ms: number): void {
  const start = clock;
  clock += ms;
  tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: start }).end(clock);
}

function attempt(
  service: string,
  operation: string,
  n: number,
  plan: AttemptPlan,
  connectionId: string,
): void {
  const start = clock;
  tracer.startActiveSpan(
    `${service}.${operation} attempt`,
    { kind: SpanKind.INTERNAL, startTime: start },
    (span) => {
      span.setAttributes({
        'wirescope.attempt': n,
        'wirescope.connection.reused': plan.reused,
        'wirescope.connection.id': connectionId,
        'server.address': 'example-bucket.s3.us-west-2.amazonaws.com',
        'server.port': 443,
        'http.request.method': 'PUT',
      });
      if (!plan.reused) {
        phase('dns.lookup', 2);
        phase('tcp.connect', 5);
        phase('tls.handshake', 10);
        span.setAttributes({ 'tls.protocol.version': '1.3', 'tls.resumed': false });
      } else if (plan.idleMs !== undefined) {
        span.setAttribute('wirescope.connection.idle_ms', plan.idleMs);
      }
      if (plan.status !== undefined) span.setAttribute('http.response.status_code', plan.status);
      if (plan.errorType !== undefined) {
        span.setAttributes({ 'error.type': plan.errorType, 'wirescope.socket.reset': true });
        span.setStatus({ code: SpanStatusCode.ERROR, message: plan.errorType });
      }
      clock += 20; // request and response
      span.end(clock);
    },
  );
}

/**
 * Records one S3.PutObject call with the given attempts. A reused attempt takes the connection the
 * previous call left (`c1`), a new one opens the next.
 */
export function recordPutObject(attempts: AttemptPlan[]): void {
  const start = clock;
  tracer.startActiveSpan('S3.PutObject', { kind: SpanKind.CLIENT, startTime: start }, (op) => {
    op.setAttributes({
      'rpc.system': 'aws-api',
      'rpc.service': 'S3',
      'rpc.method': 'PutObject',
      'cloud.region': 'us-west-2',
      'wirescope.caller.region': 'us-west-2',
      'aws.s3.bucket': 'example-bucket',
      'wirescope.attempts': attempts.length,
    });
    attempts.forEach((plan, index) => {
      if (!plan.reused || connections === 0) connections++;
      attempt('S3', 'PutObject', index + 1, plan, `c1-${connections}`);
    });
    const last = attempts.at(-1);
    if (last?.errorType !== undefined || (last?.status ?? 200) >= 400)
      op.setStatus({ code: SpanStatusCode.ERROR });
    op.end(clock);
  });
  clock += 50;
}
