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
import type { Attributes, WireSpan } from '../types.js';
import { boolAttr, durationMs, numAttr, strAttr, toMs } from './attribute-values.js';
import type { PhaseKind, SpanFacts } from './internal-types.js';
import {
  A,
  AttemptStore,
  CHUNK_MASK,
  type Interning,
  NUM,
  O,
  OperationStore,
  OSTR,
  type PendingPhase,
  PHASE_KINDS,
  STR,
} from './store.js';

const PHASE_BY_NAME: Record<string, PhaseKind> = {
  [SPAN_DNS_LOOKUP]: 'dns',
  [SPAN_TCP_CONNECT]: 'tcp',
  [SPAN_TLS_HANDSHAKE]: 'tls',
};

/** Every attribute key the engine reads: the OTLP fast path keeps these and drops the rest. */
export const ENGINE_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
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
]);

/** Resource attribute keys the engine reads (`origin`). */
export const ENGINE_RESOURCE_KEYS: readonly string[] = ['service.instance.id', 'host.name', 'process.pid'];

/** A `WireSpan` as the engine reads it (no copy of its attributes). */
export function factsOfWire(span: WireSpan): SpanFacts {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    error: span.status.code === 'error',
    startMs: toMs(span.startTimeUnixNano),
    durationMs: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    attributes: span.attributes,
    wirescope: undefined,
    events: span.events,
    resource: span.resource,
  };
}

/** What kind of wirescope span this is, or undefined for any other span. */
export function classify(span: SpanFacts): 'operation' | 'attempt' | 'phase' | undefined {
  if (span.attributes[ATTR_ATTEMPT] !== undefined && numAttr(span.attributes, ATTR_ATTEMPT) !== undefined) {
    return 'attempt';
  }
  if (span.attributes[ATTR_RPC_SYSTEM] === RPC_SYSTEM_AWS_API) return 'operation';
  if (PHASE_BY_NAME[span.name] !== undefined) return 'phase';
  return undefined;
}

function hasWirescopeAttribute(attributes: Attributes): boolean {
  for (const key in attributes) if (key.startsWith('wirescope.')) return true;
  return false;
}

function originOf(span: SpanFacts): string {
  const r = span.resource;
  return String(r['service.instance.id'] ?? r['host.name'] ?? r['process.pid'] ?? '');
}

/** Writes the row of an operation span (what the rules need of it; the rest is dropped). */
export function writeOperation(span: SpanFacts, trace: number, store: OperationStore, n: Interning): number {
  const a = span.attributes;
  const row = store.add(n.strings.size + OperationStore.STRINGS > 0xffff);
  const c = store.at(row);
  const i = row & CHUNK_MASK;
  c.trace[i] = trace;
  n.ids.split(span.spanId);
  c.hi[i] = n.ids.hi;
  c.lo[i] = n.ids.lo;
  let flags = 0;
  if (span.parentSpanId !== undefined) {
    n.ids.split(span.parentSpanId);
    c.parHi[i] = n.ids.hi;
    c.parLo[i] = n.ids.lo;
    flags |= O.hasParent;
  }
  if (span.error) flags |= O.error;
  if (boolAttr(a, ATTR_REGION_MISMATCH) === true) flags |= O.regionMismatch;
  if (span.wirescope ?? hasWirescopeAttribute(a)) flags |= O.wirescope;
  c.flags[i] = flags;
  c.start[i] = span.startMs;
  c.dur[i] = span.durationMs;
  let redirectEvents = 0;
  for (const event of span.events) if (event.name === EVENT_REGION_REDIRECT) redirectEvents++;
  c.redirects[i] = Math.max(numAttr(a, ATTR_REGION_REDIRECTS) ?? 0, redirectEvents);
  const s = i * 10;
  const t = n.strings;
  c.str[s + OSTR.name] = t.id(span.name);
  c.str[s + OSTR.service] = t.id(strAttr(a, ATTR_RPC_SERVICE));
  c.str[s + OSTR.method] = t.id(strAttr(a, ATTR_RPC_METHOD));
  c.str[s + OSTR.errorType] = t.id(strAttr(a, ATTR_ERROR_TYPE));
  c.str[s + OSTR.signingRegion] = t.id(strAttr(a, ATTR_CLOUD_REGION));
  c.str[s + OSTR.callerRegion] = t.id(strAttr(a, ATTR_CALLER_REGION));
  c.str[s + OSTR.clientRegion] = t.id(strAttr(a, ATTR_CLIENT_REGION));
  c.str[s + OSTR.bucketRegion] = t.id(strAttr(a, ATTR_BUCKET_REGION));
  c.str[s + OSTR.bucket] = t.id(strAttr(a, ATTR_AWS_S3_BUCKET));
  c.str[s + OSTR.keyPrefix] = t.id(strAttr(a, ATTR_S3_KEY_PREFIX));
  return row;
}

