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
import type { PhaseKind } from './internal-types.js';
import {
  A,
  type AttemptStore,
  type Interning,
  NUM,
  O,
  type OperationStore,
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

function originOf(span: WireSpan): string {
  const r = span.resource;
  return String(r['service.instance.id'] ?? r['host.name'] ?? r['process.pid'] ?? '');
}

/** Writes the row of an operation span (what the rules need of it; the rest is dropped). */
export function writeOperation(span: WireSpan, trace: number, store: OperationStore, n: Interning): number {
  const a = span.attributes;
  const row = store.add();
  const c = store.c;
  c.trace[row] = trace;
  n.ids.split(span.spanId);
  c.hi[row] = n.ids.hi;
  c.lo[row] = n.ids.lo;
  let flags = 0;
  if (span.parentSpanId !== undefined) {
    n.ids.split(span.parentSpanId);
    c.parHi[row] = n.ids.hi;
    c.parLo[row] = n.ids.lo;
    flags |= O.hasParent;
  }
  if (span.status.code === 'error') flags |= O.error;
  if (boolAttr(a, ATTR_REGION_MISMATCH) === true) flags |= O.regionMismatch;
  if (hasWirescopeAttribute(span)) flags |= O.wirescope;
  c.flags[row] = flags;
  c.start[row] = toMs(span.startTimeUnixNano);
  c.dur[row] = durationMs(span.startTimeUnixNano, span.endTimeUnixNano);
  let redirectEvents = 0;
  for (const event of span.events) if (event.name === EVENT_REGION_REDIRECT) redirectEvents++;
  c.redirects[row] = Math.max(numAttr(a, ATTR_REGION_REDIRECTS) ?? 0, redirectEvents);
  const s = row * 10;
  const str = (i: number, v: string | undefined) => {
    c.str[s + i] = n.strings.id(v);
  };
  str(OSTR.name, span.name);
  str(OSTR.service, strAttr(a, ATTR_RPC_SERVICE));
  str(OSTR.method, strAttr(a, ATTR_RPC_METHOD));
  str(OSTR.errorType, strAttr(a, ATTR_ERROR_TYPE));
  str(OSTR.signingRegion, strAttr(a, ATTR_CLOUD_REGION));
  str(OSTR.callerRegion, strAttr(a, ATTR_CALLER_REGION));
  str(OSTR.clientRegion, strAttr(a, ATTR_CLIENT_REGION));
  str(OSTR.bucketRegion, strAttr(a, ATTR_BUCKET_REGION));
  str(OSTR.bucket, strAttr(a, ATTR_AWS_S3_BUCKET));
  str(OSTR.keyPrefix, strAttr(a, ATTR_S3_KEY_PREFIX));
  return row;
}

/** Writes the row of an attempt span. */
export function writeAttempt(span: WireSpan, trace: number, store: AttemptStore, n: Interning): number {
  const a = span.attributes;
  const row = store.add();
  const c = store.c;
  c.trace[row] = trace;
  n.ids.split(span.spanId);
  c.hi[row] = n.ids.hi;
  c.lo[row] = n.ids.lo;
  let flags = 0;
  if (span.parentSpanId !== undefined) {
    n.ids.split(span.parentSpanId);
    c.parHi[row] = n.ids.hi;
    c.parLo[row] = n.ids.lo;
    flags |= A.hasParent;
  }
  if (span.status.code === 'error') flags |= A.error;
  const reused = boolAttr(a, ATTR_CONNECTION_REUSED);
  if (reused !== undefined) flags |= A.reusedKnown | (reused ? A.reused : 0);
  const keepAlive = boolAttr(a, ATTR_AGENT_KEEP_ALIVE);
  if (keepAlive !== undefined) flags |= A.keepAliveKnown | (keepAlive ? A.keepAlive : 0);
  if (boolAttr(a, ATTR_SOCKET_RESET) === true) flags |= A.socketReset;
  const expectWait = numAttr(a, ATTR_EXPECT_CONTINUE_WAIT_MS);
  if (boolAttr(a, ATTR_EXPECT_CONTINUE) === true || expectWait !== undefined) flags |= A.expectContinue;
  if (boolAttr(a, ATTR_AGENT_ONE_OFF) === true) flags |= A.oneOff;
  c.flags[row] = flags;
  c.start[row] = toMs(span.startTimeUnixNano);
  c.dur[row] = durationMs(span.startTimeUnixNano, span.endTimeUnixNano);
  c.attempt[row] = numAttr(a, ATTR_ATTEMPT) ?? 1;
  const nb = row * 8;
  const num = (i: number, v: number | undefined) => {
    c.num[nb + i] = v ?? Number.NaN;
  };
  num(NUM.idle, numAttr(a, ATTR_CONNECTION_IDLE_MS));
  num(NUM.queue, numAttr(a, ATTR_CONNECTION_QUEUE_MS));
  num(NUM.port, numAttr(a, ATTR_SERVER_PORT));
  num(NUM.status, numAttr(a, ATTR_HTTP_RESPONSE_STATUS_CODE));
  num(NUM.expectWait, expectWait);
  num(NUM.ttfb, numAttr(a, ATTR_TTFB_MS));
  num(NUM.bodySize, numAttr(a, ATTR_REQUEST_BODY_SIZE));
  num(NUM.maxSockets, numAttr(a, ATTR_AGENT_MAX_SOCKETS));
  const sb = row * 9;
  const str = (i: number, v: string | undefined) => {
    c.str[sb + i] = n.strings.id(v);
  };
  str(STR.name, span.name);
  str(STR.connectionId, strAttr(a, ATTR_CONNECTION_ID));
  str(STR.origin, originOf(span));
  str(STR.serverAddress, strAttr(a, ATTR_SERVER_ADDRESS));
  str(STR.httpMethod, strAttr(a, ATTR_HTTP_REQUEST_METHOD));
  str(STR.errorType, strAttr(a, ATTR_ERROR_TYPE));
  str(STR.socketError, strAttr(a, ATTR_SOCKET_ERROR));
  str(STR.tlsVersion, strAttr(a, ATTR_TLS_PROTOCOL_VERSION));
  str(STR.handler, strAttr(a, ATTR_HTTP_HANDLER));
  return row;
}

/** A phase span, held until its attempt is known. */
export function pendingPhase(span: WireSpan, trace: number, n: Interning): PendingPhase {
  n.ids.split(span.spanId);
  return {
    trace,
    hi: n.ids.hi,
    lo: n.ids.lo,
    kind: PHASE_KINDS.indexOf(PHASE_BY_NAME[span.name] as PhaseKind),
    start: toMs(span.startTimeUnixNano),
    dur: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    error: span.status.code === 'error',
    name: span.name,
  };
}

/**
 * Puts a phase under its attempt. Happy Eyeballs can make two tcp.connect spans under one attempt:
 * the earliest start is kept and the times summed; the phase is in error only when all of them were.
 * Returns false for a second copy of a phase span already there (a duplicate span id).
 */
export function attachPhase(store: AttemptStore, row: number, phase: PendingPhase): boolean {
  const c = store.c;
  const slot = store.phaseRow(row) * 3 + phase.kind;
  const p = store.p;
  const present = A.phasePresent << phase.kind;
  const errorBit = A.phaseError << phase.kind;
  const flags = c.flags[row] as number;
  if ((flags & present) === 0) {
    c.flags[row] = flags | present | (phase.error ? errorBit : 0);
    p.start[slot] = phase.start;
    p.dur[slot] = phase.dur;
    p.hi[slot] = phase.hi;
    p.lo[slot] = phase.lo;
    return true;
  }
  if (p.hi[slot] === phase.hi && p.lo[slot] === phase.lo) return false;
  p.start[slot] = Math.min(p.start[slot] as number, phase.start);
  p.dur[slot] = (p.dur[slot] as number) + phase.dur;
  if (!phase.error) c.flags[row] = (c.flags[row] as number) & ~errorBit;
  return true;
}
