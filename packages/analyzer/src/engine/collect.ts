import {
  ATTR_AGENT_KEEP_ALIVE,
  ATTR_AGENT_MAX_SOCKETS,
  ATTR_AGENT_ONE_OFF,
  ATTR_ATTEMPT,
  ATTR_AWS_S3_BUCKET,
  ATTR_BUCKET_REGION,
  ATTR_CALLER_REGION,
  ATTR_CLIENT_REGION,
  ATTR_CLOUD_REGION,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_EXPECT_CONTINUE,
  ATTR_EXPECT_CONTINUE_WAIT_MS,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_REGION_MISMATCH,
  ATTR_REGION_REDIRECTS,
  ATTR_REQUEST_BODY_SIZE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
  ATTR_S3_KEY_PREFIX,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SOCKET_ERROR,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TTFB_MS,
  EVENT_REGION_REDIRECT,
  RPC_SYSTEM_AWS_API,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import type { WireSpan } from '../types.js';
import { boolAttr, durationMs, numAttr, strAttr, toMs } from './attribute-values.js';
import type { AttemptRecord, OperationRecord, PhaseKind, PhaseRecord } from './internal-types.js';

const PHASE_BY_NAME: Record<string, PhaseKind> = {
  [SPAN_DNS_LOOKUP]: 'dns',
  [SPAN_TCP_CONNECT]: 'tcp',
  [SPAN_TLS_HANDSHAKE]: 'tls',
};

/** Interns low-cardinality strings (names, hosts, regions) so a million records share them. */
export class StringPool {
  private readonly pool = new Map<string, string>();
  intern(value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    const known = this.pool.get(value);
    if (known !== undefined) return known;
    if (this.pool.size < 100_000) this.pool.set(value, value);
    return value;
  }
}

/** What kind of wirescope span this is, or undefined for any other span. */
export function classify(span: WireSpan): 'operation' | 'attempt' | 'phase' | undefined {
  if (span.attributes[ATTR_ATTEMPT] !== undefined && numAttr(span.attributes, ATTR_ATTEMPT) !== undefined) {
    return 'attempt';
  }
  if (span.attributes[ATTR_RPC_SYSTEM] === RPC_SYSTEM_AWS_API) return 'operation';
  if (PHASE_BY_NAME[span.name] !== undefined) return 'phase';
  return undefined;
}

function hasWirescopeAttribute(span: WireSpan): boolean {
  for (const key in span.attributes) if (key.startsWith('wirescope.')) return true;
  return false;
}

function base(span: WireSpan, traceId: string) {
  return {
    traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    startMs: toMs(span.startTimeUnixNano),
    durationMs: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    error: span.status.code === 'error',
  };
}

/** The compact record of an operation span. */
export function operationRecord(span: WireSpan, traceId: string, pool: StringPool): OperationRecord {
  const a = span.attributes;
  const redirectEvents = span.events.filter((event) => event.name === EVENT_REGION_REDIRECT).length;
  return {
    ...base(span, traceId),
    name: pool.intern(span.name) as string,
    service: pool.intern(strAttr(a, ATTR_RPC_SERVICE)),
    method: pool.intern(strAttr(a, ATTR_RPC_METHOD)),
    errorType: pool.intern(strAttr(a, ATTR_ERROR_TYPE)),
    signingRegion: pool.intern(strAttr(a, ATTR_CLOUD_REGION)),
    callerRegion: pool.intern(strAttr(a, ATTR_CALLER_REGION)),
    clientRegion: pool.intern(strAttr(a, ATTR_CLIENT_REGION)),
    bucketRegion: pool.intern(strAttr(a, ATTR_BUCKET_REGION)),
    bucket: pool.intern(strAttr(a, ATTR_AWS_S3_BUCKET)),
    keyPrefix: pool.intern(strAttr(a, ATTR_S3_KEY_PREFIX)),
    regionMismatch: boolAttr(a, ATTR_REGION_MISMATCH) === true,
    redirects: Math.max(numAttr(a, ATTR_REGION_REDIRECTS) ?? 0, redirectEvents),
    wirescope: hasWirescopeAttribute(span),
    attempts: [],
  };
}

function originOf(span: WireSpan): string {
  const r = span.resource;
  return String(r['service.instance.id'] ?? r['host.name'] ?? r['process.pid'] ?? '');
}

/** The compact record of an attempt span. */
export function attemptRecord(span: WireSpan, traceId: string, pool: StringPool): AttemptRecord {
  const a = span.attributes;
  return {
    ...base(span, traceId),
    name: pool.intern(span.name) as string,
    attempt: numAttr(a, ATTR_ATTEMPT) ?? 1,
    reused: boolAttr(a, ATTR_CONNECTION_REUSED),
    connectionId: strAttr(a, ATTR_CONNECTION_ID),
    origin: pool.intern(originOf(span)) as string,
    idleMs: numAttr(a, ATTR_CONNECTION_IDLE_MS),
    queueMs: numAttr(a, ATTR_CONNECTION_QUEUE_MS),
    serverAddress: pool.intern(strAttr(a, ATTR_SERVER_ADDRESS)),
    serverPort: numAttr(a, ATTR_SERVER_PORT),
    httpMethod: pool.intern(strAttr(a, ATTR_HTTP_REQUEST_METHOD)),
    statusCode: numAttr(a, ATTR_HTTP_RESPONSE_STATUS_CODE),
    errorType: pool.intern(strAttr(a, ATTR_ERROR_TYPE)),
    socketReset: boolAttr(a, ATTR_SOCKET_RESET) === true,
    socketError: pool.intern(strAttr(a, ATTR_SOCKET_ERROR)),
    tlsVersion: pool.intern(strAttr(a, ATTR_TLS_PROTOCOL_VERSION)),
    expectContinue:
      boolAttr(a, ATTR_EXPECT_CONTINUE) === true || numAttr(a, ATTR_EXPECT_CONTINUE_WAIT_MS) !== undefined,
    expectWaitMs: numAttr(a, ATTR_EXPECT_CONTINUE_WAIT_MS),
    ttfbMs: numAttr(a, ATTR_TTFB_MS),
    bodySize: numAttr(a, ATTR_REQUEST_BODY_SIZE),
    handler: pool.intern(strAttr(a, ATTR_HTTP_HANDLER)),
    keepAlive: boolAttr(a, ATTR_AGENT_KEEP_ALIVE),
    maxSockets: numAttr(a, ATTR_AGENT_MAX_SOCKETS),
    oneOff: boolAttr(a, ATTR_AGENT_ONE_OFF) === true,
    operation: undefined,
    phases: {},
    next: undefined,
    isNew: false,
  };
}

/** The compact record of a connection phase span. */
export function phaseRecord(span: WireSpan, traceId: string): PhaseRecord {
  return { ...base(span, traceId), kind: PHASE_BY_NAME[span.name] as PhaseKind };
}
