// Issue 17, "Must be shown by tests": the SDK's NodeHttp2Handler against a misbehaving local HTTP/2
// server (test/support/h2-server.ts), each scenario run with and without the plugin: the results,
// errors, attempts and the server's session and stream counts are pinned and equal on both runs. A
// traced run then pins the facts the producer records (session id, reused, phase spans, GOAWAY and
// RST_STREAM codes, error.type, socket.reset, stream limit, queueing) and the analyzer's findings.
// What the SDK does, as observed on @smithy/node-http-handler 4.14 / Node 20:
// - GOAWAY on an idle pooled session: dropped from the pool, the next call opens a new one; no failure.
// - GOAWAY on an in-flight stream (id above its last stream id). Code 0: Node closes the stream as
//   REFUSED_STREAM, which the SDK retries on a new session (@smithy/core isNodeJsHttp2TransientError);
//   other codes: Node destroys the session (ERR_HTTP2_SESSION_ERROR), not retried. (A GOAWAY right
//   after a response races the next request, so the server sends it on the next stream instead.)
// - RST_STREAM: only REFUSED_STREAM (7) is retried (same session); INTERNAL_ERROR (2) fails the call
//   (ERR_HTTP2_STREAM_ERROR); NO_ERROR (0) before a response fails it ("did not get a response").
// - A TCP reset under a request: ECONNRESET, retried on a new session; on an idle session: none.
// - A server limit of 1 stream: a warm session queues the streams in nghttp2; on a cold one (SETTINGS
//   not yet received) the server refuses two of three (REFUSED_STREAM), retried on the same session.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler, type NodeHttp2HandlerOptions } from '@smithy/node-http-handler';
import { analyze, wireSpanFromReadable } from '@wirescope/analyzer';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPT,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP2_GOAWAY_CODE,
  ATTR_HTTP2_MAX_CONCURRENT_STREAMS,
  ATTR_HTTP2_PREVIOUS_GOAWAY_CODE,
  ATTR_HTTP2_PREVIOUS_IDLE_MS,
  ATTR_HTTP2_RST_STREAM_CODE,
  ATTR_HTTP2_STREAMS_IN_FLIGHT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SOCKET_RESET,
  FINDING_CONNECTION_CHURN,
  FINDING_DNS_LOOKUP_PER_CONNECTION,
  FINDING_SOCKET_POOL_SATURATION,
  FINDING_STALE_CONNECTION_RESET,
  FINDING_UNRETRIED_SOCKET_ERROR,
  HTTP_HANDLER_NODE_HTTP2,
  PHASE_SPAN_NAMES,
} from '@wirescope/semconv';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { type CallOutcome, outcomeOf, sleep } from './support/fault-matrix.js';
import { H2_CODE, type H2Server, type H2ServerOptions, startH2Server } from './support/h2-server.js';
import { createTestTracing } from './support/otel.js';
import { attr, childrenOf } from './support/span-query.js';

const BUCKET = 'h2';
const tracing = createTestTracing();
afterAll(() => tracing.shutdown());
/** How long a session sits idle before the server's GOAWAY or reset in the idle scenarios, ms. */
const IDLE_MS = 100;
const IDLE_PAUSE_MS = 400; // between the two calls of an idle scenario: the GOAWAY or reset comes well within

