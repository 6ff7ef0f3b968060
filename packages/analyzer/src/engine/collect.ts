import {
  BODY_OUTCOME_ABORTED,
  BODY_OUTCOME_COMPLETE,
  BODY_OUTCOME_ERROR,
  BODY_OUTCOME_UNREAD,
  EXPECT_CONTINUE_ENDED_BY_SERVER,
  EXPECT_CONTINUE_ENDED_BY_TIMER,
  HTTP_HANDLER_NODE_HTTP2,
  isSocketReset,
  RPC_SYSTEM_AWS_API,
  SPAN_HTTP_RESPONSE_BODY,
} from '@wirescope/semconv';
import type { PhaseKind } from '../records.js';
import { boolVal, numVal, strVal } from '../span-record/attribute-values.js';
import { K } from '../span-record/keys.js';
import type { SpanRecord } from '../span-record/record.js';
import { inferAttemptValues, isOtherPhase, PHASE_BY_NAME, tlsVersionOf } from './other-instrumentations.js';
import {
  A,
  AttemptStore,
  CHUNK_MASK,
  EXT,
  type Interning,
  NUM,
  O,
  OperationStore,
  OSTR,
  type PendingPhase,
  PHASE_KINDS,
  type SpanColumns,
  STR,
} from './store.js';

/**
 * What the engine makes of a span: a wirescope attempt, an AWS operation (wirescope's or
 * @opentelemetry/instrumentation-aws-sdk's), a connection phase, an HTTP client span of another
 * instrumentation (`http`: an attempt the engine infers, kept when its parent is an AWS operation), or
 * undefined for any other span.
 */
export function classify(span: SpanRecord): 'operation' | 'attempt' | 'phase' | 'http' | 'body' | undefined {
  const v = span.values;
  if (v[K.attempt] !== undefined && numVal(v[K.attempt]) !== undefined) return 'attempt';
  if (v[K.rpcSystem] === RPC_SYSTEM_AWS_API) return 'operation';
  if (PHASE_BY_NAME[span.name] !== undefined) return 'phase';
  if (span.name === SPAN_HTTP_RESPONSE_BODY && span.hasParent && bodyOutcomeCode(v[K.bodyOutcome]) > 0)
    return 'body';
  if (span.kind === 'client' && (v[K.httpMethod] !== undefined || v[K.oldHttpMethod] !== undefined))
    return 'http';
  return undefined;
}

/** `service.instance.id`, `host.name` or `process.pid` of the span's resource: connection ids are per process. */
export function originOf(span: SpanRecord): string {
  const r = span.resource;
  return String(r['service.instance.id'] ?? r['host.name'] ?? r['process.pid'] ?? '');
}

/**
 * Writes what every row has (trace, ids, times) and returns the flag bits both stores share
 * (`hasParent`, `error`).
 */
function writeSpanColumns(c: SpanColumns, i: number, span: SpanRecord, trace: number): number {
  c.trace[i] = trace;
  c.hi[i] = span.hi;
  c.lo[i] = span.lo;
  c.start[i] = span.startMs;
  c.dur[i] = span.durationMs;
  return (span.hasParent ? O.hasParent : 0) | (span.error ? O.error : 0);
}

/** Writes string attributes as interned ids: `columns[k]` of the row's `base` gets attribute `keys[k]`. */
function writeStrings(
  str: Uint16Array | Uint32Array,
  base: number,
  columns: readonly number[],
  keys: readonly number[],
  span: SpanRecord,
  t: Interning['strings'],
): void {
  for (let k = 0; k < columns.length; k++)
    str[base + (columns[k] as number)] = t.id(strVal(span.values[keys[k] as number]));
}

/** Operation string columns filled from attributes, and their attributes (the name is written apart). */
const OP_STRING_COLUMNS = [
  OSTR.service,
  OSTR.method,
  OSTR.errorType,
  OSTR.signingRegion,
  OSTR.callerRegion,
  OSTR.clientRegion,
  OSTR.bucketRegion,
  OSTR.bucket,
  OSTR.keyPrefix,
];
const OP_STRING_KEYS = [
  K.rpcService,
  K.rpcMethod,
  K.errorType,
  K.cloudRegion,
  K.callerRegion,
  K.clientRegion,
  K.bucketRegion,
  K.bucket,
  K.keyPrefix,
];