/** Writes the row of an attempt span. */
export function writeAttempt(span: SpanFacts, trace: number, store: AttemptStore, n: Interning): number {
  const a = span.attributes;
  const row = store.add(n.strings.size + AttemptStore.STRINGS > 0xffff);
  const c = store.at(row);
  const i = row & CHUNK_MASK;
  c.trace[i] = trace;
  n.ids.split(span.spanId);
  c.hi[i] = n.ids.hi;
  c.lo[i] = n.ids.lo;
  let flags = 0;
  if (span.parentSpanId !== undefined) {
    n.ids.split(span.parentSpanId);
    c.parHi[i] = n.ids.hi;
    c.parLo[i] = n.ids.lo;
    flags |= A.hasParent;
  }
  if (span.error) flags |= A.error;
  const reused = boolAttr(a, ATTR_CONNECTION_REUSED);
  if (reused !== undefined) flags |= A.reusedKnown | (reused ? A.reused : 0);
  const keepAlive = boolAttr(a, ATTR_AGENT_KEEP_ALIVE);
  if (keepAlive !== undefined) flags |= A.keepAliveKnown | (keepAlive ? A.keepAlive : 0);
  if (boolAttr(a, ATTR_SOCKET_RESET) === true) flags |= A.socketReset;
  const expectWait = numAttr(a, ATTR_EXPECT_CONTINUE_WAIT_MS);
  if (boolAttr(a, ATTR_EXPECT_CONTINUE) === true || expectWait !== undefined) flags |= A.expectContinue;
  if (boolAttr(a, ATTR_AGENT_ONE_OFF) === true) flags |= A.oneOff;
  c.flags[i] = flags;
  c.start[i] = span.startMs;
  c.dur[i] = span.durationMs;
  c.attempt[i] = numAttr(a, ATTR_ATTEMPT) ?? 1;
  const nb = i * 8;
  c.num[nb + NUM.idle] = numAttr(a, ATTR_CONNECTION_IDLE_MS) ?? Number.NaN;
  c.num[nb + NUM.queue] = numAttr(a, ATTR_CONNECTION_QUEUE_MS) ?? Number.NaN;
  c.num[nb + NUM.port] = numAttr(a, ATTR_SERVER_PORT) ?? Number.NaN;
  c.num[nb + NUM.status] = numAttr(a, ATTR_HTTP_RESPONSE_STATUS_CODE) ?? Number.NaN;
  c.num[nb + NUM.expectWait] = expectWait ?? Number.NaN;
  c.num[nb + NUM.ttfb] = numAttr(a, ATTR_TTFB_MS) ?? Number.NaN;
  c.num[nb + NUM.bodySize] = numAttr(a, ATTR_REQUEST_BODY_SIZE) ?? Number.NaN;
  c.num[nb + NUM.maxSockets] = numAttr(a, ATTR_AGENT_MAX_SOCKETS) ?? Number.NaN;
  const sb = i * 9;
  const t = n.strings;
  c.str[sb + STR.name] = t.id(span.name);
  c.str[sb + STR.connectionId] = t.id(strAttr(a, ATTR_CONNECTION_ID));
  c.str[sb + STR.origin] = t.id(originOf(span));
  c.str[sb + STR.serverAddress] = t.id(strAttr(a, ATTR_SERVER_ADDRESS));
  c.str[sb + STR.httpMethod] = t.id(strAttr(a, ATTR_HTTP_REQUEST_METHOD));
  c.str[sb + STR.errorType] = t.id(strAttr(a, ATTR_ERROR_TYPE));
  c.str[sb + STR.socketError] = t.id(strAttr(a, ATTR_SOCKET_ERROR));
  c.str[sb + STR.tlsVersion] = t.id(strAttr(a, ATTR_TLS_PROTOCOL_VERSION));
  c.str[sb + STR.handler] = t.id(strAttr(a, ATTR_HTTP_HANDLER));
  return row;
}

/** A phase span, held until its attempt is known. */
export function pendingPhase(span: SpanFacts, trace: number, n: Interning): PendingPhase {
  n.ids.split(span.spanId);
  return {
    trace,
    hi: n.ids.hi,
    lo: n.ids.lo,
    kind: PHASE_KINDS.indexOf(PHASE_BY_NAME[span.name] as PhaseKind),
    start: span.startMs,
    dur: span.durationMs,
    error: span.error,
    name: span.name,
  };
}

/**
 * Puts a phase under its attempt. Happy Eyeballs can make two tcp.connect spans under one attempt:
 * the earliest start is kept and the times summed; the phase is in error only when all of them were.
 * Returns false for a second copy of a phase span already there (a duplicate span id).
 */
export function attachPhase(store: AttemptStore, row: number, phase: PendingPhase): boolean {
  const c = store.at(row);
  const i = row & CHUNK_MASK;
  const prow = store.phaseRow(row);
  const slot = (prow & CHUNK_MASK) * 3 + phase.kind;
  const p = store.phasesAt(prow);
  const present = A.phasePresent << phase.kind;
  const errorBit = A.phaseError << phase.kind;
  const flags = c.flags[i] as number;
  if ((flags & present) === 0) {
    c.flags[i] = flags | present | (phase.error ? errorBit : 0);
    p.start[slot] = phase.start;
    p.dur[slot] = phase.dur;
    p.hi[slot] = phase.hi;
    p.lo[slot] = phase.lo;
    return true;
  }
  if (p.hi[slot] === phase.hi && p.lo[slot] === phase.lo) return false;
  p.start[slot] = Math.min(p.start[slot] as number, phase.start);
  p.dur[slot] = (p.dur[slot] as number) + phase.dur;
  if (!phase.error) c.flags[i] = (c.flags[i] as number) & ~errorBit;
  return true;
}
