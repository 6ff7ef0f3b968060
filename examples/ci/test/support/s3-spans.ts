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

/** A connection phase span, a child of the attempt that is active. */
function phase(name: string): void {
  tracer.startSpan(name, { kind: SpanKind.INTERNAL }).end();
}

function attempt(
  service: string,
  operation: string,
  n: number,
  plan: AttemptPlan,
  connectionId: string,
): void {
  tracer.startActiveSpan(`${service}.${operation} attempt`, { kind: SpanKind.INTERNAL }, (span) => {
    span.setAttributes({
      'wirescope.attempt': n,
      'wirescope.connection.reused': plan.reused,
      'wirescope.connection.id': connectionId,
      'server.address': 'example-bucket.s3.us-west-2.amazonaws.com',
      'server.port': 443,
      'http.request.method': 'PUT',
    });
    if (!plan.reused) {
      phase('dns.lookup');
      phase('tcp.connect');
      phase('tls.handshake');
      span.setAttributes({ 'tls.protocol.version': '1.3', 'tls.resumed': false });
    } else if (plan.idleMs !== undefined) {
      span.setAttribute('wirescope.connection.idle_ms', plan.idleMs);
    }
    if (plan.status !== undefined) span.setAttribute('http.response.status_code', plan.status);
    if (plan.errorType !== undefined) {
      span.setAttributes({ 'error.type': plan.errorType, 'wirescope.socket.reset': true });
      span.setStatus({ code: SpanStatusCode.ERROR, message: plan.errorType });
    }
    span.end();
  });
}

/**
 * Records one S3.PutObject call with the given attempts. A reused attempt takes the connection the
 * previous call left (`c1`), a new one opens the next.
 */
export function recordPutObject(attempts: AttemptPlan[]): void {
  tracer.startActiveSpan('S3.PutObject', { kind: SpanKind.CLIENT }, (op) => {
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
    op.end();
  });
}