/** Attempt string columns filled from attributes, and their attributes (name and origin apart). */
const ATTEMPT_STRING_COLUMNS = [
  STR.connectionId,
  STR.serverAddress,
  STR.httpMethod,
  STR.errorType,
  STR.socketError,
  STR.tlsVersion,
  STR.handler,
];
const ATTEMPT_STRING_KEYS = [
  K.connectionId,
  K.serverAddress,
  K.httpMethod,
  K.errorType,
  K.socketError,
  K.tlsVersion,
  K.handler,
];

/** Writes the row of an operation span (what the rules need of it; the rest is dropped). */
export function writeOperation(span: SpanRecord, trace: number, store: OperationStore, n: Interning): number {
  const v = span.values;
  const row = store.add(n.strings.size + OperationStore.STRINGS > 0xffff);
  const c = store.at(row);
  const i = row & CHUNK_MASK;
  let flags = writeSpanColumns(c, i, span, trace);
  if (boolVal(v[K.regionMismatch]) === true) flags |= O.regionMismatch;
  if (boolVal(v[K.eventStream]) === true) flags |= O.eventStream;
  if (span.wirescope) flags |= O.wirescope;
  c.flags[i] = flags;
  c.redirects[i] = Math.max(numVal(v[K.redirects]) ?? 0, span.redirectEvents);
  if (span.hasParent) {
    c.parHi[i] = span.parHi;
    c.parLo[i] = span.parLo;
  }
  const s = i * OperationStore.STRINGS;
  c.str[s + OSTR.name] = n.strings.id(span.name);
  writeStrings(c.str, s, OP_STRING_COLUMNS, OP_STRING_KEYS, span, n.strings);
  // Where the code runs: the plugin's attribute, else the resource's `cloud.region` (the SDK's resource
  // detectors set it on EC2, ECS, EKS and Lambda).
  if (v[K.callerRegion] === undefined) {
    const resourceRegion = strVal(span.resource['cloud.region']);
    if (resourceRegion !== undefined) {
      c.str[s + OSTR.callerRegion] = n.strings.id(resourceRegion);
      c.flags[i] = flags | O.callerFromResource;
    }
  }
  return row;
}

/** Writes the row of an attempt span. */
export function writeAttempt(
  span: SpanRecord,
  trace: number,
  store: AttemptStore,
  n: Interning,
  inferred = false,
): number {
  const v = span.values;
  if (inferred) inferAttemptValues(v);
  const row = store.add(n.strings.size + AttemptStore.STRINGS > 0xffff);
  const c = store.at(row);
  const i = row & CHUNK_MASK;
  let flags = writeSpanColumns(c, i, span, trace);
  if (span.hasParent) {
    c.parHi[i] = span.parHi;
    c.parLo[i] = span.parLo;
  }
  const reused = boolVal(v[K.reused]);
  if (reused !== undefined) flags |= A.reusedKnown | (reused ? A.reused : 0);
  const keepAlive = boolVal(v[K.keepAlive]);
  if (keepAlive !== undefined) flags |= A.keepAliveKnown | (keepAlive ? A.keepAlive : 0);
  if (boolVal(v[K.socketReset]) === true || (inferred && isSocketReset(strVal(v[K.errorType]) ?? '')))
    flags |= A.socketReset;
  const expectWait = numVal(v[K.expectWait]);
  if (boolVal(v[K.expectContinue]) === true || expectWait !== undefined) flags |= A.expectContinue;
  if (boolVal(v[K.oneOff]) === true) flags |= A.oneOff;
  if (inferred) flags |= A.inferred;
  // A session of the plugin's HTTP/2 producer. Not an inferred attempt: instrumentation-undici writes
  // version 2 for undici's own HTTP/2, whose pool and options are not NodeHttp2Handler's.
  const http2 =
    v[K.handler] === HTTP_HANDLER_NODE_HTTP2 ||
    (!inferred && strVal(v[K.handler]) === undefined && strVal(v[K.protocolVersion]) === '2');
  if (http2) flags |= A.http2;
  c.flags[i] = flags;
  // Inferred attempts are numbered at finish, in start order within their call.
  c.attempt[i] = inferred ? 0 : (numVal(v[K.attempt]) ?? 1);
  const nb = i * 8;
  c.num[nb + NUM.idle] = numVal(v[K.idle]) ?? Number.NaN;
  c.num[nb + NUM.queue] = numVal(v[K.queue]) ?? Number.NaN;
  c.num[nb + NUM.port] = numVal(v[K.serverPort]) ?? Number.NaN;
  c.num[nb + NUM.status] = numVal(v[K.status]) ?? Number.NaN;
  c.num[nb + NUM.expectWait] = expectWait ?? Number.NaN;
  c.num[nb + NUM.ttfb] = numVal(v[K.ttfb]) ?? Number.NaN;
  c.num[nb + NUM.bodySize] = numVal(v[K.bodySize]) ?? Number.NaN;
  c.num[nb + NUM.maxSockets] = numVal(v[K.maxSockets]) ?? Number.NaN;
  const sb = i * AttemptStore.STRINGS;
  c.str[sb + STR.name] = n.strings.id(span.name);
  c.str[sb + STR.origin] = n.strings.id(originOf(span));
  writeStrings(c.str, sb, ATTEMPT_STRING_COLUMNS, ATTEMPT_STRING_KEYS, span, n.strings);
  writeExtFacts(
    store,
    row,
    v,
    (flags & (A.error | A.socketReset)) !== 0 || v[K.errorType] !== undefined,
    span.durationMs >= SLOW_ATTEMPT_MS,
  );
  if (http2) writeHttp2Facts(store, row, v);
  return row;
}