const put = (client: S3Client, key: string) =>
  outcomeOf(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` })));

/** A GetObject whose body is read to its end (and compared): an unread body would hold its stream. */
const get = (client: S3Client, key: string, expected: string) =>
  outcomeOf(
    client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).then(async (out) => {
      const body = await out.Body?.transformToString();
      if (body !== expected) throw new Error(`GET ${key} returned ${body}`);
      return out;
    }),
  );

const ok = (attempts = 1): CallOutcome => ({ ok: true, attempts, status: 200 });

/** What the server saw during a scenario. */
interface ServerTruth {
  sessions: number;
  streams: number;
  goaways: readonly number[];
  resets: readonly number[];
  socketsDestroyed: number;
  peakStreams: number;
}

/** One scenario: server, handler options, the calls, and what must come of them. */
interface H2Scenario {
  name: string;
  server?: H2ServerOptions;
  handler?: NodeHttp2HandlerOptions;
  /** Calls made before the counts are reset (a warm session), not part of the outcomes. */
  warm?: (client: S3Client) => Promise<unknown>;
  /** Switches the server's behaviour after the warm-up. */
  arrange?: (server: H2Server) => void;
  calls(client: S3Client): Promise<CallOutcome[]>;
  /** The outcomes, pinned (the SDK's behaviour, see the head of this file). */
  outcomes: CallOutcome[];
  /** The server's own counts after the calls (not the warm-up), pinned; peakStreams only when given. */
  truth: Partial<ServerTruth> & { sessions: number; streams: number };
  /** What the plugin must have recorded on the traced run. */
  facts?: (run: H2Run) => void | Promise<void>;
  /** The analyzer's finding codes on the traced run, sorted (checked with `facts`). */
  findings?: string[];
}

/** A run of one scenario: outcomes, server counts, the spans, and how long the calls took. */
interface H2Run {
  outcomes: CallOutcome[];
  truth: ServerTruth;
  spans: ReadableSpan[];
  elapsedMs: number;
}

/** Runs `scenario` against a fresh server and client, with the plugin (on `tracing`) or without. */
async function runScenario(scenario: H2Scenario, withPlugin: boolean): Promise<H2Run> {
  const server = await startH2Server(scenario.server);
  const client = createS3Client(server.endpoint, { requestHandler: new NodeHttp2Handler(scenario.handler) });
  if (withPlugin) client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  try {
    if (scenario.warm) {
      await scenario.warm(client);
      // Past the tick in which the warm-up's stream closes: the session is idle when the calls start.
      await sleep(50);
    }
    server.resetCounts();
    scenario.arrange?.(server);
    tracing.reset();
    const start = performance.now();
    const outcomes = await scenario.calls(client);
    const elapsedMs = performance.now() - start;
    // Spans of failed attempts end as the error propagates: give them a tick.
    await sleep(20);
    const truth: ServerTruth = {
      sessions: server.sessions,
      streams: server.streams,
      goaways: [...server.goaways],
      resets: [...server.resets],
      socketsDestroyed: server.socketsDestroyed,
      peakStreams: server.peakStreams,
    };
    return { outcomes, truth, spans: withPlugin ? tracing.spans() : [], elapsedMs };
  } finally {
    client.destroy();
    await server.close();
  }
}

/** One SDK call's spans: the operation span and its attempt spans, in attempt order. */
interface CallSpans {
  op: ReadableSpan;
  attempts: ReadableSpan[];
}

const byStart = (a: ReadableSpan, b: ReadableSpan) =>
  a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];

/** The calls of a traced run in start order. */
function callsOf(run: H2Run): CallSpans[] {
  return run.spans
    .filter((s) => s.name === 'S3.PutObject' || s.name === 'S3.GetObject')
    .sort(byStart)
    .map((op) => ({
      op,
      attempts: childrenOf(run.spans, op)
        .filter((s) => s.name === `${op.name} attempt`)
        .sort((a, b) => Number(attr(a, ATTR_ATTEMPT)) - Number(attr(b, ATTR_ATTEMPT))),
    }));
}

/** Attempt `n` of call `call` (both 1-based). */
function attemptOf(run: H2Run, call: number, n: number): ReadableSpan {
  const span = callsOf(run)[call - 1]?.attempts[n - 1];
  if (!span) throw new Error(`no span for call ${call} attempt ${n}`);
  return span;
}

const phasesOf = (run: H2Run, attempt: ReadableSpan) =>
  childrenOf(run.spans, attempt)
    .map((s) => s.name)
    .filter((name) => (PHASE_SPAN_NAMES as readonly string[]).includes(name))
    .sort();

const spanCount = (run: H2Run, name: string) => run.spans.filter((s) => s.name === name).length;

/** The attempt ran over HTTP/2 on NodeHttp2Handler, on a session with an id. */
function expectHttp2(attempt: ReadableSpan) {
  expect(attr(attempt, ATTR_NETWORK_PROTOCOL_VERSION)).toBe('2');
  expect(attr(attempt, ATTR_HTTP_HANDLER)).toBe(HTTP_HANDLER_NODE_HTTP2);
  expect(attr(attempt, ATTR_CONNECTION_ID)).toEqual(expect.any(String));
}

/** The attempt opened its session: not reused, its own dns.lookup, tcp.connect and tls.handshake. */
function expectNewSession(run: H2Run, attempt: ReadableSpan) {
  expectHttp2(attempt);
  expect(attr(attempt, ATTR_CONNECTION_REUSED)).toBe(false);
  expect(phasesOf(run, attempt)).toEqual(['dns.lookup', 'tcp.connect', 'tls.handshake']);
}

/** The attempt ran on the session `id` that an earlier attempt opened: reused, no phase span. */
function expectReused(run: H2Run, attempt: ReadableSpan, id: unknown) {
  expectHttp2(attempt);
  expect(attr(attempt, ATTR_CONNECTION_REUSED)).toBe(true);
  expect(attr(attempt, ATTR_CONNECTION_ID)).toBe(id);
  expect(phasesOf(run, attempt)).toEqual([]);
}

const findingsOf = async (run: H2Run) =>
  (await analyze(run.spans.map((s) => wireSpanFromReadable(s)))).findings;

/**
 * Facts of put → idle (IDLE_MS) → GOAWAY `code` (or, with none, a TCP reset) → put: the second call opened
 * a new session with its own handshake, and tells how the previous one ended.
 */
const newSessionAfterIdle = (code?: number) => (run: H2Run) => {
  const first = attemptOf(run, 1, 1);
  const second = attemptOf(run, 2, 1);
  expectNewSession(run, first);
  expectNewSession(run, second);
  expect(attr(second, ATTR_CONNECTION_ID)).not.toBe(attr(first, ATTR_CONNECTION_ID));
  expect(spanCount(run, 'tls.handshake')).toBe(run.truth.sessions);
  // The GOAWAY came while no stream was open: no attempt ran when it arrived, none carries its code.
  expect(attr(first, ATTR_HTTP2_GOAWAY_CODE)).toBeUndefined();
  expect(attr(second, ATTR_HTTP2_GOAWAY_CODE)).toBeUndefined();
  // The replacement session's opener carries it (70b64a3), with how long the old one sat idle.
  expect(attr(second, ATTR_HTTP2_PREVIOUS_GOAWAY_CODE)).toBe(code);
  if (code === undefined) expect(attr(second, ATTR_HTTP2_PREVIOUS_IDLE_MS)).toBeUndefined();
  // Client-measured (last response end → GOAWAY); the server timed IDLE_MS from its own end: load skews it.
  else expect(attr(second, ATTR_HTTP2_PREVIOUS_IDLE_MS)).toBeGreaterThanOrEqual(IDLE_MS / 2);
};

/**
 * Facts of a stream that got RST_STREAM `code` on a warm session (call 1, attempt 1). `reset`: the
 * producer's classification — with no GOAWAY, no RST_STREAM code is a reset: REFUSED_STREAM is the
 * peer turning a stream away on a live session (retried on it), any other code the server failing one
 * stream on a healthy session.
 */
function rstFacts(run: H2Run, code: number, reset: boolean) {
  const hit = attemptOf(run, 1, 1);
  expect(attr(hit, ATTR_CONNECTION_REUSED)).toBe(true);
  expect(attr(hit, ATTR_HTTP2_STREAMS_IN_FLIGHT)).toBe(0);
  expect(attr(hit, ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(45);
  expect(attr(hit, ATTR_HTTP2_RST_STREAM_CODE)).toBe(code);
  expect(attr(hit, ATTR_ERROR_TYPE)).toBe('ERR_HTTP2_STREAM_ERROR');
  expect(attr(hit, ATTR_SOCKET_RESET)).toBe(reset);
  expect(attr(hit, ATTR_HTTP_RESPONSE_STATUS_CODE)).toBeUndefined();
}

/** Delay of each response in the queueing scenarios, ms. */
const QUEUE_DELAY_MS = 100;

const threeSequentialPuts = async (client: S3Client) => [
  await put(client, 'a'),
  await put(client, 'b'),
  await put(client, 'c'),
];

/** put, idle past the server's GOAWAY (or reset), put. */
const putIdlePut = async (client: S3Client) => {
  const first = await put(client, 'first');
  await sleep(IDLE_PAUSE_MS);
  return [first, await put(client, 'second')];
};

const putPut = async (client: S3Client) => [await put(client, 'first'), await put(client, 'second')];
const warmPut = (client: S3Client) => put(client, 'warm');

const SCENARIOS: H2Scenario[] = [
  {
    name: 'pooled: sequential calls share one session',
    calls: async (c) => [
      await put(c, 'a'),
      await get(c, 'a', 'body of a'),
      await put(c, 'b'),
      await get(c, 'b', 'body of b'),
    ],
    outcomes: [ok(), ok(), ok(), ok()],
    truth: { sessions: 1, streams: 4 },
    findings: [],
    facts: async (run) => {
      const first = attemptOf(run, 1, 1);
      expectNewSession(run, first);
      for (let call = 2; call <= 4; call++) {
        const attempt = attemptOf(run, call, 1);
        expectReused(run, attempt, attr(first, ATTR_CONNECTION_ID));
        // Back to back: the previous stream was read to its end, the session idle since (6fab8e2).
        expect(attr(attempt, ATTR_HTTP2_STREAMS_IN_FLIGHT)).toBe(0);
        expect(attr(attempt, ATTR_CONNECTION_IDLE_MS)).toEqual(expect.any(Number));
      }
      expect(spanCount(run, 'tls.handshake')).toBe(1);
      expect((await findingsOf(run)).map((f) => f.code)).not.toContain(FINDING_CONNECTION_CHURN);
    },
  },
  {
    name: 'pooled: a missing key is a 404 NoSuchKey on the shared session',
    calls: async (c) => [await put(c, 'a'), await get(c, 'missing', '')],
    outcomes: [
      ok(),
      {
        ok: false,
        attempts: 1,
        status: 404,
        errorName: 'NoSuchKey',
        message: 'The specified key does not exist.',
      },
    ],
    truth: { sessions: 1, streams: 2 },
  },
  {
    name: 'disableConcurrentStreams: a session per request',
    handler: { disableConcurrentStreams: true },
    calls: async (c) => [...(await threeSequentialPuts(c)), await put(c, 'd')],
    outcomes: [ok(), ok(), ok(), ok()],
    truth: { sessions: 4, streams: 4 },
    findings: [FINDING_CONNECTION_CHURN, FINDING_DNS_LOOKUP_PER_CONNECTION],
    facts: async (run) => {
      const attempts = callsOf(run).flatMap((c) => c.attempts);
      expect(attempts).toHaveLength(4);
      for (const attempt of attempts) expectNewSession(run, attempt);
      expect(new Set(attempts.map((a) => attr(a, ATTR_CONNECTION_ID))).size).toBe(run.truth.sessions);
      expect(spanCount(run, 'tls.handshake')).toBe(run.truth.sessions);
      const churn = (await findingsOf(run)).filter((f) => f.code === FINDING_CONNECTION_CHURN);
      expect(churn).toHaveLength(1);
      expect(churn[0]?.evidence.counts).toMatchObject({ attempts: 4, newConnections: 4, peakConcurrency: 1 });
    },
  },
  {
    name: 'GOAWAY NO_ERROR on an idle session: the next call opens a new session',
    arrange: (s) => Object.assign(s.behaviour, { goaway: { code: H2_CODE.NO_ERROR, when: IDLE_MS } }),
    calls: putIdlePut,
    outcomes: [ok(), ok()],
    truth: { sessions: 2, streams: 2, goaways: [H2_CODE.NO_ERROR] },
    findings: [],
    facts: newSessionAfterIdle(H2_CODE.NO_ERROR),
  },
  {
    name: 'GOAWAY INTERNAL_ERROR on an idle session: the next call opens a new session',
    arrange: (s) => Object.assign(s.behaviour, { goaway: { code: H2_CODE.INTERNAL_ERROR, when: IDLE_MS } }),
    calls: putIdlePut,
    outcomes: [ok(), ok()],
    truth: { sessions: 2, streams: 2, goaways: [H2_CODE.INTERNAL_ERROR] },
    findings: [],
    facts: newSessionAfterIdle(H2_CODE.INTERNAL_ERROR),
  },
  {
    name: 'GOAWAY NO_ERROR on an in-flight stream: refused, retried on a new session',
    arrange: (s) => {
      s.behaviour.goaway = { code: H2_CODE.NO_ERROR, when: 'next-stream' };
    },
    calls: putPut,
    outcomes: [ok(), ok(2)],
    // The server saw the refused stream and sent GOAWAY instead of an answer; the retry ran on a new
    // session, where it was that session's first stream (answered).
    truth: { sessions: 2, streams: 3, goaways: [H2_CODE.NO_ERROR] },
    findings: [FINDING_STALE_CONNECTION_RESET],
    facts: (run) => {
      const first = attemptOf(run, 1, 1);
      const hit = attemptOf(run, 2, 1);
      const retry = attemptOf(run, 2, 2);
      expectReused(run, hit, attr(first, ATTR_CONNECTION_ID));
      expect(attr(hit, ATTR_HTTP2_GOAWAY_CODE)).toBe(H2_CODE.NO_ERROR);
      // Node closes a stream above the GOAWAY's last stream id as refused (it was not processed).
      expect(attr(hit, ATTR_HTTP2_RST_STREAM_CODE)).toBe(H2_CODE.REFUSED_STREAM);
      expect(attr(hit, ATTR_ERROR_TYPE)).toBe('ERR_HTTP2_STREAM_ERROR');
      // The peer closed the session under the request: the HTTP/2 form of a dropped kept-alive socket.
      expect(attr(hit, ATTR_SOCKET_RESET)).toBe(true);
      expectNewSession(run, retry);
      expect(attr(retry, ATTR_CONNECTION_ID)).not.toBe(attr(first, ATTR_CONNECTION_ID));
      expect(attr(retry, ATTR_HTTP2_GOAWAY_CODE)).toBeUndefined();
      // The GOAWAY hit an attempt, which carries it: nothing for the next session.
      expect(attr(retry, ATTR_HTTP2_PREVIOUS_GOAWAY_CODE)).toBeUndefined();
    },
  },
  {
    name: 'GOAWAY INTERNAL_ERROR on an in-flight stream: the call fails, not retried',
    arrange: (s) => {
      s.behaviour.goaway = { code: H2_CODE.INTERNAL_ERROR, when: 'next-stream' };
    },
    calls: putPut,
    outcomes: [
      ok(),
      {
        ok: false,
        attempts: 1,
        status: undefined,
        errorName: 'Error',
        errorCode: 'ERR_HTTP2_SESSION_ERROR',
        message: 'Session closed with error code 2',
      },
    ],
    truth: { sessions: 1, streams: 2, goaways: [H2_CODE.INTERNAL_ERROR] },
    findings: [FINDING_STALE_CONNECTION_RESET, FINDING_UNRETRIED_SOCKET_ERROR],
    facts: (run) => {
      const hit = attemptOf(run, 2, 1);
      expectReused(run, hit, attr(attemptOf(run, 1, 1), ATTR_CONNECTION_ID));
      expect(attr(hit, ATTR_HTTP2_GOAWAY_CODE)).toBe(H2_CODE.INTERNAL_ERROR);
      expect(attr(hit, ATTR_ERROR_TYPE)).toBe('ERR_HTTP2_SESSION_ERROR');
      expect(attr(hit, ATTR_SOCKET_RESET)).toBe(true);
      // The session was destroyed under the stream; no RST_STREAM ended it.
      expect(attr(hit, ATTR_HTTP2_RST_STREAM_CODE)).toBeUndefined();
    },
  },
  {
    name: 'RST_STREAM REFUSED_STREAM on a live session: retried on the same session, not a stale one',
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.rstStream = { code: H2_CODE.REFUSED_STREAM, count: 1 };
    },
    calls: async (c) => [await put(c, 'refused once')],
    outcomes: [ok(2)],
    truth: { sessions: 0, streams: 2, resets: [H2_CODE.REFUSED_STREAM] },
    // The session is healthy (no GOAWAY): turned away, retried on it, no finding.
    findings: [],
    facts: (run) => {
      rstFacts(run, H2_CODE.REFUSED_STREAM, false);
      // The retry is attempt 2, on the same pooled session: one attempt span per stream the server saw.
      const retry = attemptOf(run, 1, 2);
      expectReused(run, retry, attr(attemptOf(run, 1, 1), ATTR_CONNECTION_ID));
      expect(attr(retry, ATTR_ATTEMPT)).toBe(2);
      expect(attr(retry, ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(200);
      expect(attr(retry, ATTR_HTTP2_RST_STREAM_CODE)).toBeUndefined();
      expect(callsOf(run)[0]?.attempts).toHaveLength(run.truth.streams);
    },
  },
  {
    name: 'RST_STREAM INTERNAL_ERROR on a reused session: the call fails, not retried',
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.rstStream = { code: H2_CODE.INTERNAL_ERROR, count: 1 };
    },
    calls: async (c) => [await put(c, 'reset')],
    outcomes: [
      {
        ok: false,
        attempts: 1,
        status: undefined,
        errorName: 'Error',
        errorCode: 'ERR_HTTP2_STREAM_ERROR',
        message: 'Stream closed with error code NGHTTP2_INTERNAL_ERROR',
      },
    ],
    truth: { sessions: 0, streams: 1, resets: [H2_CODE.INTERNAL_ERROR] },
    findings: [],
    facts: (run) => {
      rstFacts(run, H2_CODE.INTERNAL_ERROR, false);
      expect(callsOf(run)[0]?.attempts).toHaveLength(1);
    },
  },
  {
    name: 'RST_STREAM NO_ERROR before a response: the call fails, not retried',
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.rstStream = { code: H2_CODE.NO_ERROR, count: 1 };
    },
    calls: async (c) => [await put(c, 'closed')],
    outcomes: [
      {
        ok: false,
        attempts: 1,
        status: undefined,
        errorName: 'Error',
        message: 'Unexpected error: http2 request did not get a response',
      },
    ],
    truth: { sessions: 0, streams: 1, resets: [H2_CODE.NO_ERROR] },
    findings: [],
    facts: (run) => {
      const hit = attemptOf(run, 1, 1);
      expect(attr(hit, ATTR_CONNECTION_REUSED)).toBe(true);
      // NO_ERROR is not an error code: not recorded (semconv). The SDK's error has no code: its name.
      expect(attr(hit, ATTR_HTTP2_RST_STREAM_CODE)).toBeUndefined();
      expect(attr(hit, ATTR_ERROR_TYPE)).toBe('Error');
    },
  },
  {
    name: 'TCP reset under a request on a reused session: ECONNRESET, retried on a new session',
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.destroySocket = { count: 1 };
    },
    calls: async (c) => [await put(c, 'reset socket')],
    outcomes: [ok(2)],
    truth: { sessions: 1, streams: 2, socketsDestroyed: 1 },
    findings: [FINDING_STALE_CONNECTION_RESET],
    facts: (run) => {
      const hit = attemptOf(run, 1, 1);
      const retry = attemptOf(run, 1, 2);
      expect(attr(hit, ATTR_CONNECTION_REUSED)).toBe(true);
      expect(attr(hit, ATTR_ERROR_TYPE)).toBe('ECONNRESET');
      expect(attr(hit, ATTR_SOCKET_RESET)).toBe(true);
      // No RST_STREAM was sent: the connection died (Node's local INTERNAL_ERROR is not recorded).
      expect(attr(hit, ATTR_HTTP2_RST_STREAM_CODE)).toBeUndefined();
      expectNewSession(run, retry);
      expect(attr(retry, ATTR_CONNECTION_ID)).not.toBe(attr(hit, ATTR_CONNECTION_ID));
    },
  },
  {
    name: 'TCP reset of an idle session: the next call opens a new session, nothing fails',
    arrange: (s) => {
      s.behaviour.resetIdleMs = IDLE_MS;
    },
    calls: putIdlePut,
    outcomes: [ok(), ok()],
    truth: { sessions: 2, streams: 2, socketsDestroyed: 1 },
    // The session reads the RST while idle and leaves the pool (as an idle HTTP/1.1 socket does).
    facts: newSessionAfterIdle(),
    findings: [],
  },
  {
    name: 'server maxConcurrentStreams 1, warm session: three concurrent calls queue on it',
    server: { maxConcurrentStreams: 1 },
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.delayMs = QUEUE_DELAY_MS;
    },
    calls: (c) => Promise.all([put(c, 'q1'), put(c, 'q2'), put(c, 'q3')]),
    outcomes: [ok(), ok(), ok()],
    truth: { sessions: 0, streams: 3, peakStreams: 1 },
    findings: [FINDING_SOCKET_POOL_SATURATION],
    facts: (run) => {
      const attempts = callsOf(run).map((c) => c.attempts[0] as ReadableSpan);
      const id = attr(attempts[0] as ReadableSpan, ATTR_CONNECTION_ID);
      for (const attempt of attempts) {
        expectReused(run, attempt, id);
        expect(attr(attempt, ATTR_HTTP2_MAX_CONCURRENT_STREAMS)).toBe(1);
      }
      const inFlight = attempts.map((a) => attr(a, ATTR_HTTP2_STREAMS_IN_FLIGHT)).sort();
      expect(inFlight).toEqual([0, 1, 2]);
      // One stream at a time, each answered after QUEUE_DELAY_MS: the k-th waited about k delays.
      const waits = attempts.map((a) => Number(attr(a, ATTR_CONNECTION_QUEUE_MS) ?? 0)).sort((a, b) => a - b);
      expect(waits[0]).toBe(0);
      expect(waits[1]).toBeGreaterThanOrEqual(QUEUE_DELAY_MS - 5);
      expect(waits[2]).toBeGreaterThanOrEqual(2 * QUEUE_DELAY_MS - 5);
    },
  },
  {
    name: 'server maxConcurrentStreams 1, cold session: the streams over the limit are refused and retried',
    server: { maxConcurrentStreams: 1 },
    arrange: (s) => {
      s.behaviour.delayMs = QUEUE_DELAY_MS;
    },
    calls: (c) => Promise.all([put(c, 'q1'), put(c, 'q2'), put(c, 'q3')]),
    outcomes: [ok(), ok(2), ok(2)],
    truth: { sessions: 1, streams: 3, peakStreams: 1 },
    findings: [FINDING_SOCKET_POOL_SATURATION],
    facts: (run) => {
      const calls = callsOf(run);
      const opened = calls
        .flatMap((c) => c.attempts)
        .filter((a) => attr(a, ATTR_CONNECTION_REUSED) === false);
      expect(opened).toHaveLength(1);
      const refused = calls.filter((c) => c.attempts.length === 2).map((c) => c.attempts[0] as ReadableSpan);
      expect(refused.map((a) => attr(a, ATTR_HTTP2_RST_STREAM_CODE))).toEqual([7, 7]);
      // Refused for the limit the client did not know yet, on a live session: not a reset (fadec6b).
      expect(refused.map((a) => attr(a, ATTR_SOCKET_RESET))).toEqual([false, false]);
      for (const call of calls) {
        expect(attr(call.attempts.at(-1) as ReadableSpan, ATTR_CONNECTION_ID)).toBe(
          attr(opened[0] as ReadableSpan, ATTR_CONNECTION_ID),
        );
      }
    },
  },
];

const pick = (truth: ServerTruth, expected: H2Scenario['truth']) =>
  Object.fromEntries(Object.keys(expected).map((key) => [key, truth[key as keyof ServerTruth]]));

describe('HTTP/2 scenarios: the same results, errors and retries with and without the plugin', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const bare = await runScenario(scenario, false);
    expect(bare.outcomes).toEqual(scenario.outcomes);
    expect(pick(bare.truth, scenario.truth)).toEqual(scenario.truth);
    const traced = await runScenario(scenario, true);
    expect(traced.outcomes).toEqual(bare.outcomes);
    expect(traced.truth).toEqual(bare.truth);
    // The plugin traced the calls: one operation span per call.
    const operations = traced.spans.filter((s) => s.name === 'S3.PutObject' || s.name === 'S3.GetObject');
    expect(operations).toHaveLength(scenario.outcomes.length);
  });

  it('queueing costs time: three calls at one stream at a time take three server delays', async () => {
    const scenario = SCENARIOS.find((s) => s.name.startsWith('server maxConcurrentStreams 1, warm'));
    const run = await runScenario(scenario as H2Scenario, false);
    expect(run.elapsedMs).toBeGreaterThanOrEqual(3 * QUEUE_DELAY_MS - 5);
  });
});

// The connection facts the HTTP/2 producer records (issue 17), on the traced run of each scenario.
describe('HTTP/2 scenarios: the facts the plugin records', () => {
  it.each(SCENARIOS.filter((s) => s.facts).map((s) => [s.name, s] as const))(
    '%s',
    async (_name, scenario) => {
      const run = await runScenario(scenario, true);
      expect(run.outcomes).toEqual(scenario.outcomes);
      await scenario.facts?.(run);
      if (scenario.findings) {
        expect((await findingsOf(run)).map((f) => f.code).sort()).toEqual(scenario.findings);
      }
    },
  );
});