/** Attempts this long (ms) or longer keep the timeouts they ran under (see `writeExtFacts`). */
export const SLOW_ATTEMPT_MS = 1000;

/** Values of `wirescope.body.outcome`, by code − 1 (code 0: none). */
export const BODY_OUTCOMES = [
  BODY_OUTCOME_COMPLETE,
  BODY_OUTCOME_ERROR,
  BODY_OUTCOME_ABORTED,
  BODY_OUTCOME_UNREAD,
] as const;
/** Values of `wirescope.expect_continue.ended_by`, by code − 1 (code 0: none). */
export const EXPECT_ENDINGS = [EXPECT_CONTINUE_ENDED_BY_SERVER, EXPECT_CONTINUE_ENDED_BY_TIMER] as const;

function bodyOutcomeCode(value: unknown): number {
  return (BODY_OUTCOMES as readonly unknown[]).indexOf(value) + 1;
}

/**
 * The issue-18 facts of an attempt span, in its `ext` columns (made only when it has one). The request
 * count is kept for failed attempts only (`failed`): stale-connection-reset reads it of resets, and most
 * plugin attempts carry it, so keeping it for all would give every chunk of them the columns.
 */
function writeExtFacts(
  store: AttemptStore,
  row: number,
  v: SpanRecord['values'],
  failed: boolean,
  slow: boolean,
): void {
  const requests = failed ? numVal(v[K.connectionRequests]) : undefined;
  const ending = (EXPECT_ENDINGS as readonly unknown[]).indexOf(v[K.expectEndedBy]) + 1;
  // The timeouts matter only to an attempt that waited long: kept from 1 s of duration (no-timeout's
  // threshold is 2 s), so that short attempts, nearly all of them, do not need the columns.
  const request = slow ? numVal(v[K.requestTimeout]) : undefined;
  if (requests === undefined && ending === 0 && request === undefined) return;
  const ext = store.extOf(row);
  const e = (row & CHUNK_MASK) * AttemptStore.EXTS;
  if (requests !== undefined) ext[e + EXT.connectionRequests] = requests;
  if (ending > 0) ext[e + EXT.expectEndedBy] = ending;
  if (request !== undefined) {
    ext[e + EXT.requestTimeout] = request;
    ext[e + EXT.connectionTimeout] = numVal(v[K.connectionTimeout]) ?? Number.NaN;
    ext[e + EXT.socketTimeout] = numVal(v[K.socketTimeout]) ?? Number.NaN;
  }
}

/** The HTTP/2 keys, in `EXT` order from `EXT.streamsInFlight`. */
const HTTP2_KEYS = [
  K.streamsInFlight,
  K.maxConcurrentStreams,
  K.goawayCode,
  K.rstStreamCode,
  K.previousGoawayCode,
] as const;

/** The HTTP/2 facts of a stream's attempt, in its `ext` columns (made only when it has one). */
function writeHttp2Facts(store: AttemptStore, row: number, v: SpanRecord['values']): void {
  const e = (row & CHUNK_MASK) * AttemptStore.EXTS + EXT.streamsInFlight;
  for (let k = 0; k < HTTP2_KEYS.length; k++) {
    const value = numVal(v[HTTP2_KEYS[k] as number]);
    if (value !== undefined) store.extOf(row)[e + k] = value;
  }
}

/** A response body span, held until its attempt is known: trace number, attempt id halves, outcome code, duration. */
export interface PendingBody {
  trace: number;
  parHi: number;
  parLo: number;
  outcome: number;
  durationMs: number;
}

/** The body facts of an `http.response.body` span (classified `body`). */
export function pendingBody(span: SpanRecord, trace: number): PendingBody {
  return {
    trace,
    parHi: span.parHi,
    parLo: span.parLo,
    outcome: bodyOutcomeCode(span.values[K.bodyOutcome]),
    durationMs: span.durationMs,
  };
}

/**
 * Puts a body's outcome and duration on its attempt row (same trace only). One body per response: a
 * second span for the same attempt keeps the first one's facts.
 */
export function attachBody(store: AttemptStore, row: number, body: PendingBody): boolean {
  if (store.at(row).trace[row & CHUNK_MASK] !== body.trace) return false;
  const ext = store.extOf(row);
  const e = (row & CHUNK_MASK) * AttemptStore.EXTS;
  if (!Number.isNaN(ext[e + EXT.bodyOutcome] as number)) return false;
  ext[e + EXT.bodyOutcome] = body.outcome;
  ext[e + EXT.bodyMs] = body.durationMs;
  return true;
}

/** A phase span, held until its attempt is known (`into`: an object to fill instead of a new one). */
export function pendingPhase(span: SpanRecord, trace: number, into?: PendingPhase): PendingPhase {
  const phase: PendingPhase = into ?? {
    trace: 0,
    hi: 0,
    lo: 0,
    parHi: 0,
    parLo: 0,
    kind: 0,
    start: 0,
    dur: 0,
    error: false,
    other: false,
    tlsVersion: '',
    name: '',
    next: undefined,
  };
  phase.trace = trace;
  phase.hi = span.hi;
  phase.lo = span.lo;
  phase.parHi = span.parHi;
  phase.parLo = span.parLo;
  phase.kind = Math.max(0, PHASE_KINDS.indexOf(PHASE_BY_NAME[span.name] as PhaseKind));
  phase.start = span.startMs;
  phase.dur = span.durationMs;
  phase.error = span.error;
  phase.other = isOtherPhase(span);
  phase.tlsVersion = phase.other ? (tlsVersionOf(strVal(span.values[K.otelTlsProtocol])) ?? '') : '';
  phase.name = span.name;
  phase.next = undefined;
  return phase;
}

/** What `attachPhase` did with a phase. */
export type Attached =
  | 'added'
  /** A second copy of a phase span already there (a duplicate span id): dropped. */
  | 'duplicate'
  /** Another instrumentation's record of a phase wirescope recorded too: dropped. */
  | 'other-dropped'
  /** wirescope's record replaced another instrumentation's record of the phase. */
  | 'other-replaced';

/**
 * Puts a phase under its attempt. Happy Eyeballs can make two tcp.connect spans under one attempt:
 * the earliest start is kept and the times summed; the phase is in error only when all of them were.
 * When wirescope and another instrumentation (instrumentation-net, -dns) both recorded a phase, the
 * phase is counted once, from wirescope's span.
 */
export function attachPhase(store: AttemptStore, row: number, phase: PendingPhase): Attached {
  const c = store.at(row);
  const i = row & CHUNK_MASK;
  const prow = store.phaseRow(row);
  const slot = (prow & CHUNK_MASK) * 3 + phase.kind;
  const p = store.phasesAt(prow);
  const present = A.phasePresent << phase.kind;
  const errorBit = A.phaseError << phase.kind;
  const otherBit = A.phaseOther << phase.kind;
  const flags = c.flags[i] as number;
  const replace = (flags & present) !== 0 && (flags & otherBit) !== 0 && !phase.other;
  if ((flags & present) === 0 || replace) {
    c.flags[i] =
      (flags & ~(errorBit | otherBit)) |
      present |
      (phase.error ? errorBit : 0) |
      (phase.other ? otherBit : 0);
    p.start[slot] = phase.start;
    p.dur[slot] = phase.dur;
    p.hi[slot] = phase.hi;
    p.lo[slot] = phase.lo;
    return replace ? 'other-replaced' : 'added';
  }
  if (p.hi[slot] === phase.hi && p.lo[slot] === phase.lo) return 'duplicate';
  if (phase.other && (flags & otherBit) === 0) return 'other-dropped';
  p.start[slot] = Math.min(p.start[slot] as number, phase.start);
  p.dur[slot] = (p.dur[slot] as number) + phase.dur;
  if (!phase.error) c.flags[i] = (c.flags[i] as number) & ~errorBit;
  return 'added';
}
